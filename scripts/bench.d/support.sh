# Streaming support ("pay while you watch") end to end, sourced by scripts/bench (part "support"):
# the Release sidecar with --support-interval SUPPORT_INTERVAL (default 5 s) against one op-sandbox
# (--wait 0, started by start_tips_env), SUPPORT_SESSIONS (default 200) sessions approved through
# the sandbox hook, heartbeats from the driver and a live stream from Owncast's webhook for
# SUPPORT_SECONDS (default 120), SUPPORT_WORKERS (--support-workers, default 4), SUPPORT_LATENCY_MS
# (each wallet answer delayed by that much, as from a remote wallet; default none); tests/bench/support_bench.mjs reports the payments made, the
# sidecar's CPU per payment (/proc/<pid>/stat) next to the same run's GET /healthz baseline, and the
# no-double-payment checks at the sandbox. Exits with the sidecar's log tail when a check fails.
# Uses from scripts/bench: ONLY, TMP, CONN, start_tips_env / stop_tips_env (PID, BASE, SB_PID, SB_BASE).
if [ "$ONLY" = all ] || [ "$ONLY" = support ]; then
  SUPPORT_SESSIONS=${SUPPORT_SESSIONS:-200}
  SUPPORT_SECONDS=${SUPPORT_SECONDS:-120}
  SUPPORT_INTERVAL=${SUPPORT_INTERVAL:-5}
  SUPPORT_WORKERS=${SUPPORT_WORKERS:-4}
  SB_LATENCY_MS=${SUPPORT_LATENCY_MS:-}
  SUPPORT_HOOK_TOKEN=supportbenchwebhooktoken0123456789
  command -v node >/dev/null || { echo "node is needed for the support benchmark (scripts/setup)" >&2; exit 1; }
  [ -d tests/node_modules/@interledger/open-payments ] || (cd tests && npm ci --silent)
  cmake --build build-bench -j"$(nproc)" --target owncast-wm >/dev/null
  start_tips_env "$TMP/support" --support-interval "$SUPPORT_INTERVAL" --support-workers "$SUPPORT_WORKERS" --webhook-token "$SUPPORT_HOOK_TOKEN"
  echo
  echo "support bench: --support-workers $SUPPORT_WORKERS, wallet latency ${SB_LATENCY_MS:-0} ms, cores=$(nproc), load average $(cut -d' ' -f1-3 /proc/loadavg)"
  status=0
  node tests/bench/support_bench.mjs --wm "$BASE" --wm-pid "$PID" --sandbox "$SB_BASE" --sandbox-pid "$SB_PID" \
    --hook-token "$SUPPORT_HOOK_TOKEN" --sessions "$SUPPORT_SESSIONS" --seconds "$SUPPORT_SECONDS" \
    --interval "$SUPPORT_INTERVAL" --connections "$CONN" >"$TMP/support/bench.txt" || status=$?
  sed 's/^/  /' "$TMP/support/bench.txt"
  if [ "$status" != 0 ]; then
    echo "support bench: a check failed (exit $status); sidecar log tail:" >&2
    tail -20 "$TMP/support/err" >&2
    exit "$status"
  fi
  stop_tips_env
fi

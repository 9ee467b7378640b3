# Sourced by scripts/bench for `--only alerts` (and `all`); uses its TMP, CONN, DUR, FLOWS_GIVEN,
# PID/SB_PID cleanup, start_tips_env/stop_tips_env and run().
#   1. Latency: the Release sidecar with a wallet on one op-sandbox (--wait 0), 32 overlay SSE
#      clients (tests/bench/alerts_bench.mjs latency), >= 200 real tips (--flows N, default 200):
#      time from each tip's completed commit (the event's `at`) to its arrival at every client.
#   2. The Owncast webhook at ~3,000 events/s (wrk, like the `webhook` part) on a sidecar without
#      SSE clients, then with 32 overlay clients connected receiving 10 test alerts/s
#      (alerts_bench.mjs hold), three times each, interleaved; p99 of each run and the ratio of
#      the medians with/without (target <= 1.5).
alerts_bench() {
  command -v node >/dev/null || { echo "node is needed for the alerts benchmark (scripts/setup)" >&2; exit 1; }
  command -v wrk >/dev/null || scripts/setup
  [ -d tests/node_modules/@interledger/open-payments ] || (cd tests && npm ci --silent)
  cmake --build build-bench -j"$(nproc)" --target owncast-wm >/dev/null
  local tips=${FLOWS_GIVEN:-200} pw=bench-password-1
  echo
  echo "alerts bench: $tips tips to 32 overlay clients, cores=$(nproc), load average $(cut -d' ' -f1-3 /proc/loadavg)"
  start_tips_env "$TMP/alerts" --admin-password "$pw"
  node tests/bench/alerts_bench.mjs latency --wm "$BASE" --sandbox "$SB_BASE" --password "$pw" \
    --clients 32 --tips "$tips" >"$TMP/alerts/latency.txt" || { cat "$TMP/alerts/latency.txt"; tail -20 "$TMP/alerts/err" >&2; exit 1; }
  grep -v '^alerts_bench' "$TMP/alerts/latency.txt"
  stop_tips_env

  export BODIES_DIR="$PWD/tests/data/fixtures/owncast"
  ./build-bench/owncast-wm serve --listen 127.0.0.1:0 --data-dir "$TMP/alerts-hook" --access-log off \
    --admin-password "$pw" --http-threads $((CONN + 16)) >"$TMP/alerts-hook.out" 2>"$TMP/alerts-hook.err" &
  PID=$!
  for _ in $(seq 1 200); do grep -q "webhook URL" "$TMP/alerts-hook.out" 2>/dev/null && break; sleep 0.05; done
  BASE=$(sed -n 's/.*listening on \(http[^ ]*\).*/\1/p' "$TMP/alerts-hook.out")
  local hook holder p99s_without="" p99s_with=""
  hook=$(sed -n 's/.*\(\/webhooks\/owncast\/[A-Za-z0-9_-]*\).*/\1/p' "$TMP/alerts-hook.out")
  echo "webhook at ~3,000 events/s (30 connections, one request per 10 ms each, ${DUR}s runs)"
  for round in 1 2 3; do
    run "webhook_3k_no_sse_$round" webhook.lua "$hook" 30 10
    p99s_without="$p99s_without $(awk '$1=="99%" {print $2}' "$TMP/webhook_3k_no_sse_$round.txt")"
    node tests/bench/alerts_bench.mjs hold --wm "$BASE" --password "$pw" --clients 32 --alerts-per-sec 10 \
      >"$TMP/alerts-hold.txt" 2>&1 &
    holder=$!
    for _ in $(seq 1 200); do grep -q "holding" "$TMP/alerts-hold.txt" 2>/dev/null && break; sleep 0.05; done
    run "webhook_3k_32_sse_$round" webhook.lua "$hook" 30 10
    p99s_with="$p99s_with $(awk '$1=="99%" {print $2}' "$TMP/webhook_3k_32_sse_$round.txt")"
    kill -TERM "$holder" 2>/dev/null || true; wait "$holder" 2>/dev/null || true
    echo "  $(grep '^alerts_bench mode=hold' "$TMP/alerts-hold.txt")"
  done
  kill "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; PID=""
  # wrk prints 1.23ms / 850.00us / 1.02s: to ms; the ratio of the medians of three runs each (one
  # noisy run on the shared cores moves a median of three less than a mean of two).
  echo "$p99s_without|$p99s_with" | awk -F'|' '
    function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; if (v ~ /s$/) return v * 1000; return v }
    function mid(list,   a, n, i, j, t) { n = split(list, a, " ")
      for (i = 1; i <= n; i++) a[i] = ms(a[i])
      for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
      return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2 }
    { w = mid($2); o = mid($1)
      printf "webhook p99 with 32 SSE clients / without: %.2f ms / %.2f ms = %.2f (target <= 1.5: %s)\n", w, o, w / o, (w / o <= 1.5 ? "met" : "MISSED") }'
}
if [ "$ONLY" = all ] || [ "$ONLY" = alerts ]; then alerts_bench; fi

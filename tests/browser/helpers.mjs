// Helpers for the browser tests: start the real owncast-wm binary, the Open Payments sandbox,
// a host page on another loopback origin, and headless Chromium (Debian's, via playwright-core).
import { spawn, execFileSync } from 'node:child_process';
import { createServer } from 'node:http';
import { mkdtempSync, mkdirSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

// The binary under test: $WM_BINARY, else $OWNCAST_WM_BIN, else build-test/owncast-wm.
export function binaryPath() {
  const p = process.env.WM_BINARY || process.env.OWNCAST_WM_BIN || 'build-test/owncast-wm';
  const abs = resolve(ROOT, p);
  if (!existsSync(abs)) {
    throw new Error(`owncast-wm binary not found at ${abs}; build it or set WM_BINARY / OWNCAST_WM_BIN`);
  }
  return abs;
}

// Screenshots go to $WM_TEST_OUTPUT (default test-output/ at the repository root).
export function outputDir() {
  const dir = resolve(ROOT, process.env.WM_TEST_OUTPUT || 'test-output');
  mkdirSync(dir, { recursive: true });
  return dir;
}

function waitForLine(child, re, what, timeoutMs = 30000) {
  return new Promise((resolvePromise, reject) => {
    let buf = '';
    let err = '';
    const timer = setTimeout(() => {
      reject(new Error(`${what} did not start within ${timeoutMs} ms\nstdout: ${buf}\nstderr: ${err}`));
    }, timeoutMs);
    const onData = (d) => {
      buf += d.toString();
      const m = re.exec(buf);
      if (m) {
        clearTimeout(timer);
        child.stdout.off('data', onData);
        child.stdout.resume(); // keep draining
        resolvePromise(m);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (d) => { err += d.toString(); if (err.length > 20000) err = err.slice(-20000); });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${what} exited with ${code}\nstdout: ${buf}\nstderr: ${err}`));
    });
  });
}

async function stopChild(child) {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  const t = setTimeout(() => { try { child.kill('SIGKILL'); } catch { /* gone */ } }, 5000);
  await exited;
  clearTimeout(t);
}

// Starts owncast-wm on 127.0.0.1:0 with a fresh data dir. Returns {url, port, child, stop()}.
// `env`: extra environment variables (e.g. test-only OWNCAST_WM_TEST_SUPPORT_INTERVAL_MS).
export async function startWm(extraArgs = [], env = {}) {
  const dataDir = mkdtempSync(join(tmpdir(), 'owncast-wm-browser-'));
  const child = spawn(binaryPath(), ['--listen', '127.0.0.1:0', '--data-dir', dataDir, '--access-log', 'off', ...extraArgs], {
    stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env },
  });
  // Everything the binary prints on stdout (the webhook URL, the one-time admin setup link).
  let stdout = '';
  child.stdout.on('data', (d) => { stdout += d.toString(); if (stdout.length > 200000) stdout = stdout.slice(-200000); });
  const m = await waitForLine(child, /owncast-wm listening on (http:\/\/127\.0\.0\.1:(\d+))/, 'owncast-wm');
  return {
    url: m[1],
    port: Number(m[2]),
    child,
    dataDir,
    stdout: () => stdout,
    // Resolves with the first match of `re` in stdout (already printed or still to come).
    async waitForStdout(re, timeoutMs = 10000) {
      const end = Date.now() + timeoutMs;
      for (;;) {
        const found = re.exec(stdout);
        if (found) return found;
        if (Date.now() > end) throw new Error(`owncast-wm did not print ${re} within ${timeoutMs} ms; stdout: ${stdout}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async stop() {
      await stopChild(child);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

// Starts tests/op-sandbox/server.mjs. Returns {port, base (https://...), http (http://...), hook(), stop()}.
export async function startSandbox(extraArgs = []) {
  const child = spawn(process.execPath, [join(ROOT, 'tests/op-sandbox/server.mjs'), '--port', '0', '--quiet', ...extraArgs], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const m = await waitForLine(child, /(\{"ready":true[^\n]*\})/, 'op-sandbox');
  const ready = JSON.parse(m[1]);
  const http = `http://127.0.0.1:${ready.port}`;
  return {
    port: ready.port,
    base: ready.base,
    http,
    child,
    async hook(method, path, body) {
      const r = await fetch(http + path, {
        method,
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await r.text();
      if (!r.ok) throw new Error(`sandbox ${method} ${path}: ${r.status} ${text}`);
      return text ? JSON.parse(text) : null;
    },
    stop: () => stopChild(child),
  };
}

// `owncast-wm keygen`: writes the key file and returns the public JWK.
export function keygen(file, keyId) {
  const out = execFileSync(binaryPath(), ['keygen', '--out', file, '--key-id', keyId], { encoding: 'utf8' });
  return JSON.parse(out);
}

// A tiny page server on another loopback origin (127.0.0.2 when available, which is also
// another *site*, so the widget really runs as a third-party frame). `page()` returns the HTML.
export async function startHostServer(page) {
  const server = createServer((req, res) => {
    if (req.url === '/favicon.ico') { res.writeHead(204); res.end(); return; }
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
    res.end(page(req));
  });
  let host = '127.0.0.2';
  try {
    await new Promise((r, j) => { server.once('error', j); server.listen(0, host, r); });
  } catch {
    host = 'localhost';
    await new Promise((r, j) => { server.once('error', j); server.listen(0, '127.0.0.1', r); });
  }
  const { port } = server.address();
  return {
    origin: `http://${host}:${port}`,
    port,
    stop: () => new Promise((r) => { server.closeAllConnections?.(); server.close(() => r()); }),
  };
}

// The exact iframe Owncast renders for an External Action (web/components/ui/Modal/Modal.tsx).
export function owncastModalPage(src, title = 'Tip the streamer with your Interledger wallet') {
  const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Owncast</title>
<style>
  html, body { margin: 0; height: 100%; font-family: system-ui, sans-serif; background: #1e1f29; }
  .modal { position: fixed; inset: 4vh 0 0 0; margin: 0 auto; width: min(900px, 100%); height: 80vh;
           background: #fff; border-radius: 8px 8px 0 0; display: flex; flex-direction: column; }
  .modal h1 { font-size: 16px; margin: 0; padding: 12px 16px; border-bottom: 1px solid #eee; }
  .modal iframe { flex: 1; width: 100%; border: 0; }
</style></head>
<body><div class="modal" role="dialog" aria-label="${esc(title)}"><h1>${esc(title)}</h1>
<iframe id="action" src="${esc(src)}" width="100%" height="100%" allowfullscreen
  sandbox="allow-same-origin allow-scripts allow-popups allow-forms"></iframe>
</div></body></html>`;
}

export async function launchChromium() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
      '--disable-sync', '--no-first-run'],
  });
}

// Polls fn (every 150 ms) until it returns something truthy, which it returns; throws naming
// `what` after timeoutMs. Tests wait on conditions this way, never on fixed sleeps.
export async function until(fn, what, timeoutMs = 20000) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

// Outgoing webhooks end to end: the real binary delivers to receivers on loopback, and the
// receivers verify every signature with the `standardwebhooks` npm package (an independent
// implementation of the scheme). Also: kill -9 with a delivery pending, 410, redirects, and the
// verify-webhook command.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Webhook } from 'standardwebhooks';
import { binaryPath } from '../browser/helpers.mjs';

const PASSWORD = 'receiver-test-password';
const AUTH = 'Basic ' + Buffer.from(`admin:${PASSWORD}`).toString('base64');
const cleanups = [];
after(async () => { for (const c of cleanups.reverse()) await c(); });

async function until(what, fn, timeoutMs = 15000) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function startWm(dataDir) {
  const child = spawn(binaryPath(), ['--listen', '127.0.0.1:0', '--data-dir', dataDir, '--access-log', 'off',
    '--admin-password', PASSWORD], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d) => { out += d; });
  child.stderr.on('data', () => {});
  return until('owncast-wm to listen', () => {
    const m = /owncast-wm listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
    return m && { url: m[1], child };
  }, 30000);
}

async function stopWm(wm) {
  if (wm.child.exitCode !== null || wm.child.signalCode !== null) return;
  const gone = new Promise((r) => wm.child.once('exit', r));
  wm.child.kill('SIGTERM');
  await gone;
}

// A receiver that records every request and answers with `answer(req)` ({status, body, headers}).
async function startReceiver(answer = () => ({ status: 200 }), port = 0) {
  const seen = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => { body += d; });
    req.on('end', () => {
      seen.push({ path: req.url, headers: req.headers, body });
      const a = answer(req);
      res.writeHead(a.status, a.headers || {});
      res.end(a.body || 'thanks');
    });
  });
  await new Promise((r) => server.listen(port, '127.0.0.1', r));
  const r = { seen, port: server.address().port, url: `http://127.0.0.1:${server.address().port}`,
    close: () => new Promise((done) => { server.closeAllConnections(); server.close(done); }) };
  cleanups.push(r.close);
  return r;
}

async function api(wm, method, path, body) {
  const send = () => fetch(wm.url + path, {
    method,
    headers: { authorization: AUTH, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  let res;
  try {
    res = await send();
  } catch (e) {
    // spawnSync below blocks the event loop past the sidecar's 5 s keep-alive, so fetch may reuse
    // a pooled connection the server has just closed as idle (it never read the request): once more.
    if (e?.cause?.code !== 'UND_ERR_SOCKET') throw e;
    res = await send();
  }
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : null };
}

function verify(secret, msg) {
  return new Webhook(secret).verify(msg.body, msg.headers);  // throws when no signature matches
}

let dataDir;
let wm;
test('set up: the sidecar', async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'owncast-wm-hooks-'));
  cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
  wm = await startWm(dataDir);
  cleanups.push(() => stopWm(wm));
});

test('a test event is signed so that the standardwebhooks library accepts it; the secret is shown once', async () => {
  const rx = await startReceiver();
  const created = await api(wm, 'POST', '/plugins/wm/api/webhooks',
    { url: rx.url + '/hook', events: ['tip.completed', 'follow'], description: 'bookkeeping', kind: 'standard' });
  assert.equal(created.status, 201);
  assert.match(created.json.secret, /^whsec_[A-Za-z0-9+/=]{40,}$/);
  const list = await api(wm, 'GET', '/plugins/wm/api/webhooks');
  assert.equal(list.json.webhooks.length, 1);
  assert.equal(list.json.webhooks[0].secret, undefined);
  assert.equal(JSON.stringify(list.json).includes(created.json.secret), false);
  const sent = await api(wm, 'POST', `/plugins/wm/api/webhooks/${created.json.id}/test`, {});
  assert.equal(sent.status, 202);
  const msg = await until('the test delivery', () => rx.seen[0]);
  const payload = verify(created.json.secret, msg);
  assert.equal(payload.type, 'test');
  assert.equal(payload.id, sent.json.deliveryId);
  assert.equal(msg.headers['webhook-id'], sent.json.deliveryId);
  assert.throws(() => new Webhook(created.json.secret).verify(msg.body + ' ', msg.headers));
  const log = await until('the log entry', async () => {
    const d = await api(wm, 'GET', `/plugins/wm/api/webhooks/${created.json.id}/deliveries`);
    return d.json.deliveries.length === 1 && d.json.deliveries[0];
  });
  assert.equal(log.status, 200);
  assert.equal(log.ok, true);
  assert.equal(log.response, 'thanks');

  // verify-webhook agrees, and refuses a changed body.
  const file = join(dataDir, 'body.json');
  writeFileSync(file, msg.body);
  const args = ['verify-webhook', '--secret', created.json.secret, '--id', msg.headers['webhook-id'],
    '--timestamp', msg.headers['webhook-timestamp'], '--signature', msg.headers['webhook-signature'], '--body', file];
  const ok = spawnSync(binaryPath(), args, { encoding: 'utf8' });
  assert.equal(ok.status, 0, ok.stderr);
  assert.equal(ok.stdout.trim(), 'valid');
  writeFileSync(file, msg.body.replace('test', 'tset'));
  const bad = spawnSync(binaryPath(), args, { encoding: 'utf8' });
  assert.equal(bad.status, 1);
  assert.match(bad.stdout, /^invalid: /);

  // Redeliver: the same webhook-id again, still verifiable.
  const re = await api(wm, 'POST', `/plugins/wm/api/webhooks/${created.json.id}/deliveries/${sent.json.deliveryId}/redeliver`, {});
  assert.equal(re.status, 202);
  const again = await until('the redelivery', () => rx.seen[1]);
  assert.equal(again.headers['webhook-id'], msg.headers['webhook-id']);
  verify(created.json.secret, again);
  await api(wm, 'DELETE', `/plugins/wm/api/webhooks/${created.json.id}`);
});

test('after rotating, deliveries verify with the old and the new secret', async () => {
  const rx = await startReceiver();
  const c = await api(wm, 'POST', '/plugins/wm/api/webhooks', { url: rx.url, events: ['*'] });
  const rotated = await api(wm, 'POST', `/plugins/wm/api/webhooks/${c.json.id}/secret`, {});
  assert.equal(rotated.status, 200);
  assert.notEqual(rotated.json.secret, c.json.secret);
  await api(wm, 'POST', `/plugins/wm/api/webhooks/${c.json.id}/test`, {});
  const msg = await until('the delivery', () => rx.seen[0]);
  assert.equal(msg.headers['webhook-signature'].split(' ').length, 2);
  verify(c.json.secret, msg);
  verify(rotated.json.secret, msg);
  await api(wm, 'DELETE', `/plugins/wm/api/webhooks/${c.json.id}`);
});

test('410 Gone disables the endpoint with a warning; a redirect is not followed', async () => {
  const gone = await startReceiver(() => ({ status: 410 }));
  const c = await api(wm, 'POST', '/plugins/wm/api/webhooks', { url: gone.url, events: ['*'] });
  await api(wm, 'POST', `/plugins/wm/api/webhooks/${c.json.id}/test`, {});
  const ep = await until('the endpoint to be disabled', async () => {
    const l = await api(wm, 'GET', '/plugins/wm/api/webhooks');
    const e = l.json.webhooks.find((w) => w.id === c.json.id);
    return e.enabled === false && e;
  });
  assert.match(ep.warning, /410/);

  const redirect = await startReceiver((req) => (req.url === '/start' ? { status: 302, headers: { location: '/elsewhere' } } : { status: 200 }));
  const r = await api(wm, 'POST', '/plugins/wm/api/webhooks', { url: redirect.url + '/start', events: ['*'] });
  await api(wm, 'POST', `/plugins/wm/api/webhooks/${r.json.id}/test`, {});
  const log = await until('the attempt', async () => (await api(wm, 'GET', `/plugins/wm/api/webhooks/${r.json.id}/deliveries`)).json.deliveries[0]);
  assert.equal(log.status, 302);
  assert.equal(log.ok, false);
  assert.deepEqual(redirect.seen.map((s) => s.path), ['/start']);
});

test('refused targets: link-local, metadata and the sidecar itself', async () => {
  for (const url of ['http://169.254.169.254/latest/meta-data', 'http://[fe80::1]/x', wm.url + '/plugins/wm/api/webhooks']) {
    const r = await api(wm, 'POST', '/plugins/wm/api/webhooks', { url, events: ['*'] });
    assert.equal(r.status, 400, url);
    assert.equal(r.json.error.code, 'refused_target');
    assert.equal(r.json.error.field, 'url');
  }
});

test('kill -9 with a delivery pending: it is delivered after the restart with the same id', async () => {
  const rx0 = await startReceiver();
  const port = rx0.port;
  await rx0.close();  // nobody listens there now: the first attempt fails
  const c = await api(wm, 'POST', '/plugins/wm/api/webhooks', { url: `http://127.0.0.1:${port}/late`, events: ['*'] });
  const sent = await api(wm, 'POST', `/plugins/wm/api/webhooks/${c.json.id}/test`, {});
  await until('the failed first attempt', async () => {
    const d = await api(wm, 'GET', `/plugins/wm/api/webhooks/${c.json.id}/deliveries`);
    return d.json.deliveries.length === 1 && d.json.pending.length === 1;
  });
  const killed = new Promise((r) => wm.child.once('exit', r));
  wm.child.kill('SIGKILL');
  await killed;
  const rx = await startReceiver(() => ({ status: 200 }), port);
  wm = await startWm(dataDir);
  const msg = await until('the delivery after restart', () => rx.seen[0], 20000);
  assert.equal(msg.headers['webhook-id'], sent.json.deliveryId);
  verify(c.json.secret, msg);
});

// Browser test of moderation (issue 13) in real Chromium: the admin page's Moderation card turns
// on hold-for-approval and a word filter; a real tip completes through the Open Payments sandbox
// and waits in the queue without any alert; Approve in the admin page sends the alert, with the
// filtered word shown as ***, to /plugins/wm/overlay/events and the alert overlay page.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startWm, startSandbox, launchChromium, outputDir, keygen, until } from './helpers.mjs';

const PASSWORD = 'correct horse battery';
const auth = { authorization: 'Basic ' + Buffer.from('admin:' + PASSWORD).toString('base64') };
let wm;
let sb;
let browser;
let keyDir;
let out;

before(async () => {
  out = outputDir();
  sb = await startSandbox(['--wait', '1']);
  keyDir = mkdtempSync(join(tmpdir(), 'owncast-wm-key-'));
  const keyFile = join(keyDir, 'key.pem');
  await sb.hook('POST', '/_test/keys', { wallet: 'streamer', jwk: keygen(keyFile, 'moderation-test') });
  wm = await startWm(['--admin-password', PASSWORD, '--wallet-address', `${sb.base}/streamer`, '--key-id', 'moderation-test',
    '--key-file', keyFile, '--op-dev-hosts', `127.0.0.1:${sb.port}`, '--tip-rate-ip', '0', '--tip-rate-wallet', '0']);
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await wm?.stop();
  await sb?.stop();
  if (keyDir) rmSync(keyDir, { recursive: true, force: true });
});

async function api(method, path, body) {
  const r = await fetch(wm.url + path, {
    method,
    headers: { ...auth, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await r.text();
  assert.ok(r.ok, `${method} ${path}: ${r.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

// A real tip from alice through the sandbox, approved with its test hook; resolves with the tip id
// once the tip is completed (the streamer's wallet confirmed the money).
async function completeTip(value, displayName, message) {
  const r = await fetch(`${wm.url}/plugins/wm/tips`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ senderWalletAddress: `${sb.base}/alice`, amount: { value, assetCode: 'EUR', assetScale: 2 },
      displayName, message }),
  });
  const created = await r.json();
  assert.equal(r.status, 201, JSON.stringify(created));
  const latest = await sb.hook('GET', '/_test/interactions/latest');
  const d = await sb.hook('POST', `/_test/interactions/${latest.id}/decision`, { decision: 'accept' });
  await (await fetch(d.redirect)).arrayBuffer();
  await until(async () => {
    const s = await (await fetch(`${wm.url}/plugins/wm/tips/${created.id}`)).json();
    if (['failed', 'denied', 'expired'].includes(s.status)) throw new Error(`tip ended ${s.status}`);
    return s.status === 'completed';
  }, 'the tip to complete', 60000);
  return created.id;
}

// Reads /plugins/wm/overlay/events in the background; `tips()` are the `tip` events so far.
async function eventStream(url) {
  const controller = new AbortController();
  const res = await fetch(url, { signal: controller.signal });
  assert.equal(res.status, 200);
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  const s = { text: '', closed: false };
  (async () => {
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        s.text += decoder.decode(value, { stream: true });
      }
    } catch { /* aborted */ }
    s.closed = true;
  })();
  await until(() => s.text.includes('retry:'), 'the event stream to open', 5000);
  s.tips = () => s.text.split('\n\n').filter((f) => f.includes('event: tip\n'))
    .map((f) => JSON.parse(f.slice(f.indexOf('data: ') + 6)));
  s.close = () => controller.abort();
  return s;
}

test('moderation: a held sandbox tip waits in the admin queue with no alert; Approve alerts it with *** for a filtered word', async () => {
  const { urls } = await api('GET', '/plugins/wm/api/overlays');
  const events = await eventStream(urls.events);
  const context = await browser.newContext({ viewport: { width: 1920, height: 1080 } });

  // The streamer sets moderation in the admin page.
  const admin = await context.newPage();
  const problems = [];
  admin.on('pageerror', (e) => problems.push(String(e)));
  await admin.goto(`${wm.url}/plugins/wm/admin#/alerts`);
  await admin.locator('[data-testid="login"]').waitFor();
  await admin.locator('#login-password').fill(PASSWORD);
  await admin.locator('[data-testid="login-submit"]').click();
  const card = admin.locator('[data-testid="moderation-card"]');
  await card.waitFor({ timeout: 10000 });
  await admin.locator('[data-testid="mod-builtin"], #mod-builtin', { hasText: 'built-in' }).waitFor({ timeout: 10000 });
  await admin.locator('[data-testid="mod-words"]').fill('meanie\ngo away');
  await admin.locator('[data-testid="mod-hold"]').check();
  await admin.locator('[data-testid="mod-save"]').click();
  await until(async () => (await api('GET', '/plugins/wm/api/moderation')).holdForApproval === true, 'the settings to be saved');
  assert.deepEqual((await api('GET', '/plugins/wm/api/moderation')).wordFilter.words, ['meanie', 'go away']);

  const overlay = await context.newPage();
  await overlay.goto(urls.alerts);
  await overlay.waitForFunction(() => window.wmAlerts && window.wmAlerts.connected, null, { timeout: 10000 });

  const id = await completeTip('500', 'Nova', 'You MEANIE, great stream');
  await admin.locator('[data-testid="mod-refresh"]').click();
  const pending = admin.locator(`[data-testid="mod-pending"][data-tip-id="${id}"]`);
  await pending.waitFor({ timeout: 10000 });
  assert.match(await pending.innerText(), /Nova — 5\.00 EUR — You \*\*\*, great stream/);
  assert.doesNotMatch(await pending.innerText(), /MEANIE/);
  // No alert while it waits: a later test alert arrives, the held tip never came before it.
  await api('POST', '/plugins/wm/api/alerts/test');
  await until(() => events.tips().some((t) => t.test), 'the test alert');
  assert.equal(events.tips().filter((t) => t.id === id).length, 0);
  await admin.screenshot({ path: join(out, 'moderation-queue.png'), fullPage: true });

  await pending.locator('[data-testid="mod-approve"]').click();
  const alert = await until(() => events.tips().find((t) => t.id === id), 'the approved alert on the event stream');
  assert.equal(alert.message, 'You ***, great stream');
  assert.equal(alert.name, 'Nova');
  assert.equal(alert.display, '5.00 EUR');
  assert.doesNotMatch(events.text, /MEANIE/);
  await overlay.locator('.alert', { hasText: 'You ***, great stream' }).waitFor({ timeout: 15000 });
  await overlay.screenshot({ path: join(out, 'moderation-approved-alert.png') });
  await admin.locator('[data-testid="mod-queue"]', { hasText: 'No tips are waiting.' }).waitFor({ timeout: 10000 });
  await admin.locator('[data-testid="mod-log"]', { hasText: `tip ${id} approved (moderator) by admin` }).waitFor({ timeout: 10000 });

  // A second decision is refused; the log has the automatic hold and the approval.
  const again = await fetch(`${wm.url}/plugins/wm/api/moderation/queue/${id}/reject`, { method: 'POST', headers: auth });
  assert.equal(again.status, 409);
  assert.equal((await again.json()).error.code, 'already_decided');
  const { log } = await api('GET', '/plugins/wm/api/moderation/log?limit=2');
  assert.deepEqual(log.map((e) => [e.tipId, e.decision, e.by]), [[id, 'approved', 'admin'], [id, 'held', 'auto']]);
  assert.equal(events.tips().filter((t) => t.id === id).length, 1);
  assert.deepEqual(problems, []);
  events.close();
  await context.close();
});

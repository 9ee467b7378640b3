// Browser test of the goal, recent-tips and top-supporters overlays (issue 13) in real Chromium
// at 1920x1080, as OBS Browser Sources: real tips complete through the Open Payments sandbox
// (approved with its test hook), and the overlays update live over SSE. One owncast-wm and one
// sandbox for the whole file (CI time).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startWm, startSandbox, launchChromium, outputDir, keygen, ROOT, until } from './helpers.mjs';

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
  await sb.hook('POST', '/_test/keys', { wallet: 'streamer', jwk: keygen(keyFile, 'goals-test') });
  wm = await startWm(['--admin-password', PASSWORD, '--wallet-address', `${sb.base}/streamer`, '--key-id', 'goals-test',
    '--key-file', keyFile, '--op-dev-hosts', `127.0.0.1:${sb.port}`, '--tip-rate-ip', '0', '--tip-rate-wallet', '0']);
  // The stream is live, so the "top supporters of this stream" list has a stream to count.
  const hook = (await wm.waitForStdout(/(http:\/\/\S+\/webhooks\/owncast\/[A-Za-z0-9_-]+)/))[1];
  const started = readFileSync(resolve(ROOT, 'tests/data/fixtures/owncast/stream-started.json'));
  const r = await fetch(hook, { method: 'POST', headers: { 'content-type': 'application/json' }, body: started });
  assert.equal(r.status, 200, await r.text());
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

// A real tip from alice through the sandbox, approved without a browser; resolves when completed.
async function completeTip(value, displayName, extra = {}) {
  const r = await fetch(`${wm.url}/plugins/wm/tips`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ senderWalletAddress: `${sb.base}/alice`, amount: { value, assetCode: 'EUR', assetScale: 2 },
      displayName, message: 'Go go go', ...extra }),
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
}

async function overlay(context, url, ready) {
  const page = await context.newPage();
  const problems = [];
  page.on('console', (m) => { if (m.type() === 'error') problems.push(m.text()); });
  page.on('pageerror', (e) => problems.push(String(e)));
  await page.goto(url);
  await page.waitForFunction(ready, null, { timeout: 10000 });
  return { page, problems };
}

test('goal, recent and top overlays show a completed sandbox tip live; privacy kept; goal reached', async () => {
  const { urls } = await api('GET', '/plugins/wm/api/overlays');
  await api('POST', '/plugins/wm/api/goals', { title: 'New microphone', target: { value: '800', assetCode: 'EUR', assetScale: 2 } });
  const context = await browser.newContext({ viewport: { width: 1920, height: 1080 } });
  const goal = await overlay(context, urls.goal, () => window.wmGoal && window.wmGoal.live.connected && window.wmGoal.goal);
  const recent = await overlay(context, urls.recent, () => window.wmRecent && window.wmRecent.live.connected);
  const top = await overlay(context, urls.top, () => window.wmTop && window.wmTop.live.connected && window.wmTop.board);
  assert.equal(await goal.page.evaluate(() => getComputedStyle(document.body).backgroundColor), 'rgba(0, 0, 0, 0)');
  assert.match(await goal.page.locator('.goal').innerText(), /New microphone[\s\S]*0\.00 EUR \/ 8\.00 EUR[\s\S]*0%/);

  await completeTip('500', 'Nova');
  // The streamer receives what the sandbox quotes (5.00 EUR here: same currency, no fees).
  await goal.page.locator('.goal .percent', { hasText: '62%' }).waitFor({ timeout: 10000 });
  assert.match(await goal.page.locator('.goal .current').innerText(), /5\.00 EUR \/ 8\.00 EUR/);
  await recent.page.locator('.ticker .item', { hasText: 'Nova' }).waitFor({ timeout: 10000 });
  assert.match(await recent.page.locator('.ticker').innerText(), /Nova 5\.00 EUR/);
  await top.page.locator('.top li', { hasText: 'Nova' }).waitFor({ timeout: 15000 });
  await goal.page.screenshot({ path: join(out, 'goal-overlay-progress.png') });

  await completeTip('300', 'Secret Person', { anonymous: true });
  await goal.page.locator('.goal.reached .reached-text').waitFor({ timeout: 10000 });
  assert.match(await goal.page.locator('.goal .percent').innerText(), /100%/);
  await recent.page.locator('.ticker .item', { hasText: 'Anonymous' }).waitFor({ timeout: 10000 });
  await top.page.locator('.top li', { hasText: 'Anonymous' }).waitFor({ timeout: 15000 });
  assert.doesNotMatch(await recent.page.locator('body').innerText(), /Secret Person/);
  assert.doesNotMatch(await top.page.locator('body').innerText(), /Secret Person/);
  await goal.page.screenshot({ path: join(out, 'goal-overlay-reached.png') });
  await recent.page.screenshot({ path: join(out, 'goal-recent-overlay.png') });
  await top.page.screenshot({ path: join(out, 'goal-top-overlay.png') });

  // A wrong key is a 404, like an unknown route.
  for (const name of ['goal', 'recent', 'top']) {
    const r = await fetch(`${wm.url}/plugins/wm/overlay/${name}?key=wrong`);
    await r.arrayBuffer();
    assert.equal(r.status, 404);
  }
  for (const o of [goal, recent, top]) assert.deepEqual(o.problems, []);
  await context.close();
});

test('the tip widget shows the active goal bar from GET /plugins/wm/goal', async () => {
  const context = await browser.newContext({ viewport: { width: 480, height: 900 } });
  const page = await context.newPage();
  await page.goto(`${wm.url}/plugins/wm/widget/tip-panel`);
  await page.locator('#goal:not([hidden])').waitFor({ timeout: 10000 });
  assert.match(await page.locator('#goal').innerText(), /New microphone[\s\S]*8\.00 EUR of 8\.00 EUR \(100%\)/);
  await page.screenshot({ path: join(out, 'goal-widget.png') });
  await context.close();
});

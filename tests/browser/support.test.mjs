// "Support while you watch" in the tip panel, in real Chromium framed like Owncast's External
// Action, against the real owncast-wm binary and the Open Payments sandbox: the streamer's presets,
// the hourly cap in the viewer's currency, approval in the sandbox's consent popup, heartbeats
// only while the page is visible (the tab going hidden stops them), status and paid so far, Stop.
//
// The tab going hidden is emulated inside the widget's frame: document.visibilityState and
// document.hidden are overridden and a real `visibilitychange` event is dispatched, which is what
// a browser does when the viewer switches tabs or minimises the window.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ROOT, startWm, startSandbox, startHostServer, owncastModalPage, launchChromium, outputDir, keygen,
} from './helpers.mjs';
import { axeViolations, contrastProblems } from './a11y.mjs';

const HOOK = 'supportuibrowsertesttoken0123456789';
const PASSWORD = 'correct horse battery staple';
const FIXTURES = join(ROOT, 'tests/data/fixtures/owncast');

let wm; let sb; let host; let browser; let out; let keyDir;

before(async () => {
  out = outputDir();
  sb = await startSandbox(['--wait', '0']);
  keyDir = mkdtempSync(join(tmpdir(), 'owncast-wm-key-'));
  const keyFile = join(keyDir, 'key.pem');
  await sb.hook('POST', '/_test/keys', { wallet: 'streamer', jwk: keygen(keyFile, 'support-ui') });
  let src = 'about:blank';
  host = await startHostServer(() => owncastModalPage(src));
  // Presets: the third one (100 per hour, 1 cent every 0.36 s) makes payments visible within seconds.
  wm = await startWm(['--owncast-url', host.origin + '/', '--wallet-address', `${sb.base}/streamer`,
    '--key-id', 'support-ui', '--key-file', keyFile, '--op-dev-hosts', `127.0.0.1:${sb.port}`,
    '--webhook-token', HOOK, '--support-presets', '0.60,1.20,100', '--admin-password', PASSWORD],
  { OWNCAST_WM_TEST_SUPPORT_INTERVAL_MS: '300' });
  src = `${wm.url}/plugins/wm/widget/tip-panel?instance=${encodeURIComponent(host.origin + '/')}&username=Nova`;
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await wm?.stop();
  await sb?.stop();
  await host?.stop();
  if (keyDir) rmSync(keyDir, { recursive: true, force: true });
});

async function webhook(fixture) {
  const r = await fetch(`${wm.url}/webhooks/owncast/${HOOK}`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: readFileSync(join(FIXTURES, fixture)),
  });
  assert.ok(r.status < 300, `${fixture}: ${r.status}`);
  await r.arrayBuffer();
}

async function until(fn, what, timeoutMs = 20000) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

// The sandbox publishes https://127.0.0.1:N URLs but speaks plain http.
async function routeSandbox(context) {
  const prefix = sb.base + '/';
  await context.route((u) => u.href.startsWith(prefix), async (route) => {
    const req = route.request();
    const resp = await route.fetch({ url: sb.http + '/' + req.url().slice(prefix.length), maxRedirects: 0 });
    await route.fulfill({ response: resp });
  });
}

function setVisibility(frame, visible) {
  return frame.evaluate((v) => {
    Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => (v ? 'visible' : 'hidden') });
    Object.defineProperty(document, 'hidden', { configurable: true, get: () => !v });
    document.dispatchEvent(new Event('visibilitychange'));
  }, visible);
}

async function status(id) {
  const r = await fetch(`${wm.url}/plugins/wm/support/${id}`);
  assert.equal(r.status, 200);
  return r.json();
}

test('widget config offers the streamer\'s presets in the streamer\'s currency', async () => {
  const c = await (await fetch(`${wm.url}/plugins/wm/widget/config`)).json();
  assert.deepEqual(c.supportPresets.map((p) => [p.id, p.rate.value, p.rate.assetCode]),
    [['low', '60', 'EUR'], ['medium', '120', 'EUR'], ['high', '10000', 'EUR']]);
  assert.equal(c.supportDefault, 'low');
});

test('support while you watch: approve, heartbeats only while visible, paid so far, stop', async () => {
  await webhook('stream-started.json');
  const context = await browser.newContext({ viewport: { width: 1000, height: 900 } });
  const page = await context.newPage();
  const problems = [];
  page.on('console', (m) => { if (m.type() === 'error' || /Content Security Policy/i.test(m.text())) problems.push(m.text()); });
  page.on('pageerror', (e) => problems.push(String(e)));
  const beats = [];  // every heartbeat request the widget sent, with its Authorization header
  page.on('request', (r) => {
    if (r.method() === 'POST' && /\/plugins\/wm\/support\/[^/]+\/heartbeat$/.test(r.url())) beats.push(r.headers().authorization || '');
  });
  // The streamer's dashboard, open beside the viewer: "Supporters watching now" follows live.
  const adminCtx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const admin = await adminCtx.newPage();
  const tid = (id) => admin.locator(`[data-testid="${id}"]`);
  try {
    await admin.goto(`${wm.url}/plugins/wm/admin`);
    await tid('login').waitFor();
    await tid('login-password').fill(PASSWORD);
    await tid('login-submit').click();
    await tid('login').waitFor({ state: 'hidden', timeout: 15000 });
    await admin.goto(`${wm.url}/plugins/wm/admin#/dashboard`);
    await tid('watching-empty').waitFor({ state: 'visible', timeout: 15000 });
    await routeSandbox(context);
    await page.goto(host.origin + '/');
    const frame = page.frameLocator('#action');
    await frame.locator('body[data-ready="true"]').waitFor({ timeout: 15000 });
    const f = page.frames().find((x) => x.url().includes('/plugins/wm/widget/'));

    // The offer next to tips, then the presets (default: the first, 0.60 EUR per hour).
    await frame.locator('#support-offer').waitFor({ state: 'visible', timeout: 10000 });
    await frame.locator('#support-open').click();
    await frame.locator('body[data-state="support"]').waitFor();
    const radios = frame.locator('#support-rates input[type="radio"]');
    assert.equal(await radios.count(), 3);
    assert.equal(await radios.first().isChecked(), true, 'the first preset is the default');
    assert.match(await frame.locator('#support-rates').innerText(), /0\.60 EUR per hour/);
    assert.equal(await frame.locator('#s-name').inputValue(), 'Nova', 'the name comes over from the tip form');
    // Accessible names: every radio and field has a label.
    assert.match(await radios.nth(2).evaluate((e) => e.labels[0].textContent), /100\.00 EUR per hour/);

    // Validation before anything is sent.
    await frame.locator('#support-continue').click();
    assert.match(await frame.locator('#s-wallet-error').innerText(), /Enter your wallet address/);
    assert.equal(await frame.locator('#s-wallet').getAttribute('aria-invalid'), 'true');
    const a11y = async (what) => {
      assert.deepEqual(await axeViolations(f), [], `axe on the ${what}`);
      assert.deepEqual(await contrastProblems(f, '.support-rate'), [], `contrast on the ${what}`);
    };
    await a11y('support step with an error');

    const createdP = page.waitForResponse((r) => r.url().endsWith('/plugins/wm/support') && r.request().method() === 'POST');
    await radios.nth(2).check();
    await frame.locator('#s-wallet').fill(`${sb.base}/alice`);
    await frame.locator('#support-continue').click();
    const created = await createdP;
    assert.equal(created.status(), 201);
    assert.ok(created.request().headers()['idempotency-key'], 'POST carries an Idempotency-Key');
    const session = await created.json();
    await frame.locator('body[data-state="support-review"]').waitFor({ timeout: 20000 });
    assert.match(await frame.locator('#sr-rate').innerText(), /100\.00 EUR per hour/);
    const cap = await frame.locator('#sr-cap').innerText();
    assert.match(cap, /per hour/);
    assert.ok(cap.includes(session.periodLimit.assetCode), `the cap is in the viewer's currency (${cap})`);
    const stored = await f.evaluate(() => { try { return sessionStorage.getItem('owncast-wm:support'); } catch { return 'denied'; } });
    assert.ok(stored === 'denied' || JSON.parse(stored).token === session.controlToken, 'the control token is kept for this tab');
    await page.screenshot({ path: join(out, 'support-review.png') });
    await a11y('support review');

    // Approve in the sandbox's consent popup.
    await f.evaluate(() => window.owncastWmSupport.setHeartbeatMs(1000));
    const popupP = context.waitForEvent('page', { timeout: 15000 });
    await frame.locator('#support-approve').click();
    const popup = await popupP;
    await popup.locator('#approve').waitFor({ timeout: 15000 });
    await popup.locator('#approve').click();
    await frame.locator('body[data-support="active"]').waitFor({ timeout: 30000 });
    assert.match(await frame.locator('#sl-status').innerText(), /Active/);
    assert.equal(await frame.locator('#sl-status').getAttribute('role'), 'status');

    // Heartbeats arrive with the Bearer token, and money flows.
    await until(() => beats.length >= 3, 'three heartbeats');
    assert.ok(beats.every((h) => h === `Bearer ${session.controlToken}`), 'heartbeats carry the control token');
    await until(async () => BigInt((await status(session.id)).paid.value) > 0n, 'a confirmed payment', 30000);
    await until(async () => (await frame.locator('#sl-paid').innerText()) !== '0.00 EUR', 'paid so far shown', 15000);
    await page.screenshot({ path: join(out, 'support-active.png') });
    const row = tid('watching-row');
    await row.waitFor({ timeout: 15000 });
    assert.match(await row.innerText(), /Nova[\s\S]*100\.00 EUR per hour/);
    assert.equal(await tid('watching-empty').isHidden(), true);
    await admin.screenshot({ path: join(out, 'support-dashboard-watching.png') });
    await a11y('running support session');

    // The tab goes hidden: no more heartbeats; the sidecar pauses the session (30 s window).
    await setVisibility(f, false);
    const atHide = beats.length;
    await until(async () => (await status(session.id)).status === 'paused', 'paused after the heartbeat window', 45000);
    assert.equal(beats.length, atHide, `no heartbeat while hidden (${beats.length - atHide} sent)`);
    const paidPaused = BigInt((await status(session.id)).paid.value);

    // Visible again: heartbeats resume at once and the session is active again.
    await setVisibility(f, true);
    await until(() => beats.length > atHide, 'a heartbeat after becoming visible', 5000);
    await until(async () => (await status(session.id)).status === 'active', 'active again', 15000);
    await frame.locator('body[data-support="active"]').waitFor({ timeout: 15000 });
    await until(async () => BigInt((await status(session.id)).paid.value) > paidPaused, 'payments resume', 30000);

    // A reload finds the running session again. The widget is a third-party frame, where Chromium
    // denies sessionStorage: the sidecar's partitioned cookie carries it. Shown as running,
    // heartbeats go on with the same token, and it still pays.
    const atReload = beats.length;
    await page.reload();
    await frame.locator('body[data-ready="true"]').waitFor({ timeout: 15000 });
    await frame.locator('body[data-support="active"]').waitFor({ timeout: 15000 });
    assert.match(await frame.locator('#sl-status').innerText(), /Active/);
    const f2 = page.frames().find((x) => x.url().includes('/plugins/wm/widget/'))
    await f2.evaluate(() => window.owncastWmSupport.setHeartbeatMs(1000));
    await until(() => beats.length > atReload, 'a heartbeat after the reload', 15000);
    assert.ok(beats.slice(atReload).every((h) => h === `Bearer ${session.controlToken}`), 'the same control token after the reload');
    const paidAtReload = BigInt((await status(session.id)).paid.value);
    await until(async () => BigInt((await status(session.id)).paid.value) > paidAtReload, 'payments go on after the reload', 30000);
    assert.equal((await status(session.id)).status, 'active');

    // What the frame itself sees (its partitioned cookies).
    const supportCookie = async () => (/(?:^|;\s*)wm_support=([^;]+)/.exec(await f2.evaluate(() => document.cookie)) || [])[1]
    assert.equal(await supportCookie(), `${session.id}.${session.controlToken}`, 'the session is in the wm_support cookie')
    // Stop: DELETE with the Bearer token; the session is stopped and heartbeats end.
    const stopP = page.waitForResponse((r) => r.url().endsWith(`/plugins/wm/support/${session.id}`) && r.request().method() === 'DELETE');
    await frame.locator('#support-stop').click();
    const stopped = await stopP;
    assert.equal(stopped.status(), 200);
    assert.equal(stopped.request().headers().authorization, `Bearer ${session.controlToken}`);
    await frame.locator('body[data-support="stopped"]').waitFor({ timeout: 10000 });
    assert.equal((await status(session.id)).status, 'stopped');
    assert.equal(await frame.locator('#support-stop').isHidden(), true);
    const atStop = beats.length;
    await new Promise((r) => setTimeout(r, 2500));  // more than two heartbeat periods
    assert.equal(beats.length, atStop, 'no heartbeat after stop');
    assert.equal(await supportCookie(), undefined, 'the session cookie is cleared at stop');
    await page.screenshot({ path: join(out, 'support-stopped.png') });
    // The dashboard drops the row on the live `support` event (its own poll is every 20 s).
    await tid('watching-empty').waitFor({ state: 'visible', timeout: 10000 });
    assert.equal(await row.count(), 0);
    const failures = await sb.hook('GET', '/_test/failures');
    assert.equal(failures.count, 0, JSON.stringify(failures.failures));
    assert.deepEqual(problems, [], 'no console errors or CSP violations');
  } finally {
    await context.close();
    await adminCtx.close();
  }
});

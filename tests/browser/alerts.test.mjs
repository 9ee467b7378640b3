// Browser test of the alert overlay (issue 13) in real Chromium at 1920x1080, as an OBS
// Browser Source would load it: the page gets its alerts over SSE with the overlay key.
//
// Here alerts are sent with the admin's "Send test alert" (POST /api/alerts/test); real tips
// completed through the Open Payments sandbox are in alerts-live.test.mjs.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startWm, launchChromium, outputDir, until } from './helpers.mjs';

const PASSWORD = 'correct horse battery';
let wm;
let browser;
let out;
const auth = { authorization: 'Basic ' + Buffer.from('admin:' + PASSWORD).toString('base64') };

before(async () => {
  out = outputDir();
  wm = await startWm(['--admin-password', PASSWORD]);
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await wm?.stop();
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

async function openOverlay() {
  const { urls } = await api('GET', '/plugins/wm/api/overlays');
  const context = await browser.newContext({ viewport: { width: 1920, height: 1080 } });
  const page = await context.newPage();
  const problems = [];
  page.on('console', (m) => { if (m.type() === 'error') problems.push(m.text()); });
  page.on('pageerror', (e) => problems.push(String(e)));
  await page.goto(urls.alerts);
  await page.waitForFunction(() => window.wmAlerts && window.wmAlerts.connected, null, { timeout: 10000 });
  // Count the alerts on screen at every change: never more than one.
  await page.evaluate(() => {
    window.maxOnScreen = 0;
    new MutationObserver(() => {
      window.maxOnScreen = Math.max(window.maxOnScreen, document.querySelectorAll('.alert:not(.leaving)').length);
    }).observe(document.getElementById('stage'), { childList: true, subtree: true, attributes: true });
  });
  return { context, page, problems };
}

test('alert overlay: a test alert shows name, amount and message on a transparent 1920x1080 page', async () => {
  await api('PUT', '/plugins/wm/api/alerts/settings', {
    style: { template: '{name} tipped {amount}', durationMs: 1500 },
    variations: [
      { name: 'big', min: { value: '2000', assetCode: 'EUR', assetScale: 2 }, style: { emoji: '🎉' } },
      { name: 'mid', min: { value: '5', assetCode: 'EUR', assetScale: 0 }, style: { emoji: '⭐' } },
    ],
  });
  const { context, page, problems } = await openOverlay();
  const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  assert.equal(bg, 'rgba(0, 0, 0, 0)');
  await api('POST', '/plugins/wm/api/alerts/test');
  const alert = page.locator('.alert').first();
  await alert.waitFor({ timeout: 5000 });
  const text = await alert.innerText();
  assert.match(text, /Test Viewer tipped 5\.00 EUR/);
  assert.match(text, /This is a test alert/);
  // The sample 5.00 EUR picks "mid" (>= 5 at scale 0), not "big" (>= 20.00): integers, scales aligned.
  assert.equal(await alert.getAttribute('data-variation'), 'mid');
  await page.screenshot({ path: join(out, 'alerts-test-alert.png') });
  assert.deepEqual(problems, []);
  await context.close();
});

test('alert overlay: two alerts queue one after the other, never overlapping; skip ends the current one', async () => {
  const { context, page } = await openOverlay();
  await api('POST', '/plugins/wm/api/alerts/test');
  await api('POST', '/plugins/wm/api/alerts/test');
  await page.waitForFunction(() => window.wmAlerts.shown.length === 1, null, { timeout: 5000 });
  await page.waitForFunction(() => window.wmAlerts.queue.length === 1, null, { timeout: 5000 });
  await api('POST', '/plugins/wm/api/alerts/skip');
  await page.waitForFunction(() => window.wmAlerts.shown.length === 2, null, { timeout: 5000 });
  await page.screenshot({ path: join(out, 'alerts-second-alert.png') });
  assert.equal(await page.evaluate(() => window.maxOnScreen), 1);
  await context.close();
});

test('alert overlay: a wrong key is a 404 and a regenerated key closes the open overlay', async () => {
  const r = await fetch(wm.url + '/plugins/wm/overlay/alerts?key=wrong');
  assert.equal(r.status, 404);
  const { context, page } = await openOverlay();
  await api('POST', '/plugins/wm/api/overlays/key');
  await page.waitForFunction(() => !window.wmAlerts.connected, null, { timeout: 5000 });
  await context.close();
});

test('admin Alerts view: the live preview shows the test alert when "Send test alert" is pressed', async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const problems = [];
  page.on('console', (m) => { if (m.type() === 'error') problems.push(m.text()); });
  page.on('pageerror', (e) => problems.push(String(e)));
  await page.goto(`${wm.url}/plugins/wm/admin`);
  await page.locator('[data-testid="login-password"]').fill(PASSWORD);
  await page.locator('[data-testid="login-submit"]').click();
  await page.locator('[data-testid="nav-alerts"]').click();
  await page.locator('[data-testid="view-alerts"]').waitFor();
  const preview = page.frameLocator('#alerts-preview');
  const frame = await (await page.locator('#alerts-preview').elementHandle()).contentFrame();
  await frame.waitForFunction(() => window.wmAlerts && window.wmAlerts.connected, null, { timeout: 10000 });
  const box = await page.locator('[data-testid="alerts-preview"]').boundingBox();
  assert.ok(box.width <= 480 && box.height <= 270, `small: ${box.width}x${box.height}`);
  await page.locator('[data-testid="alerts-test"]').click();
  await preview.locator('.alert', { hasText: 'Test Viewer tipped' }).waitFor({ timeout: 10000 });
  await page.screenshot({ path: join(out, 'alerts-admin-preview.png') });
  // Each overlay can be previewed: the goal bar, recent tips, top supporters.
  for (const which of ['goal', 'recent', 'top']) {
    await page.locator('[data-testid="alerts-preview-which"]').selectOption(which);
    await until(async () => (await page.locator('#alerts-preview').getAttribute('src') || '').includes(`/plugins/wm/overlay/${which}?key=`),
      `the ${which} preview`, 10000);
    await preview.locator('#root').waitFor({ state: 'attached', timeout: 10000 });
  }
  assert.deepEqual(problems, []);
  await context.close();
});

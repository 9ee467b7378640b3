// The admin page's Webhooks section in real Chromium against the real binary: add an endpoint
// (the secret shown once), send a test event, see it in the delivery log, redeliver it. A
// receiver on loopback verifies what arrives with the `standardwebhooks` npm package.
// Screenshots: $WM_TEST_OUTPUT/webhooks/*.png.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Webhook } from 'standardwebhooks';
import { startWm, launchChromium, outputDir } from './helpers.mjs';
import { axeViolations } from './a11y.mjs';

const PASSWORD = 'webhooks section password';
let wm;
let browser;
let page;
let out;
let server;
const seen = [];
const problems = [];

before(async () => {
  out = join(outputDir(), 'webhooks');
  mkdirSync(out, { recursive: true });
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => { body += d; });
    req.on('end', () => { seen.push({ headers: req.headers, body }); res.writeHead(200); res.end('got it'); });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  wm = await startWm(['--admin-password', PASSWORD]);
  browser = await launchChromium();
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  page = await context.newPage();
  page.on('console', (m) => { if (/Content Security Policy|Refused to/i.test(m.text())) problems.push(m.text()); });
  page.on('pageerror', (e) => problems.push(String(e)));
  await page.goto(`${wm.url}/plugins/wm/admin`);
  await page.locator('[data-testid="login-password"]').fill(PASSWORD);
  await page.locator('[data-testid="login-submit"]').click();
  await page.locator('[data-testid="view-setup"]').waitFor();
});

after(async () => {
  await browser?.close();
  await wm?.stop();
  server?.closeAllConnections();
  await new Promise((r) => (server ? server.close(r) : r()));
});

const tid = (id) => page.locator(`[data-testid="${id}"]`);

test('add an endpoint, send a test event, see it in the log, redeliver', async () => {
  await tid('nav-webhooks').click();
  await tid('view-webhooks').waitFor();
  // The list arrives after the view opens: wait for it to say it is empty.
  await tid('wh-empty').waitFor({ state: 'visible', timeout: 10000 });

  // A refused address is explained at the URL field.
  await tid('wh-url').fill('http://169.254.169.254/latest');
  await tid('wh-add').click();
  await page.locator('#wh-url-error').waitFor();
  assert.match(await page.locator('#wh-url-error').innerText(), /link-local|metadata/);
  assert.equal(await tid('wh-url').getAttribute('aria-invalid'), 'true');

  const url = `http://127.0.0.1:${server.address().port}/hook`;
  await tid('wh-url').fill(url);
  await tid('wh-desc').fill('Bookkeeping sheet');
  await tid('wh-add').click();
  await tid('wh-secret-box').waitFor();
  const secret = (await tid('wh-secret').innerText()).trim();
  assert.match(secret, /^whsec_/);
  await tid('wh-item').waitFor();
  assert.match(await tid('wh-item').innerText(), /Bookkeeping sheet/);
  await page.screenshot({ path: join(out, 'added.png'), fullPage: true });

  await tid('wh-test').click();
  const first = tid('wh-log-row').first();
  await first.waitFor({ timeout: 15000 });
  await page.waitForFunction(() => document.querySelector('[data-testid="wh-log-status"]')?.textContent === '200 OK');
  assert.equal(seen.length, 1);
  const payload = new Webhook(secret).verify(seen[0].body, seen[0].headers);
  assert.equal(payload.type, 'test');

  await tid('wh-redeliver').first().click();
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="wh-log-row"]').length === 2, null, { timeout: 15000 });
  assert.equal(seen.length, 2);
  assert.equal(seen[1].headers['webhook-id'], seen[0].headers['webhook-id']);
  new Webhook(secret).verify(seen[1].body, seen[1].headers);
  await page.screenshot({ path: join(out, 'log.png'), fullPage: true });

  // Leaving the page forgets the secret: it is shown once.
  await tid('nav-tips').click();
  await tid('nav-webhooks').click();
  await tid('view-webhooks').waitFor();
  assert.equal(await tid('wh-secret-box').isVisible(), false);
  assert.deepEqual(await axeViolations(page), [], 'axe WCAG 2.1 AA on the webhooks view');
  assert.deepEqual(problems, []);
});

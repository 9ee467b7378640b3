// The tip panel as a viewer uses it (issue 10, section 7 and the widget parts of 4, 5, 6, 8), in
// real Chromium, framed like Owncast's External Action by a page on another origin that also
// plays Owncast's public API (GET /api/config, /logo). The tip API is the real one where the test
// needs money to move (sandbox); where it tests how the panel reacts to an answer (an expiring
// quote, high fees, an announcement, a server message) the answer is given by the test.
//
//   WM_BINARY=build-test/owncast-wm node --test tests/browser/widget-ux.test.mjs
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startWm, startSandbox, owncastModalPage, launchChromium, outputDir, keygen } from './helpers.mjs';
import { axeViolations, contrastProblems } from './a11y.mjs';

const LOGO = '<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64"><circle cx="32" cy="32" r="30" fill="#5b3cc4"/></svg>';
let host;       // "Owncast": the modal page and its public API, on another origin
let wm;         // sidecar without a wallet (tip API answers given by the test)
let flow;       // {wm, sb, keyDir}: sidecar with the sandbox wallet
let browser;
let out;
const srcs = {};

async function startOwncastHost() {
  const server = createServer((req, res) => {
    const path = req.url.split('?')[0];
    if (path === '/api/config') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ name: 'Nova Live', summary: 'x', logo: '/logo', version: 'Owncast v0.2.5' }));
      return;
    }
    if (path === '/logo') {
      res.writeHead(200, { 'content-type': 'image/svg+xml' });
      res.end(LOGO);
      return;
    }
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
    res.end(owncastModalPage(srcs[path] || 'about:blank'));
  });
  await new Promise((r, j) => { server.once('error', j); server.listen(0, '127.0.0.2', r); });
  const { port } = server.address();
  return { origin: `http://127.0.0.2:${port}`, stop: () => new Promise((r) => { server.closeAllConnections?.(); server.close(() => r()); }) };
}

before(async () => {
  out = outputDir();
  host = await startOwncastHost();
  wm = await startWm(['--owncast-url', host.origin + '/']);
  srcs['/'] = `${wm.url}/plugins/wm/widget/tip-panel?instance=${encodeURIComponent(host.origin)}&username=Nova&userId=owncast-user-42`;
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await wm?.stop();
  if (flow) {
    await flow.wm.stop();
    await flow.sb.stop();
    rmSync(flow.keyDir, { recursive: true, force: true });
  }
  await host?.stop();
});

async function openWidget({ path = '/', viewport = { width: 1000, height: 900 }, colorScheme = 'light', setup } = {}) {
  const context = await browser.newContext({ viewport, colorScheme });
  if (setup) await setup(context);
  const page = await context.newPage();
  const problems = [];
  page.on('console', (m) => { if (/Content Security Policy/i.test(m.text())) problems.push(m.text()); });
  page.on('pageerror', (e) => problems.push(String(e)));
  await page.goto(host.origin + path);
  const frame = page.frameLocator('#action');
  await frame.locator('body[data-ready="true"]').waitFor({ timeout: 15000 });
  const f = page.frames().find((x) => x.url().includes('/plugins/wm/widget/'));
  return { context, page, frame, f, problems };
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

// Plays POST /plugins/wm/tips, DELETE /plugins/wm/tips/{id} and GET /plugins/wm/tips/{id} for
// the panel. quote(n) gives the n-th quote's extra fields; status(id) the tip status answer.
async function fakeTipApi(context, base, { quote = () => ({}), status = null, create = null } = {}) {
  const calls = { posts: [], deletes: [] };
  let n = 0;
  await context.route((u) => u.href.startsWith(`${base}/plugins/wm/tips`), async (route) => {
    const req = route.request();
    const url = new URL(req.url());
    if (req.method() === 'POST' && url.pathname === '/plugins/wm/tips') {
      if (create) return route.fulfill(create(req));
      n += 1;
      const id = `tip${n}`;
      calls.posts.push({ id, key: req.headers()['idempotency-key'], body: JSON.parse(req.postData()) });
      const q = {
        debitAmount: { value: '260', assetCode: 'EUR', assetScale: 2 },
        receiveAmount: { value: '250', assetCode: 'EUR', assetScale: 2 },
        expiresAt: new Date(Date.now() + 300000).toISOString(),
        ...quote(n),
      };
      return route.fulfill({ status: 201, contentType: 'application/json',
        body: JSON.stringify({ id, status: 'awaiting_consent', quote: q, consentUrl: `${base}/healthz`, statusUrl: `${base}/plugins/wm/tips/${id}` }) });
    }
    const m = /^\/plugins\/wm\/tips\/([^/]+)$/.exec(url.pathname);
    if (m && req.method() === 'DELETE') {
      calls.deletes.push({ id: m[1], key: req.headers()['idempotency-key'] });
      return route.fulfill({ status: 204 });
    }
    if (m && req.method() === 'GET' && status) {
      return route.fulfill({ status: 200, contentType: 'application/json', body: JSON.stringify(status(m[1])) });
    }
    return route.fallback();
  });
  return calls;
}

test('header: the stream\'s name and logo from Owncast\'s public config', async () => {
  const cfg = await (await fetch(`${wm.url}/plugins/wm/widget/config`)).json();
  assert.equal(cfg.name, 'Nova Live');
  assert.equal(cfg.logo, `${host.origin}/logo`);
  const { context, page, frame, problems } = await openWidget();
  try {
    assert.equal(await frame.locator('#title').innerText(), 'Tip Nova Live');
    const logo = frame.locator('#logo');
    await until(async () => (await logo.evaluate((i) => i.complete && i.naturalWidth)) > 0, 'the logo to load');
    assert.equal(await logo.isVisible(), true);
    assert.equal(await logo.getAttribute('src'), `${host.origin}/logo`);
    await page.screenshot({ path: join(out, 'widget-header.png') });
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test('"pick an amount" is announced and describes the tier group; errors from the server are shown as they are', async () => {
  const message = 'We couldn\'t find that wallet address. Check the spelling — it looks like https://wallet.example/alice';
  const { context, frame } = await openWidget({
    setup: (ctx) => fakeTipApi(ctx, wm.url, { create: () => ({ status: 400, contentType: 'application/json',
      body: JSON.stringify({ error: { code: 'wallet_not_found', message } }) }) }),
  });
  try {
    await frame.locator('#review').click();
    const err = frame.locator('#amount-error');
    assert.match(await err.innerText(), /Pick one of the amounts above or enter your own/);
    assert.equal(await err.getAttribute('role'), 'alert');
    assert.ok(((await frame.locator('#tiers-box').getAttribute('aria-describedby')) || '').split(' ').includes('amount-error'));
    await frame.locator('#tiers button.tier').first().click();
    await frame.locator('#wallet').fill('$wallet.example/alise');
    await frame.locator('#review').click();
    await until(async () => (await frame.locator('#wallet-error').isVisible()), 'the wallet error');
    assert.equal(await frame.locator('#wallet-error').innerText(), message, 'exactly the server\'s sentence');
  } finally {
    await context.close();
  }
});

test('review: name, message, fee warning and a countdown; an expired quote is replaced; a changed tip cancels the old one', async () => {
  let calls;
  const { context, page, frame } = await openWidget({
    setup: async (ctx) => {
      calls = await fakeTipApi(ctx, wm.url, {
        quote: (n) => (n === 1
          ? { expiresAt: new Date(Date.now() + 4000).toISOString(), highFees: true, debitAmount: { value: '102', assetCode: 'EUR', assetScale: 2 }, receiveAmount: { value: '1', assetCode: 'EUR', assetScale: 2 } }
          : {}),
      });
    },
  });
  try {
    await frame.locator('#amount').fill('0.01');
    await frame.locator('#wallet').fill('$wallet.example/alice');
    await frame.locator('#message').fill('Hello there');
    await frame.locator('#review').click();
    await frame.locator('body[data-state="review"]').waitFor();
    assert.equal(calls.posts[0].body.owncastUserId, 'owncast-user-42', 'Owncast\'s userId is forwarded');
    assert.equal(await frame.locator('#q-name').innerText(), 'Nova');
    assert.equal(await frame.locator('#q-message').innerText(), 'Hello there');
    assert.equal(await frame.locator('#q-fees').isVisible(), true);
    assert.match(await frame.locator('#q-fees').innerText(), /Fees are more than half of this tip: you pay 1\.02 EUR for a tip of 0\.01 EUR\./);
    const c1 = await frame.locator('#q-countdown').innerText();
    assert.match(c1, /^\d+ s$/);
    await page.screenshot({ path: join(out, 'widget-review-fees.png') });
    await until(async () => Number.parseInt(await frame.locator('#q-countdown').innerText(), 10) < Number.parseInt(c1, 10), 'the countdown');

    // Expiry: a new quote for the same tip; the old tip is cancelled with its own key.
    await until(() => calls.posts.length === 2, 'the new quote', 10000);
    await until(async () => /new quote/.test(await frame.locator('#q-requote').innerText()), 'the new quote note');
    assert.deepEqual(calls.posts[1].body, calls.posts[0].body, 'the same tip');
    assert.notEqual(calls.posts[1].key, calls.posts[0].key, 'a new Idempotency-Key');
    await until(() => calls.deletes.length === 1, 'the cancel');
    assert.deepEqual(calls.deletes[0], { id: 'tip1', key: calls.posts[0].key });
    assert.equal(await frame.locator('#q-fees').isHidden(), true);
    assert.match(await frame.locator('#q-countdown').innerText(), /^[45] min \d+ s$/);

    // "Change tip", another amount: the pending tip is cancelled before the new one.
    await frame.locator('#back').click();
    await frame.locator('#amount').fill('3');
    await frame.locator('#review').click();
    await frame.locator('body[data-state="review"]').waitFor();
    await until(() => calls.deletes.length === 2 && calls.posts.length === 3, 'the second cancel');
    assert.deepEqual(calls.deletes[1], { id: 'tip2', key: calls.posts[1].key });
    // Unchanged after "Change tip": the same key, so the server answers the same tip.
    await frame.locator('#back').click();
    await frame.locator('#review').click();
    await until(() => calls.posts.length === 4, 'the replay');
    assert.equal(calls.posts[3].key, calls.posts[2].key);
    assert.equal(calls.deletes.length, 2);
  } finally {
    await context.close();
  }
});

test('done: chat is promised only when the announcement was queued', async () => {
  for (const announcement of ['queued', undefined]) {
    const { context, frame, f } = await openWidget({
      setup: (ctx) => fakeTipApi(ctx, wm.url, {
        status: (id) => ({ id, status: 'completed', amounts: { receiveAmount: { value: '250', assetCode: 'EUR', assetScale: 2 } }, ...(announcement ? { announcement } : {}) }),
      }),
    });
    try {
      await frame.locator('#tiers button.tier').first().click();
      await frame.locator('#wallet').fill('$wallet.example/alice');
      await frame.locator('#review').click();
      await frame.locator('body[data-state="review"]').waitFor();
      await frame.locator('#approve').click();
      await frame.locator('body[data-state="done"]').waitFor({ timeout: 15000 });
      const text = await frame.locator('#done-text').innerText();
      assert.match(text, /reached the streamer/);
      if (announcement) assert.match(text, /chat/);
      else assert.doesNotMatch(text, /chat/, `no promise without an announcement: ${text}`);
      assert.deepEqual(await axeViolations(f), [], 'axe on the done step');
    } finally {
      await context.close();
    }
  }
});

test('axe-core WCAG 2.1 AA and contrast: amount step, errors, review, result; desktop and phone, light and dark', async () => {
  for (const viewport of [{ width: 1000, height: 900 }, { width: 360, height: 740 }]) {
    for (const colorScheme of ['light', 'dark']) {
      const { context, frame, f } = await openWidget({
        viewport, colorScheme,
        setup: (ctx) => fakeTipApi(ctx, wm.url, {
          quote: () => ({ highFees: true }),
          status: (id) => ({ id, status: 'denied' }),
        }),
      });
      const where = `${viewport.width}px ${colorScheme}`;
      try {
        const check = async (what) => {
          assert.deepEqual(await axeViolations(f), [], `axe on the ${what} (${where})`);
          assert.deepEqual(await contrastProblems(f, '.tier'), [], `contrast on the ${what} (${where})`);
        };
        await check('amount step');
        await frame.locator('#review').click();
        await check('amount step with errors');
        await frame.locator('#tiers button.tier').first().click();
        await frame.locator('#wallet').fill('$wallet.example/alice');
        await frame.locator('#message').fill('Hi!');
        await frame.locator('#review').click();
        await frame.locator('body[data-state="review"]').waitFor();
        await check('review step');
        await frame.locator('#approve').click();
        await frame.locator('body[data-state="error"]').waitFor({ timeout: 15000 });
        await check('result step');
      } finally {
        await context.close();
      }
    }
  }
});

// ---------- with the sandbox wallet ----------

async function setupFlow() {
  if (flow) return flow;
  const sb = await startSandbox(['--wait', '0']);
  const keyDir = mkdtempSync(join(tmpdir(), 'owncast-wm-key-'));
  const keyFile = join(keyDir, 'key.pem');
  const jwk = keygen(keyFile, 'widget-ux');
  await sb.hook('POST', '/_test/keys', { wallet: 'streamer', jwk });
  const w = await startWm(['--owncast-url', host.origin + '/', '--wallet-address', `${sb.base}/streamer`,
    '--key-id', 'widget-ux', '--key-file', keyFile, '--op-dev-hosts', `127.0.0.1:${sb.port}`,
    '--tip-min', '1', '--tip-max', '50', '--currency-display', 'symbol']);
  srcs['/flow'] = `${w.url}/plugins/wm/widget/tip-panel?instance=${encodeURIComponent(host.origin)}&username=Nova`;
  flow = { wm: w, sb, keyDir };
  return flow;
}

async function routeSandbox(context, sb) {
  const prefix = sb.base + '/';
  await context.route((u) => u.href.startsWith(prefix), async (route) => {
    const req = route.request();
    const resp = await route.fetch({ url: sb.http + '/' + req.url().slice(prefix.length), maxRedirects: 0 });
    await route.fulfill({ response: resp });
  });
}

test('range errors are written in the streamer\'s currency display', async () => {
  const { wm: w } = await setupFlow();
  await until(async () => (await (await fetch(`${w.url}/plugins/wm/widget/config`)).json()).maxAmount, 'the range');
  const { context, frame } = await openWidget({ path: '/flow' });
  try {
    await frame.locator('#amount').fill('60');
    await frame.locator('#wallet').fill('$wallet.example/alice');
    await frame.locator('#review').click();
    assert.equal(await frame.locator('#amount-error').innerText(), 'Enter an amount between €1.00 and €50.00.');
    await frame.locator('#amount').fill('0.5');
    await frame.locator('#review').click();
    assert.equal(await frame.locator('#amount-error').innerText(), 'Enter an amount between €1.00 and €50.00.');
  } finally {
    await context.close();
  }
});

test('popup blocked: the wallet\'s return tab shows how the tip ended', async () => {
  const { sb } = await setupFlow();
  await sb.hook('POST', '/_test/reset', { keepKeys: true });
  const { context, page, frame, f } = await openWidget({ path: '/flow', setup: (ctx) => routeSandbox(ctx, sb) });
  try {
    await f.evaluate(() => { window.open = () => null; });
    await frame.locator('#amount').fill('2.5');
    await frame.locator('#wallet').fill(`${sb.base}/alice`);
    await frame.locator('#review').click();
    await frame.locator('body[data-state="review"]').waitFor({ timeout: 20000 });
    await frame.locator('#approve').click();
    await frame.locator('#popup-blocked').waitFor({ state: 'visible' });
    const tabP = context.waitForEvent('page', { timeout: 15000 });
    await frame.locator('#open-tab').click();
    const tab = await tabP;
    await tab.locator('#approve').click();
    await tab.waitForURL(/\/callback\?/, { timeout: 20000 });
    const status = tab.locator('#status');
    await until(async () => (await status.getAttribute('data-status')) === 'completed', 'the final status in the tab', 30000);
    assert.match(await status.innerText(), /^Thank you! Your tip of 2\.50 EUR reached the streamer\./);
    await tab.screenshot({ path: join(out, 'widget-callback-tab.png') });
    assert.deepEqual(await axeViolations(tab), [], 'axe on the return page');
    await frame.locator('body[data-state="done"]').waitFor({ timeout: 30000 });
    await page.screenshot({ path: join(out, 'widget-done-after-tab.png') });
  } finally {
    await context.close();
  }
});

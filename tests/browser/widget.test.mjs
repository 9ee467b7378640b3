// Browser test of the tip-panel widget in real Chromium, framed exactly like Owncast's External
// Action modal (sandbox="allow-same-origin allow-scripts allow-popups allow-forms", no allow
// attribute) on a page from another loopback origin.
//
//   OWNCAST_WM_BIN=build-widget/owncast-wm node --test tests/browser/
//
// Binary: $WM_BINARY, else $OWNCAST_WM_BIN, else build-test/owncast-wm (relative to the repo root).
// Screenshots: $WM_TEST_OUTPUT (default test-output/), files widget-*.png.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  startWm, startSandbox, startHostServer, owncastModalPage, launchChromium, outputDir, keygen,
} from './helpers.mjs';

let wm;          // plain sidecar (no wallet): rendering, validation, headers
let host;        // the "Owncast" page on another origin
let browser;
let out;
const srcs = {}; // host path -> iframe src

before(async () => {
  out = outputDir();
  host = await startHostServer((req) => owncastModalPage(srcs[req.url.split('?')[0]] || 'about:blank'));
  wm = await startWm(['--owncast-url', host.origin + '/']);
  srcs['/'] = widgetSrc(wm.url);
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await wm?.stop();
  await host?.stop();
});

function widgetSrc(base) {
  return `${base}/plugins/wm/widget/tip-panel?instance=${encodeURIComponent(host.origin + '/')}&username=Nova`;
}

// Opens the host page and waits until the widget inside the iframe has loaded its tiers.
async function openWidget({ path = '/', viewport = { width: 1000, height: 900 }, colorScheme = 'light' } = {}) {
  const context = await browser.newContext({ viewport, colorScheme });
  const page = await context.newPage();
  const problems = [];
  page.on('console', (m) => {
    if (m.type() === 'error' || /Content Security Policy/i.test(m.text())) problems.push(m.text());
  });
  page.on('pageerror', (e) => problems.push(String(e)));
  await page.goto(host.origin + path);
  const frame = page.frameLocator('#action');
  await frame.locator('body[data-ready="true"]').waitFor({ timeout: 15000 });
  return { context, page, frame, problems };
}

async function tierApi(base = wm.url) {
  const r = await fetch(`${base}/plugins/wm/overlay/tip-tiers`);
  assert.equal(r.status, 200, 'GET /plugins/wm/overlay/tip-tiers');
  return r.json();
}

async function activeId(page) {
  const f = page.frames().find((x) => x.url().includes('/plugins/wm/widget/'));
  return f.evaluate(() => {
    const a = document.activeElement;
    if (!a) return '';
    return a.id || (a.dataset.tier ? `tier:${a.dataset.tier}` : a.tagName.toLowerCase());
  });
}

test('widget page headers: CSP with frame-ancestors, no X-Frame-Options', async () => {
  for (const path of ['/plugins/wm/widget/tip-panel', '/plugins/wm/widget/tip']) {
    const r = await fetch(wm.url + path + '?instance=x&username=y');
    assert.equal(r.status, 200, path);
    assert.match(r.headers.get('content-type'), /^text\/html/);
    const csp = r.headers.get('content-security-policy');
    assert.ok(csp, `${path}: Content-Security-Policy present`);
    const directives = Object.fromEntries(csp.split(';').map((d) => d.trim()).filter(Boolean)
      .map((d) => [d.split(/\s+/)[0], d.split(/\s+/).slice(1).join(' ')]));
    assert.equal(directives['frame-ancestors'], host.origin, 'frame-ancestors is exactly the Owncast origin');
    assert.equal(directives['default-src'], "'none'");
    assert.equal(directives['script-src'], "'self'");
    assert.equal(directives['style-src'], "'self'");
    assert.equal(directives['connect-src'], "'self'");
    assert.equal(directives['form-action'], "'none'");
    assert.equal(directives['base-uri'], "'none'");
    assert.equal(r.headers.get('x-frame-options'), null, 'no X-Frame-Options');
    assert.equal(r.headers.get('referrer-policy'), 'no-referrer');
    assert.equal(r.headers.get('cache-control'), 'no-store');
    const html = await r.text();
    assert.doesNotMatch(html, /<script(?![^>]*\bsrc=)[^>]*>/i, 'no inline script');
    assert.doesNotMatch(html, /<style|\sstyle=|\son[a-z]+=/i, 'no inline style or handlers');
  }
  for (const [file, type] of [['tip-panel.js', /javascript/], ['tip-panel.css', /text\/css/]]) {
    const r = await fetch(`${wm.url}/plugins/wm/ui/widget/${file}`);
    assert.equal(r.status, 200, file);
    assert.match(r.headers.get('content-type'), type);
  }
});

test('renders inside the Owncast-sandboxed iframe with the tiers from the API', async () => {
  const api = await tierApi();
  assert.ok(api.tiers.length >= 1, 'the API has tiers');
  const { context, page, frame, problems } = await openWidget();
  try {
    const buttons = frame.locator('#tiers button.tier');
    assert.equal(await buttons.count(), api.tiers.length);
    for (let i = 0; i < api.tiers.length; i++) {
      const t = api.tiers[i];
      const text = await buttons.nth(i).innerText();
      assert.ok(text.includes(t.name), `tier ${i} shows its name`);
      assert.ok(text.includes(t.display), `tier ${i} shows ${t.display}`);
      if (t.perk) assert.ok(text.includes(t.perk), `tier ${i} shows its perk`);
      if (t.emoji) assert.ok(text.includes(t.emoji), `tier ${i} shows its emoji`);
      assert.equal(await buttons.nth(i).getAttribute('aria-pressed'), 'false');
    }
    // ?username= is only a hint prefilled into the display name.
    assert.equal(await frame.locator('#name').inputValue(), 'Nova');
    assert.ok((await frame.locator('#amount-currency').innerText()).includes(api.currency));
    // Really sandboxed and third-party: the frame cannot reach the top window's document.
    const f = page.frames().find((x) => x.url().includes('/plugins/wm/widget/'));
    assert.equal(await f.evaluate(() => { try { return !!window.top.document; } catch { return false; } }), false);
    await page.screenshot({ path: join(out, 'widget-desktop.png') });
    assert.deepEqual(problems, [], 'no console errors or CSP violations');
  } finally {
    await context.close();
  }
});

test('phone width (360 px) and dark mode render without horizontal overflow', async () => {
  for (const [name, opts] of [['widget-phone-360.png', { viewport: { width: 360, height: 740 } }],
    ['widget-phone-dark.png', { viewport: { width: 360, height: 740 }, colorScheme: 'dark' }]]) {
    const { context, page, problems } = await openWidget(opts);
    try {
      const f = page.frames().find((x) => x.url().includes('/plugins/wm/widget/'));
      const overflow = await f.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      assert.ok(overflow <= 0, `no horizontal scrolling (${overflow}px)`);
      await page.screenshot({ path: join(out, name) });
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  }
});

test('custom amount and field validation messages', async () => {
  const api = await tierApi();
  const { context, page, frame } = await openWidget();
  try {
    const f = page.frames().find((x) => x.url().includes('/plugins/wm/widget/'));
    // Integer string math, no floats.
    const parsed = await f.evaluate((scale) => {
      const p = window.owncastWmTip.parseAmount;
      return ['7.5', '0.01', '1,25', '007', '12345678901.99'].map((s) => p(s, scale, 'EUR').value || null);
    }, 2);
    assert.deepEqual(parsed, ['750', '1', '125', '700', '1234567890199']);
    assert.equal(await f.evaluate(() => window.owncastWmTip.formatAmount('5', 2, 'EUR')), '0.05 EUR');
    assert.equal(await f.evaluate(() => window.owncastWmTip.normalizeWallet('$wallet.example/alice').value),
      'https://wallet.example/alice');

    const amount = frame.locator('#amount');
    const amountError = frame.locator('#amount-error');
    const review = frame.locator('#review');

    // Nothing chosen.
    await frame.locator('#wallet').fill('');
    await review.click();
    assert.match(await amountError.innerText(), /Pick one of the amounts above or enter your own/);
    assert.match(await frame.locator('#wallet-error').innerText(), /Enter your wallet address/);

    await amount.fill('abc');
    await review.click();
    assert.match(await amountError.innerText(), /Enter a number like 5/);
    assert.equal(await amount.getAttribute('aria-invalid'), 'true');
    assert.equal(await activeId(page), 'amount', 'focus moves to the first invalid field');

    if (api.assetScale > 0) {
      await amount.fill('1.' + '1'.repeat(api.assetScale + 1));
      await review.click();
      assert.match(await amountError.innerText(), new RegExp(`at most ${api.assetScale} decimal place`));
    }

    await amount.fill('0');
    await review.click();
    assert.match(await amountError.innerText(), /greater than 0/);

    await frame.locator('#wallet').fill('http://wallet.example/alice');
    await review.click();
    assert.match(await frame.locator('#wallet-error').innerText(), /start with https:\/\//);

    await frame.locator('#message').fill('x'.repeat(281));
    assert.equal(await frame.locator('#message-count').innerText(), '281 / 280');
    await review.click();
    assert.match(await frame.locator('#message-error').innerText(), /1 character too long/);
    await page.screenshot({ path: join(out, 'widget-validation.png') });

    // Fixing a field clears its message.
    await amount.fill('7.5');
    await amount.blur();
    assert.equal(await amountError.isHidden(), true);
    assert.equal(await amount.getAttribute('aria-invalid'), null);
    // Picking a tier clears the custom amount.
    await frame.locator('#tiers button.tier').first().click();
    assert.equal(await amount.inputValue(), '');
    assert.equal(await frame.locator('#tiers button.tier').first().getAttribute('aria-pressed'), 'true');

    // A valid form on a sidecar without a wallet: the server refuses and the panel says so,
    // in words for viewers, and stays on the form.
    await frame.locator('#wallet').fill('$wallet.example/alice');
    await frame.locator('#message').fill('Hello!');
    await review.click();
    await frame.locator('#form-error').waitFor({ state: 'visible', timeout: 10000 });
    assert.ok((await frame.locator('#form-error').innerText()).length > 10);
    assert.equal(await f.evaluate(() => document.body.dataset.state), 'form');
    await page.screenshot({ path: join(out, 'widget-not-configured.png') });
  } finally {
    await context.close();
  }
});

test('keyboard: focus order and tier selection', async () => {
  const api = await tierApi();
  const { context, page, frame } = await openWidget();
  try {
    await frame.locator('#title').focus();
    const expected = [...api.tiers.map((t) => `tier:${t.id}`), 'amount', 'wallet', 'name', 'message', 'anonymous', 'review'];
    const got = [];
    for (let i = 0; i < expected.length; i++) {
      await page.keyboard.press('Tab');
      got.push(await activeId(page));
    }
    assert.deepEqual(got, expected);

    // Space and Enter select a tier (real buttons, aria-pressed).
    await frame.locator('#tiers button.tier').first().focus();
    await page.keyboard.press('Space');
    assert.equal(await frame.locator('#tiers button.tier').first().getAttribute('aria-pressed'), 'true');
    if (api.tiers.length > 1) {
      await page.keyboard.press('Tab');
      await page.keyboard.press('Enter');
      assert.equal(await frame.locator('#tiers button.tier').nth(1).getAttribute('aria-pressed'), 'true');
      assert.equal(await frame.locator('#tiers button.tier').first().getAttribute('aria-pressed'), 'false');
    }
    // Enter in a field submits; a missing wallet moves the focus there with a message.
    await frame.locator('#wallet').fill('');
    await frame.locator('#amount').focus();
    await page.keyboard.press('Enter');
    assert.equal(await activeId(page), 'wallet');
    assert.equal(await frame.locator('#wallet').getAttribute('aria-invalid'), 'true');
    await page.screenshot({ path: join(out, 'widget-keyboard.png') });
  } finally {
    await context.close();
  }
});

test('frame-ancestors refuses a page from any other origin', async () => {
  const other = await startHostServer(() => owncastModalPage(srcs['/']));
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    const refused = page.waitForEvent('console', { predicate: (m) => /frame-ancestors/.test(m.text()), timeout: 10000 });
    await page.goto(other.origin + '/');
    await refused;
    const f = page.frames().find((x) => x !== page.mainFrame());
    assert.equal(await f.locator('#tiers').count(), 0, 'the widget is not rendered');
  } finally {
    await context.close();
    await other.stop();
  }
});

// ---------- the full tip flow (needs the tip API: POST /plugins/wm/tips) ----------

let flow = null;      // {wm, sb, keyDir} when the tip API answers
let flowSkip = '';

async function setupFlow() {
  if (flow || flowSkip) return;
  const sb = await startSandbox(['--wait', '1']);
  const keyDir = mkdtempSync(join(tmpdir(), 'owncast-wm-key-'));
  const keyFile = join(keyDir, 'key.pem');
  const jwk = keygen(keyFile, 'browser-test');
  await sb.hook('POST', '/_test/keys', { wallet: 'streamer', jwk });
  const w = await startWm(['--owncast-url', host.origin + '/', '--wallet-address', `${sb.base}/streamer`,
    '--key-id', 'browser-test', '--key-file', keyFile, '--op-dev-hosts', `127.0.0.1:${sb.port}`]);
  const probe = await fetch(`${w.url}/plugins/wm/tips`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}',
  });
  await probe.arrayBuffer();
  if (probe.status === 404 || probe.status === 503) {
    flowSkip = `tip API not available yet (POST /plugins/wm/tips answered ${probe.status})`;
    await w.stop();
    await sb.stop();
    rmSync(keyDir, { recursive: true, force: true });
    return;
  }
  srcs['/flow'] = widgetSrc(w.url);
  flow = { wm: w, sb, keyDir };
}

after(async () => {
  if (!flow) return;
  await flow.wm.stop();
  await flow.sb.stop();
  rmSync(flow.keyDir, { recursive: true, force: true });
});

// The sandbox publishes https://127.0.0.1:N URLs but speaks plain http: route the consent
// popup's requests there (redirects included) without touching anything else.
async function routeSandbox(context, sb) {
  const prefix = sb.base + '/';
  await context.route((u) => u.href.startsWith(prefix), async (route) => {
    const req = route.request();
    const resp = await route.fetch({ url: sb.http + '/' + req.url().slice(prefix.length), maxRedirects: 0 });
    await route.fulfill({ response: resp });
  });
}

async function balance(sb, wallet) {
  const s = await sb.hook('GET', '/_test/state');
  return BigInt(s.wallets[wallet].balance);
}

async function startTip(t, shotPrefix) {
  const { context, page, frame, problems } = await openWidget({ path: '/flow' });
  await routeSandbox(context, flow.sb);
  await frame.locator('#tiers button.tier').first().click();
  await frame.locator('#wallet').fill(`${flow.sb.base}/alice`);
  await frame.locator('#message').fill('Great stream!');
  await frame.locator('#review').click();
  await frame.locator('body[data-state="review"]').waitFor({ timeout: 20000 });
  assert.ok((await frame.locator('#q-debit').innerText()).length > 1, 'quote: you pay');
  assert.ok((await frame.locator('#q-receive').innerText()).length > 1, 'quote: streamer receives');
  await page.screenshot({ path: join(out, `${shotPrefix}-review.png`) });
  const popupP = context.waitForEvent('page', { timeout: 15000 });
  await frame.locator('#approve').click();
  const popup = await popupP;
  await popup.waitForLoadState('domcontentloaded');
  await popup.locator('#approve').waitFor({ timeout: 15000 });
  await popup.screenshot({ path: join(out, `${shotPrefix}-consent-popup.png`) });
  return { context, page, frame, popup, problems };
}

test('full flow: approve in the sandbox consent popup → success', async (t) => {
  await setupFlow();
  if (flowSkip) { t.skip(flowSkip); return; }
  await flow.sb.hook('POST', '/_test/reset', { keepKeys: true });
  const before = await balance(flow.sb, 'alice');
  const { context, page, frame, popup } = await startTip(t, 'widget-flow');
  try {
    await popup.locator('#approve').click();
    await frame.locator('body[data-state="done"]').waitFor({ timeout: 60000 });
    assert.match(await frame.locator('#done-text').innerText(), /reached the streamer/);
    await page.screenshot({ path: join(out, 'widget-flow-success.png') });
    assert.ok(await balance(flow.sb, 'alice') < before, 'alice paid');
    assert.ok(await balance(flow.sb, 'streamer') > 0n, 'the streamer received');
    const failures = await flow.sb.hook('GET', '/_test/failures');
    assert.equal(failures.count, 0, JSON.stringify(failures.failures));
    // "Send another tip" resets to the form.
    await frame.locator('#again').click();
    await frame.locator('body[data-state="form"]').waitFor();
  } finally {
    await context.close();
  }
});

test('full flow: deny in the sandbox consent popup → clear message, nothing paid', async (t) => {
  await setupFlow();
  if (flowSkip) { t.skip(flowSkip); return; }
  await flow.sb.hook('POST', '/_test/reset', { keepKeys: true });
  const before = await balance(flow.sb, 'alice');
  const { context, page, frame, popup } = await startTip(t, 'widget-deny');
  try {
    await popup.locator('#deny').click();
    await frame.locator('body[data-state="error"][data-result="denied"]').waitFor({ timeout: 60000 });
    assert.ok((await frame.locator('#error-text').innerText()).length > 10, 'an explanation is shown');
    await page.screenshot({ path: join(out, 'widget-deny.png') });
    assert.equal(await balance(flow.sb, 'alice'), before, 'nothing paid');
  } finally {
    await context.close();
  }
});

test('full flow: popup blocked → "Open your wallet in a new tab" fallback → success', async (t) => {
  await setupFlow();
  if (flowSkip) { t.skip(flowSkip); return; }
  await flow.sb.hook('POST', '/_test/reset', { keepKeys: true });
  const { context, page, frame, problems } = await openWidget({ path: '/flow' });
  try {
    await routeSandbox(context, flow.sb);
    const f = page.frames().find((x) => x.url().includes('/plugins/wm/widget/'));
    await f.evaluate(() => { window.open = () => null; }); // what a popup blocker does
    await frame.locator('#amount').fill('2.5');
    await frame.locator('#wallet').fill(`${flow.sb.base}/alice`);
    await frame.locator('#review').click();
    await frame.locator('body[data-state="review"]').waitFor({ timeout: 20000 });
    await frame.locator('#approve').click();
    await frame.locator('#popup-blocked').waitFor({ state: 'visible' });
    const link = frame.locator('#open-tab');
    assert.equal(await activeId(page), 'open-tab', 'focus goes to the fallback link');
    assert.equal(await link.getAttribute('target'), '_blank');
    assert.ok((await link.getAttribute('href')).startsWith(flow.sb.http + '/'), 'the link is the consent URL, in the scheme the sandbox speaks (http)');
    await page.screenshot({ path: join(out, 'widget-popup-blocked.png') });
    const tabP = context.waitForEvent('page', { timeout: 15000 });
    await link.click();
    const tab = await tabP;
    await tab.locator('#approve').click();
    await frame.locator('body[data-state="done"]').waitFor({ timeout: 60000 });
    assert.deepEqual(problems.filter((p) => /Content Security Policy/i.test(p)), []);
  } finally {
    await context.close();
  }
});

test('remembered wallet: a fresh load is pre-filled from the viewer session; "Forget my wallet" deletes it', async (t) => {
  await setupFlow();
  if (flowSkip) { t.skip(flowSkip); return; }
  const probe = await fetch(`${flow.wm.url}/plugins/wm/viewer-session`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}',
  });
  await probe.arrayBuffer();
  if (probe.status === 404) { t.skip('viewer-session API not wired yet (POST /plugins/wm/viewer-session answered 404)'); return; }
  await flow.sb.hook('POST', '/_test/reset', { keepKeys: true });
  const wallet = `${flow.sb.base}/alice`;
  const sessionApi = `${flow.wm.url}/plugins/wm/viewer-session/`;
  const isSessionCall = (r, method) => r.url().includes('/plugins/wm/viewer-session') && r.request().method() === method;
  const widgetFrame = (p) => p.frames().find((x) => x.url().includes('/plugins/wm/widget/'));
  // Each load below is a new page of the same browser profile, framed by the "Owncast" page on
  // another site: Chromium denies this third-party frame localStorage and sessionStorage, so
  // only the sidecar's session (its id in a partitioned cookie) can carry the wallet over.
  const { context, page, frame } = await openWidget({ path: '/flow' });
  try {
    assert.equal(await frame.locator('#wallet-remembered').isHidden(), true, 'nothing remembered yet');
    assert.equal(await frame.locator('#wallet').inputValue(), '');
    // First load: the viewer types the wallet and creates a tip (the quote is shown).
    const created = page.waitForResponse((r) => isSessionCall(r, 'POST'), { timeout: 20000 });
    await frame.locator('#tiers button.tier').first().click();
    await frame.locator('#wallet').fill(wallet);
    await frame.locator('#review').click();
    await frame.locator('body[data-state="review"]').waitFor({ timeout: 20000 });
    const createdResp = await created;
    assert.equal(createdResp.status(), 201);
    const { id } = await createdResp.json();
    const stored = await (await fetch(sessionApi + id)).json();
    assert.equal(stored.walletAddress, wallet, 'the sidecar keeps the wallet');
    assert.equal(stored.displayName, 'Nova');
    const storage = await widgetFrame(page).evaluate(() => {
      try { return window.localStorage.getItem('owncast-wm:wallet'); } catch { return 'denied'; }
    });
    await page.close();

    // Fresh load in a new page: the wallet comes back from the session.
    const page2 = await context.newPage();
    const reads = [];
    page2.on('response', (r) => { if (isSessionCall(r, 'GET')) reads.push(r.status()); });
    await page2.goto(host.origin + '/flow');
    const frame2 = page2.frameLocator('#action');
    await frame2.locator('body[data-ready="true"]').waitFor({ timeout: 15000 });
    assert.deepEqual(reads, [200], `one session read (frame localStorage: ${storage})`);
    assert.equal(await frame2.locator('#wallet').inputValue(), wallet, 'wallet pre-filled from the session');
    assert.equal(await frame2.locator('#wallet-remembered').isVisible(), true, '"Forget my wallet" offered');
    await page2.screenshot({ path: join(out, 'widget-remembered-wallet.png') });

    // "Forget my wallet": gone here and on the sidecar.
    const deleted = page2.waitForResponse((r) => isSessionCall(r, 'DELETE'));
    await frame2.locator('#forget-wallet').click();
    assert.equal((await deleted).status(), 204);
    assert.equal(await frame2.locator('#wallet').inputValue(), '');
    assert.equal(await frame2.locator('#wallet-remembered').isHidden(), true);
    assert.equal((await fetch(sessionApi + id)).status, 404, 'the session is deleted on the sidecar');
    await page2.close();

    // A third load starts empty and does not even ask.
    const page3 = await context.newPage();
    const reads3 = [];
    page3.on('response', (r) => { if (isSessionCall(r, 'GET')) reads3.push(r.status()); });
    await page3.goto(host.origin + '/flow');
    const frame3 = page3.frameLocator('#action');
    await frame3.locator('body[data-ready="true"]').waitFor({ timeout: 15000 });
    assert.equal(await frame3.locator('#wallet').inputValue(), '');
    assert.deepEqual(reads3, []);
  } finally {
    await context.close();
  }
});

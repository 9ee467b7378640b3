// Browser test of the admin single-page app (ui/admin) in real Chromium against the real binary,
// the Open Payments sandbox and a fake Owncast (tests/browser/fake-owncast.mjs).
//
//   WM_BINARY=build-ui/owncast-wm node --test tests/browser/admin.test.mjs
//
// The tests run in order and share one sidecar: first-run password through the setup link the
// binary prints, login, the guided setup (wallet, key, Owncast, tip settings), the dashboard fed
// by replayed Owncast webhooks and a completed sandbox tip, the tips table and its CSV.
// Screenshots: $WM_TEST_OUTPUT/admin/*.png (default test-output/admin/).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { startWm, startSandbox, launchChromium, outputDir, ROOT } from './helpers.mjs';
import { startFakeOwncast } from './fake-owncast.mjs';

const PASSWORD = 'correct horse battery staple';
const FIXTURES = resolve(ROOT, 'tests', 'data', 'fixtures', 'owncast');

let wm;            // the sidecar under test (no admin password: first run)
let sb;            // Open Payments sandbox
let oc;            // fake Owncast
let browser;
let out;
let setupLink;     // printed by the binary: <url>/plugins/wm/admin#setup=<token>
let webhookUrl;    // printed by the binary
let skip = '';
let context;
let page;
const problems = [];
let tip;           // the completed sandbox tip

before(async () => {
  out = join(outputDir(), 'admin');
  mkdirSync(out, { recursive: true });
  sb = await startSandbox(['--wait', '1']);
  oc = await startFakeOwncast();
  wm = await startWm(['--op-dev-hosts', `127.0.0.1:${sb.port}`, '--tip-rate-ip', '0', '--tip-rate-wallet', '0']);
  webhookUrl = (await wm.waitForStdout(/(http:\/\/\S+\/webhooks\/owncast\/[A-Za-z0-9_-]+)/))[1];
  const probe = await fetch(`${wm.url}/plugins/wm/admin/session`);
  await probe.arrayBuffer();
  if (probe.status === 404) {
    skip = 'admin API not available yet (GET /plugins/wm/admin/session answered 404)';
    return;
  }
  setupLink = (await wm.waitForStdout(/(http:\/\/\S+\/plugins\/wm\/admin#setup=[A-Za-z0-9_-]+)/))[1];
  browser = await launchChromium();
  context = await browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
  page = await watch(await context.newPage());
});

after(async () => {
  await browser?.close();
  await wm?.stop();
  await sb?.stop();
  await oc?.stop();
});

// Console errors from failed fetches (a 401 on purpose, ...) are expected; CSP violations and
// uncaught exceptions are not.
function watch(p) {
  p.on('console', (m) => { if (/Content Security Policy|Refused to/i.test(m.text())) problems.push(m.text()); });
  p.on('pageerror', (e) => problems.push(String(e)));
  return p;
}

const tid = (id, p = page) => p.locator(`[data-testid="${id}"]`);
async function shot(name, p = page, fullPage = true) {
  // Scrolled to the top, so the sticky header is where it belongs in a full-page picture.
  if (fullPage) await p.evaluate(() => window.scrollTo(0, 0));
  await p.screenshot({ path: join(out, name), fullPage });
}
const basic = () => `Basic ${Buffer.from(`admin:${PASSWORD}`).toString('base64')}`;

async function adminApi(method, path, body) {
  const r = await fetch(wm.url + path, {
    method,
    headers: { authorization: basic(), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await r.text();
  return { status: r.status, body: text && (r.headers.get('content-type') || '').includes('json') ? JSON.parse(text) : text };
}

async function until(fn, what, timeoutMs = 20000) {
  const end = Date.now() + timeoutMs;
  let last;
  for (;;) {
    last = await fn();
    if (last) return last;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

async function textOf(id, p = page) { return (await tid(id, p).innerText()).trim(); }

async function login(p, password = PASSWORD) {
  await tid('login', p).waitFor();
  await tid('login-password', p).fill(password);
  await tid('login-submit', p).click();
}

test('admin page: security headers, no inline script or style, assets served', async (t) => {
  if (skip) return t.skip(skip);
  const r = await fetch(`${wm.url}/plugins/wm/admin`);
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type'), /^text\/html/);
  const csp = r.headers.get('content-security-policy') || '';
  for (const d of ["default-src 'self'", "script-src 'self'", "style-src 'self'", "connect-src 'self'", "frame-ancestors 'none'"]) {
    assert.ok(csp.includes(d), `CSP has ${d}: ${csp}`);
  }
  assert.equal(r.headers.get('x-frame-options'), 'DENY');
  assert.equal(r.headers.get('referrer-policy'), 'no-referrer');
  const html = await r.text();
  assert.doesNotMatch(html, /<script(?![^>]*\bsrc=)[^>]*>/i, 'no inline script');
  assert.doesNotMatch(html, /<style|\sstyle=|\son[a-z]+=/i, 'no inline style or handlers');
  for (const f of ['app.js', 'api.js', 'dom.js', 'setup.js', 'dashboard.js', 'tips.js', 'admin.css']) {
    const a = await fetch(`${wm.url}/plugins/wm/ui/admin/${f}`);
    assert.equal(a.status, 200, f);
    assert.match(a.headers.get('content-type'), f.endsWith('.css') ? /text\/css/ : /javascript/, f);
    const src = await a.text();
    assert.doesNotMatch(src, /innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval\(|new Function/, `${f}: no HTML injection sinks`);
  }
});

test('first run without the setup link: explains where the link is', async (t) => {
  if (skip) return t.skip(skip);
  const p = watch(await context.newPage());
  try {
    await p.goto(`${wm.url}/plugins/wm/admin`);
    await tid('setup-no-token', p).waitFor();
    const text = await textOf('setup-no-token', p);
    assert.match(text, /setup link/i);
    assert.match(text, /console/i);
    await shot('first-run-no-link.png', p, false);

    // A made-up token: the form is shown, the server's refusal is explained.
    await p.goto('about:blank');
    await p.goto(`${wm.url}/plugins/wm/admin#setup=not-the-real-token`);
    await tid('setup-password', p).waitFor();
    assert.ok(!p.url().includes('#setup='), 'the token is removed from the address bar');
    await tid('setup-password-1', p).fill('a long enough password');
    await tid('setup-password-2', p).fill('a long enough password');
    await tid('setup-submit', p).click();
    await tid('setup-error', p).waitFor();
    assert.match(await textOf('setup-error', p), /setup link|restart/i);
  } finally {
    await p.close();
  }
});

test('first run: the printed setup link lets the streamer choose a password', async (t) => {
  if (skip) return t.skip(skip);
  await page.goto(setupLink);
  await tid('setup-password').waitFor();
  assert.ok(!page.url().includes('#setup='), `the token is removed from the URL (${page.url()})`);
  assert.equal(await page.evaluate(() => location.hash), '');
  await shot('first-run-password.png', page, false);

  await tid('setup-password-1').fill('short');
  await tid('setup-password-2').fill('short');
  await tid('setup-submit').click();
  assert.match(await textOf('setup-error'), /at least 10 characters/);
  assert.equal(await tid('setup-password-1').getAttribute('aria-invalid'), 'true');

  await tid('setup-password-1').fill(PASSWORD);
  await tid('setup-password-2').fill(`${PASSWORD}!`);
  await tid('setup-submit').click();
  assert.match(await textOf('setup-error'), /not the same/);

  await tid('setup-password-2').fill(PASSWORD);
  await tid('setup-submit').click();
  await tid('view-setup').waitFor();
  assert.equal(await page.evaluate(() => document.body.dataset.state), 'app');
  const session = await page.evaluate(() => fetch('/plugins/wm/admin/session').then((r) => r.json()));
  assert.equal(session.authenticated, true);
  assert.equal(session.passwordSet, true);
  // Three required steps are open: the nav badge says so.
  assert.equal(await textOf('setup-badge'), '3');
  await shot('setup-empty.png');

  // The link is single use: opened again it leads to the login form.
  const p = watch(await browser.newPage());
  try {
    await p.goto(setupLink);
    await tid('login', p).waitFor();
  } finally {
    await p.close();
  }
});

test('logout, wrong password message, login', async (t) => {
  if (skip) return t.skip(skip);
  await tid('logout').click();
  await tid('login').waitFor();
  assert.match(await textOf('login-note'), /logged out/i);
  // The API refuses without a session now.
  const r = await page.evaluate(() => fetch('/plugins/wm/api/settings').then((x) => x.status));
  assert.equal(r, 401);

  await login(page, 'not the password at all');
  await tid('login-error').waitFor();
  assert.match(await textOf('login-error'), /Wrong password/);
  await shot('login-wrong-password.png', page, false);
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'login-password', 'focus stays on the password');

  // Keyboard only: type and press Enter.
  await page.keyboard.type(PASSWORD);
  await page.keyboard.press('Enter');
  await tid('view-setup').waitFor();
  assert.equal(await page.evaluate(() => document.body.dataset.state), 'app');
});

test('setup step 1: wallet address checked live against the sandbox', async (t) => {
  if (skip) return t.skip(skip);
  await page.goto(`${wm.url}/plugins/wm/admin#/setup`);
  await tid('view-setup').waitFor();
  const input = tid('wallet-input');

  await tid('wallet-submit').click();
  assert.match(await textOf('wallet-error'), /Enter your wallet address/);

  await input.fill(`${sb.base}/no-such-wallet`);
  await tid('wallet-submit').click();
  await until(async () => /couldn't find that wallet address/i.test(await textOf('wallet-error')), 'the unknown wallet error');

  await input.fill(`${sb.base}/nobody`);
  await tid('wallet-submit').click();
  await until(async () => /public name/i.test(await textOf('wallet-error')), 'the missing public name error');
  assert.equal(await input.getAttribute('aria-invalid'), 'true');

  await input.fill(`${sb.base}/streamer`);
  await tid('wallet-submit').click();
  await tid('wallet-info').waitFor();
  assert.equal(await textOf('wallet-name'), 'Streamer');
  assert.equal(await textOf('wallet-asset'), 'EUR');
  assert.match(await textOf('wallet-scale'), /^2\b/);
  assert.equal(await tid('wallet-error').isHidden(), true);
  assert.equal(await tid('step-wallet').getAttribute('data-done'), 'true');
  const s = await adminApi('GET', '/plugins/wm/api/settings');
  assert.equal(s.body.settings['wallet-address'].value, `${sb.base}/streamer`);
});

test('setup step 2: generating a key shows the public JWK; the key test reports the wallet\'s answer', async (t) => {
  if (skip) return t.skip(skip);
  await tid('key-generate').click();
  await tid('key-result').waitFor();
  const jwk = JSON.parse(await textOf('key-jwk'));
  assert.equal(jwk.kty, 'OKP');
  assert.equal(jwk.crv, 'Ed25519');
  assert.match(jwk.x, /^[A-Za-z0-9_-]{43}$/);
  assert.equal(jwk.d, undefined, 'never the private part');
  assert.equal(jwk.kid, await textOf('key-result-id'));
  assert.match(await textOf('key-result'), /Upload this public key in your wallet provider's developer keys for (this|your) wallet address/);

  // Not uploaded yet: the test shows the server's exact complaint.
  await tid('key-test').click();
  await until(async () => (await tid('key-test-result').getAttribute('data-ok')) === 'false', 'the failed key test');
  const direct = await adminApi('POST', '/plugins/wm/api/setup/key/test', {});
  assert.equal(direct.body.ok, false);
  assert.ok((await textOf('key-test-result')).includes(direct.body.error.message), 'shows the server message');
  await shot('setup-key-not-uploaded.png', page, false);

  // "Upload" it to the sandbox wallet, test again.
  await sb.hook('POST', '/_test/keys', { wallet: 'streamer', jwk });
  await tid('key-test').click();
  await until(async () => (await tid('key-test-result').getAttribute('data-ok')) === 'true', 'the key test to pass');
  assert.equal(await tid('step-key').getAttribute('data-done'), 'true');
});

test('setup step 3: Owncast test, connect (webhook registered once), manual steps', async (t) => {
  if (skip) return t.skip(skip);
  await tid('oc-url').fill(oc.url);
  await tid('oc-test').click();
  await tid('oc-test-result').waitFor();
  await until(async () => /Owncast 0\.2\.5/.test(await textOf('oc-test-result')), 'the Owncast version');
  for (const scope of ['HAS_ADMIN_ACCESS', 'CAN_SEND_SYSTEM_MESSAGES', 'CAN_SEND_MESSAGES']) {
    assert.equal(await tid(`scope-${scope}`).getAttribute('data-ok'), 'false', `${scope} without a token`);
  }

  // A wrong Owncast admin password is Owncast's 401: shown in place, our session stays.
  await tid('oc-admin-password').fill('wrong-owncast-password');
  await tid('oc-connect').click();
  await tid('oc-error').waitFor();
  assert.match(await textOf('oc-error'), /refused the admin password/);
  assert.equal(await page.evaluate(() => document.body.dataset.state), 'app');
  assert.equal(oc.state.hooks.length, 0, 'nothing created');

  await tid('oc-admin-password').fill(oc.adminPassword);
  await tid('oc-connect').click();
  await tid('oc-connect-result').waitFor();
  assert.match(await textOf('oc-result-webhook'), /created/);
  assert.match(await textOf('oc-result-token'), /created/);
  assert.match(await textOf('oc-result-action'), /added/);
  assert.equal(await tid('oc-admin-password').inputValue(), '', 'the Owncast password is cleared');
  assert.equal(oc.state.hooks.length, 1);
  assert.equal(oc.state.hooks[0].url, webhookUrl, 'the webhook URL the binary printed');
  const yml = readFileSync(join(ROOT, 'plugin.yml'), 'utf8');
  const events = [...yml.split('events:')[1].split('signature_header')[0].matchAll(/-\s+(\S+)/g)].map((m) => m[1]);
  assert.deepEqual([...oc.state.hooks[0].events].sort(), [...events].sort());
  assert.equal(oc.state.tokens.length, 1);
  assert.deepEqual([...oc.state.tokens[0].scopes].sort(), ['CAN_SEND_MESSAGES', 'CAN_SEND_SYSTEM_MESSAGES', 'HAS_ADMIN_ACCESS']);
  assert.equal(oc.state.actions.length, 1);
  assert.ok(oc.state.actions[0].url.startsWith(`${wm.url}/plugins/wm/widget/`), oc.state.actions[0].url);

  // Connect pressed again: the webhook is not registered twice, the token is reused.
  await tid('oc-admin-password').fill(oc.adminPassword);
  await tid('oc-connect').click();
  await until(async () => /already registered/.test(await textOf('oc-result-webhook')), 'the second connect result');
  assert.equal(oc.state.hooks.length, 1, 'still one webhook');
  assert.equal(oc.calls('POST', '/api/admin/webhooks/create').length, 1, 'created once');
  assert.equal(oc.state.tokens.length, 1, 'still one token');
  assert.match(await textOf('oc-result-token'), /reused/);
  assert.equal(oc.state.actions.length, 1, 'still one Tip button');

  // The saved token now has every scope.
  await tid('oc-test').click();
  await until(async () => (await tid('scope-CAN_SEND_MESSAGES').getAttribute('data-ok')) === 'true', 'the scopes with the token');
  for (const scope of ['HAS_ADMIN_ACCESS', 'CAN_SEND_SYSTEM_MESSAGES']) {
    assert.equal(await tid(`scope-${scope}`).getAttribute('data-ok'), 'true', scope);
  }
  assert.equal(await tid('step-owncast').getAttribute('data-done'), 'true');

  // Web Monetization: off, then on with the Owncast admin password; the streamer's own custom
  // JavaScript is kept, and the snippet really adds the monetization link to a page.
  oc.state.customJs = "console.log('mine');\n";
  await page.reload();
  await tid('view-setup').waitFor();
  await until(async () => (await textOf('wmon-status')) === 'Off.', 'Web Monetization off');
  await tid('wmon-toggle').click();
  assert.match(await textOf('wmon-error'), /admin password/);
  await tid('wmon-password').fill(oc.adminPassword);
  await tid('wmon-toggle').click();
  await until(async () => (await textOf('wmon-status')).startsWith('On:'), 'Web Monetization on');
  assert.ok(oc.state.customJs.startsWith("console.log('mine');\n"), oc.state.customJs);
  const probe = await context.newPage();
  await probe.setContent('<!doctype html><html><head></head><body></body></html>');
  await probe.addScriptTag({ content: oc.state.customJs });
  await probe.addScriptTag({ content: oc.state.customJs });  // twice: still one link
  assert.deepEqual(await probe.evaluate(() => [...document.querySelectorAll('link[rel="monetization"]')].map((l) => l.href)),
    [`${sb.base}/streamer`]);
  await probe.close();
  assert.equal(await tid('wmon-toggle').innerText(), 'Turn off');
  await tid('wmon-password').fill(oc.adminPassword);
  await tid('wmon-toggle').click();
  await until(async () => (await textOf('wmon-status')) === 'Off.', 'Web Monetization off again');
  assert.equal(oc.state.customJs, "console.log('mine');\n");

  // Manual steps: the same webhook URL, the events from plugin.yml, the External Action URL.
  await tid('oc-manual-toggle').click();
  await until(async () => (await textOf('manual-webhook')) === webhookUrl, 'the manual webhook URL');
  const chips = await tid('manual-events').locator('.chip').allInnerTexts();
  assert.deepEqual(chips, events);
  assert.deepEqual(await tid('manual-scopes').locator('.chip').allInnerTexts(),
    ['HAS_ADMIN_ACCESS', 'CAN_SEND_SYSTEM_MESSAGES', 'CAN_SEND_MESSAGES']);
  assert.equal(await textOf('manual-action'), `${wm.url}/plugins/wm/widget/tip-panel`);
  assert.equal(await tid('setup-badge').isHidden(), true, 'no required step left');
});

test('setup step 4: theme preview, live announcement preview, saving tip settings', async (t) => {
  if (skip) return t.skip(skip);
  await tid('theme-space').click();
  assert.equal(await tid('theme-space').getAttribute('aria-checked'), 'true');
  const suggest = await (await fetch(`${wm.url}/plugins/wm/tiers/suggest?theme=space`)).json();
  await until(async () => {
    const cards = await tid('tier-preview').locator('[data-testid="tier-card"]').allInnerTexts();
    return cards.length === suggest.tiers.length && suggest.tiers.every((x, i) => cards[i].includes(x.name) && cards[i].includes(x.display));
  }, 'the space tiers in the preview');
  // Arrow keys move through the themes (a radio group).
  await tid('theme-space').focus();
  await page.keyboard.press('ArrowRight');
  assert.equal(await tid('theme-nature').getAttribute('aria-checked'), 'true');
  await page.keyboard.press('ArrowLeft');
  assert.equal(await tid('theme-space').getAttribute('aria-checked'), 'true');

  const preview = tid('s-template-preview');
  await tid('s-template').fill('Thanks {name} for {amount}!');
  const expected = await adminApi('POST', '/plugins/wm/api/announce/preview', { template: 'Thanks {name} for {amount}!' });
  assert.equal(expected.status, 200);
  await until(async () => (await preview.innerText()).startsWith('Thanks ') && !(await preview.innerText()).includes('{'), 'the live preview');
  assert.match(await preview.innerText(), /^Thanks .+ for .+!$/);

  await tid('s-template').fill('Thanks {nope}');
  await until(async () => (await preview.getAttribute('data-error')) === 'true', 'the template error');
  const bad = await adminApi('POST', '/plugins/wm/api/announce/preview', { template: 'Thanks {nope}' });
  assert.equal(bad.status, 400);
  assert.equal(await preview.innerText(), bad.body.error.message);
  await shot('setup-template-error.png', page, false);

  await tid('s-template').fill('🎉 {name} tipped {amount}: {message}');
  await tid('s-tip-max').fill('50');
  await tid('s-announce-min').fill('1');
  await tid('s-save').click();
  await until(async () => /Saved/.test(await textOf('s-saved')), 'the saved note');
  const s = (await adminApi('GET', '/plugins/wm/api/settings')).body.settings;
  assert.equal(s['tip-max'].value, '50');
  assert.equal(s['announce-min'].value, '1');
  assert.equal(s['announce-template'].value, '🎉 {name} tipped {amount}: {message}');
  assert.equal(s['tip-max'].source, 'admin');
  const tiers = await (await fetch(`${wm.url}/plugins/wm/overlay/tip-tiers`)).json();
  assert.equal(tiers.theme, 'space', 'the widget now offers the chosen theme');
  await until(async () => (await tid('step-tips').getAttribute('data-done')) === 'true', 'the tips step marked done');

  // A bad value: the server names the field; the page shows the message at it, keeps what was
  // typed and marks the input invalid.
  await tid('s-tip-min').fill('abc');
  await tid('s-save').click();
  const fieldErr = page.locator('#s-tip-min-error');
  await fieldErr.waitFor();
  assert.ok((await fieldErr.textContent()).trim().length > 0, 'the field error has a message');
  assert.equal(await tid('s-tip-min').inputValue(), 'abc');
  assert.equal(await tid('s-tip-min').getAttribute('aria-invalid'), 'true');
  await tid('s-tip-min').fill('');
  await shot('setup-complete.png');
});

// Saves the tip settings form and waits until the page re-rendered it from the server (the
// button is busy until then; a change made meanwhile would be overwritten by that render).
async function saveTipSettings() {
  await tid('s-save').click();
  await until(async () => (await tid('s-save').getAttribute('data-busy')) === 'false' &&
    /Saved|Nothing changed/.test(await textOf('s-saved')), 'the tip settings saved');
}

test('setup step 4: custom tiers replace the theme in the Tip panel, and a theme brings it back', async (t) => {
  if (skip) return t.skip(skip);
  await tid('ct-toggle').click();
  const rows = page.locator('[data-testid="ct-row"]');
  // The editor starts from the live tiers (the space theme saved above).
  const live = await (await fetch(`${wm.url}/plugins/wm/overlay/tip-tiers`)).json();
  await until(async () => (await rows.count()) === live.tiers.length, 'the live tiers in the editor');
  assert.equal(await rows.first().locator('[data-testid="ct-name"]').inputValue(), live.tiers[0].name);
  assert.equal(await textOf('ct-currency'), 'EUR');

  // Down to two tiers, edited; one more added with the keyboard-reachable button.
  while ((await rows.count()) > 2) await rows.last().locator('[data-testid="ct-remove"]').click();
  await rows.nth(0).locator('[data-testid="ct-name"]').fill('Tea');
  await rows.nth(0).locator('[data-testid="ct-emoji"]').fill('🍵');
  await rows.nth(0).locator('[data-testid="ct-amount"]').fill('2.50');
  await rows.nth(0).locator('[data-testid="ct-perk"]').fill('');
  await rows.nth(1).locator('[data-testid="ct-name"]').fill('Cake');
  await rows.nth(1).locator('[data-testid="ct-emoji"]').fill('');
  await rows.nth(1).locator('[data-testid="ct-amount"]').fill('4');
  await rows.nth(1).locator('[data-testid="ct-perk"]').fill('A shout-out');
  await tid('ct-add').click();
  assert.equal(await rows.count(), 3);
  // A bad amount: the server's message names the tier and nothing is saved.
  await rows.nth(2).locator('[data-testid="ct-name"]').fill('Feast');
  await rows.nth(2).locator('[data-testid="ct-amount"]').fill('lots');
  await tid('ct-save').click();
  await tid('ct-error').waitFor();
  assert.match(await textOf('ct-error'), /tier 3/);
  assert.equal((await (await fetch(`${wm.url}/plugins/wm/overlay/tip-tiers`)).json()).theme, 'space');
  await rows.nth(2).locator('[data-testid="ct-amount"]').fill('10.00');
  await rows.nth(2).locator('[data-testid="ct-amount"]').press('Enter');
  await until(async () => !(await tid('ct-live').isHidden()), 'the live note');

  const custom = await (await fetch(`${wm.url}/plugins/wm/overlay/tip-tiers`)).json();
  assert.equal(custom.source, 'custom');
  assert.deepEqual(custom.tiers.map((x) => [x.emoji, x.name, x.amount.value, x.perk]),
    [['🍵', 'Tea', '250', ''], ['', 'Cake', '400', 'A shout-out'], ['', 'Feast', '1000', '']]);
  // The preview shows the streamer's own tiers; no theme is selected.
  await until(async () => (await tid('tier-preview').locator('[data-testid="tier-card"]').count()) === 3, 'the custom preview');
  assert.equal(await page.locator('#theme-grid [aria-checked="true"]').count(), 0);
  await shot('setup-custom-tiers.png', page, false);

  // They survive a reload of the page.
  await page.reload();
  await tid('nav-setup').click();
  await until(async () => (await rows.count()) === 3 && (await rows.nth(1).locator('[data-testid="ct-name"]').inputValue()) === 'Cake', 'the saved tiers after a reload');
  assert.equal(await tid('ct').getAttribute('open'), '');

  // Currency display: symbols in the Tip panel's tiers, then back to codes.
  await tid('s-currency').selectOption('symbol');
  await saveTipSettings();
  await until(async () => (await (await fetch(`${wm.url}/plugins/wm/overlay/tip-tiers`)).json()).currencyDisplay === 'symbol', 'symbols');
  assert.deepEqual((await (await fetch(`${wm.url}/plugins/wm/overlay/tip-tiers`)).json()).tiers.map((x) => x.display), ['€2.50', '€4.00', '€10.00']);
  // The Tip panel writes amounts the same way (opened standalone here).
  const widget = await context.newPage();
  try {
    await widget.goto(`${wm.url}/plugins/wm/widget/tip-panel`);
    const amounts = widget.locator('#tiers button.tier .tier-amount');
    await until(async () => (await amounts.count()) === 3, 'the widget tiers');
    assert.deepEqual(await amounts.allInnerTexts(), ['€2.50', '€4.00', '€10.00']);
    assert.equal(await widget.evaluate(() => window.owncastWmTip.formatAmount('1999', 2, 'USD')), '$19.99');
  } finally {
    await widget.close();
  }
  await tid('s-currency').selectOption('code');
  await saveTipSettings();
  await until(async () => (await (await fetch(`${wm.url}/plugins/wm/overlay/tip-tiers`)).json()).currencyDisplay === 'code', 'codes again');

  // Choosing a theme and saving the tip settings replaces them.
  await tid('theme-space').click();
  await saveTipSettings();
  await until(async () => (await (await fetch(`${wm.url}/plugins/wm/overlay/tip-tiers`)).json()).source === 'theme', 'the theme again');
  await until(async () => await tid('ct-live').isHidden(), 'the live note gone');
});

test('settings pinned by flags are read-only with their source', async (t) => {
  if (skip) return t.skip(skip);
  const pinned = await startWm(['--admin-password', 'pinned-password-123', '--wallet-address', `${sb.base}/streamer`,
    '--tip-min', '2', '--op-dev-hosts', `127.0.0.1:${sb.port}`]);
  const ctx = await browser.newContext({ viewport: { width: 1100, height: 900 } });
  try {
    const p = watch(await ctx.newPage());
    await p.goto(`${pinned.url}/plugins/wm/admin#/setup`);
    // The password comes from a flag: no first-run screen, straight to the login.
    await login(p, 'pinned-password-123');
    await tid('view-setup', p).waitFor();
    await until(async () => (await tid('wallet-input', p).inputValue()) === `${sb.base}/streamer`, 'the pinned wallet');
    assert.equal(await tid('wallet-input', p).getAttribute('readonly'), '');
    assert.match(await textOf('wallet-pin', p), /set by flag --wallet-address/i);
    assert.equal(await tid('wallet-submit', p).isHidden(), true);
    assert.equal(await tid('s-tip-min', p).inputValue(), '2');
    assert.equal(await tid('s-tip-min', p).getAttribute('readonly'), '');
    assert.match(await p.locator('#s-tip-min-pin').innerText(), /set by flag --tip-min/i);
    await shot('setup-pinned.png', p, false);
  } finally {
    await ctx.close();
    await pinned.stop();
  }
});

// ---------- dashboard ----------

async function postFixture(name) {
  const body = readFileSync(join(FIXTURES, name));
  const r = await fetch(webhookUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  assert.equal(r.status, 200, `${name}: ${await r.text()}`);
}

// A real tip from alice through the sandbox, approved without a browser.
async function completeTip({ value, displayName, message }) {
  const r = await fetch(`${wm.url}/plugins/wm/tips`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ senderWalletAddress: `${sb.base}/alice`, amount: { value, assetCode: 'EUR', assetScale: 2 }, displayName, message }),
  });
  const created = await r.json();
  assert.equal(r.status, 201, JSON.stringify(created));
  const latest = await sb.hook('GET', '/_test/interactions/latest');
  assert.ok(latest.id, 'a pending consent');
  const d = await sb.hook('POST', `/_test/interactions/${latest.id}/decision`, { decision: 'accept' });
  const cb = await fetch(d.redirect);
  await cb.arrayBuffer();
  return until(async () => {
    const s = await (await fetch(`${wm.url}/plugins/wm/tips/${created.id}`)).json();
    if (['failed', 'denied', 'expired'].includes(s.status)) throw new Error(`tip ended ${s.status}: ${JSON.stringify(s.error)}`);
    return s.status === 'completed' ? s : null;
  }, 'the tip to complete', 60000);
}

test('dashboard: stream state from replayed Owncast webhooks and a completed tip, live', async (t) => {
  if (skip) return t.skip(skip);
  await page.goto(`${wm.url}/plugins/wm/admin#/dashboard`);
  await tid('view-dashboard').waitFor();
  await until(async () => (await textOf('stream-state')) === 'Offline', 'offline at first');
  await page.evaluate(() => { window.__noReload = true; });

  // With the access token from Connect, owncast-wm also reconciles presence from Owncast's
  // client list (at STREAM_STARTED): give the fake Owncast the fixture's connected viewers.
  oc.state.clients = JSON.parse(readFileSync(join(FIXTURES, 'api', 'clients.response.json'), 'utf8'));
  oc.setOnline(true);
  for (const f of ['stream-started.json', 'user-joined.json', 'chat.json', 'stream-title-updated.json']) await postFixture(f);
  const title = JSON.parse(readFileSync(join(FIXTURES, 'stream-title-updated.json'), 'utf8')).eventData.streamTitle;
  await until(async () => (await textOf('stream-state')) === 'Live', 'Live', 15000);
  await until(async () => (await textOf('stream-title')) === title, 'the new title', 15000);
  // The numbers on the page are the API's (they settle once the reconcile ran).
  await until(async () => {
    const stream = await (await fetch(`${wm.url}/plugins/wm/stream`)).json();
    return stream.viewers.current >= 1 && (await textOf('stream-viewers')) === String(stream.viewers.current) &&
      (await textOf('stream-peak')) === String(stream.viewers.peak);
  }, 'the viewer counts', 20000);

  tip = await completeTip({ value: '500', displayName: 'Nova', message: 'Great stream! <b>not bold</b>' });
  // The latest tips list refreshes by itself (no reload).
  await until(async () => (await tid('recent-tips').innerText()).includes('Great stream! <b>not bold</b>'), 'the tip in the feed', 20000);
  await page.locator(`[data-testid="recent-tip"][data-tip-id="${tip.id}"][data-status="completed"]`).waitFor({ timeout: 15000 });
  assert.equal(await page.evaluate(() => window.__noReload), true, 'the page was not reloaded');
  assert.equal(await page.locator('#recent-tips b').count(), 0, 'viewer text is never HTML');
  assert.ok((await tid('recent-tips').innerText()).includes('Nova'));

  // Analytics: pick a timeframe, numbers match the API.
  await tid('tf-last_24h').click();
  const summary = (await adminApi('GET', '/plugins/wm/analytics/summary?timeframe=last_24h')).body;
  assert.equal(summary.tipCount, 1);
  await until(async () => (await textOf('an-count')) === '1', 'the tip count');
  assert.equal(await textOf('an-unique'), '1');
  assert.equal(await textOf('an-totals'), summary.totals.map((x) => x.display).join('\n'));
  assert.equal(await tid('tf-last_24h').getAttribute('aria-checked'), 'true');
  const bars = page.locator('[data-testid="chart-svg"] rect.bar');
  assert.equal(await bars.count(), 1, 'one bucket with tips');
  assert.equal(await bars.first().getAttribute('data-value'), summary.totals[0].value);
  assert.match(await tid('an-top').innerText(), /Nova/);

  // Leaderboard tabs (keyboard: arrow keys move between tabs).
  await tid('lb-stream').focus();
  await page.keyboard.press('End');
  assert.equal(await tid('lb-all').getAttribute('aria-selected'), 'true');
  await until(async () => (await tid('leaderboard').innerText()).includes('Nova'), 'the leaderboard row');
  const board = (await (await fetch(`${wm.url}/plugins/wm/leaderboard?period=all`)).json());
  assert.ok((await tid('leaderboard').innerText()).includes(board.assets[0].supporters[0].display));

  await page.waitForTimeout(300);
  await shot('dashboard-desktop.png');
  const dark = await browser.newContext({ viewport: { width: 1280, height: 900 }, colorScheme: 'dark' });
  try {
    await dark.addCookies(await context.cookies());
    const p = watch(await dark.newPage());
    await p.goto(`${wm.url}/plugins/wm/admin#/dashboard`);
    await until(async () => (await p.locator('[data-testid="recent-tip"]').count()) > 0, 'the dark dashboard');
    await p.waitForTimeout(300);
    await shot('dashboard-dark.png', p);
  } finally {
    await dark.close();
  }
});

// ---------- tips table ----------

test('tips table: hide and unhide a message, resend the announcement, filters, CSV download', async (t) => {
  if (skip) return t.skip(skip);
  await tid('nav-tips').click();
  await tid('view-tips').waitFor();
  const row = page.locator(`[data-testid="tip-row"][data-tip-id="${tip.id}"]`);
  await row.waitFor();
  assert.equal(await row.getAttribute('data-status'), 'completed');
  assert.match(await row.locator('[data-testid="tip-amount"]').innerText(), /EUR/);
  assert.equal(await row.locator('[data-testid="tip-name"]').innerText(), 'Nova');

  await row.locator('[data-testid="tip-hide"]').click();
  await until(async () => (await row.getAttribute('data-hidden')) === 'true', 'the hidden flag');
  let listed = (await adminApi('GET', '/plugins/wm/api/tips?limit=10')).body.tips.find((x) => x.id === tip.id);
  assert.equal(listed.hidden, true);
  assert.match(await row.locator('[data-testid="tip-message"]').innerText(), /Hidden/i);
  await shot('tips-hidden.png', page, false);
  await row.locator('[data-testid="tip-hide"]').click();
  await until(async () => (await row.getAttribute('data-hidden')) === 'false', 'unhidden');
  listed = (await adminApi('GET', '/plugins/wm/api/tips?limit=10')).body.tips.find((x) => x.id === tip.id);
  assert.equal(listed.hidden, false);

  // Resend: queued, and the fake Owncast receives one more system message.
  const announced = () => oc.state.messages.filter((m) => m.kind === 'system' && m.body.includes('Nova')).length;
  const first = await until(async () => announced() || null, 'the first announcement', 60000);
  await row.locator('[data-testid="tip-announce"]').click();
  await until(async () => /queued/i.test(await textOf('toast')), 'the queued toast');
  await until(async () => announced() > first, 'the resent announcement', 60000);

  // Filters: no failed tips; the CSV link carries the filter.
  await tid('f-status').selectOption('failed');
  await tid('tips-empty').waitFor();
  assert.match(await tid('tips-csv').getAttribute('href'), /format=csv/);
  assert.match(await tid('tips-csv').getAttribute('href'), /status=failed/);
  await tid('f-reset').click();
  await row.waitFor();
  const href = await tid('tips-csv').getAttribute('href');
  assert.doesNotMatch(href, /status=/);

  // Download it like a user would.
  const [download] = await Promise.all([page.waitForEvent('download'), tid('tips-csv').click()]);
  const csv = readFileSync(await download.path(), 'utf8');
  const lines = csv.split('\r\n');
  assert.equal(lines[0], 'id,createdAt,status,amount,assetCode,displayName,anonymous,message,hidden,owncastUserId');
  const line = lines.find((l) => l.startsWith(`${tip.id},`));
  assert.ok(line, 'the tip is in the CSV');
  assert.match(line, /,completed,/);
  assert.match(line, /,Nova,/);
  await shot('tips-desktop.png');
});

test('tips table pages with the API cursor (Older / Newer)', async (t) => {
  if (skip) return t.skip(skip);
  // 26 more tips left waiting for consent: with the completed one that is two pages of 25.
  for (let i = 0; i < 26; i++) {
    const r = await fetch(`${wm.url}/plugins/wm/tips`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ senderWalletAddress: `${sb.base}/alice`, amount: { value: String(100 + i), assetCode: 'EUR', assetScale: 2 }, displayName: `Viewer ${i}` }),
    });
    assert.equal(r.status, 201, await r.text());
  }
  await tid('nav-dashboard').click();
  await tid('nav-tips').click();
  const rows = page.locator('[data-testid="tip-row"]');
  await until(async () => (await rows.count()) === 25, 'a full first page');
  assert.equal(await rows.first().locator('[data-testid="tip-name"]').innerText(), 'Viewer 25', 'newest first');
  assert.equal(await tid('tips-prev').isDisabled(), true);
  await tid('tips-next').click();
  await until(async () => (await textOf('tips-page')) === 'Page 2', 'page 2');
  assert.equal(await rows.count(), 2);
  assert.equal(await tid('tips-next').isDisabled(), true, 'no page after the last');
  const ids = await rows.evaluateAll((rs) => rs.map((r) => r.dataset.tipId));
  assert.ok(ids.includes(tip.id), 'the oldest tip is on the last page');
  await tid('tips-prev').click();
  await until(async () => (await textOf('tips-page')) === 'Page 1', 'back to page 1');
  assert.equal(await rows.count(), 25);
  // Status filter from the first page.
  await tid('f-status').selectOption('awaiting_consent');
  await until(async () => (await rows.count()) === 25 && (await tid('tips-next').isEnabled()), 'the filtered first page');
  assert.deepEqual([...new Set(await rows.evaluateAll((rs) => rs.map((r) => r.dataset.status)))], ['awaiting_consent']);
  await tid('f-reset').click();
});

test('phone width (390 px), light and dark: no horizontal scrolling, screenshots', async (t) => {
  if (skip) return t.skip(skip);
  for (const scheme of ['light', 'dark']) {
    const ctx = await browser.newContext({ viewport: { width: 390, height: 844 }, colorScheme: scheme, isMobile: true, hasTouch: true });
    try {
      await ctx.addCookies(await context.cookies());
      const p = watch(await ctx.newPage());
      for (const view of ['dashboard', 'tips', 'setup']) {
        await p.goto(`${wm.url}/plugins/wm/admin#/${view}`);
        await tid(`view-${view}`, p).waitFor();
        if (view === 'dashboard') await until(async () => (await p.locator('[data-testid="recent-tip"]').count()) > 0, 'tips on the phone');
        if (view === 'tips') await p.locator('[data-testid="tip-row"]').first().waitFor();
        await p.waitForTimeout(400);
        const overflow = await p.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
        assert.ok(overflow <= 0, `${view} (${scheme}): no horizontal scrolling (${overflow}px)`);
        await shot(`phone-${view}-${scheme}.png`, p);
      }
    } finally {
      await ctx.close();
    }
  }
});

test('an expired session sends the streamer back to the login', async (t) => {
  if (skip) return t.skip(skip);
  await page.goto(`${wm.url}/plugins/wm/admin#/dashboard`);
  await tid('view-dashboard').waitFor();
  await context.clearCookies();
  // The dashboard polls every few seconds; the next poll answers 401.
  await tid('login').waitFor({ timeout: 15000 });
  assert.match(await textOf('login-note'), /session has ended/i);
  await login(page);
  await tid('view-dashboard').waitFor();
});

test('no CSP violations or uncaught errors', async (t) => {
  if (skip) return t.skip(skip);
  assert.deepEqual(problems, []);
});

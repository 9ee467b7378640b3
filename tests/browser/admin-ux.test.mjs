// The admin page as a streamer uses it (issue 10, section 7), in real Chromium against the real
// binary, the Open Payments sandbox and the fake Owncast: what stays in a field after a refusal,
// what a reload shows, previews, the login backoff, the live feed, accessible names and an axe-core
// WCAG 2.1 AA audit of every page and state (desktop and phone, light and dark).
//
//   WM_BINARY=build-test/owncast-wm node --test tests/browser/admin-ux.test.mjs
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { startWm, startSandbox, launchChromium, outputDir } from './helpers.mjs';
import { startFakeOwncast } from './fake-owncast.mjs';
import { axeViolations, contrastProblems } from './a11y.mjs';

const PASSWORD = 'a long admin password for ux';
let wm;
let sb;
let oc;
let browser;
let context;
let page;
let out;
const problems = [];

before(async () => {
  out = join(outputDir(), 'admin-ux');
  mkdirSync(out, { recursive: true });
  sb = await startSandbox(['--wait', '0']);
  oc = await startFakeOwncast();
  wm = await startWm(['--admin-password', PASSWORD, '--op-dev-hosts', `127.0.0.1:${sb.port}`,
    '--tip-rate-ip', '0', '--tip-rate-wallet', '0']);
  browser = await launchChromium();
  context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  page = watch(await context.newPage());
  // Logged in once here, so each test below stands on its own.
  await page.goto(`${wm.url}/plugins/wm/admin`);
  await page.locator('[data-testid="login-password"]').fill(PASSWORD);
  await page.locator('[data-testid="login-submit"]').click();
  await page.locator('[data-testid="view-setup"]').waitFor();
});

after(async () => {
  await browser?.close();
  await wm?.stop();
  await sb?.stop();
  await oc?.stop();
});

function watch(p) {
  p.on('console', (m) => { if (/Content Security Policy|Refused to/i.test(m.text())) problems.push(m.text()); });
  p.on('pageerror', (e) => problems.push(String(e)));
  return p;
}

const tid = (id, p = page) => p.locator(`[data-testid="${id}"]`);
const textOf = async (id, p = page) => (await tid(id, p).innerText()).trim();

async function until(fn, what, timeoutMs = 20000) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function adminApi(method, path, body) {
  const r = await fetch(wm.url + path, {
    method,
    headers: { authorization: `Basic ${Buffer.from(`admin:${PASSWORD}`).toString('base64')}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await r.text();
  return { status: r.status, body: text && (r.headers.get('content-type') || '').includes('json') ? JSON.parse(text) : text };
}

// The ids in aria-describedby of a locator's element.
async function describedBy(locator) {
  return ((await locator.getAttribute('aria-describedby')) || '').split(/\s+/).filter(Boolean);
}

async function audit(p, what, cards) {
  const v = await axeViolations(p);
  assert.deepEqual(v, [], `axe WCAG 2.1 AA violations on ${what}`);
  const c = await contrastProblems(p, cards);
  assert.deepEqual(c, [], `border / placeholder contrast on ${what}`);
}

test('login: the skip link leads to visible content; a wrong password is tied to the field', async () => {
  const ctx = await browser.newContext({ viewport: { width: 1000, height: 800 } });
  const p = watch(await ctx.newPage());
  try {
    await p.goto(`${wm.url}/plugins/wm/admin`);
    await tid('login', p).waitFor();
    const target = (await p.locator('.skip-link').getAttribute('href')).slice(1);
    assert.equal(await p.locator(`#${target}`).isVisible(), true, `the skip link's target #${target} is visible`);
    await audit(p, 'the login screen');

    await tid('login-password', p).fill('wrong password 1');
    await tid('login-submit', p).click();
    await until(async () => /Wrong password/.test(await textOf('login-error', p)), 'the wrong password message');
    assert.equal(await tid('login-password', p).getAttribute('aria-invalid'), 'true');
    assert.ok((await describedBy(tid('login-password', p))).includes('login-error'), 'the password field is described by the error');
    await audit(p, 'the login error');

    await tid('login-password', p).fill(PASSWORD);
    await tid('login-submit', p).click();
    await tid('view-setup', p).waitFor();
    assert.equal((await p.locator('.skip-link').getAttribute('href')), '#main');
  } finally {
    await ctx.close();
  }
});

test('wallet: a refused address stays in the field, tied to its error; a saved one shows its facts after a reload', async () => {
  const input = tid('wallet-input');
  await input.fill(`${sb.base}/streamer`);
  await tid('wallet-submit').click();
  await tid('wallet-info').waitFor();

  const refused = `${sb.base}/nobody`;
  await input.fill(refused);
  await tid('wallet-submit').click();
  await until(async () => !(await tid('wallet-error').isHidden()), 'the refusal');
  assert.equal(await input.inputValue(), refused, 'what was typed stays');
  assert.equal(await input.getAttribute('aria-invalid'), 'true');
  assert.ok((await describedBy(input)).includes('wallet-error'));
  await audit(page, 'setup with a wallet error');

  await page.reload();
  await tid('view-setup').waitFor();
  await until(async () => (await input.inputValue()) === `${sb.base}/streamer`, 'the saved wallet');
  await tid('wallet-info').waitFor();
  assert.equal(await textOf('wallet-name'), 'Streamer');
  assert.equal(await textOf('wallet-asset'), 'EUR');
  assert.match(await textOf('wallet-checked'), /^Checked /);
});

test('key: after a reload the key id, its public JWK and the last test result with its time are shown', async () => {
  await tid('key-generate').click();
  await tid('key-result').waitFor();
  const jwk = JSON.parse(await textOf('key-jwk'));
  await tid('key-test').click();
  await until(async () => (await tid('key-test-result').getAttribute('data-ok')) === 'false', 'the failed test');
  await sb.hook('POST', '/_test/keys', { wallet: 'streamer', jwk });
  await tid('key-test').click();
  await until(async () => (await tid('key-test-result').getAttribute('data-ok')) === 'true', 'the passed test');

  await page.reload();
  await tid('view-setup').waitFor();
  await tid('key-result').waitFor();
  assert.deepEqual(JSON.parse(await textOf('key-jwk')), jwk, 'the same public JWK to copy again');
  assert.equal(await textOf('key-result-id'), jwk.kid);
  assert.equal(await tid('key-test-result').getAttribute('data-ok'), 'true');
  assert.match(await textOf('key-test-time'), /^Last tested /);
  assert.equal(await textOf('step-key-status'), 'Tested');
  const state = (await adminApi('GET', '/plugins/wm/api/setup/state')).body;
  assert.equal(state.key.keyId, jwk.kid);
  assert.equal(state.keyTest.ok, true);
  assert.equal(state.wallet.assetCode, 'EUR');
  await page.screenshot({ path: join(out, 'setup-after-reload.png'), fullPage: true });
});

test('Owncast: a failing token is not saved and stays to be fixed; a successful Connect leaves no stale error', async () => {
  await tid('oc-url').fill(oc.url);
  await tid('oc-token').fill('not-a-real-owncast-token');
  await tid('oc-test').click();
  await until(async () => (await tid('scope-CAN_SEND_MESSAGES').count()) === 1, 'the test result');
  assert.equal(await tid('scope-HAS_ADMIN_ACCESS').getAttribute('data-ok'), 'false');
  const s = (await adminApi('GET', '/plugins/wm/api/settings')).body.settings;
  assert.equal(s['owncast-token'].set, false, 'the failing token is not saved');
  assert.equal(s['owncast-url'].value, oc.url, 'the URL of an Owncast that answered is');
  assert.equal(await tid('oc-token').inputValue(), 'not-a-real-owncast-token');
  const direct = await adminApi('POST', '/plugins/wm/api/owncast/test', { url: oc.url, token: 'another-bad-token' });
  assert.equal(direct.body.ok, false);
  assert.equal((await adminApi('GET', '/plugins/wm/api/settings')).body.settings['owncast-token'].set, false);

  await tid('oc-admin-password').fill('wrong-owncast-password');
  await tid('oc-connect').click();
  await tid('oc-error').waitFor();
  assert.equal(await tid('oc-admin-password').getAttribute('aria-invalid'), 'true');
  assert.ok((await describedBy(tid('oc-admin-password'))).includes('oc-error'));

  await tid('oc-admin-password').fill(oc.adminPassword);
  await tid('oc-connect').click();
  await tid('oc-connect-result').waitFor();
  assert.equal(await tid('oc-error').isHidden(), true);
  await until(async () => (await tid('scope-CAN_SEND_MESSAGES').getAttribute('data-ok')) === 'true', 'a fresh test result');
  assert.doesNotMatch(await textOf('oc-test-result'), /✗/, 'no stale failure');
  assert.equal(await tid('step-owncast').getAttribute('data-done'), 'true');
});

test('announcement preview: follows the currency display before saving; no empty quotes without a message', async () => {
  const preview = tid('s-template-preview');
  const empty = tid('s-template-preview-empty');
  await tid('s-template').fill('{name} tipped {amount}: "{message}"');
  await until(async () => /tipped 5\.00 EUR: "Great stream!"$/.test(await preview.innerText()), 'the preview in codes');
  assert.equal((await empty.innerText()).trim(), 'Ann tipped 5.00 EUR');
  await tid('s-currency').selectOption('symbol');
  await until(async () => /tipped €5\.00: "Great stream!"$/.test(await preview.innerText()), 'the preview with symbols');
  assert.equal((await empty.innerText()).trim(), 'Ann tipped €5.00');
  assert.equal((await adminApi('GET', '/plugins/wm/api/settings')).body.settings['currency-display'].value, 'code', 'nothing saved yet');
  await tid('s-currency').selectOption('code');
  await tid('s-template').fill('');
});

test('tip settings: a 400 naming a field shows the error at that field and keeps what was typed', async () => {
  await page.route('**/plugins/wm/api/settings', (route) => {
    if (route.request().method() !== 'PUT') return route.fallback();
    return route.fulfill({ status: 400, contentType: 'application/json',
      body: JSON.stringify({ error: { code: 'invalid_setting', field: 'tip-min', message: 'The smallest tip must not be above the largest tip (10.00 EUR).' } }) });
  });
  try {
    await tid('s-tip-min').fill('50');
    await tid('s-tip-max').fill('10');
    await tid('s-save').click();
    const err = page.locator('#s-tip-min-error');
    await err.waitFor();
    assert.equal(await err.innerText(), 'The smallest tip must not be above the largest tip (10.00 EUR).');
    assert.equal(await tid('s-tip-min').getAttribute('aria-invalid'), 'true');
    assert.ok((await describedBy(tid('s-tip-min'))).includes('s-tip-min-error'));
    assert.equal(await tid('s-tip-min').inputValue(), '50');
    assert.equal(await tid('s-tip-max').inputValue(), '10', 'the other field keeps what was typed too');
    await audit(page, 'the settings form with a field error', '.tier-card');
  } finally {
    await page.unroute('**/plugins/wm/api/settings');
  }
  await tid('s-tip-min').fill('');
  await tid('s-tip-max').fill('');

  // Custom tiers: the error lands on the tier's field.
  await page.route('**/plugins/wm/tiers', (route) => route.fulfill({ status: 400, contentType: 'application/json',
    body: JSON.stringify({ error: { code: 'invalid_tiers', field: 'custom[1].amount', message: 'Tier 2 is above the largest tip (100.00 EUR).' } }) }));
  try {
    await tid('ct-toggle').click();
    const rows = page.locator('[data-testid="ct-row"]');
    await until(async () => (await rows.count()) > 1, 'the tier editor');
    await rows.nth(1).locator('[data-testid="ct-amount"]').fill('500');
    await tid('ct-save').click();
    const amount = rows.nth(1).locator('[data-testid="ct-amount"]');
    await until(async () => (await amount.getAttribute('aria-invalid')) === 'true', 'the tier field error');
    assert.equal(await rows.nth(1).locator('.field-error').innerText(), 'Tier 2 is above the largest tip (100.00 EUR).');
    assert.equal(await amount.inputValue(), '500');
  } finally {
    await page.unroute('**/plugins/wm/tiers');
  }
});

test('manual steps show webhookListenUrl when the server gives one', async () => {
  await page.route('**/plugins/wm/api/webhook', async (route) => {
    const resp = await route.fetch();
    const body = await resp.json();
    body.webhookListenUrl = 'http://127.0.0.1:8085/webhooks/owncast/listen-token';
    await route.fulfill({ response: resp, json: body });
  });
  try {
    await page.reload();
    await tid('view-setup').waitFor();
    await tid('oc-manual-toggle').click();
    await until(async () => (await textOf('manual-webhook-listen')) === 'http://127.0.0.1:8085/webhooks/owncast/listen-token', 'the listen URL');
    assert.equal(await tid('manual-webhook-listen-row').isVisible(), true);
  } finally {
    await page.unroute('**/plugins/wm/api/webhook');
  }
  await audit(page, 'setup with every step open', '.tier-card');
});

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
  const d = await sb.hook('POST', `/_test/interactions/${latest.id}/decision`, { decision: 'accept' });
  await (await fetch(d.redirect)).arrayBuffer();
  return until(async () => {
    const s = await (await fetch(`${wm.url}/plugins/wm/tips/${created.id}`)).json();
    if (['failed', 'denied', 'expired'].includes(s.status)) throw new Error(`tip ended ${s.status}`);
    return s.status === 'completed' ? s : null;
  }, 'the tip to complete', 60000);
}

test('dashboard: avatar initials keep emoji and combining marks whole; the live feed only adds new tips', async () => {
  const astro = await completeTip({ value: '300', displayName: '🧑🏽‍🚀 Astro', message: 'to the moon' });
  await page.goto(`${wm.url}/plugins/wm/admin#/dashboard`);
  await tid('view-dashboard').waitFor();
  const item = page.locator(`[data-testid="recent-tip"][data-tip-id="${astro.id}"]`);
  await item.waitFor();
  assert.equal(await item.locator('.avatar').innerText(), '🧑🏽‍🚀A');
  const initials = await page.evaluate(async () => {
    const { initials: f } = await import('/plugins/wm/ui/admin/dom.js');
    return [f('e\u0301mile'), f('e\u0301mile b\u0301'), f('👩‍👩‍👧'), f('🇫🇷 Paris')];
  });
  assert.deepEqual(initials, ['E\u0301M', 'E\u0301B\u0301', '👩‍👩‍👧', '🇫🇷P']);
  assert.equal(await tid('recent-tips').getAttribute('aria-live'), 'polite');

  // Mark the node; after two polls (every 4 s) it is still the same node.
  await item.evaluate((n) => { n.__seen = true; });
  const stamp = await textOf('dash-updated');
  await until(async () => (await textOf('dash-updated')) !== stamp, 'a poll', 10000);
  const stamp2 = await textOf('dash-updated');
  await until(async () => (await textOf('dash-updated')) !== stamp2, 'another poll', 10000);
  assert.equal(await item.evaluate((n) => n.__seen === true), true, 'the feed item was not rebuilt');

  const nova = await completeTip({ value: '500', displayName: 'Nova', message: 'second' });
  const novaItem = page.locator(`[data-testid="recent-tip"][data-tip-id="${nova.id}"]`);
  await novaItem.waitFor({ timeout: 15000 });
  assert.equal(await item.evaluate((n) => n.__seen === true), true, 'the older item stays while a new one is added');
  assert.equal(await page.locator('[data-testid="recent-tip"]').first().getAttribute('data-tip-id'), nova.id, 'newest first');
  await audit(page, 'the dashboard');
});

test('tips table: each button\'s accessible name contains its visible word (Hide, Unhide, Resend)', async () => {
  await tid('nav-tips').click();
  await tid('view-tips').waitFor();
  const row = page.locator('[data-testid="tip-row"]').first();
  await row.waitFor();
  await row.locator('[data-testid="tip-hide"]').click();
  await until(async () => (await row.getAttribute('data-hidden')) === 'true', 'hidden');
  for (const b of await page.locator('[data-testid="tips-body"] button').all()) {
    const visible = (await b.innerText()).trim();
    const name = await b.getAttribute('aria-label');
    assert.ok(name.toLowerCase().startsWith(visible.toLowerCase()), `"${name}" starts with "${visible}"`);
  }
  assert.equal(await row.locator('[data-testid="tip-hide"]').innerText(), 'Unhide');
  await audit(page, 'the tips table');
});

test('axe-core WCAG 2.1 AA: every view on desktop and phone, light and dark', async () => {
  for (const [w, h] of [[1280, 900], [390, 844]]) {
    for (const scheme of ['light', 'dark']) {
      const ctx = await browser.newContext({ viewport: { width: w, height: h }, colorScheme: scheme, isMobile: w < 500 });
      try {
        await ctx.addCookies(await context.cookies());
        const p = watch(await ctx.newPage());
        for (const view of ['dashboard', 'tips', 'setup']) {
          await p.goto(`${wm.url}/plugins/wm/admin#/${view}`);
          await tid(`view-${view}`, p).waitFor();
          if (view === 'dashboard') await p.locator('[data-testid="recent-tip"]').first().waitFor();
          if (view === 'tips') await p.locator('[data-testid="tip-row"]').first().waitFor();
          if (view === 'setup') {
            await tid('key-result', p).waitFor();
            await tid('ct-toggle', p).click();
            await tid('oc-manual-toggle', p).click();
          }
          await p.waitForTimeout(300);
          await audit(p, `${view} (${w}px, ${scheme})`, '.tier-card');
        }
        // The login screen in this size and scheme.
        const anon = watch(await (await browser.newContext({ viewport: { width: w, height: h }, colorScheme: scheme })).newPage());
        await anon.goto(`${wm.url}/plugins/wm/admin`);
        await tid('login', anon).waitFor();
        await audit(anon, `login (${w}px, ${scheme})`);
        await anon.context().close();
      } finally {
        await ctx.close();
      }
    }
  }
});

// Last: it makes this address wait (the other tests' API calls share it).
test('login backoff: one sentence with a live countdown; the button waits too', async () => {
  const ctx = await browser.newContext({ viewport: { width: 1000, height: 800 } });
  const p = watch(await ctx.newPage());
  try {
    await p.goto(`${wm.url}/plugins/wm/admin`);
    await tid('login', p).waitFor();
    // Five free attempts, then a doubling wait; waited out and failed again until the wait is at
    // least 4 s, so the countdown has time to tick.
    await until(async () => {
      const r = await fetch(`${wm.url}/plugins/wm/admin/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"password":"nope"}' });
      await r.arrayBuffer();
      const wait = Number(r.headers.get('retry-after') || 0);
      if (r.status === 429 && wait >= 4) return true;
      if (r.status === 429) await new Promise((res) => setTimeout(res, wait * 1000 + 50));
      return false;
    }, 'a backoff of 4 s', 90000);
    await tid('login-password', p).fill('wrong again');
    await tid('login-submit', p).click();
    const sentence = /^Too many wrong passwords\. You can try again in (\d+) seconds?\.$/;
    const first = await until(async () => sentence.exec(await textOf('login-error', p)), 'the backoff sentence');
    assert.equal(await tid('login-submit', p).isDisabled(), true, 'the button waits too');
    await until(async () => {
      const m = sentence.exec(await textOf('login-error', p));
      return m && Number(m[1]) < Number(first[1]);
    }, 'the countdown to tick', 5000);
    await audit(p, 'the login backoff');
    await until(async () => (await textOf('login-error', p)) === 'You can try again now.', 'the end of the countdown', 20000);
    assert.equal(await tid('login-submit', p).isDisabled(), false);
    await p.screenshot({ path: join(out, 'login-backoff.png') });
    await tid('login-password', p).fill(PASSWORD);
    await tid('login-submit', p).click();
    await p.locator('body[data-state="app"]').waitFor({ timeout: 60000 });
  } finally {
    await ctx.close();
  }
});

test('no CSP violations or uncaught errors', () => {
  assert.deepEqual(problems, []);
});

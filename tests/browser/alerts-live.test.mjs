// The alert overlay with REAL tips (issue 13), in real Chromium at 1920x1080 as an OBS Browser
// Source loads it: tips are created through the tip API, approved at the Open Payments sandbox
// (its /_test decision hook) and completed by the sidecar; only then may an alert appear.
//
// What is asserted on the page's DOM: a MutationObserver installed before the page's own script
// records every change of the stage (alerts added, removed, marked leaving) with the number of
// alert elements present, so "never two at once" is checked at every change, not by sampling
// with sleeps. Negative checks ("nothing for a denied tip") are ordered by a later marker alert:
// the SSE stream is in bus order, so once the marker is shown anything sent before it was shown.
//
// One sandbox and one sidecar for the file (CI time); the sidecar is restarted once on the same
// port and data dir (the overlay must survive that without replaying), plus a small second
// sidecar with --sse-max-clients 1 for the "refused, then retried" case.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startWm, startSandbox, launchChromium, outputDir, keygen, binaryPath } from './helpers.mjs';

const PASSWORD = 'correct horse battery';
const auth = { authorization: 'Basic ' + Buffer.from('admin:' + PASSWORD).toString('base64') };
let sb;
let wm;      // { url, port, child, stop() }
let wmArgs;  // to restart it the same way
let dataDir;
let keyDir;
let browser;
let out;

// The sidecar on a fixed port and data dir, so it can be restarted in place.
async function startSidecar(port) {
  const child = spawn(binaryPath(), ['--listen', `127.0.0.1:${port}`, '--data-dir', dataDir, '--access-log', 'off', ...wmArgs],
    { stdio: ['ignore', 'pipe', 'pipe'] });
  let text = '';
  let err = '';
  child.stderr.on('data', (d) => { err = (err + d).slice(-20000); });
  const m = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`owncast-wm did not start: ${text} ${err}`)), 30000);
    child.stdout.on('data', (d) => {
      text += d;
      const found = /listening on (http:\/\/127\.0\.0\.1:(\d+))/.exec(text);
      if (found) { clearTimeout(timer); resolve(found); }
    });
    child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`owncast-wm exited ${code}: ${err}`)); });
  });
  return {
    url: m[1],
    port: Number(m[2]),
    child,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

before(async () => {
  out = outputDir();
  sb = await startSandbox(['--wait', '1']);
  keyDir = mkdtempSync(join(tmpdir(), 'owncast-wm-key-'));
  dataDir = mkdtempSync(join(tmpdir(), 'owncast-wm-alerts-live-'));
  const keyFile = join(keyDir, 'key.pem');
  await sb.hook('POST', '/_test/keys', { wallet: 'streamer', jwk: keygen(keyFile, 'alerts-live') });
  wmArgs = ['--admin-password', PASSWORD, '--wallet-address', `${sb.base}/streamer`, '--key-id', 'alerts-live',
    '--key-file', keyFile, '--op-dev-hosts', `127.0.0.1:${sb.port}`, '--tip-rate-ip', '0', '--tip-rate-wallet', '0'];
  wm = await startSidecar(0);
  browser = await launchChromium();
  await api('PUT', '/plugins/wm/api/alerts/settings', {
    style: { template: '{name} tipped {amount}', durationMs: 1200, emoji: '💸' },
    variations: [
      { name: 'big', min: { value: '2000', assetCode: 'EUR', assetScale: 2 }, style: { emoji: '🎉', durationMs: 1500 } },
      { name: 'mid', min: { value: '5', assetCode: 'EUR', assetScale: 0 }, style: { emoji: '⭐' } },
    ],
  });
});

after(async () => {
  await browser?.close();
  await wm?.stop();
  await sb?.stop();
  for (const d of [keyDir, dataDir]) if (d) rmSync(d, { recursive: true, force: true });
});

async function api(method, path, body, base = wm.url) {
  const r = await fetch(base + path, {
    method,
    headers: { ...auth, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await r.text();
  assert.ok(r.ok, `${method} ${path}: ${r.status} ${text}`);
  return text ? JSON.parse(text) : null;
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

const tipStatus = async (id) => (await (await fetch(`${wm.url}/plugins/wm/tips/${id}`)).json()).status;

// Creates a tip from alice (EUR, like the streamer: the streamer receives exactly `value`).
async function createTip(value, displayName, message) {
  const r = await fetch(`${wm.url}/plugins/wm/tips`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ senderWalletAddress: `${sb.base}/alice`, amount: { value, assetCode: 'EUR', assetScale: 2 },
      displayName, message }),
  });
  const created = await r.json();
  assert.equal(r.status, 201, JSON.stringify(created));
  return created;
}

// The viewer's decision at the sandbox (the newest pending interaction), then the redirect back.
async function decide(decision) {
  const latest = await sb.hook('GET', '/_test/interactions/latest');
  assert.ok(latest.id, 'a consent interaction is pending');
  const d = await sb.hook('POST', `/_test/interactions/${latest.id}/decision`, { decision });
  await (await fetch(d.redirect)).arrayBuffer();
}

async function waitStatus(id, want) {
  await until(async () => {
    const s = await tipStatus(id);
    if (s !== want && ['completed', 'failed', 'denied', 'expired', 'cancelled'].includes(s)) {
      throw new Error(`tip ${id} ended ${s}, expected ${want}`);
    }
    return s === want;
  }, `tip ${id} to be ${want}`, 60000);
}

async function completeTip(value, displayName, message) {
  const t = await createTip(value, displayName, message);
  await decide('accept');
  await waitStatus(t.id, 'completed');
  return t.id;
}

// Installed before any page script: records every stage change with how many alerts exist.
function recorder() {
  window.wmRec = { max: 0, maxVisible: 0, log: [] };
  const sample = () => {
    const all = document.querySelectorAll('#stage .alert');
    const visible = document.querySelectorAll('#stage .alert:not(.leaving)');
    window.wmRec.max = Math.max(window.wmRec.max, all.length);
    window.wmRec.maxVisible = Math.max(window.wmRec.maxVisible, visible.length);
    return all.length;
  };
  new MutationObserver((records) => {
    for (const r of records) {
      for (const n of r.addedNodes) {
        if (n.classList && n.classList.contains('alert')) {
          window.wmRec.log.push({ op: 'add', id: n.dataset.id, variation: n.dataset.variation, className: n.className,
            text: n.innerText, count: sample(), at: performance.now() });
        }
      }
      for (const n of r.removedNodes) {
        if (n.classList && n.classList.contains('alert')) window.wmRec.log.push({ op: 'remove', id: n.dataset.id, count: sample() });
      }
    }
    sample();
  }).observe(document, { childList: true, subtree: true, attributes: true, attributeFilter: ['class'] });
}

async function openOverlay(url, context) {
  const ctx = context || await browser.newContext({ viewport: { width: 1920, height: 1080 } });
  await ctx.addInitScript(recorder);
  const page = await ctx.newPage();
  const problems = [];
  page.on('console', (m) => { if (m.type() === 'error' && !/Failed to load resource|ERR_CONNECTION_REFUSED|503/.test(m.text())) problems.push(m.text()); });
  page.on('pageerror', (e) => problems.push(String(e)));
  await page.goto(url);
  await page.waitForFunction(() => window.wmAlerts && window.wmAlerts.connected, null, { timeout: 15000 });
  return { context: ctx, page, problems };
}

const shownIds = (page) => page.evaluate(() => window.wmRec.log.filter((x) => x.op === 'add').map((x) => x.id));
const waitShown = (page, id, timeout = 15000) =>
  page.waitForFunction((i) => window.wmRec.log.some((x) => x.op === 'add' && x.id === i), id, { timeout });
const waitGone = (page, id, timeout = 15000) =>
  page.waitForFunction((i) => window.wmRec.log.some((x) => x.op === 'remove' && x.id === i), id, { timeout });
const entry = (page, id) => page.evaluate((i) => window.wmRec.log.find((x) => x.op === 'add' && x.id === i), id);

test('a completed sandbox tip shows name, amount and message with the variation its amount picks', async () => {
  const { urls } = await api('GET', '/plugins/wm/api/overlays');
  const { context, page, problems } = await openOverlay(urls.alerts);
  assert.equal(await page.evaluate(() => getComputedStyle(document.body).backgroundColor), 'rgba(0, 0, 0, 0)');
  const id = await completeTip('700', 'Nova', 'Great stream, keep going!');
  await waitShown(page, id);
  const alert = page.locator(`.alert[data-id="${id}"]`);
  const text = await alert.innerText();
  assert.match(text, /Nova tipped 7\.00 EUR/);
  assert.match(text, /Great stream, keep going!/);
  assert.match(text, /⭐/);
  // 7.00 EUR >= 5 EUR (scale 0) but < 20.00 EUR: "mid", as class and data attribute.
  assert.equal(await alert.getAttribute('data-variation'), 'mid');
  assert.match(await alert.getAttribute('class'), /\bmid\b/);
  await page.screenshot({ path: join(out, 'alerts-live-tip.png') });
  await waitGone(page, id);
  assert.deepEqual(problems, []);
  await context.close();
});

test('two tips completed back to back are shown one after the other, never overlapping; the big one is "big"', async () => {
  const { urls } = await api('GET', '/plugins/wm/api/overlays');
  const { context, page, problems } = await openOverlay(urls.alerts);
  const a = await createTip('2500', 'Orbit', 'First!');
  await decide('accept');
  const b = await createTip('300', 'Pixel', 'Second');
  await decide('accept');
  await Promise.all([waitStatus(a.id, 'completed'), waitStatus(b.id, 'completed')]);
  await waitShown(page, a.id);
  await waitShown(page, b.id);
  await page.screenshot({ path: join(out, 'alerts-live-second.png') });
  await waitGone(page, b.id);
  const rec = await page.evaluate(() => window.wmRec);
  assert.equal(rec.max, 1, `never two alert elements at once: ${JSON.stringify(rec.log)}`);
  const adds = rec.log.filter((x) => x.op === 'add');
  assert.deepEqual(adds.map((x) => x.id).sort(), [a.id, b.id].sort());
  // The second one entered only after the first one was removed.
  const first = adds[0].id;
  const removedFirst = rec.log.findIndex((x) => x.op === 'remove' && x.id === first);
  const addedSecond = rec.log.findIndex((x) => x.op === 'add' && x.id !== first);
  assert.ok(removedFirst >= 0 && removedFirst < addedSecond, JSON.stringify(rec.log));
  const big = adds.find((x) => x.id === a.id);
  assert.equal(big.variation, 'big');
  assert.match(big.className, /\bbig\b/);
  assert.match(big.text, /Orbit tipped 25\.00 EUR/);
  assert.match(big.text, /🎉/);
  const small = adds.find((x) => x.id === b.id);
  assert.equal(small.variation, '', '3.00 EUR is below every variation');
  assert.match(small.text, /Pixel tipped 3\.00 EUR[\s\S]*Second/);
  assert.deepEqual(problems, []);
  await context.close();
});

test('skip pressed again during the exit animation never puts two alerts on screen', async () => {
  const { urls } = await api('GET', '/plugins/wm/api/overlays');
  const { context, page, problems } = await openOverlay(urls.alerts);
  const ids = [];
  for (const v of ['100', '200', '400']) {
    const t = await createTip(v, 'Queue ' + v, '');
    await decide('accept');
    ids.push(t.id);
  }
  await Promise.all(ids.map((id) => waitStatus(id, 'completed')));
  const first = await page.waitForFunction(() => {
    const el = document.querySelector('#stage .alert:not(.leaving)');
    return el && el.dataset.id;
  }, null, { timeout: 15000 });
  const firstId = await first.jsonValue();
  await api('POST', '/plugins/wm/api/alerts/skip');
  await page.locator(`.alert.leaving[data-id="${firstId}"]`).waitFor({ state: 'attached', timeout: 5000 });
  await api('POST', '/plugins/wm/api/alerts/skip');  // while the first one is still leaving
  for (const id of ids) await waitShown(page, id);
  const rec = await page.evaluate(() => window.wmRec);
  assert.equal(rec.max, 1, `never two alert elements at once: ${JSON.stringify(rec.log)}`);
  for (const id of ids) await waitGone(page, id);
  assert.deepEqual((await shownIds(page)).sort(), [...ids].sort());
  assert.deepEqual(problems, []);
  await context.close();
});

test('denied and pending tips show nothing; a tip whose payment is in flight appears only once completed', async () => {
  const { urls } = await api('GET', '/plugins/wm/api/overlays');
  const { context, page, problems } = await openOverlay(urls.alerts);
  const denied = await createTip('900', 'Denied Dan', 'no money');
  await decide('reject');
  await waitStatus(denied.id, 'denied');
  const pending = await createTip('800', 'Pending Pat', 'not approved yet');  // never approved
  // Approved, but the sandbox holds the outgoing payment for a while: the tip is in flight.
  await sb.hook('POST', '/_test/faults', { match: '/outgoing-payments', delayMs: 4000, times: 1 });
  const slow = await createTip('600', 'Slow Sam', 'in flight');
  await decide('accept');
  await waitStatus(slow.id, 'processing');
  // A marker after all three, in bus order: once it is shown, nothing before it can still come.
  const marker = await completeTip('500', 'Marker', 'after the others');
  await waitShown(page, marker);
  assert.equal(await tipStatus(slow.id), 'processing', 'the payment is still in flight');
  assert.deepEqual(await shownIds(page), [marker]);
  assert.equal(await tipStatus(pending.id), 'awaiting_consent');
  // Once the wallet confirms the slow one, its alert comes.
  await waitStatus(slow.id, 'completed');
  await waitShown(page, slow.id);
  const text = (await entry(page, slow.id)).text;
  assert.match(text, /Slow Sam tipped 6\.00 EUR/);
  await waitGone(page, slow.id);
  const shown = await shownIds(page);
  assert.deepEqual(shown, [marker, slow.id]);
  assert.ok(!JSON.stringify(await page.evaluate(() => window.wmRec.log)).match(/Denied Dan|Pending Pat/));
  await page.screenshot({ path: join(out, 'alerts-live-after-denied.png') });
  assert.deepEqual(problems, []);
  await context.close();
});

test('after a reload or a sidecar restart the overlay resumes: missed tips come, shown ones never again', async () => {
  const { urls } = await api('GET', '/plugins/wm/api/overlays');
  const { context, page, problems } = await openOverlay(urls.alerts);
  const a = await completeTip('150', 'Before Reload', 'one');
  await waitShown(page, a);
  await waitGone(page, a);
  // Away: the browser source is closed while a tip completes, then opened again (same tab).
  await page.goto('about:blank');
  const missed = await completeTip('250', 'While Away', 'two');
  await page.goto(urls.alerts);
  await page.waitForFunction(() => window.wmAlerts && window.wmAlerts.connected, null, { timeout: 15000 });
  await waitShown(page, missed);
  const marker1 = await completeTip('350', 'After Reload', 'three');
  await waitShown(page, marker1);
  assert.deepEqual(await shownIds(page), [missed, marker1], 'the alert shown before the reload is not replayed');
  await waitGone(page, marker1);

  // The sidecar restarts (same port and data dir): the page's stream drops and comes back.
  const port = wm.port;
  await wm.stop();
  await page.waitForFunction(() => !window.wmAlerts.connected, null, { timeout: 10000 });
  wm = await startSidecar(port);
  await page.waitForFunction(() => window.wmAlerts.connected, null, { timeout: 30000 });
  const marker2 = await completeTip('450', 'After Restart', 'four');
  await waitShown(page, marker2);
  await waitGone(page, marker2);
  assert.deepEqual(await shownIds(page), [missed, marker1, marker2], 'nothing shown before the restart came again');
  await page.screenshot({ path: join(out, 'alerts-live-after-restart.png') });
  assert.deepEqual(problems, []);
  await context.close();
});

test('refused with 503 (client cap), the overlay retries by itself and then shows alerts', async () => {
  const small = await startWm(['--admin-password', PASSWORD, '--sse-max-clients', '1']);
  const ctl = new AbortController();
  try {
    const { urls } = await api('GET', '/plugins/wm/api/overlays', undefined, small.url);
    // Another overlay holds the only place.
    const holder = await fetch(urls.events, { signal: ctl.signal });
    assert.equal(holder.status, 200);
    const context = await browser.newContext({ viewport: { width: 1920, height: 1080 } });
    await context.addInitScript(recorder);
    const page = await context.newPage();
    const refused = page.waitForResponse((r) => r.url().includes('/overlay/events') && r.status() === 503);
    await page.goto(urls.alerts);
    await refused;
    ctl.abort();  // the place is free again
    await page.waitForFunction(() => window.wmAlerts && window.wmAlerts.connected, null, { timeout: 30000 });
    const sent = await api('POST', '/plugins/wm/api/alerts/test', undefined, small.url);
    await waitShown(page, `test-${sent.seq}`);
    await context.close();
  } finally {
    ctl.abort();
    await small.stop();
  }
});

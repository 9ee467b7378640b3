// Browser test of the admin page's alert style form (issue 13) in real Chromium: a streamer sets
// the text, sound, volume, a variation by amount and the alert minimum in the form; the saved
// settings are exactly that (amounts as integer strings), a reload shows them again, a bad amount
// is refused in place and saves nothing, a key the form does not know survives a save, and an
// uploaded WAV appears in the sound lists and can be deleted.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startWm, launchChromium, outputDir, until } from './helpers.mjs';
import { axeViolations } from './a11y.mjs';

const PASSWORD = 'correct horse battery';
const auth = { authorization: 'Basic ' + Buffer.from('admin:' + PASSWORD).toString('base64') };
let wm;
let browser;
let out;
let tmp;

before(async () => {
  out = outputDir();
  tmp = mkdtempSync(join(tmpdir(), 'owncast-wm-style-'));
  wm = await startWm(['--admin-password', PASSWORD]);
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await wm?.stop();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
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

// A valid 8 kHz mono 16-bit WAV of n samples.
function wav(n) {
  const b = Buffer.alloc(44 + n * 2);
  b.write('RIFF', 0); b.writeUInt32LE(36 + n * 2, 4); b.write('WAVE', 8); b.write('fmt ', 12);
  b.writeUInt32LE(16, 16); b.writeUInt16LE(1, 20); b.writeUInt16LE(1, 22); b.writeUInt32LE(8000, 24);
  b.writeUInt32LE(16000, 28); b.writeUInt16LE(2, 32); b.writeUInt16LE(16, 34); b.write('data', 36); b.writeUInt32LE(n * 2, 40);
  for (let i = 0; i < n; i++) b.writeInt16LE(Math.round(8000 * Math.sin(i / 4)), 44 + i * 2);
  return b;
}

test('alert style form: set, save, reload, refuse a bad amount, keep unknown keys, upload a sound', async () => {
  // A key only the API knows, set before the streamer opens the form.
  await api('PUT', '/plugins/wm/api/alerts/settings', { style: { template: '{name}!', customKey: 'kept' }, variations: [] });
  const context = await browser.newContext({ viewport: { width: 1280, height: 1000 } });
  const page = await context.newPage();
  const problems = [];
  page.on('pageerror', (e) => problems.push(String(e)));
  const tid = (id) => page.locator(`[data-testid="${id}"]`);
  try {
    await page.goto(`${wm.url}/plugins/wm/admin#/alerts`);
    await tid('login').waitFor();
    await page.locator('#login-password').fill(PASSWORD);
    await tid('login-submit').click();
    await tid('as-template').waitFor({ timeout: 10000 });
    await until(async () => (await tid('as-template').inputValue()) === '{name}!', 'the stored text in the form', 10000);

    // The streamer fills the form.
    await tid('as-template').fill('{name} sent {amount}');
    await tid('as-duration').fill('8');
    await tid('as-sound').selectOption('chime');
    await tid('as-volume').fill('80');
    await tid('as-currency').fill('EUR');
    await tid('as-scale').fill('2');
    await tid('as-min').fill('1.00');
    await tid('as-add-variation').click();
    const row = tid('as-variation').first();
    await row.locator('[data-k="name"]').fill('big');
    await row.locator('[data-k="min"]').fill('20.00');
    await row.locator('[data-k="sound"]').selectOption('fanfare');
    await tid('alerts-settings-save').click();
    await until(async () => (await api('GET', '/plugins/wm/api/alerts/settings')).style.template === '{name} sent {amount}', 'the save', 10000);
    const saved = await api('GET', '/plugins/wm/api/alerts/settings');
    assert.equal(saved.style.durationMs, 8000);
    assert.equal(saved.style.sound, 'chime');
    assert.equal(saved.style.volume, 0.8);
    assert.equal(saved.style.customKey, 'kept', 'a key the form does not show survives');
    assert.deepEqual(saved.alertMin, { value: '100', assetCode: 'EUR', assetScale: 2 });
    assert.equal(saved.speakMin, null);
    assert.equal(saved.variations.length, 1);
    assert.equal(saved.variations[0].name, 'big');
    assert.deepEqual(saved.variations[0].min, { value: '2000', assetCode: 'EUR', assetScale: 2 });
    assert.equal(saved.variations[0].style.sound, 'fanfare');

    // A reload shows what was saved.
    await page.reload();
    await tid('as-template').waitFor({ timeout: 10000 });
    await until(async () => (await tid('as-template').inputValue()) === '{name} sent {amount}', 'the saved text after a reload', 10000);
    assert.equal(await tid('as-sound').inputValue(), 'chime');
    assert.equal(await tid('as-min').inputValue(), '1.00');
    assert.equal(await tid('as-variation').first().locator('[data-k="min"]').inputValue(), '20.00');
    assert.deepEqual(await axeViolations(page, { exclude: ['#alerts-preview'] }), [], 'axe on the Alerts view');
    await page.screenshot({ path: join(out, 'alert-style-form.png'), fullPage: true });

    // A bad amount: a clear error in place, nothing saved.
    await tid('as-variation').first().locator('[data-k="min"]').fill('abc');
    await tid('alerts-settings-save').click();
    const err = page.locator('#alerts-settings-error');
    await err.waitFor({ state: 'visible', timeout: 5000 });
    assert.match(await err.innerText(), /Variation 1 minimum: type a number like 20\.00/);
    assert.deepEqual(await api('GET', '/plugins/wm/api/alerts/settings'), saved, 'nothing changed');

    // Upload a sound: listed, offered in the sound lists, then deleted.
    const file = join(tmp, 'ding.wav');
    writeFileSync(file, wav(800));
    await tid('as-sound-file').setInputFiles(file);
    await tid('as-sound-name').fill('Ding');
    await tid('as-sound-upload').click();
    await tid('as-sound-item').first().waitFor({ timeout: 10000 });
    const { sounds } = await api('GET', '/plugins/wm/api/alerts/sounds');
    assert.equal(sounds.length, 1);
    assert.equal(sounds[0].name, 'Ding');
    assert.ok(await tid('as-sound').locator(`option[value="${sounds[0].id}"]`).count() === 1, 'the upload is offered as a sound');
    await tid('as-sound-item').first().locator('button').click();
    await until(async () => (await api('GET', '/plugins/wm/api/alerts/sounds')).sounds.length === 0, 'the delete', 10000);
    await until(async () => (await tid('as-sound').locator(`option[value="${sounds[0].id}"]`).count()) === 0, 'the list refreshed', 10000);
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

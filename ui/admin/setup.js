// Guided setup: 1) receiving wallet address, 2) client key, 3) Owncast, 4) tip settings.
// Settings come from GET /plugins/wm/api/settings; pinned ones (flag, env, config file) are
// read-only with a note naming their source.
import * as monetization from './monetization.js';
import { api } from './api.js';
import { $, el, busy, fieldError, showError, toast, copyText, decodeEntities, formatDateTime, minorToDecimal } from './dom.js';

const SETTINGS = '/plugins/wm/api/settings';
export const THEMES = [
  ['fun', '🎉', 'Fun'], ['fantasy', '🐉', 'Fantasy'], ['scifi', '🤖', 'Sci-fi'], ['gaming', '🎮', 'Gaming'],
  ['retro', '📼', 'Retro'], ['space', '🪐', 'Space'], ['nature', '🌿', 'Nature'], ['food', '🍕', 'Food'],
  ['music', '🎵', 'Music'], ['coffee', '☕', 'Coffee'],
];
const DEFAULT_TEMPLATE = '🎉 {name} tipped {amount} — {message}';
const TIP_KEYS = ['tip-min', 'tip-max', 'announce-template', 'announce-min', 'anonymous-tips', 'currency-display'];

let settings = {};          // key -> {value, pinned, source, secret, set}
let loaded = false;
let listeners = [];
let walletInfo = null;      // last answer of POST /api/setup/wallet
let keyTested = null;       // null | true | false
let setupState = null;      // GET /api/setup/state: what earlier visits verified (wallet, key, key test)
let ownStatus = null;       // last answer of POST /api/owncast/test
let connected = null;       // last answer of POST /api/owncast/connect
let theme = { current: null, chosen: null, pinned: false, source: '' };
let tipsSaved = false;
let manualLoaded = false;
let previewTimer = 0;
let previewSeq = 0;

export function onChange(fn) { listeners.push(fn); }
function changed() { for (const fn of listeners) fn(); }

const s = (key) => settings[key] || { value: '', pinned: false, source: 'default', set: false };

// What is saved from earlier visits; an older server without the route just shows less.
async function loadSetupState() {
  try {
    setupState = await api.get('/plugins/wm/api/setup/state');
  } catch {
    setupState = null;
    return;
  }
  if (!walletInfo && setupState.wallet) walletInfo = setupState.wallet;
  if (setupState.key && $('key-result').hidden) showKeyResult({ ...setupState.key, saved: true });
  const test = setupState.keyTest;
  if (test && keyTested === null) {
    keyTested = !!test.ok;
    showKeyTest(test.ok, test.message, test.testedAt);
  }
}

export async function loadSettings() {
  const r = await api.get(SETTINGS);
  settings = (r && r.settings) || {};
  loaded = true;
  changed();
  return settings;
}

// Required steps that are not done: used for the nav badge and the dashboard banner.
export function missingSteps() {
  if (!loaded) return [];
  const out = [];
  if (!s('wallet-address').set) out.push('wallet');
  if (!s('key-id').set || (settings['key-file'] && !s('key-file').set)) out.push('key');
  if (!s('owncast-url').set || !s('owncast-token').set) out.push('owncast');
  return out;
}

function pinText(item) {
  return `Set by ${item.source || 'the command line'}; change it there.`;
}

function applyPin(input, noteId, key) {
  const item = s(key);
  const note = $(noteId);
  if (item.pinned) {
    if (input.type === 'checkbox' || input.tagName === 'SELECT') input.disabled = true;
    else input.readOnly = true;
    note.textContent = pinText(item);
    note.hidden = false;
  } else {
    input.readOnly = false;
    input.disabled = false;
    note.hidden = true;
  }
  return item.pinned;
}

function setStep(id, done, text) {
  const step = $(`step-${id}`);
  step.dataset.done = done ? 'true' : 'false';
  $(`step-${id}-status`).textContent = text;
}

// ---------------- render from settings ----------------

function renderWallet() {
  const item = s('wallet-address');
  const input = $('wallet-input');
  // What the streamer typed stays until it is saved (a refused address is corrected in place).
  if (document.activeElement !== input && input.dataset.dirty !== 'true') input.value = item.value || '';
  const pinned = applyPin(input, 'wallet-pin', 'wallet-address');
  $('wallet-submit').hidden = pinned;
  $('wallet-hint').hidden = pinned;
  if (walletInfo) {
    $('wallet-info').hidden = false;
    $('wallet-name').textContent = walletInfo.publicName || '–';
    $('wallet-asset').textContent = walletInfo.assetCode;
    $('wallet-scale').textContent = `${walletInfo.assetScale} (1 ${walletInfo.assetCode} = ${10 ** Math.min(walletInfo.assetScale, 18)} units)`;
    $('wallet-auth').textContent = walletInfo.authServer || '–';
    $('wallet-checked').hidden = !walletInfo.checkedAt;
    if (walletInfo.checkedAt) $('wallet-checked').textContent = `Checked ${formatDateTime(walletInfo.checkedAt)}.`;
  }
  setStep('wallet', item.set, walletInfo ? 'Verified' : item.pinned && item.set ? 'Set by flag' : item.set ? 'Saved' : 'Not set');
}

function renderKey() {
  const id = s('key-id');
  const pinned = id.pinned || s('key-file').pinned;
  const note = $('key-pin');
  if (pinned) {
    const src = id.pinned ? id.source : s('key-file').source;
    note.textContent = `The client key is set by ${src}; change it there.${id.value ? ` Key id: ${id.value}` : ''}`;
    note.hidden = false;
  } else {
    note.hidden = true;
  }
  $('key-editors').hidden = pinned;
  const keyIdInput = $('key-id');
  if (document.activeElement !== keyIdInput && !keyIdInput.value) keyIdInput.value = id.value || '';
  const done = id.set && (!settings['key-file'] || s('key-file').set);
  setStep('key', done && keyTested !== false, keyTested === true ? 'Tested' : keyTested === false ? 'Test failed' : done ? 'Saved' : 'Not set');
}

function renderOwncast() {
  const url = s('owncast-url');
  const token = s('owncast-token');
  const urlInput = $('oc-url');
  if (document.activeElement !== urlInput && !urlInput.value) urlInput.value = url.value || '';
  applyPin(urlInput, 'oc-url-pin', 'owncast-url');
  applyPin($('oc-token'), 'oc-token-pin', 'owncast-token');
  $('oc-token').placeholder = token.set ? '•••••••• saved; leave empty to keep it' : 'paste the token from Owncast';
  $('oc-token-hint').textContent = token.set
    ? 'A token is saved (it is never shown again).'
    : 'Created under Integrations → Access Tokens in Owncast, or by Connect below.';
  const done = url.set && token.set;
  let text = done ? 'Connected' : url.set ? 'No access token' : 'Not connected';
  if (ownStatus && !ownStatus.ok) text = done ? 'Check failed' : text;
  setStep('owncast', done && !(ownStatus && ownStatus.ok === false), text);
}

function renderTipSettings() {
  for (const input of document.querySelectorAll('#tips-form [data-setting]')) {
    const key = input.dataset.setting;
    const item = s(key);
    if (input.type === 'checkbox') input.checked = item.value === true || item.value === 'on';
    else if (document.activeElement !== input) input.value = item.value ?? '';
    applyPin(input, `${input.id}-pin`, key);
  }
  $('s-template').placeholder = DEFAULT_TEMPLATE;
  if (settings.theme) {
    theme.current = settings.theme.value || theme.current;
    theme.pinned = !!settings.theme.pinned;
    theme.source = settings.theme.source;
  }
  const custom = TIP_KEYS.some((k) => s(k).source === 'admin') || (settings.theme && settings.theme.source === 'admin');
  setStep('tips', tipsSaved || custom, tipsSaved || custom ? 'Customised' : 'Defaults');
}

function renderAll() {
  renderWallet();
  renderKey();
  renderOwncast();
  renderTipSettings();
}

// ---------------- step 1: wallet ----------------

async function onWalletSubmit(e) {
  e.preventDefault();
  const input = $('wallet-input');
  const err = $('wallet-error');
  const v = input.value.trim();
  if (!v) {
    fieldError(input, err, 'Enter your wallet address, like https://wallet.example/you or $wallet.example/you.');
    input.focus();
    return;
  }
  fieldError(input, err, null);
  await busy($('wallet-submit'), async () => {
    try {
      walletInfo = await api.post('/plugins/wm/api/setup/wallet', { walletAddress: v });
      walletInfo.checkedAt = new Date().toISOString();
      delete input.dataset.dirty;
      input.value = walletInfo.id || v;
      await loadSettings();
      toast('Wallet address saved');
    } catch (ex) {
      // The saved address (if any) is unchanged: its facts stay; the typed text stays too.
      walletInfo = null;
      $('wallet-info').hidden = true;
      input.dataset.dirty = 'true';
      fieldError(input, err, ex.message);
    }
    renderWallet();
  });
}

// ---------------- step 2: key ----------------

function showKeyResult(r) {
  $('key-result').hidden = false;
  $('key-result-id').textContent = r.keyId;
  $('key-jwk').textContent = JSON.stringify(r.jwk, null, 2);
  // The server's instructions: first sentence as the heading, the rest below it.
  const text = String(r.instructions || '').trim();
  const cut = text.indexOf('. ');
  $('key-heading').textContent = text
    ? (cut > 0 ? text.slice(0, cut + 1) : text)
    : "Upload this public key in your wallet provider's developer keys for this wallet address.";
  $('key-instructions').textContent = text && cut > 0 ? ` ${text.slice(cut + 2)}` : '';
  if (!r.saved || !$('key-id').value) $('key-id').value = r.keyId;
}

function showKeyTest(ok, message, at) {
  const out = $('key-test-result');
  out.dataset.ok = String(!!ok);
  out.textContent = ok ? '✓ The wallet accepted a request signed with this key.' : `✗ ${message || 'The key test failed.'}`;
  const time = $('key-test-time');
  time.hidden = !at;
  if (at) time.textContent = `Last tested ${formatDateTime(at)}.`;
}

async function saveKey(button, body) {
  const err = $('key-error');
  showError(err, null);
  await busy(button, async () => {
    try {
      const r = await api.post('/plugins/wm/api/setup/key', body);
      keyTested = null;
      $('key-test-result').textContent = '';
      delete $('key-test-result').dataset.ok;
      $('key-test-time').hidden = true;
      showKeyResult(r);
      $('key-private').value = '';
      await loadSettings();
      toast(body.generate ? 'New key generated' : 'Key saved');
      $('key-jwk').focus();
    } catch (ex) {
      showError(err, ex.message);
    }
    renderKey();
  });
}

let confirmReplace = false;
async function onGenerate() {
  const btn = $('key-generate');
  if (s('key-id').set && !confirmReplace) {
    confirmReplace = true;
    btn.textContent = 'Replace the current key?';
    btn.classList.add('btn-danger');
    showError($('key-error'), 'A key is already saved. Generating a new one replaces it: tips stop working until you upload the new public key. Press the button again to continue.');
    return;
  }
  confirmReplace = false;
  btn.textContent = 'Generate a new key';
  btn.classList.remove('btn-danger');
  const keyId = $('key-id').value.trim();
  await saveKey(btn, keyId && keyId !== s('key-id').value ? { generate: true, keyId } : { generate: true });
}

async function onKeySubmit(e) {
  e.preventDefault();
  const keyId = $('key-id').value.trim();
  const privateKey = $('key-private').value.trim();
  const err = $('key-error');
  fieldError($('key-id'), err, null);
  fieldError($('key-private'), err, null);
  if (!keyId) {
    fieldError($('key-id'), err, 'Enter the key id your wallet shows for this key.');
    $('key-id').focus();
    return;
  }
  if (!privateKey) {
    fieldError($('key-private'), err, 'Paste the private key (PEM, starting with -----BEGIN PRIVATE KEY-----).');
    $('key-private').focus();
    return;
  }
  await saveKey(e.submitter || $('key-form').querySelector('button[type=submit]'), { keyId, privateKey });
}

async function onKeyTest() {
  const out = $('key-test-result');
  out.textContent = '';
  delete out.dataset.ok;
  await busy($('key-test'), async () => {
    const now = new Date().toISOString();
    try {
      const r = await api.post('/plugins/wm/api/setup/key/test', {});
      keyTested = !!r.ok;
      showKeyTest(r.ok, r.error?.message, now);
    } catch (ex) {
      keyTested = false;
      showKeyTest(false, ex.message, now);
    }
    renderKey();
  });
}

// ---------------- step 3: Owncast ----------------

const SCOPE_TEXT = {
  HAS_ADMIN_ACCESS: 'Has admin access (live viewer list)',
  CAN_SEND_SYSTEM_MESSAGES: 'Can send system messages (tip announcements)',
  CAN_SEND_MESSAGES: 'Can send chat messages',
};

function tick(ok, label, testid) {
  return el('li', { dataset: { testid, ok: String(!!ok) } },
    el('span', { class: 'tick', 'data-ok': String(!!ok), 'aria-hidden': 'true' }, ok ? '✓' : '✗'),
    el('span', {}, label, el('span', { class: 'visually-hidden' }, ok ? ' (yes)' : ' (no)')));
}

function renderTestResult(r) {
  const panel = $('oc-test-result');
  panel.replaceChildren();
  panel.hidden = false;
  panel.dataset.ok = String(!!r.ok);
  if (r.error && !r.version) {
    panel.append(el('p', { class: 'test-result', 'data-ok': 'false', dataset: { testid: 'oc-test-error' } }, `✗ ${r.error.message}`));
    return;
  }
  panel.append(el('p', {},
    el('strong', {}, `Owncast ${r.version || '?'}`), ' · ',
    el('span', { dataset: { testid: 'oc-online' } }, r.online ? 'stream online' : 'stream offline')));
  const list = el('ul', { class: 'ticks', dataset: { testid: 'oc-scopes' } });
  for (const [k, label] of Object.entries(SCOPE_TEXT)) {
    list.append(tick(r.scopes && r.scopes[k], label, `scope-${k}`));
  }
  panel.append(list);
  if (r.error) panel.append(el('p', { class: 'test-result', 'data-ok': 'false' }, `✗ ${r.error.message}`));
  else if (!r.ok) {
    const missing = Object.entries(r.scopes || {}).filter(([, v]) => !v).map(([k]) => k);
    panel.append(el('p', { class: 'small muted' }, missing.length && Object.values(r.scopes || {}).some(Boolean)
      ? `The token lacks ${missing.join(', ')}. Create a token with all three scopes, or use Connect below.`
      : 'No working access token yet: paste one above, or use Connect below to create it.'));
  }
}

async function onOwncastTest(e) {
  e.preventDefault();
  const url = $('oc-url').value.trim();
  const token = $('oc-token').value.trim();
  showError($('oc-error'), null);
  if (!url && !s('owncast-url').set) {
    renderTestResult({ ok: false, error: { message: 'Enter the Owncast URL, e.g. http://127.0.0.1:8080.' } });
    $('oc-url').focus();
    return;
  }
  const body = {};
  if (url && !s('owncast-url').pinned) body.url = url;
  if (token && !s('owncast-token').pinned) body.token = token;
  await busy(e.submitter || $('oc-test-form').querySelector('button[type=submit]'), async () => {
    try {
      ownStatus = await api.post('/plugins/wm/api/owncast/test', body);
      renderTestResult(ownStatus);
      // A working token is saved (and never shown again); a failing one is not saved: it stays
      // in the field to be corrected.
      if (token && ownStatus.ok) $('oc-token').value = '';
      await loadSettings();
    } catch (ex) {
      ownStatus = { ok: false, error: { message: ex.message } };
      renderTestResult(ownStatus);
    }
    renderOwncast();
  });
}

function connectSummary(r) {
  const box = $('oc-connect-result');
  box.replaceChildren(
    el('p', {}, el('strong', {}, '✓ Connected to Owncast'), r.version ? ` ${r.version}` : ''),
    el('ul', {},
      el('li', { dataset: { testid: 'oc-result-webhook' } }, r.webhook.created
        ? `Webhook #${r.webhook.id} created.`
        : `Webhook #${r.webhook.id} was already registered; kept it (not added twice).`),
      el('li', { dataset: { testid: 'oc-result-token' } }, r.accessToken.created
        ? `Access token "${r.accessToken.name}" created and saved.`
        : `Access token "${r.accessToken.name}" reused.`),
      el('li', { dataset: { testid: 'oc-result-action' } }, r.externalAction.created
        ? 'Tip button added to Owncast (External Actions).'
        : r.externalAction.updated ? 'Tip button in Owncast updated.' : 'Tip button was already in Owncast.'),
      r.webMonetization ? el('li', { dataset: { testid: 'oc-result-wm' } }, r.webMonetization.error
        ? `Web Monetization was not turned on: ${r.webMonetization.error.message}`
        : 'Web Monetization is on for Owncast\'s page.') : ''));
  box.hidden = false;
  if (r.webMonetization) monetization.refresh();
}

async function onConnect(e) {
  e.preventDefault();
  const pw = $('oc-admin-password');
  const url = $('oc-url').value.trim() || s('owncast-url').value;
  const err = $('oc-error');
  $('oc-connect-result').hidden = true;
  fieldError($('oc-url'), err, null);
  fieldError(pw, err, null);
  if (!url) {
    fieldError($('oc-url'), err, 'Enter the Owncast URL above first.');
    $('oc-url').focus();
    return;
  }
  if (!pw.value) {
    fieldError(pw, err, 'Enter your Owncast admin password (the one you use for Owncast\'s /admin).');
    pw.focus();
    return;
  }
  await busy(e.submitter || $('oc-connect-form').querySelector('button[type=submit]'), async () => {
    try {
      connected = await api.post('/plugins/wm/api/owncast/connect',
        { url, adminPassword: pw.value, webMonetization: $('oc-wm').checked });
      pw.value = '';
      connectSummary(connected);
      ownStatus = null;
      $('oc-token').value = '';
      await loadSettings();
      // An earlier test result (e.g. "the token lacks ...") is stale now: test the saved token again.
      try {
        ownStatus = await api.post('/plugins/wm/api/owncast/test', {});
        renderTestResult(ownStatus);
      } catch {
        $('oc-test-result').hidden = true;
      }
    } catch (ex) {
      // 401 here is Owncast refusing its admin password, not our session.
      fieldError(pw, err, ex.message);
      pw.select();
    }
    renderOwncast();
  });
}

// A tiny reader for the two lists we need from plugin.yml (webhook.events, accessToken.scopes).
export function yamlList(text, section, key) {
  const out = [];
  let inSection = false;
  let inKey = false;
  for (const raw of text.split('\n')) {
    const line = raw.replace(/\s+#.*$/, '');
    if (!line.trim()) continue;
    const indent = line.length - line.trimStart().length;
    if (indent === 0) { inSection = line.startsWith(`${section}:`); inKey = false; continue; }
    if (!inSection) continue;
    const m = /^\s+-\s+"?([^"]+?)"?\s*$/.exec(line);
    if (m && inKey) { out.push(m[1]); continue; }
    inKey = new RegExp(`^\\s+${key}:\\s*$`).test(line);
  }
  return out;
}

async function loadManual() {
  if (manualLoaded) return;
  manualLoaded = true;
  const chips = (id, items) => $(id).replaceChildren(...items.map((t) => el('code', { class: 'chip' }, t)));
  try {
    const hook = await api.get('/plugins/wm/api/webhook');
    $('manual-webhook').textContent = hook.url;
    // Present when the public URL differs from the address owncast-wm listens on.
    const listen = typeof hook.webhookListenUrl === 'string' && hook.webhookListenUrl !== hook.url ? hook.webhookListenUrl : '';
    $('manual-webhook-listen-row').hidden = !listen;
    $('manual-webhook-listen').textContent = listen;
    const base = hook.publicUrl || String(hook.url).replace(/\/webhooks\/owncast\/.*$/, '');
    $('manual-action').textContent = `${base}/plugins/wm/widget/tip-panel`;
  } catch (ex) {
    $('manual-webhook').textContent = `Could not load the webhook URL: ${ex.message}`;
    $('manual-action').textContent = `${location.origin}/plugins/wm/widget/tip-panel`;
    manualLoaded = false;
  }
  try {
    const res = await fetch('/plugins/wm/plugin.yml', { cache: 'no-store' });
    const text = await res.text();
    chips('manual-events', yamlList(text, 'webhook', 'events'));
    chips('manual-scopes', yamlList(text, 'accessToken', 'scopes'));
  } catch {
    chips('manual-events', ['see plugin.yml']);
  }
}

// ---------------- step 4: tip settings ----------------

function renderThemes() {
  const grid = $('theme-grid');
  if (!grid.childElementCount) {
    for (const [id, emoji, name] of THEMES) {
      grid.append(el('button', {
        type: 'button', role: 'radio', class: 'theme-opt', 'aria-checked': 'false', tabindex: '-1',
        dataset: { theme: id, testid: `theme-${id}` },
      }, el('span', { class: 'emoji', 'aria-hidden': 'true' }, emoji), el('span', {}, name)));
    }
  }
  const selected = theme.chosen || theme.current || 'fun';
  // Custom tiers (no theme): the group is still reachable with Tab, on its first option.
  const tabStop = THEMES.some((x) => x[0] === selected) ? selected : THEMES[0][0];
  for (const b of grid.querySelectorAll('[data-theme]')) {
    const on = b.dataset.theme === selected;
    b.setAttribute('aria-checked', String(on));
    b.tabIndex = b.dataset.theme === tabStop ? 0 : -1;
    b.disabled = theme.pinned;
  }
  const note = $('theme-pin');
  note.hidden = !theme.pinned;
  if (theme.pinned) note.textContent = `Set by ${theme.source}; change it there.`;
}

let previewThemeSeq = 0;
async function previewTheme(id) {
  const seq = ++previewThemeSeq;
  const box = $('tier-preview');
  try {
    // The streamer's own tiers are not a theme: show what the Tip panel shows.
    const set = id === 'custom' ? await api.get('/plugins/wm/overlay/tip-tiers')
      : await api.get('/plugins/wm/tiers/suggest', { theme: id });
    if (seq !== previewThemeSeq) return;
    box.replaceChildren(...(set.tiers || []).map((t) => el('div', { class: 'tier-card', dataset: { testid: 'tier-card' } },
      el('div', { class: 'tier-top' }, el('span', { 'aria-hidden': 'true' }, t.emoji || ''), el('span', {}, t.name)),
      el('div', { class: 'tier-amount' }, t.display),
      t.perk ? el('div', { class: 'tier-perk' }, t.perk) : null)));
  } catch (ex) {
    if (seq === previewThemeSeq) box.replaceChildren(el('p', { class: 'small muted' }, `Preview unavailable: ${ex.message}`));
  }
}

function chooseTheme(id, focus) {
  theme.chosen = id;
  renderThemes();
  if (focus) $('theme-grid').querySelector(`[data-theme="${id}"]`).focus();
  previewTheme(id);
}

function onThemeKey(e) {
  const ids = THEMES.map((t) => t[0]);
  const b = e.target.closest('[data-theme]');
  if (!b) return;
  let i = ids.indexOf(b.dataset.theme);
  if (e.key === 'ArrowRight' || e.key === 'ArrowDown') i = (i + 1) % ids.length;
  else if (e.key === 'ArrowLeft' || e.key === 'ArrowUp') i = (i - 1 + ids.length) % ids.length;
  else if (e.key === 'Home') i = 0;
  else if (e.key === 'End') i = ids.length - 1;
  else return;
  e.preventDefault();
  chooseTheme(ids[i], true);
}

async function loadTheme() {
  let live = null;
  try {
    live = await api.get('/plugins/wm/overlay/tip-tiers');
  } catch {
    live = null;
  }
  if (settings.theme) theme.current = settings.theme.value || 'fun';
  else theme.current = (live && live.theme) || theme.current || 'fun';
  renderThemes();
  previewTheme(theme.chosen || theme.current);
  loadCustomTiers(live);
}

// ---------------- step 4: custom tiers ----------------

const CT_MAX = 10;
let ctSeq = 0;

function ctRow(t = {}) {
  const id = `ct${++ctSeq}`;
  const field = (key, label, attrs, value) => el('div', { class: `ct-${key}` },
    el('label', { for: `${id}-${key}` }, label),
    el('input', { id: `${id}-${key}`, type: 'text', autocomplete: 'off', value: value || '', dataset: { ct: key, testid: `ct-${key}` }, ...attrs }));
  return el('div', { class: 'ct-row', dataset: { testid: 'ct-row' } },
    field('emoji', 'Emoji', { maxlength: '8' }, t.emoji),
    field('name', 'Name', { maxlength: '40', required: true }, t.name),
    field('amount', 'Amount', { inputmode: 'decimal', placeholder: 'e.g. 5.00', required: true }, t.amount),
    field('perk', 'Perk (optional)', { maxlength: '120' }, t.perk),
    el('button', { type: 'button', class: 'btn btn-ghost btn-tiny', 'aria-label': 'Remove this tier', dataset: { ctRemove: '', testid: 'ct-remove' } }, 'Remove'));
}

function ctSync() {
  const rows = $('ct-rows').childElementCount;
  $('ct-add').disabled = rows >= CT_MAX;
  $('ct-save').disabled = rows === 0;
}

// The live set (GET /overlay/tip-tiers): custom tiers fill the editor; otherwise it starts from
// the theme's tiers, so the streamer edits something sensible instead of an empty form.
function loadCustomTiers(live) {
  if (!live || !Array.isArray(live.tiers)) return;
  $('ct-currency').textContent = live.currency || '…';
  const custom = live.source === 'custom';
  const note = $('ct-live');
  note.hidden = !custom;
  note.textContent = custom ? 'Your own tiers are live in the Tip panel.' : '';
  if (custom) $('ct').open = true;
  const rows = live.tiers.map((t) => ctRow({
    emoji: t.emoji, name: t.name, perk: t.perk,
    amount: t.amount ? minorToDecimal(t.amount.value, t.amount.assetScale) : '',
  }));
  $('ct-rows').replaceChildren(...rows);
  ctSync();
}

async function onCustomSave() {
  const err = $('ct-error');
  showError(err, null);
  clearFieldErrors($('ct-rows'));
  const custom = [...$('ct-rows').querySelectorAll('.ct-row')].map((row) => {
    const v = (key) => row.querySelector(`[data-ct="${key}"]`).value.trim();
    const t = { name: v('name'), amount: v('amount') };
    if (v('emoji')) t.emoji = v('emoji');
    if (v('perk')) t.perk = v('perk');
    return t;
  });
  await busy($('ct-save'), async () => {
    try {
      const set = await api.post('/plugins/wm/tiers', { custom });
      theme.current = set.theme || 'custom';
      theme.chosen = null;
      renderThemes();
      loadCustomTiers({ ...set, source: 'custom' });
      previewTheme('custom');
      toast('Your tiers are live in the Tip panel');
    } catch (ex) {
      const field = ex.body?.error?.field;
      const input = field ? inputForField(field) : null;
      if (input) {
        showFieldError(input, ex.message);
        input.focus();
        return;
      }
      showError(err, ex.message);
      const m = /tier (\d+)/.exec(ex.message);
      const row = m && $('ct-rows').children[Number(m[1]) - 1];
      if (row) row.querySelector('input[required]')?.focus();
    }
  });
}

function schedulePreview() {
  clearTimeout(previewTimer);
  previewTimer = setTimeout(runPreview, 350);
}

// Two previews: with a message, and without one (an empty or hidden message), in the currency
// display chosen in the form (saved or not).
async function runPreview() {
  const seq = ++previewSeq;
  const out = $('s-template-preview');
  const outEmpty = $('s-template-preview-empty');
  const input = $('s-template');
  const template = input.value.trim() ? input.value : DEFAULT_TEMPLATE;
  const currencyDisplay = $('s-currency').value;
  try {
    const [r, e] = await Promise.all([
      api.post('/plugins/wm/api/announce/preview', { template, currencyDisplay }),
      api.post('/plugins/wm/api/announce/preview', { template, currencyDisplay, message: '' }),
    ]);
    if (seq !== previewSeq) return;
    out.textContent = decodeEntities(r.text);
    outEmpty.textContent = decodeEntities(e.text);
    out.dataset.error = 'false';
    outEmpty.hidden = false;
    input.removeAttribute('aria-invalid');
  } catch (ex) {
    if (seq !== previewSeq) return;
    out.textContent = ex.message;
    out.dataset.error = 'true';
    outEmpty.textContent = '';
    if (ex.status === 400) input.setAttribute('aria-invalid', 'true');
  }
}

// The input a server error names: {"error":{"field": "tip-min" | "minAmount" | "custom[2].amount" ...}}.
function inputForField(field) {
  if (!field) return null;
  const alias = { minAmount: 'tip-min', maxAmount: 'tip-max' };
  const key = alias[field] || field;
  const setting = document.querySelector(`#tips-form [data-setting="${CSS.escape(key)}"]`);
  if (setting) return setting;
  const m = /(\d+)\D*?(emoji|name|amount|perk)?$/.exec(field);
  if (!m) return null;
  const row = $('ct-rows').children[Number(m[1])];
  return row ? row.querySelector(`[data-ct="${m[2] || 'amount'}"]`) : null;
}

// Shows a server error at its field (a message right under it), keeping what was typed.
function showFieldError(input, text) {
  let node = document.getElementById(`${input.id}-error`);
  if (!node) {
    node = el('p', { class: 'field-error', id: `${input.id}-error`, dataset: { testid: 'field-error' } });
    input.after(node);
  }
  fieldError(input, node, text);
}

function clearFieldErrors(root) {
  for (const input of root.querySelectorAll('[aria-invalid="true"]')) {
    const ids = (input.getAttribute('aria-describedby') || '').split(/\s+/).filter(Boolean);
    for (const id of ids.filter((x) => x.endsWith('-error'))) fieldError(input, $(id), null);
    input.removeAttribute('aria-invalid');
  }
}

async function onTipsSave(e) {
  e.preventDefault();
  const err = $('tips-settings-error');
  const saved = $('tips-saved');
  saved.textContent = '';
  showError(err, null);
  clearFieldErrors($('tips-form'));
  const patch = {};
  for (const input of document.querySelectorAll('#tips-form [data-setting]')) {
    const key = input.dataset.setting;
    const item = s(key);
    if (item.pinned) continue;
    if (input.type === 'checkbox') {
      const was = item.value === true || item.value === 'on';
      if (input.checked !== was) patch[key] = input.checked;
    } else {
      const v = input.value.trim();
      if (v !== String(item.value ?? '')) patch[key] = v;
    }
  }
  const newTheme = theme.chosen && theme.chosen !== theme.current && !theme.pinned ? theme.chosen : null;
  if (newTheme && settings.theme) patch.theme = newTheme;
  await busy(e.submitter || $('tips-form').querySelector('button[type=submit]'), async () => {
    try {
      if (Object.keys(patch).length) {
        const r = await api.put(SETTINGS, patch);
        settings = (r && r.settings) || settings;
      }
      if (newTheme && !settings.theme) {
        const body = { theme: newTheme };
        const lo = s('tip-min').value;
        const hi = s('tip-max').value;
        if (lo) body.minAmount = String(lo);
        if (hi) body.maxAmount = String(hi);
        await api.post('/plugins/wm/tiers', body);
      }
      if (newTheme) theme.current = newTheme;
      theme.chosen = null;
      if (newTheme) loadTheme();  // the theme replaced any custom tiers
      tipsSaved = true;
      saved.textContent = Object.keys(patch).length || newTheme ? '✓ Saved' : '✓ Nothing changed';
      await loadSettings();
      renderTipSettings();
    } catch (ex) {
      // Nothing is re-rendered from the server here: every field keeps what was typed.
      const field = ex.body?.error?.field;
      const input = inputForField(field);
      if (input && !input.closest('#ct-rows')) {
        showFieldError(input, ex.message);
        input.focus();
      } else {
        // No field named: the message below the form, tied to the setting it mentions.
        const key = Object.keys(patch).find((k) => ex.message.includes(k));
        const named = key && document.querySelector(`#tips-form [data-setting="${key}"]`);
        if (named) {
          fieldError(named, err, ex.message);
          named.focus();
        } else {
          showError(err, ex.message);
        }
      }
    }
    renderThemes();
  });
}

// ---------------- view lifecycle ----------------

let wired = false;
function wire() {
  if (wired) return;
  wired = true;
  $('wallet-form').addEventListener('submit', onWalletSubmit);
  $('key-generate').addEventListener('click', onGenerate);
  $('key-form').addEventListener('submit', onKeySubmit);
  $('key-test').addEventListener('click', onKeyTest);
  $('oc-test-form').addEventListener('submit', onOwncastTest);
  $('oc-connect-form').addEventListener('submit', onConnect);
  $('oc-manual').addEventListener('toggle', () => { if ($('oc-manual').open) loadManual(); });
  $('theme-grid').addEventListener('click', (e) => {
    const b = e.target.closest('[data-theme]');
    if (b && !b.disabled) chooseTheme(b.dataset.theme, false);
  });
  $('theme-grid').addEventListener('keydown', onThemeKey);
  $('ct-add').addEventListener('click', () => {
    if ($('ct-rows').childElementCount >= CT_MAX) return;
    const row = ctRow();
    $('ct-rows').append(row);
    ctSync();
    row.querySelector('[data-ct="name"]').focus();
  });
  $('ct-rows').addEventListener('click', (e) => {
    const b = e.target.closest('[data-ct-remove]');
    if (!b) return;
    b.closest('.ct-row').remove();
    ctSync();
    $('ct-add').focus();
  });
  $('ct-save').addEventListener('click', onCustomSave);
  $('ct-rows').addEventListener('keydown', (e) => {
    // Enter in a tier field saves the tiers, not the surrounding tip settings form.
    if (e.key !== 'Enter' || !e.target.matches('input')) return;
    e.preventDefault();
    onCustomSave();
  });
  $('s-template').addEventListener('input', schedulePreview);
  $('s-currency').addEventListener('change', schedulePreview);
  $('wallet-input').addEventListener('input', () => { $('wallet-input').dataset.dirty = 'true'; });
  $('tips-form').addEventListener('submit', onTipsSave);
  $('tips-form').addEventListener('input', (e) => {
    const fieldErr = e.target.id && document.getElementById(`${e.target.id}-error`);
    if (fieldErr) fieldError(e.target, fieldErr, null);
    else if (e.target.id !== 's-template') e.target.removeAttribute?.('aria-invalid');
    $('tips-saved').textContent = '';
    showError($('tips-settings-error'), null);
  });
  for (const b of document.querySelectorAll('#view-setup [data-copy]')) {
    b.addEventListener('click', async () => {
      const ok = await copyText($(b.dataset.copy).textContent);
      toast(ok ? 'Copied' : 'Select the text and copy it with Ctrl+C');
    });
  }
}

onChange(() => { if (document.body.dataset.view === 'setup') renderAll(); });

export async function enter() {
  wire();
  showError($('settings-error'), null);
  try {
    await loadSettings();
  } catch (ex) {
    showError($('settings-error'), `Could not load the settings: ${ex.message}`);
  }
  await loadSetupState();
  renderAll();
  loadTheme();
  runPreview();
  if ($('oc-manual').open) loadManual();
  monetization.enter();
  document.getElementById('setup-title').focus({ preventScroll: true });
}

export function leave() {
  clearTimeout(previewTimer);
}

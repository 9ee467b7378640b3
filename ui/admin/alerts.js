// Admin "Alerts" view: overlay URLs with copy buttons, a live preview of the alert overlay (an
// iframe of it at quarter size: "Send test alert" shows there), test / skip / new key, the alert history
// with Replay, and the alert settings (alert_style.js: a form, and JSON under "Advanced").
import { api } from './api.js';
import { $, el, busy, copyText, showError, toast } from './dom.js';
import { enterGoals } from './goals.js';
import { enterModeration } from './moderation.js';
import { enterAlertStyle } from './alert_style.js';

let wired = false;
let urls = {};

// The preview is a real overlay client (it counts toward --sse-max-clients while the view is open).
// Same origin as this page (the URL for OBS carries the public URL, which may be another host).
function showPreview(url) {
  const u = new URL(url);
  const local = new URL(u.pathname + u.search, location.origin).href;
  const frame = $('alerts-preview');
  if (frame.src !== local) frame.src = local;
}

async function loadUrls() {
  const info = await api.get('/plugins/wm/api/overlays');
  urls = info.urls;
  showPreview(urls[$('alerts-preview-which').value] || urls.alerts);
  const list = $('alerts-urls');
  list.replaceChildren();
  for (const [name, url] of Object.entries(info.urls)) {
    const copy = el('button', { type: 'button', class: 'btn btn-small btn-secondary', 'aria-label': `Copy the ${name} URL` }, 'Copy');
    copy.addEventListener('click', async () => toast((await copyText(url)) ? 'Copied' : 'Copy failed: select the URL by hand'));
    list.append(el('li', { dataset: { testid: `alerts-url-${name}` } }, el('strong', {}, name), ' ', el('code', {}, url), ' ', copy));
  }
}

async function loadHistory() {
  const { alerts } = await api.get('/plugins/wm/api/alerts/history');
  const list = $('alerts-history');
  list.replaceChildren();
  if (!alerts.length) list.append(el('li', { class: 'muted' }, 'No alerts yet.'));
  for (const a of alerts) {
    const replay = el('button', { type: 'button', class: 'btn btn-small btn-secondary' }, 'Replay');
    replay.addEventListener('click', () => busy(replay, () => api.post(`/plugins/wm/api/alerts/${a.seq}/replay`)));
    list.append(el('li', {}, `${a.name} — ${a.display}${a.message ? ' — ' + a.message : ''} `, replay));
  }
}

function wire() {
  if (wired) return;
  wired = true;
  const err = $('alerts-error');
  const act = (id, fn) => $(id).addEventListener('click', () => busy($(id), async () => {
    err.hidden = true;
    try { await fn(); } catch (e) { showError(err, e); }
  }));
  $('alerts-preview-which').addEventListener('change', () => {
    const url = urls[$('alerts-preview-which').value];
    if (url) showPreview(url);
  });
  act('alerts-test', async () => { await api.post('/plugins/wm/api/alerts/test'); toast('Test alert sent'); });
  act('alerts-skip', () => api.post('/plugins/wm/api/alerts/skip'));
  act('alerts-rekey', async () => {
    if (!window.confirm('Old overlay URLs stop working at once. Continue?')) return;
    await api.post('/plugins/wm/api/overlays/key');
    await loadUrls();
    toast('New overlay key: update the URLs in OBS');
  });
}

export async function enter() {
  wire();
  try {
    await Promise.all([loadUrls(), loadHistory(), enterAlertStyle(), enterGoals(), enterModeration()]);
  } catch (e) {
    showError($('alerts-error'), e);
  }
}

export function leave() {
  $('alerts-preview').src = 'about:blank';  // frees its live connection
}

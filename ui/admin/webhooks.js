// Outgoing webhooks: add an endpoint (its signing secret shown once, with Copy), enable or
// disable, send a test event, the delivery log per endpoint with Redeliver, delete.
import { api, request } from './api.js';
import { $, el, busy, showError, fieldError, toast, copyText, formatDateTime } from './dom.js';

const BASE = '/plugins/wm/api/webhooks';
const EVENTS = [
  ['tip.completed', 'Tip completed', true], ['tip.failed', 'Tip failed', false], ['tip.denied', 'Tip declined', false],
  ['follow', 'New follower', false], ['stream.started', 'Stream started', false], ['stream.stopped', 'Stream stopped', false],
  ['goal.reached', 'Goal reached', false],
];
const open = new Set();  // endpoint ids whose log is shown

function eventBoxes() {
  $('wh-events').replaceChildren(...EVENTS.map(([name, label, on]) => {
    const id = `wh-ev-${name.replace('.', '-')}`;
    const box = el('input', { type: 'checkbox', id, value: name, dataset: { testid: `wh-ev-${name}` } });
    box.checked = on;
    return el('label', { class: 'check', for: id }, box, label);
  }));
}

function logRow(epId, d) {
  const status = d.ok ? `${d.status} OK` : d.status ? String(d.status) : 'no answer';
  const redo = el('button', { type: 'button', class: 'btn btn-secondary btn-tiny', dataset: { testid: 'wh-redeliver' },
    'aria-label': `Redeliver ${d.type} event ${d.deliveryId}` }, 'Redeliver');
  redo.addEventListener('click', () => busy(redo, async () => {
    try {
      await api.post(`${BASE}/${epId}/deliveries/${encodeURIComponent(d.deliveryId)}/redeliver`, {});
      toast('Queued again with the same webhook-id');
      setTimeout(() => refreshLog(epId), 700);
    } catch (ex) { toast(ex.message); }
  }));
  return el('tr', { dataset: { testid: 'wh-log-row', ok: String(!!d.ok) } },
    el('td', { class: 'when' }, el('time', { datetime: d.at }, formatDateTime(d.at))),
    el('td', {}, d.type),
    el('td', { dataset: { testid: 'wh-log-status' } }, status),
    el('td', { class: 'num' }, `${d.latencyMs} ms`),
    el('td', { class: 'msg' }, d.error || d.response || ''),
    el('td', { class: 'actions' }, redo));
}

async function refreshLog(epId) {
  const box = document.querySelector(`[data-log="${epId}"]`);
  if (!box) return;
  try {
    const r = await api.get(`${BASE}/${epId}/deliveries`);
    const rows = (r.deliveries || []).map((d) => logRow(epId, d));
    const pending = (r.pending || []).length;
    box.replaceChildren(
      el('p', { class: 'hint' }, pending ? `${pending} waiting to be retried.` : 'Kept 7 days. Newest first.'),
      rows.length
        ? el('div', { class: 'table-wrap' }, el('table', { class: 'table', dataset: { testid: 'wh-log' } },
          el('caption', { class: 'visually-hidden' }, 'Delivery attempts, newest first'),
          el('thead', {}, el('tr', {}, ...['Time', 'Event', 'Status', 'Latency', 'Answer', ''].map((h) => el('th', { scope: 'col' }, h)))),
          el('tbody', {}, ...rows)))
        : el('p', { class: 'empty' }, 'No deliveries yet.'));
  } catch (ex) { box.replaceChildren(el('p', { class: 'alert alert-error' }, ex.message)); }
}

function item(ep) {
  const li = el('li', { class: 'card wh-item', dataset: { testid: 'wh-item', id: ep.id } });
  const title = el('p', {}, el('strong', {}, ep.description || ep.url), ' ',
    el('span', { class: 'badge' }, ep.kind === 'discord' ? 'Discord' : 'Signed'), ' ',
    el('span', { class: 'badge', dataset: { testid: 'wh-state' } }, ep.enabled ? 'Enabled' : 'Disabled'));
  const meta = el('p', { class: 'hint' }, `${ep.url} · ${ep.events.join(', ')}`);
  const warn = ep.warning ? el('p', { class: 'alert alert-error', dataset: { testid: 'wh-warning' } }, ep.warning) : '';
  const who = ep.description || ep.url;
  const btn = (word, testid, fn) => {
    const b = el('button', { type: 'button', class: 'btn btn-secondary btn-small', dataset: { testid }, 'aria-label': `${word} ${who}` }, word);
    b.addEventListener('click', () => busy(b, async () => { try { await fn(); } catch (ex) { toast(ex.message); } }));
    return b;
  };
  const log = el('div', { dataset: { log: ep.id }, hidden: !open.has(ep.id) });
  const actions = el('div', { class: 'filters-actions' },
    btn('Send test', 'wh-test', async () => {
      await api.post(`${BASE}/${ep.id}/test`, {});
      toast('Test event queued');
      open.add(ep.id);
      log.hidden = false;
      setTimeout(() => refreshLog(ep.id), 700);
    }),
    btn('Delivery log', 'wh-log-toggle', async () => {
      if (open.has(ep.id)) { open.delete(ep.id); log.hidden = true; return; }
      open.add(ep.id);
      log.hidden = false;
      await refreshLog(ep.id);
    }),
    btn(ep.enabled ? 'Disable' : 'Enable', 'wh-toggle', async () => {
      await api.put(`${BASE}/${ep.id}`, { enabled: !ep.enabled });
      await load();
    }),
    btn('Delete', 'wh-delete', async () => {
      if (!window.confirm(`Delete the endpoint ${who}?`)) return;
      await request('DELETE', `${BASE}/${ep.id}`);
      await load();
    }));
  li.append(title, meta, warn, actions, log);
  if (open.has(ep.id)) refreshLog(ep.id);
  return li;
}

async function load() {
  try {
    const r = await api.get(BASE);
    const list = r.webhooks || [];
    $('wh-list').replaceChildren(...list.map(item));
    $('wh-empty').hidden = list.length > 0;
    showError($('wh-list-error'), null);
  } catch (ex) {
    if (ex.status !== 401) showError($('wh-list-error'), ex.message);
  }
}

async function add(e) {
  e.preventDefault();
  const button = e.submitter || $('wh-form').querySelector('button[type="submit"]');
  const events = [...$('wh-events').querySelectorAll('input:checked')].map((b) => b.value);
  fieldError($('wh-url'), $('wh-url-error'), null);
  fieldError($('wh-events').querySelector('input'), $('wh-events-error'), null);
  showError($('wh-error'), null);
  await busy(button, async () => {
    try {
      const r = await api.post(BASE, { url: $('wh-url').value.trim(), events, kind: $('wh-kind').value,
        description: $('wh-desc').value.trim() });
      $('wh-secret').textContent = r.secret;
      $('wh-secret-box').hidden = r.kind === 'discord';
      $('wh-form').reset();
      eventBoxes();
      toast('Endpoint added');
      await load();
    } catch (ex) {
      const field = ex.body?.error?.field;
      if (field === 'url') fieldError($('wh-url'), $('wh-url-error'), ex.message);
      else if (field === 'events') fieldError($('wh-events').querySelector('input'), $('wh-events-error'), ex.message);
      else showError($('wh-error'), ex.message);
    }
  });
}

let wired = false;
export function enter() {
  if (!wired) {
    wired = true;
    eventBoxes();
    $('wh-form').addEventListener('submit', add);
    $('wh-secret-copy').addEventListener('click', async () => {
      toast(await copyText($('wh-secret').textContent) ? 'Secret copied' : 'Select the secret and copy it by hand');
    });
  }
  $('wh-secret-box').hidden = true;  // shown once: leaving the page forgets it
  $('wh-secret').textContent = '';
  load();
  $('wh-title').focus({ preventScroll: true });
}

export function leave() {
  $('wh-secret').textContent = '';
}

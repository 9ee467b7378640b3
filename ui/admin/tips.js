// Tips table: status/date filters, cursor paging, hide/unhide a message, resend the chat
// announcement, CSV download with the same filters.
import { api, withQuery } from './api.js';
import { $, el, busy, showError, toast, formatDateTime, formatAmount, statusText } from './dom.js';

const TIPS = '/plugins/wm/api/tips';
const PAGE = 25;
let filter = { status: '', from: '', to: '' };
let cursors = [''];   // cursors[i] = "before" of page i ('' = first page)
let page = 0;
let next = null;
let loading = 0;

// A date input (local day) as RFC 3339: from = that day's start, to = the next day's start.
function dayBound(value, endOfDay) {
  if (!value) return '';
  const [y, m, d] = value.split('-').map(Number);
  const t = new Date(y, m - 1, d + (endOfDay ? 1 : 0), 0, 0, 0, 0);
  return t.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function query() {
  return { status: filter.status, from: dayBound(filter.from, false), to: dayBound(filter.to, true) };
}

function updateCsvLink() {
  $('tips-csv').href = withQuery(TIPS, { format: 'csv', ...query() });
}

function row(t) {
  const tr = el('tr', { dataset: { testid: 'tip-row', tipId: t.id, status: t.status, hidden: String(!!t.hidden) } });
  const name = t.anonymous ? el('span', { class: 'muted' }, 'Anonymous') : t.displayName ? t.displayName : el('span', { class: 'muted' }, 'Someone');
  const msgCell = el('td', { class: `msg${t.hidden ? ' is-hidden' : ''}`, 'data-label': 'Message', dataset: { testid: 'tip-message' } });
  const msg = el('div', { class: 'cell' });
  if (t.hidden) msg.append(el('span', { class: 'hidden-tag' }, 'Hidden'));
  if (t.message) msg.append(t.message);
  else msg.append(el('span', { class: 'muted' }, '—'));
  if (t.error && t.status !== 'completed') msg.append(el('div', { class: 'small muted' }, t.error.message || t.error.code));
  msgCell.append(msg);

  const actions = el('td', { class: 'actions' });
  // Accessible names start with the visible word (WCAG 2.5.3: "Resend" is what voice users say).
  const whose = t.anonymous ? 'an anonymous tip' : t.displayName ? `the tip from ${t.displayName}` : 'this tip';
  if (t.message) {
    const word = t.hidden ? 'Unhide' : 'Hide';
    actions.append(el('button', {
      type: 'button', class: 'btn btn-secondary btn-tiny', dataset: { action: 'hide', testid: 'tip-hide' },
      'aria-label': `${word} the message of ${whose}`,
    }, word));
  }
  if (t.status === 'completed') {
    actions.append(el('button', {
      type: 'button', class: 'btn btn-secondary btn-tiny', dataset: { action: 'announce', testid: 'tip-announce' },
      'aria-label': `Resend the chat announcement of ${whose}`,
    }, 'Resend'));
  }
  tr.append(
    el('td', { 'data-label': 'Status' }, el('span', { class: 'status', 'data-status': t.status }, statusText(t.status))),
    el('td', { class: 'num', 'data-label': 'Amount', dataset: { testid: 'tip-amount' } }, t.display || formatAmount(t.amount)),
    el('td', { 'data-label': 'Name', dataset: { testid: 'tip-name' } }, name),
    msgCell,
    el('td', { class: 'when', 'data-label': 'Time' }, el('time', { datetime: t.createdAt }, formatDateTime(t.createdAt))),
    actions);
  tr._tip = t;
  return tr;
}

async function load() {
  const seq = ++loading;
  const err = $('tips-error');
  try {
    const r = await api.get(TIPS, { ...query(), limit: PAGE, before: cursors[page] });
    if (seq !== loading) return;
    const list = r.tips || [];
    next = r.next || null;
    $('tips-body').replaceChildren(...list.map(row));
    $('tips-empty').hidden = list.length > 0;
    $('tips-prev').disabled = page === 0;
    $('tips-next').disabled = !next;
    $('tips-page').textContent = list.length ? `Page ${page + 1}` : '';
    showError(err, null);
  } catch (ex) {
    if (seq !== loading || ex.status === 401) return;
    showError(err, ex.message);
  }
}

function applyFilters(e) {
  e?.preventDefault();
  const from = $('f-from').value;
  const to = $('f-to').value;
  if (from && to && to < from) {
    showError($('tips-error'), 'The "To" date is before the "From" date.');
    $('f-to').focus();
    return;
  }
  filter = { status: $('f-status').value, from, to };
  cursors = [''];
  page = 0;
  updateCsvLink();
  load();
}

async function onAction(e) {
  const b = e.target.closest('button[data-action]');
  if (!b) return;
  const tr = b.closest('tr');
  const t = tr._tip;
  await busy(b, async () => {
    try {
      if (b.dataset.action === 'hide') {
        const r = await api.post(`${TIPS}/${encodeURIComponent(t.id)}/hide`, { hidden: !t.hidden });
        const updated = { ...t, hidden: !!r.hidden };
        const fresh = row(updated);
        tr.replaceWith(fresh);
        fresh.querySelector('[data-action="hide"]')?.focus();
        toast(updated.hidden ? 'Message hidden from overlays and announcements' : 'Message shown again');
      } else {
        await api.post(`${TIPS}/${encodeURIComponent(t.id)}/announce`, {});
        toast('Announcement queued for Owncast chat');
      }
      showError($('tips-error'), null);
    } catch (ex) {
      showError($('tips-error'), ex.message);
    }
  });
}

let wired = false;
function wire() {
  if (wired) return;
  wired = true;
  $('tips-filter').addEventListener('submit', applyFilters);
  $('f-status').addEventListener('change', () => applyFilters());
  $('f-reset').addEventListener('click', () => {
    $('f-status').value = '';
    $('f-from').value = '';
    $('f-to').value = '';
    applyFilters();
  });
  $('tips-next').addEventListener('click', () => {
    if (!next) return;
    cursors[page + 1] = next;
    page += 1;
    load();
  });
  $('tips-prev').addEventListener('click', () => {
    if (page === 0) return;
    page -= 1;
    load();
  });
  $('tips-body').addEventListener('click', onAction);
}

export function enter() {
  wire();
  updateCsvLink();
  load();
  $('tips-title').focus({ preventScroll: true });
}

export function leave() {}

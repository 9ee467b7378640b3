// Dashboard: live stream state, latest tips (polled), analytics with a hand-drawn SVG chart,
// top supporters and the public leaderboard.
import { api } from './api.js';
import {
  $, el, svg, showError, formatRelative, formatBucket, formatDateTime, formatAmount, minorToDecimal, initials, statusText,
} from './dom.js';

const POLL_MS = 4000;
const SLOW_POLL_MS = 20000;
let fastTimer = 0;
let slowTimer = 0;
let active = false;
let timeframe = 'last_7d';
let period = 'stream';
let summary = null;
let chartAsset = null;
let resizeObserver = null;
let missing = [];

const STEP_TEXT = { wallet: 'a receiving wallet address', key: 'a client key', owncast: 'the Owncast connection' };

export function setSetupMissing(list) {
  missing = list;
  const banner = $('setup-banner');
  banner.hidden = list.length === 0;
  if (list.length) {
    const parts = list.map((k) => STEP_TEXT[k] || k);
    $('setup-banner-text').textContent = `Still missing: ${parts.join(', ')}.`;
  }
}

// ---------------- stream ----------------

async function loadStream() {
  try {
    const s = await api.get('/plugins/wm/stream');
    const badge = $('stream-state');
    badge.textContent = s.online ? 'Live' : 'Offline';
    badge.dataset.state = s.online ? 'live' : 'offline';
    $('stream-title').textContent = s.title || 'No title';
    $('stream-title').classList.toggle('muted', !s.title);
    $('stream-viewers').textContent = String(s.viewers?.current ?? 0);
    $('stream-peak').textContent = String(s.viewers?.peak ?? 0);
    $('stream-since').textContent = s.online && s.startedAt ? `Live since ${formatDateTime(s.startedAt)}` : '';
  } catch (ex) {
    $('stream-state').textContent = 'Unknown';
    $('stream-state').dataset.state = 'unknown';
    $('stream-since').textContent = ex.message;
  }
}

// ---------------- latest tips ----------------

function tipName(t) {
  if (t.anonymous) return 'Anonymous';
  return t.displayName || 'Someone';
}

function feedItem(t) {
  const name = tipName(t);
  const msg = t.hidden
    ? el('div', { class: 'tip-msg is-hidden' }, 'Message hidden')
    : t.message ? el('div', { class: 'tip-msg' }, t.message) : null;
  return el('li', { dataset: { testid: 'recent-tip', tipId: t.id, status: t.status, hidden: String(!!t.hidden) } },
    el('span', { class: 'avatar', 'aria-hidden': 'true' }, t.anonymous || !t.displayName ? '?' : initials(name)),
    el('div', {}, el('div', { class: 'tip-who' }, name), msg),
    el('div', { class: 'tip-side' },
      el('span', { class: 'tip-amount' }, t.display || formatAmount(t.amount)),
      t.status !== 'completed' ? el('span', { class: 'status', 'data-status': t.status }, statusText(t.status)) : null,
      el('time', { class: 'tip-time', datetime: t.createdAt, title: formatDateTime(t.createdAt) }, formatRelative(t.createdAt))));
}

// The feed is an aria-live region: only new tips are inserted (a screen reader reads those once);
// items already shown stay the same nodes, only their relative time is refreshed.
function updateFeed(ul, list) {
  const existing = new Map([...ul.children].map((li) => [li.dataset.tipId, li]));
  const wanted = new Set(list.map((t) => t.id));
  for (const [id, li] of existing) {
    if (!wanted.has(id)) li.remove();
  }
  let cursor = ul.firstElementChild;
  for (const t of list) {
    let li = existing.get(t.id);
    if (li && (li.dataset.status !== t.status || li.dataset.hidden !== String(!!t.hidden))) {
      const fresh = feedItem(t);
      li.replaceWith(fresh);
      if (cursor === li) cursor = fresh;
      li = fresh;
    }
    if (!li) {
      ul.insertBefore(feedItem(t), cursor);
      continue;
    }
    const time = li.querySelector('time');
    if (time) time.textContent = formatRelative(t.createdAt);
    if (li === cursor) cursor = cursor.nextElementSibling;
    else ul.insertBefore(li, cursor);
  }
}

async function loadRecent() {
  try {
    const r = await api.get('/plugins/wm/api/tips', { limit: 10, status: 'completed' });
    const list = r.tips || [];
    updateFeed($('recent-tips'), list);
    $('recent-empty').hidden = list.length > 0;
    showError($('recent-error'), null);
  } catch (ex) {
    if (ex.status === 401) return;
    showError($('recent-error'), `Could not load tips: ${ex.message}`);
  }
}

// ---------------- supporters watching now (streaming support) ----------------
// Loaded from GET /plugins/wm/api/support/active and again on every `support` event of the
// dashboard's live stream (GET /plugins/wm/api/live); polled slowly as a fallback.

let live = null;

function watchingItem(s) {
  return el('li', { dataset: { testid: 'watching-row', supportId: s.id, status: s.status } },
    el('span', { class: 'avatar', 'aria-hidden': 'true' }, s.anonymous || s.name === 'Someone' ? '?' : initials(s.name)),
    el('div', {}, el('div', { class: 'tip-who' }, s.name),
      el('div', { class: 'tip-msg' }, `${s.rateDisplay} per hour · ${statusText(s.status)}`)),
    el('div', { class: 'tip-side' },
      el('span', { class: 'tip-amount' }, s.paidDisplay),
      el('time', { class: 'tip-time', datetime: s.since, title: formatDateTime(s.since) }, `since ${formatRelative(s.since)}`)));
}

async function loadWatching() {
  try {
    const r = await api.get('/plugins/wm/api/support/active');
    const list = r.supporters || [];
    const ul = $('watching');
    const old = new Map([...ul.children].map((li) => [li.dataset.supportId, li]));
    ul.replaceChildren(...list.map((s) => {
      const li = old.get(s.id);
      const fresh = watchingItem(s);
      return li && li.textContent === fresh.textContent ? li : fresh;  // unchanged rows stay (read once)
    }));
    $('watching-empty').hidden = list.length > 0;
    showError($('watching-error'), null);
  } catch (ex) {
    if (ex.status === 401) return;
    showError($('watching-error'), `Could not load the supporters watching now: ${ex.message}`);
  }
}

function openLive() {
  if (live || typeof EventSource !== 'function') return;
  live = new EventSource('/plugins/wm/api/live');
  live.addEventListener('support', () => { if (active) { loadWatching(); } });
}

function closeLive() {
  if (live) live.close();
  live = null;
}

// ---------------- analytics ----------------

function amountLines(node, items, pick) {
  if (!items.length) {
    node.replaceChildren(el('span', {}, '–'));
    return;
  }
  node.replaceChildren(...items.map((t) => el('span', { dataset: { asset: t.assetCode } }, pick(t))));
}

function renderSummary() {
  const s = summary;
  const totals = s.totals || [];
  amountLines($('an-totals'), totals, (t) => t.display);
  $('an-count').textContent = String(s.tipCount ?? 0);
  $('an-unique').textContent = String(s.uniqueSupporters ?? 0);
  amountLines($('an-average'), totals, (t) => t.average?.display || '–');
  amountLines($('an-support-totals'), s.support?.totals || [], (t) => t.display);
  $('an-support-sessions').textContent = String(s.support?.sessions ?? 0);

  // Chart: one asset at a time (amounts are never added across currencies).
  const assets = totals.map((t) => `${t.assetCode}/${t.assetScale}`);
  const sel = $('chart-asset');
  if (!assets.includes(chartAsset)) chartAsset = assets[0] || null;
  $('chart-asset-wrap').hidden = assets.length < 2;
  sel.replaceChildren(...totals.map((t) => el('option', { value: `${t.assetCode}/${t.assetScale}`, selected: `${t.assetCode}/${t.assetScale}` === chartAsset }, t.assetCode)));
  drawChart();

  const top = s.topSupporters || [];
  $('an-top').replaceChildren(...top.map((p) => el('li', { dataset: { testid: 'top-supporter' } },
    el('span', { class: 'rank-name' }, p.name, ' ', el('span', { class: 'muted' }, `· ${p.count} tip${p.count === 1 ? '' : 's'}`)),
    el('span', { class: 'rank-value' }, p.display))));
  $('an-top-empty').hidden = top.length > 0;
}

function bucketValue(b, asset) {
  const t = (b.totals || []).find((x) => `${x.assetCode}/${x.assetScale}` === asset);
  return t ? { value: BigInt(t.value), count: t.count, display: t.display } : { value: 0n, count: 0, display: null };
}

function niceMax(maxMinor, scale) {
  // A round axis maximum in major units (1, 2, 5 × 10^n), returned in minor units.
  const unit = 10n ** BigInt(scale);
  const major = Number(maxMinor) / Number(unit);
  if (major <= 0) return unit;
  const p = 10 ** Math.floor(Math.log10(major));
  const m = [1, 2, 2.5, 5, 10].find((f) => f * p >= major) * p;
  return BigInt(Math.ceil(m * Number(unit)));
}

function drawChart() {
  const box = $('chart');
  const s = summary;
  const buckets = (s && s.buckets) || [];
  if (!chartAsset || !buckets.length) {
    box.replaceChildren(el('div', { class: 'chart-empty', dataset: { testid: 'chart-empty' } }, 'No tips in this timeframe yet.'));
    $('chart-desc').textContent = 'No tips in this timeframe.';
    return;
  }
  const [code, scaleText] = chartAsset.split('/');
  const scale = Number(scaleText);
  const hourly = s.timeframe === 'last_24h';
  const values = buckets.map((b) => bucketValue(b, chartAsset));
  let max = 0n;
  for (const v of values) if (v.value > max) max = v.value;
  const axisMax = niceMax(max, scale);

  const width = Math.max(260, box.clientWidth || 600);
  const height = 192;
  const padL = 48;
  const padR = 8;
  const padT = 10;
  const padB = 24;
  const plotW = width - padL - padR;
  const plotH = height - padT - padB;
  const step = plotW / values.length;
  const barW = Math.max(2, Math.min(38, step * 0.7));

  const g = svg('svg', { viewBox: `0 0 ${width} ${height}`, width, height, 'aria-hidden': 'true', focusable: 'false', 'data-testid': 'chart-svg' });
  for (let i = 0; i <= 4; i++) {
    const y = padT + plotH - (plotH * i) / 4;
    g.append(svg('line', { class: 'grid-line', x1: padL, x2: width - padR, y1: y, y2: y }));
    const label = minorToDecimal(((axisMax * BigInt(i)) / 4n).toString(), scale).replace(/\.0+$/, '');
    g.append(svg('text', { class: 'axis-label', x: padL - 6, y: y + 3, 'text-anchor': 'end', text: label }));
  }
  const labelEvery = Math.max(1, Math.ceil(values.length / Math.max(1, Math.floor(plotW / 56))));
  values.forEach((v, i) => {
    const x = padL + i * step + (step - barW) / 2;
    const h = axisMax > 0n ? Number((v.value * 10000n) / axisMax) / 10000 * plotH : 0;
    const title = `${formatBucket(buckets[i].start, hourly)}: ${v.display || `0 ${code}`}${v.count ? ` (${v.count} tip${v.count === 1 ? '' : 's'})` : ''}`;
    const bar = svg('rect', {
      class: v.value > 0n ? 'bar' : 'bar-empty', x, y: padT + plotH - Math.max(h, v.value > 0n ? 2 : 1),
      width: barW, height: Math.max(h, v.value > 0n ? 2 : 1), rx: Math.min(4, barW / 3), 'data-value': v.value.toString(),
    }, svg('title', { text: title }));
    g.append(bar);
    if ((values.length - 1 - i) % labelEvery === 0) {
      g.append(svg('text', { class: 'axis-label', x: padL + i * step + step / 2, y: height - 6, 'text-anchor': 'middle', text: formatBucket(buckets[i].start, hourly) }));
    }
  });
  box.replaceChildren(g);
  const nonEmpty = values.filter((v) => v.value > 0n).length;
  $('chart-desc').textContent = `Bar chart of tips in ${code} per ${hourly ? 'hour' : 'day'}: ${nonEmpty} of ${values.length} ${hourly ? 'hours' : 'days'} had tips; the largest was ${minorToDecimal(max.toString(), scale)} ${code}.`;
}

async function loadSummary() {
  try {
    summary = await api.get('/plugins/wm/analytics/summary', { timeframe });
    showError($('an-error'), null);
    renderSummary();
  } catch (ex) {
    if (ex.status === 401) return;
    showError($('an-error'), `Could not load analytics: ${ex.message}`);
  }
}

function setTimeframe(tf, focus) {
  timeframe = tf;
  for (const b of $('timeframe').querySelectorAll('[data-tf]')) {
    const on = b.dataset.tf === tf;
    b.setAttribute('aria-checked', String(on));
    b.tabIndex = on ? 0 : -1;
    if (on && focus) b.focus();
  }
  loadSummary();
}

// ---------------- leaderboard ----------------

// "· 2 tips", "· 2 tips + 1.20 EUR while watching", "· 1.20 EUR while watching"
function lbDetail(p) {
  const tips = p.count ? `${p.count} tip${p.count === 1 ? '' : 's'}` : '';
  const streamed = p.streamed ? `${p.streamed.display} while watching` : '';
  return `· ${[tips, streamed].filter(Boolean).join(' + ')}`;
}

async function loadLeaderboard() {
  try {
    const r = await api.get('/plugins/wm/leaderboard', { period });
    const body = $('lb-body');
    const groups = (r.assets || []).filter((a) => (a.supporters || []).length);
    const nodes = [];
    for (const a of groups) {
      if (groups.length > 1) nodes.push(el('p', { class: 'rank-asset' }, a.assetCode));
      nodes.push(el('ol', { class: 'rank', dataset: { asset: a.assetCode } }, a.supporters.map((p) => el('li', { dataset: { testid: 'lb-row' } },
        el('span', { class: 'rank-name' }, p.name, ' ', el('span', { class: 'muted' }, lbDetail(p))),
        el('span', { class: 'rank-value' }, p.display)))));
    }
    body.replaceChildren(...nodes);
    $('lb-empty').hidden = groups.length > 0;
    $('lb-empty').textContent = period === 'stream' ? 'No tips during the current stream yet.' : 'Nobody on the leaderboard for this period yet.';
    showError($('lb-error'), null);
  } catch (ex) {
    showError($('lb-error'), `Could not load the leaderboard: ${ex.message}`);
  }
}

function setPeriod(p, focus) {
  period = p;
  for (const t of $('lb-tabs').querySelectorAll('[role=tab]')) {
    const on = t.dataset.period === p;
    t.setAttribute('aria-selected', String(on));
    t.tabIndex = on ? 0 : -1;
    if (on) {
      $('lb-panel').setAttribute('aria-labelledby', t.id);
      if (focus) t.focus();
    }
  }
  loadLeaderboard();
}

// Arrow keys inside a group of role=radio / role=tab buttons.
function arrowKeys(container, attr, apply) {
  container.addEventListener('keydown', (e) => {
    const items = [...container.querySelectorAll(`[${attr}]`)];
    const i = items.indexOf(e.target);
    if (i < 0) return;
    let j = i;
    if (e.key === 'ArrowRight' || e.key === 'ArrowDown') j = (i + 1) % items.length;
    else if (e.key === 'ArrowLeft' || e.key === 'ArrowUp') j = (i - 1 + items.length) % items.length;
    else if (e.key === 'Home') j = 0;
    else if (e.key === 'End') j = items.length - 1;
    else return;
    e.preventDefault();
    apply(items[j].getAttribute(attr), true);
  });
}

// ---------------- lifecycle ----------------

let wired = false;
function wire() {
  if (wired) return;
  wired = true;
  $('timeframe').addEventListener('click', (e) => {
    const b = e.target.closest('[data-tf]');
    if (b) setTimeframe(b.dataset.tf, false);
  });
  arrowKeys($('timeframe'), 'data-tf', setTimeframe);
  $('lb-tabs').addEventListener('click', (e) => {
    const b = e.target.closest('[data-period]');
    if (b) setPeriod(b.dataset.period, false);
  });
  arrowKeys($('lb-tabs'), 'data-period', setPeriod);
  $('chart-asset').addEventListener('change', (e) => { chartAsset = e.target.value; drawChart(); });
  for (const b of $('timeframe').querySelectorAll('[data-tf]')) b.tabIndex = b.dataset.tf === timeframe ? 0 : -1;
}

function stamp() {
  $('dash-updated').textContent = `Updated ${new Date().toLocaleTimeString()}`;
}

async function fast() {
  await Promise.all([loadStream(), loadRecent()]);
  if (active) stamp();
}

async function slow() {
  await Promise.all([loadSummary(), loadLeaderboard(), loadWatching()]);
}

export function enter() {
  wire();
  active = true;
  setSetupMissing(missing);
  fast();
  slow();
  openLive();
  clearInterval(fastTimer);
  clearInterval(slowTimer);
  fastTimer = setInterval(() => { if (!document.hidden) fast(); }, POLL_MS);
  slowTimer = setInterval(() => { if (!document.hidden) slow(); }, SLOW_POLL_MS);
  if (!resizeObserver && 'ResizeObserver' in window) {
    let last = 0;
    resizeObserver = new ResizeObserver((entries) => {
      const w = Math.round(entries[0].contentRect.width);
      if (w !== last && summary) { last = w; drawChart(); }
    });
    resizeObserver.observe($('chart'));
  }
  $('dash-title').focus({ preventScroll: true });
}

export function leave() {
  active = false;
  closeLive();
  clearInterval(fastTimer);
  clearInterval(slowTimer);
}

// Small DOM helpers. Text is always set with textContent: nothing from the API is parsed as HTML.

export const $ = (id) => document.getElementById(id);

// el('li', {class: 'x', dataset: {testid: 'y'}}, 'text', child, ...)
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') node.className = v;
    else if (k === 'dataset') Object.assign(node.dataset, v);
    else if (k === 'text') node.textContent = v;
    else if (k.startsWith('on') && typeof v === 'function') node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) {
    if (c === undefined || c === null || c === false) continue;
    node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return node;
}

export const SVG_NS = 'http://www.w3.org/2000/svg';
export function svg(tag, attrs = {}, ...children) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null) continue;
    if (k === 'text') node.textContent = v;
    else node.setAttribute(k, String(v));
  }
  for (const c of children.flat()) if (c) node.append(c);
  return node;
}

export function show(node, on = true) { node.hidden = !on; }

// Shows an error message (an ApiError, Error or string) in an alert element; null clears it.
export function showError(node, err) {
  if (!err) {
    node.hidden = true;
    node.textContent = '';
    return;
  }
  node.textContent = typeof err === 'string' ? err : (err.message || String(err));
  node.hidden = false;
}

// An error tied to its field: aria-invalid and aria-describedby pointing at the message (which is
// shown with showError). text null clears both.
export function fieldError(input, node, text) {
  const ids = (input.getAttribute('aria-describedby') || '').split(/\s+/).filter((x) => x && x !== node.id);
  if (text) {
    input.setAttribute('aria-invalid', 'true');
    ids.push(node.id);
  } else {
    input.removeAttribute('aria-invalid');
  }
  if (ids.length) input.setAttribute('aria-describedby', ids.join(' '));
  else input.removeAttribute('aria-describedby');
  showError(node, text);
}

// Disables a button and shows a spinner while fn runs.
export async function busy(button, fn) {
  if (button.dataset.busy === 'true') return undefined;
  button.dataset.busy = 'true';
  button.setAttribute('aria-busy', 'true');
  const wasDisabled = button.disabled;
  button.disabled = true;
  try {
    return await fn();
  } finally {
    button.dataset.busy = 'false';
    button.removeAttribute('aria-busy');
    button.disabled = wasDisabled;
  }
}

let toastTimer = 0;
export function toast(text) {
  const t = $('toast');
  t.textContent = text;
  t.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { t.hidden = true; }, 3500);
}

export async function copyText(text) {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    return false;
  }
}

// ---- formatting ----

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
const timeOnly = new Intl.DateTimeFormat(undefined, { timeStyle: 'short' });
const dayFmt = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric', timeZone: 'UTC' });
const hourFmt = new Intl.DateTimeFormat(undefined, { hour: 'numeric', timeZone: 'UTC' });

export function formatDateTime(iso) {
  if (!iso) return '–';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : dateTime.format(d);
}

export function formatRelative(iso, now = Date.now()) {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const s = Math.round((now - d.getTime()) / 1000);
  if (s < 45) return 'just now';
  if (s < 3600) return `${Math.round(s / 60)} min ago`;
  if (s < 86400 && new Date(now).toDateString() === d.toDateString()) return `today ${timeOnly.format(d)}`;
  return dateTime.format(d);
}

export function formatBucket(iso, hourly) {
  const d = new Date(iso);
  return hourly ? hourFmt.format(d) : dayFmt.format(d);
}

// Minor units (decimal string) + scale → "12.50" without floats.
export function minorToDecimal(value, scale) {
  let v = String(value ?? '0').replace(/^0+(?=\d)/, '');
  if (!/^\d+$/.test(v)) return String(value);
  if (!scale) return v;
  v = v.padStart(scale + 1, '0');
  return `${v.slice(0, v.length - scale)}.${v.slice(v.length - scale)}`;
}

// {value, assetCode, assetScale} (or display) → "12.50 EUR".
export function formatAmount(a) {
  if (!a) return '–';
  if (a.display) return a.display;
  return `${minorToDecimal(a.value, a.assetScale)} ${a.assetCode}`;
}

// Whole user-perceived characters (grapheme clusters): an emoji with its modifiers or a letter
// with its combining marks is one, never split.
const graphemeSegmenter = typeof Intl !== 'undefined' && Intl.Segmenter ? new Intl.Segmenter(undefined, { granularity: 'grapheme' }) : null;
export function graphemes(s) {
  if (graphemeSegmenter) return [...graphemeSegmenter.segment(s)].map((x) => x.segment);
  return s.match(/\P{M}\p{M}*/gu) || [];
}

export function initials(name) {
  const s = String(name || '').trim();
  if (!s) return '?';
  const parts = s.split(/\s+/).filter(Boolean);
  const chars = parts.length > 1 ? graphemes(parts[0])[0] + graphemes(parts[1])[0] : graphemes(s).slice(0, 2).join('');
  return chars.toUpperCase();
}

const STATUS_TEXT = {
  completed: 'Completed',
  awaiting_consent: 'Awaiting consent',
  processing: 'Processing',
  denied: 'Denied',
  failed: 'Failed',
  expired: 'Expired',
  active: 'Watching',            // streaming support
  paused: 'Paused',
  limit_reached: 'Hourly cap reached',
};
export function statusText(s) { return STATUS_TEXT[s] || s; }

// Decodes HTML character references (the chat preview escapes viewer text) without running
// anything: DOMParser documents are inert.
export function decodeEntities(text) {
  if (!/&[#a-zA-Z0-9]+;/.test(text)) return text;
  const doc = new DOMParser().parseFromString(`<!doctype html><body>${text.replace(/</g, '&lt;')}`, 'text/html');
  return doc.body.textContent || '';
}

// Admin "Style and variations" card: the alert settings (GET/PUT /plugins/wm/api/alerts/settings)
// as a form (the look of every alert, variations by amount, the speech and alert minimums) and
// the streamer's uploaded sounds. Keys the form does not show are kept from what was loaded, so a
// save never loses them. Amounts are typed as decimals and sent as integer strings (no floats).
import { api, upload } from './api.js';
import { $, el, busy, showError, toast, minorToDecimal } from './dom.js';
import { toMinorUnits } from './goals.js';

const BUILT_IN = [['none', 'No sound'], ['chime', 'Chime (built in)'], ['fanfare', 'Fanfare (built in)']];
let loaded = { style: {}, variations: [], speakMin: null, alertMin: null };
let sounds = [];
let wired = false;

function soundOptions(select, chosen) {
  const opts = BUILT_IN.map(([v, t]) => el('option', { value: v }, t));
  for (const s of sounds) opts.push(el('option', { value: s.id }, `${s.name || s.id} (uploaded)`));
  select.replaceChildren(...opts);
  select.value = chosen || 'none';
  if (select.value !== (chosen || 'none')) select.append(el('option', { value: chosen, selected: true }, chosen));
}

function decimalOf(a) { return a && a.value !== undefined ? minorToDecimal(a.value, a.assetScale) : ''; }

function variationRow(v, i) {
  const style = v.style || {};
  const id = (k) => `as-v${i}-${k}`;
  const sound = el('select', { id: id('sound'), dataset: { k: 'sound' } });
  soundOptions(sound, style.sound);
  const remove = el('button', { type: 'button', class: 'btn btn-small btn-ghost', 'aria-label': `Remove variation ${i + 1}` }, 'Remove');
  const row = el('tr', { dataset: { testid: 'as-variation', extra: JSON.stringify(v) } },
    el('td', {}, el('label', { for: id('name'), class: 'visually-hidden' }, `Variation ${i + 1} name`),
      el('input', { id: id('name'), type: 'text', value: v.name || '', dataset: { k: 'name' }, maxlength: 32 })),
    el('td', {}, el('label', { for: id('min'), class: 'visually-hidden' }, `Variation ${i + 1} minimum amount`),
      el('input', { id: id('min'), type: 'text', inputmode: 'decimal', value: decimalOf(v.min), dataset: { k: 'min' } })),
    el('td', {}, el('label', { for: id('sound'), class: 'visually-hidden' }, `Variation ${i + 1} sound`), sound),
    el('td', {}, el('label', { for: id('template'), class: 'visually-hidden' }, `Variation ${i + 1} text`),
      el('input', { id: id('template'), type: 'text', value: style.template || '', placeholder: 'same as every alert', dataset: { k: 'template' } })),
    el('td', {}, remove));
  remove.addEventListener('click', () => { row.remove(); });
  return row;
}

function fill(s) {
  loaded = s;
  const st = s.style || {};
  $('as-template').value = st.template || '';
  $('as-duration').value = st.durationMs ? String(Math.round(Number(st.durationMs) / 1000)) : '';
  soundOptions($('as-sound'), st.sound);
  $('as-volume').value = String(Math.round((st.volume === undefined ? 0.5 : Number(st.volume)) * 100));
  $('as-emoji').value = st.emoji || '';
  $('as-hide').checked = !!st.hideMessage;
  const any = (s.variations || []).map((v) => v.min).concat([s.speakMin, s.alertMin]).find((a) => a && a.assetCode);
  if (any) { $('as-currency').value = any.assetCode; $('as-scale').value = String(any.assetScale); }
  $('as-speak').value = decimalOf(s.speakMin);
  $('as-min').value = decimalOf(s.alertMin);
  $('as-variations').replaceChildren(...(s.variations || []).map(variationRow));
  $('alerts-settings').value = JSON.stringify(s, null, 2);
}

// Decimal text -> amount object; '' -> null. Throws a sentence naming the field.
function amountOf(text, what) {
  if (!String(text).trim()) return null;
  const scale = Number($('as-scale').value);
  const code = $('as-currency').value.trim().toUpperCase();
  if (!/^[A-Z0-9]{3,16}$/.test(code)) throw new Error('Currency code: type your wallet\'s currency, e.g. EUR or USD.');
  const value = toMinorUnits(text, Number.isInteger(scale) ? scale : 2);
  if (value === null) throw new Error(`${what}: type a number like 20.00 with at most ${scale} decimal places.`);
  return { value, assetCode: code, assetScale: scale };
}

function collect() {
  const style = { ...(loaded.style || {}) };
  style.template = $('as-template').value;
  const secs = $('as-duration').value.trim();
  if (secs && !/^\d{1,2}$/.test(secs)) throw new Error('Duration: whole seconds from 1 to 60.');
  if (secs) style.durationMs = Number(secs) * 1000; else delete style.durationMs;
  style.sound = $('as-sound').value;
  style.volume = Number($('as-volume').value) / 100;
  if ($('as-emoji').value) style.emoji = $('as-emoji').value; else delete style.emoji;
  style.hideMessage = $('as-hide').checked;
  const variations = [...$('as-variations').querySelectorAll('tr')].map((row, i) => {
    const v = JSON.parse(row.dataset.extra || '{}');
    const get = (k) => row.querySelector(`[data-k="${k}"]`).value;
    v.name = get('name').trim();
    v.min = amountOf(get('min'), `Variation ${i + 1} minimum`);
    if (!v.min) throw new Error(`Variation ${i + 1} minimum: type the amount from which it applies.`);
    v.style = { ...(v.style || {}), sound: get('sound') };
    if (get('template').trim()) v.style.template = get('template'); else delete v.style.template;
    return v;
  });
  return { ...loaded, style, variations, speakMin: amountOf($('as-speak').value, 'Speak the message from'),
    alertMin: amountOf($('as-min').value, 'Alert minimum') };
}

async function loadSounds() {
  ({ sounds } = await api.get('/plugins/wm/api/alerts/sounds'));
  const list = $('as-sound-list');
  list.replaceChildren(...sounds.map((s) => {
    const del = el('button', { type: 'button', class: 'btn btn-small btn-secondary', 'aria-label': `Delete sound ${s.name || s.id}` }, 'Delete');
    del.addEventListener('click', () => busy(del, async () => {
      await api.del(`/plugins/wm/api/alerts/sounds/${encodeURIComponent(s.id)}`);
      await refresh();
    }));
    return el('li', { dataset: { testid: 'as-sound-item' } }, `${s.name || s.id} (${Math.ceil(s.bytes / 1024)} KiB) `, del);
  }));
  if (!sounds.length) list.append(el('li', { class: 'muted' }, 'No uploaded sounds.'));
}

async function refresh() {
  const [settings] = await Promise.all([api.get('/plugins/wm/api/alerts/settings'), loadSounds()]);
  fill(settings);
}

async function save(body, out) {
  out.hidden = true;
  try {
    await api.put('/plugins/wm/api/alerts/settings', body);
    fill(await api.get('/plugins/wm/api/alerts/settings'));
    toast('Alert settings saved');
  } catch (e) { showError(out, e); }
}

function wire() {
  if (wired) return;
  wired = true;
  const out = $('alerts-settings-error');
  $('alerts-settings-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    let body;
    try { body = collect(); } catch (e) { out.textContent = e.message; out.hidden = false; return; }
    await save(body, out);
  });
  $('as-add-variation').addEventListener('click', () => {
    const n = $('as-variations').children.length;
    $('as-variations').append(variationRow({ name: `tier${n + 1}`, style: {} }, n));
  });
  $('as-json-save').addEventListener('click', async () => {
    let body;
    try { body = JSON.parse($('alerts-settings').value); } catch {
      out.textContent = 'This is not valid JSON.';
      out.hidden = false;
      return;
    }
    await save(body, out);
  });
  $('as-sound-upload').addEventListener('click', () => busy($('as-sound-upload'), async () => {
    const err = $('as-sound-error');
    err.hidden = true;
    const file = $('as-sound-file').files[0];
    if (!file) { err.textContent = 'Choose an MP3, OGG or WAV file first.'; err.hidden = false; return; }
    const name = $('as-sound-name').value.trim() || file.name.replace(/\.[^.]*$/, '');
    try {
      await upload(`/plugins/wm/api/alerts/sounds?name=${encodeURIComponent(name)}`, file, file.type);
      $('as-sound-file').value = '';
      await refresh();
      toast('Sound uploaded');
    } catch (e) { showError(err, e); }
  }));
}

export async function enterAlertStyle() {
  wire();
  await refresh();
}

// Admin "Moderation" card in the Alerts view: the word filter and hold-for-approval settings,
// the tips waiting for approval (Approve / Reject) and the recent decisions.
import { api } from './api.js';
import { $, el, busy, formatDateTime, showError, toast } from './dom.js';

const ROUTE = '/plugins/wm/api/moderation';
let wired = false;

function renderSettings(s) {
  $('mod-filter').checked = !!s.wordFilter.enabled;
  $('mod-words').value = s.wordFilter.words.join('\n');
  $('mod-hold').checked = !!s.holdForApproval;
  $('mod-builtin').textContent = `${s.builtinWords} built-in words apply as well while the filter is on.`;
}

async function decide(tip, action, button) {
  const err = $('mod-error');
  showError(err, null);
  try {
    await busy(button, () => api.post(`${ROUTE}/queue/${encodeURIComponent(tip.id)}/${action}`));
    toast(action === 'approve' ? 'Approved: the alert is on its way' : 'Rejected: nothing is shown');
  } catch (e) { showError(err, e); }
  await Promise.all([loadQueue(), loadLog()]).catch((e) => showError(err, e));
}

async function loadQueue() {
  const { tips } = await api.get(`${ROUTE}/queue`);
  const list = $('mod-queue');
  list.replaceChildren();
  if (!tips.length) list.append(el('li', { class: 'muted' }, 'No tips are waiting.'));
  for (const t of tips) {
    const approve = el('button', { type: 'button', class: 'btn btn-small btn-primary', dataset: { testid: 'mod-approve' } }, 'Approve');
    const reject = el('button', { type: 'button', class: 'btn btn-small btn-secondary', dataset: { testid: 'mod-reject' } }, 'Reject');
    approve.addEventListener('click', () => decide(t, 'approve', approve));
    reject.addEventListener('click', () => decide(t, 'reject', reject));
    const text = `${t.name} — ${t.display}${t.message ? ' — ' + t.message : ''} (${formatDateTime(t.receivedAt)}) `;
    list.append(el('li', { dataset: { testid: 'mod-pending', tipId: t.id } }, text, approve, ' ', reject));
  }
}

async function loadLog() {
  const { log } = await api.get(`${ROUTE}/log`, { limit: 20 });
  const list = $('mod-log');
  list.replaceChildren();
  if (!log.length) list.append(el('li', { class: 'muted' }, 'No decisions yet.'));
  for (const e of log) list.append(el('li', {}, `${formatDateTime(e.at)}: tip ${e.tipId} ${e.decision} (${e.reason}) by ${e.by}`));
}

function wire() {
  if (wired) return;
  wired = true;
  $('mod-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const err = $('mod-settings-error');
    showError(err, null);
    const words = $('mod-words').value.split('\n').map((w) => w.trim()).filter(Boolean);
    const body = { wordFilter: { enabled: $('mod-filter').checked, words }, holdForApproval: $('mod-hold').checked };
    try {
      renderSettings(await busy($('mod-save'), () => api.put(ROUTE, body)));
      toast('Moderation settings saved');
    } catch (e) { showError(err, e); }
  });
  $('mod-refresh').addEventListener('click', () => Promise.all([loadQueue(), loadLog()]).catch((e) => showError($('mod-error'), e)));
}

export async function enterModeration() {
  wire();
  const [s] = await Promise.all([api.get(ROUTE), loadQueue(), loadLog()]);
  renderSettings(s);
}

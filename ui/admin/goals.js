// Admin "Goals" card in the Alerts view: start a goal, end the active one, the history.
// The target is typed as a decimal ("50.00") and sent as an integer amount object (string
// digits only: no floating point anywhere).
import { api } from './api.js';
import { $, el, busy, showError, toast } from './dom.js';

let wired = false;

// "50.00" with scale 2 -> "5000"; null when it is not a plain decimal with at most `scale` places.
export function toMinorUnits(text, scale) {
  const m = /^(\d+)(?:\.(\d+))?$/.exec(String(text).trim());
  if (!m || (m[2] || '').length > scale) return null;
  const digits = (m[1] + (m[2] || '').padEnd(scale, '0')).replace(/^0+(?=\d)/, '');
  return digits;
}

function line(g) {
  const state = g.active ? 'active' : 'ended';
  return `${g.title}: ${g.current.display} of ${g.target.display} (${g.percent}%)${g.reached ? ', reached' : ''}, ${state}`;
}

async function load() {
  const { active, goals } = await api.get('/plugins/wm/api/goals');
  $('goal-active').textContent = active ? `Active: ${line(active)}` : 'No active goal.';
  $('goal-end').disabled = !active;
  const list = $('goal-history');
  list.replaceChildren();
  if (!goals.length) list.append(el('li', { class: 'muted' }, 'No goals yet.'));
  for (const g of goals) list.append(el('li', {}, `${line(g)}, started ${new Date(g.startedAt).toLocaleString()}`));
}

function body() {
  const scale = Number($('goal-scale').value);
  const value = toMinorUnits($('goal-amount').value, Number.isInteger(scale) ? scale : 2);
  if (value === null) throw new Error(`Target amount: type a number like 50.00 with at most ${scale} decimal places.`);
  const b = { title: $('goal-title-input').value.trim(), target: { value, assetCode: $('goal-currency').value.trim().toUpperCase(), assetScale: scale } };
  if ($('goal-ends').value) b.endsAt = new Date($('goal-ends').value).toISOString();
  return b;
}

function wire() {
  if (wired) return;
  wired = true;
  const err = $('goal-error');
  $('goal-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    showError(err, null);
    try {
      await api.post('/plugins/wm/api/goals', body());
      toast('Goal started');
      await load();
    } catch (e) { showError(err, e); }
  });
  $('goal-end').addEventListener('click', async () => {
    showError(err, null);
    try {
      await busy($('goal-end'), () => api.post('/plugins/wm/api/goals/end'));
      toast('Goal ended');
    } catch (e) { showError(err, e); }
    await load().catch((e) => showError(err, e));  // after busy(): it restores the button state
  });
}

export async function enterGoals() {
  wire();
  await load();
}

// Web Monetization on Owncast's page (Owncast view): shows whether our snippet is in Owncast's
// custom JavaScript, and turns it on or off with Owncast's admin password (sent once, not kept).
import { api } from './api.js';
import { $, busy, fieldError } from './dom.js';

const ROUTE = '/plugins/wm/api/web-monetization';
let state = null;  // last GET answer
let wired = false;

function render() {
  const status = $('wmon-status');
  const toggle = $('wmon-toggle');
  $('wmon-snippet').textContent = state?.snippet || 'Set your wallet address first (Tips and wallet).';
  if (!state) { status.textContent = 'Checking…'; return; }
  if (!state.walletAddress) status.textContent = 'Off. Set your wallet address first.';
  else if (state.enabled === null) status.textContent = `Unknown: ${state.error?.message || 'Owncast did not answer.'}`;
  else status.textContent = state.enabled ? `On: Owncast's page pays ${state.walletAddress}.` : 'Off.';
  toggle.textContent = state.enabled ? 'Turn off' : 'Turn on';
  toggle.disabled = !state.walletAddress;
}

export async function refresh() {
  try {
    state = await api.get(ROUTE);
  } catch (ex) {
    state = { walletAddress: null, snippet: null, enabled: null, error: { message: ex.message } };
  }
  render();
}

async function onSubmit(e) {
  e.preventDefault();
  const pw = $('wmon-password');
  const err = $('wmon-error');
  fieldError(pw, err, null);
  if (!pw.value) {
    fieldError(pw, err, 'Enter your Owncast admin password (the one you use for Owncast\'s /admin).');
    pw.focus();
    return;
  }
  await busy($('wmon-toggle'), async () => {
    try {
      await api.post(ROUTE, { enabled: !state?.enabled, adminPassword: pw.value });
      pw.value = '';
      await refresh();
    } catch (ex) {
      fieldError(pw, err, ex.message);
      pw.select();
    }
  });
}

export function enter() {
  if (!wired) {
    wired = true;
    $('wmon-form').addEventListener('submit', onSubmit);
  }
  refresh();
}

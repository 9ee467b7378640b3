// owncast-wm admin: boot, sign-in screens (first-run password, login), the app shell and its
// hash routes (#/dashboard, #/tips, #/alerts, #/setup).
import { api, setCsrf, setUnauthorizedHandler } from './api.js';
import { $, busy, fieldError, showError, toast } from './dom.js';
import * as dashboard from './dashboard.js';
import * as tipsView from './tips.js';
import * as webhooksView from './webhooks.js';
import * as setup from './setup.js';
import * as alertsView from './alerts.js';

const SESSION = '/plugins/wm/admin/session';
const views = { dashboard, tips: tipsView, alerts: alertsView, webhooks: webhooksView, setup };
let current = null;      // name of the visible view
let setupToken = null;   // one-time token from #setup=..., in memory only
let inApp = false;
let backoffTimer = 0;    // live countdown of the login backoff

function setState(state) { document.body.dataset.state = state; }

function focusHeading(id) {
  const h = $(id);
  if (h) h.focus({ preventScroll: false });
}

// ---------- sign-in screens ----------

function showAuth(which, note) {
  leaveApp();
  $('app').hidden = true;
  $('auth').hidden = false;
  for (const id of ['auth-setup', 'auth-notoken', 'auth-login']) $(id).hidden = id !== `auth-${which}`;
  setState(which === 'login' ? 'login' : which === 'setup' ? 'setup-password' : 'no-token');
  // The skip link leads to what is on screen (the app is hidden here).
  $('skip-link').setAttribute('href', '#auth');
  if (which === 'login') {
    $('login-note').textContent = note || 'Enter the owncast-wm admin password.';
    stopBackoff();
    fieldError($('login-password'), $('login-error'), null);
    $('login-password').value = '';
    $('login-password').focus();
  } else if (which === 'setup') {
    $('setup-password').focus();
  } else {
    focusHeading('auth-notoken-title');
  }
}

function codePoints(s) { return [...s].length; }

async function onSetupSubmit(e) {
  e.preventDefault();
  const p1 = $('setup-password');
  const p2 = $('setup-password2');
  const err = $('setup-error');
  fieldError(p1, err, null);
  fieldError(p2, err, null);
  if (codePoints(p1.value) < 10) {
    fieldError(p1, err, 'The password needs at least 10 characters.');
    p1.focus();
    return;
  }
  if (p1.value !== p2.value) {
    fieldError(p2, err, 'The two passwords are not the same.');
    p2.focus();
    return;
  }
  await busy(e.submitter || $('setup-form').querySelector('button[type=submit]'), async () => {
    try {
      const r = await api.post('/plugins/wm/admin/setup', { token: setupToken, password: p1.value }, { handle401: false });
      setupToken = null;
      p1.value = '';
      p2.value = '';
      setCsrf(r.csrfToken);
      toast('Admin password saved');
      await enterApp('#/setup');
    } catch (ex) {
      if (ex.code === 'password_already_set') {
        setupToken = null;
        showAuth('login', 'An admin password is already set. Log in with it.');
        return;
      }
      if (ex.code === 'setup_token_invalid') {
        showError(err, `${ex.message} Restart owncast-wm to print a new setup link, then open that link.`);
        return;
      }
      if (ex.code === 'weak_password') fieldError(p1, err, ex.message);
      else showError(err, ex.message);
    }
  });
}

async function onLoginSubmit(e) {
  e.preventDefault();
  const pw = $('login-password');
  const err = $('login-error');
  if (backoffTimer) return;  // the button is disabled while the countdown runs
  if (!pw.value) {
    fieldError(pw, err, 'Enter the admin password.');
    pw.focus();
    return;
  }
  fieldError(pw, err, null);
  let wait = 0;
  await busy(e.submitter || $('login-form').querySelector('button[type=submit]'), async () => {
    try {
      const r = await api.post('/plugins/wm/admin/login', { password: pw.value }, { handle401: false });
      pw.value = '';
      setCsrf(r.csrfToken);
      await enterApp();
    } catch (ex) {
      if (ex.code === 'rate_limited') {
        wait = ex.retryAfter || Number((/(\d+)\s*second/.exec(ex.message) || [])[1]) || 1;
        return;
      }
      fieldError(pw, err, ex.message);
      pw.select();
      pw.focus();
    }
  });
  if (wait) startBackoff(wait);
}

// After too many wrong passwords: one sentence with a live countdown; the button waits too.
function backoffText(left) {
  if (left <= 0) return 'You can try again now.';
  const m = Math.floor(left / 60);
  const sec = left % 60;
  const parts = [];
  if (m) parts.push(`${m} minute${m === 1 ? '' : 's'}`);
  if (sec) parts.push(`${sec} second${sec === 1 ? '' : 's'}`);
  return `Too many wrong passwords. You can try again in ${parts.join(' and ')}.`;
}

function stopBackoff() {
  clearInterval(backoffTimer);
  backoffTimer = 0;
  $('login-error').removeAttribute('aria-live');
  $('login-form').querySelector('button[type=submit]').disabled = false;
}

function startBackoff(seconds) {
  stopBackoff();
  const end = Date.now() + seconds * 1000;
  const err = $('login-error');
  const button = $('login-form').querySelector('button[type=submit]');
  const tick = () => {
    const left = Math.max(0, Math.ceil((end - Date.now()) / 1000));
    err.textContent = backoffText(left);
    err.hidden = false;
    if (left === 0) {
      stopBackoff();
      $('login-password').focus();
    }
  };
  button.disabled = true;
  // Announced once (role=alert); the seconds then tick silently.
  err.setAttribute('role', 'alert');
  tick();
  setTimeout(() => err.setAttribute('aria-live', 'off'), 0);
  backoffTimer = setInterval(tick, 1000);
}

// ---------- the app ----------

function leaveApp() {
  if (current && views[current].leave) views[current].leave();
  current = null;
  inApp = false;
}

async function enterApp(defaultRoute) {
  inApp = true;
  $('skip-link').setAttribute('href', '#main');
  $('auth').hidden = true;
  $('app').hidden = false;
  setState('app');
  await setup.loadSettings().catch(() => {});
  const incomplete = setup.missingSteps().length > 0;
  if (!parseRoute(location.hash)) {
    history.replaceState(null, '', defaultRoute || (incomplete ? '#/setup' : '#/dashboard'));
  }
  route();
}

function parseRoute(hash) {
  const m = /^#\/(dashboard|tips|alerts|webhooks|setup)$/.exec(hash || '');
  return m ? m[1] : null;
}

function route() {
  if (!inApp) return;
  const name = parseRoute(location.hash) || 'dashboard';
  if (name === current) return;
  if (current && views[current].leave) views[current].leave();
  current = name;
  for (const v of Object.keys(views)) $(`view-${v}`).hidden = v !== name;
  for (const a of document.querySelectorAll('[data-nav]')) {
    if (a.dataset.nav === name) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  document.title = `${name[0].toUpperCase()}${name.slice(1)} · owncast-wm`;
  document.body.dataset.view = name;
  views[name].enter();
}

async function logout() {
  try {
    await api.post('/plugins/wm/admin/logout', {}, { handle401: false });
  } catch { /* the session may be gone already */ }
  setCsrf(null);
  showAuth('login', 'You are logged out.');
}

async function boot() {
  setUnauthorizedHandler(() => {
    if (!inApp) return; // already showing a sign-in screen
    setCsrf(null);
    showAuth('login', 'Your session has ended. Log in again.');
  });

  // Take the one-time setup token out of the address bar at once.
  const m = /^#setup=([A-Za-z0-9_\-.~%]+)$/.exec(location.hash);
  if (m) {
    setupToken = decodeURIComponent(m[1]);
    history.replaceState(null, '', location.pathname + location.search);
  }

  let s;
  try {
    s = await api.get(SESSION, undefined, { handle401: false });
  } catch (e) {
    $('boot-text').textContent = e.message;
    return;
  }
  if (s.authenticated) {
    setCsrf(s.csrfToken);
    await enterApp();
  } else if (!s.passwordSet) {
    showAuth(setupToken ? 'setup' : 'notoken');
  } else {
    setupToken = null;
    showAuth('login');
  }
}

$('setup-form').addEventListener('submit', onSetupSubmit);
$('login-form').addEventListener('submit', onLoginSubmit);
$('logout').addEventListener('click', logout);
window.addEventListener('hashchange', () => {
  if (/^#setup=/.test(location.hash)) { location.reload(); return; }
  route();
});
setup.onChange(() => {
  const missing = setup.missingSteps();
  const badge = $('setup-badge');
  badge.hidden = missing.length === 0;
  badge.textContent = String(missing.length);
  badge.setAttribute('aria-label', `${missing.length} step${missing.length === 1 ? '' : 's'} left`);
  dashboard.setSetupMissing(missing);
});
boot();

// owncast-wm tip panel. Runs inside Owncast's External Action iframe
// (sandbox="allow-same-origin allow-scripts allow-popups allow-forms") or standalone.
// No framework, no build step, no inline code (the page's CSP forbids it).
(function () {
  'use strict';

  // /plugins/wm/ (works behind a path prefix too): this file is /plugins/wm/ui/widget/tip-panel.js
  var script = document.currentScript;
  var BASE = new URL('../../', script ? script.src : location.href).href;
  var POLL_MS = 1500;
  var POLL_GIVE_UP_MS = 20 * 60 * 1000;
  var MESSAGE_MAX = 280;
  var NAME_MAX = 40;
  var WALLET_KEY = 'owncast-wm:wallet';
  var SESSION_KEY = 'owncast-wm:viewer-session';
  var SESSION_TIMEOUT_MS = 5000;
  var FINAL = { completed: 1, denied: 1, failed: 1, expired: 1, cancelled: 1 };
  var USER_ID_MAX = 64;

  var params = new URLSearchParams(location.search);
  var streamId = params.get('streamId') || '';
  // Owncast 0.3.0 passes a stable user id to External Actions: a hint stored with the tip, never
  // trusted for money.
  var owncastUserId = (params.get('userId') || '').slice(0, USER_ID_MAX);

  var $ = function (id) { return document.getElementById(id); };
  var el = {
    title: $('title'), subtitle: $('subtitle'), status: $('status'), logo: $('logo'),
    form: $('tip-form'), tiers: $('tiers'), tiersError: $('tiers-error'), tiersBox: $('tiers-box'),
    amount: $('amount'), amountCurrency: $('amount-currency'), amountHint: $('amount-hint'), amountError: $('amount-error'),
    wallet: $('wallet'), walletError: $('wallet-error'), remembered: $('wallet-remembered'), forget: $('forget-wallet'),
    name: $('name'), nameError: $('name-error'),
    message: $('message'), messageCount: $('message-count'), messageError: $('message-error'),
    anonymous: $('anonymous'), formError: $('form-error'), review: $('review'),
    qDebit: $('q-debit'), qReceive: $('q-receive'), qExpires: $('q-expires'), reviewError: $('review-error'),
    qName: $('q-name'), qMessage: $('q-message'), qCountdown: $('q-countdown'), qFees: $('q-fees'), qRequote: $('q-requote'),
    approve: $('approve'), back: $('back'),
    waitTitle: $('wait-title'), waitText: $('wait-text'), popupBlocked: $('popup-blocked'), openTab: $('open-tab'), waitError: $('wait-error'),
    doneText: $('done-text'), again: $('again'), again2: $('again-2'),
    errorText: $('error-text'), errorNote: $('error-note'), retry: $('retry')
  };

  var state = {
    currency: { code: '', scale: 2 },
    tiers: [],
    tierId: null,       // selected tier id, or null for a custom amount
    tip: null,          // 201 answer of POST /tips
    lastBody: '', lastKey: '',
    pending: null,      // {id, key, body}: a tip created but not approved yet (cancel it when it changes)
    limits: null,       // {min, max} amounts accepted, from GET /widget/config
    countdownTimer: 0, requoting: false,
    pollTimer: 0, pollStarted: 0, polling: false,
    popup: null
  };

  // ---------- amounts: integer string math only ----------

  // "7.5" in scale 2 -> {value:"750"}; {error} when it is not a positive amount in this currency.
  function parseAmount(text, scale, code) {
    var s = String(text).trim().replace(/\s+/g, '');
    if (s === '') return { error: 'Enter an amount, or pick one of the options above.' };
    if (code && s.toUpperCase().endsWith(code.toUpperCase())) s = s.slice(0, -code.length);
    var m = /^(\d*)(?:[.,](\d*))?$/.exec(s);
    if (!m || (m[1] === '' && !m[2])) {
      return { error: 'Enter a number like 5 or 7' + (scale > 0 ? '.50' : '') + ', without other characters.' };
    }
    var whole = m[1].replace(/^0+/, '');
    var frac = m[2] || '';
    if (frac.length > scale) {
      return { error: scale === 0
        ? 'Use whole amounts only: ' + (code || 'this currency') + ' has no decimal places.'
        : 'Use at most ' + scale + ' decimal place' + (scale === 1 ? '' : 's') + '.' };
    }
    if (whole.length > 15) return { error: 'That amount is too large.' };
    while (frac.length < scale) frac += '0';
    var value = (whole + frac).replace(/^0+/, '');
    if (value === '') return { error: 'Enter an amount greater than 0.' };
    return { value: value };
  }

  // The streamer's "currency display" setting: symbols for well-known currencies (the same
  // table as the sidecar's, lib/openpayments/money.cpp), codes otherwise.
  var SYMBOLS = {
    USD: '$', EUR: '€', GBP: '£', JPY: '¥', CNY: 'CN¥', INR: '₹', KRW: '₩', BRL: 'R$', CAD: 'CA$',
    AUD: 'A$', NZD: 'NZ$', MXN: 'MX$', HKD: 'HK$', SGD: 'S$', ILS: '₪', NGN: '₦', PHP: '₱', THB: '฿',
    TRY: '₺', UAH: '₴', VND: '₫', PLN: 'zł', ZAR: 'R', KES: 'KSh', BTC: '₿'
  };
  var useSymbols = false;

  // ("750", 2, "EUR") -> "7.50 EUR" (or "€7.50" when the streamer chose symbols)
  function formatAmount(value, scale, code) {
    var v = String(value).replace(/^0+/, '') || '0';
    scale = Number(scale) || 0;
    var out = v;
    if (scale > 0) {
      while (v.length <= scale) v = '0' + v;
      out = v.slice(0, v.length - scale) + '.' + v.slice(v.length - scale);
    }
    if (code && useSymbols && Object.prototype.hasOwnProperty.call(SYMBOLS, code)) return SYMBOLS[code] + out;
    return code ? out + ' ' + code : out;
  }

  function formatAmountObj(a) {
    if (!a || typeof a !== 'object' || a.value === undefined) return '';
    return formatAmount(a.value, a.assetScale, a.assetCode);
  }

  // ---------- wallet addresses ----------

  // "$wallet.example/alice" -> "https://wallet.example/alice"; {error} otherwise.
  function normalizeWallet(text) {
    var s = String(text).trim();
    if (s === '') return { error: 'Enter your wallet address, for example $wallet.example/alice.' };
    if (s.charAt(0) === '$') {
      s = 'https://' + s.slice(1);
      if (!/^https:\/\/[^/]+\/./.test(s)) s = s.replace(/\/?$/, '/.well-known/pay');
    } else if (/^http:\/\//i.test(s)) {
      return { error: 'Wallet addresses start with https:// (or $). Check the address your wallet shows.' };
    } else if (!/^https:\/\//i.test(s)) {
      if (/^[a-z0-9.-]+\.[a-z]{2,}(:\d+)?\//i.test(s)) s = 'https://' + s;
      else return { error: 'That does not look like a wallet address. It looks like $wallet.example/alice or https://wallet.example/alice.' };
    }
    var u;
    try { u = new URL(s); } catch (e) { u = null; }
    if (!u || u.protocol !== 'https:' || !u.hostname || u.username || u.password || u.search || u.hash) {
      return { error: 'That does not look like a wallet address. It looks like $wallet.example/alice or https://wallet.example/alice.' };
    }
    return { value: u.href };
  }

  // localStorage may be partitioned or blocked in a third-party iframe: never let it break the panel.
  function storageGet(k) { try { return window.localStorage.getItem(k) || ''; } catch (e) { return ''; } }
  function storageSet(k, v) { try { window.localStorage.setItem(k, v); } catch (e) { /* ignore */ } }
  function storageRemove(k) { try { window.localStorage.removeItem(k); } catch (e) { /* ignore */ } }
  // sessionStorage: this tab only, a fallback when localStorage is blocked or cleared.
  function tabGet(k) { try { return window.sessionStorage.getItem(k) || ''; } catch (e) { return ''; } }
  function tabSet(k, v) { try { window.sessionStorage.setItem(k, v); } catch (e) { /* ignore */ } }
  function tabRemove(k) { try { window.sessionStorage.removeItem(k); } catch (e) { /* ignore */ } }

  // ---------- small UI helpers ----------

  function say(text) {
    // Re-set so repeated messages are announced again.
    el.status.textContent = '';
    window.setTimeout(function () { el.status.textContent = text; }, 30);
  }

  function showStep(name, focusId) {
    var steps = document.querySelectorAll('[data-step]');
    for (var i = 0; i < steps.length; i++) steps[i].hidden = steps[i].getAttribute('data-step') !== name;
    document.body.setAttribute('data-state', name);
    var f = focusId ? $(focusId) : null;
    if (f) f.focus();
  }

  function setFieldError(input, errorEl, text) {
    if (text) {
      errorEl.textContent = text;
      errorEl.hidden = false;
      input.setAttribute('aria-invalid', 'true');
    } else {
      errorEl.textContent = '';
      errorEl.hidden = true;
      input.removeAttribute('aria-invalid');
    }
  }

  function showAlert(node, text) {
    node.textContent = text || '';
    node.hidden = !text;
  }

  function randomKey() {
    var b = new Uint8Array(16);
    window.crypto.getRandomValues(b);
    var s = '';
    for (var i = 0; i < b.length; i++) s += (b[i] + 256).toString(16).slice(1);
    return s;
  }

  function codePoints(s) { return Array.from(s).length; }

  // ---------- loading ----------

  function api(path) { return new URL(path, BASE).href; }

  // ---------- the remembered wallet (viewer session) ----------
  // In Owncast's third-party iframe, storage is partitioned or denied outright, so after a tip is
  // created the sidecar keeps {walletAddress, displayName} for a sliding 30 minutes under an
  // unguessable id. The id lives in a partitioned cookie set by the sidecar (the one thing
  // browsers keep for third-party frames) and, where they work, in localStorage and
  // sessionStorage. The plain localStorage copy of the wallet (WALLET_KEY) stays as a fallback.
  var viewer = { id: '', wallet: '', name: '' };

  // The sidecar sets and renews the cookie (wm_viewer, partitioned); the panel only reads it, and
  // clears it on "forget" in case the DELETE does not get through.
  function cookieId() {
    try {
      var m = /(?:^|;\s*)wm_viewer=([A-Za-z0-9_-]+)/.exec(document.cookie || '');
      return m ? m[1] : '';
    } catch (e) { return ''; }
  }
  function cookieClear() {
    try { document.cookie = 'wm_viewer=; Max-Age=0; Path=/plugins/wm; Secure; SameSite=None; Partitioned'; } catch (e) { /* ignore */ }
  }
  function viewerIdGet() {
    var id = storageGet(SESSION_KEY) || tabGet(SESSION_KEY) || cookieId();
    return /^[A-Za-z0-9_-]{20,128}$/.test(id) ? id : '';
  }
  function viewerIdSet(id) { storageSet(SESSION_KEY, id); tabSet(SESSION_KEY, id); }
  function viewerIdClear() { storageRemove(SESSION_KEY); tabRemove(SESSION_KEY); }
  function viewerUrl(id) { return api('viewer-session' + (id ? '/' + encodeURIComponent(id) : '')); }

  function showRemembered() {
    el.remembered.hidden = !(viewer.id || storageGet(WALLET_KEY));
  }

  // On load: the wallet (and name) from the session. Never rejects; 404 (expired) is silent.
  function restoreViewer() {
    var id = viewerIdGet();
    if (!id) return Promise.resolve();
    var typedBefore = el.wallet.value;
    var ctl = typeof AbortController === 'function' ? new AbortController() : null;
    var timer = ctl ? window.setTimeout(function () { ctl.abort(); }, SESSION_TIMEOUT_MS) : 0;
    return fetch(viewerUrl(id), {
      headers: { Accept: 'application/json' }, credentials: 'same-origin', cache: 'no-store',
      signal: ctl ? ctl.signal : undefined
    })
      .then(function (r) {
        if (r.status === 404) { viewerIdClear(); return null; }
        return r.ok ? r.json() : null;
      })
      .then(function (s) {
        if (!s || typeof s.walletAddress !== 'string' || !s.walletAddress) return;
        viewer = { id: id, wallet: s.walletAddress, name: typeof s.displayName === 'string' ? s.displayName : '' };
        // Only if the viewer has not started typing meanwhile.
        if (el.wallet.value === typedBefore) el.wallet.value = s.walletAddress;
        if (viewer.name && !el.name.value.trim()) el.name.value = Array.from(viewer.name).slice(0, NAME_MAX).join('');
      })
      .catch(function () { /* the sidecar is unreachable: the form still works */ })
      .then(function () {
        if (timer) window.clearTimeout(timer);
        showRemembered();
      });
  }

  // After a tip was created: remember this wallet (a new session replaces the previous one).
  function rememberViewer(wallet, name) {
    if (viewer.id && viewer.wallet === wallet && viewer.name === name) return;
    var old = viewer.id;
    var body = { walletAddress: wallet };
    if (name) body.displayName = name;
    fetch(viewerUrl(''), {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      body: JSON.stringify(body), credentials: 'same-origin', cache: 'no-store'
    })
      .then(function (r) { return r.status === 201 ? r.json() : null; })
      .then(function (s) {
        if (!s || typeof s.id !== 'string' || !s.id) return;
        viewer = { id: s.id, wallet: String(s.walletAddress || wallet), name: typeof s.displayName === 'string' ? s.displayName : '' };
        viewerIdSet(s.id);
        if (old && old !== s.id) forgetOnServer(old);
        showRemembered();
      })
      .catch(function () { /* optional */ });
  }

  // The sidecar also clears the cookie when it holds this session.
  function forgetOnServer(id) {
    return fetch(viewerUrl(id), { method: 'DELETE', credentials: 'same-origin', cache: 'no-store', keepalive: true })
      .catch(function () { /* it expires on its own */ });
  }

  // "Forget my wallet": here and on the sidecar.
  function forgetWallet() {
    var id = viewer.id || viewerIdGet();
    viewer = { id: '', wallet: '', name: '' };
    viewerIdClear();
    cookieClear();
    storageRemove(WALLET_KEY);
    el.wallet.value = '';
    setFieldError(el.wallet, el.walletError, '');
    showRemembered();
    el.wallet.focus();
    say('Your wallet address was forgotten.');
    if (id) forgetOnServer(id);
  }

  function loadTiers() {
    var url = api('overlay/tip-tiers' + (streamId ? '?streamId=' + encodeURIComponent(streamId) : ''));
    el.tiers.setAttribute('aria-busy', 'true');
    return fetch(url, { headers: { Accept: 'application/json' }, credentials: 'same-origin', cache: 'no-store' })
      .then(function (r) {
        if (!r.ok) throw new Error('HTTP ' + r.status);
        return r.json();
      })
      .then(function (data) {
        state.currency.code = data.currency || '';
        useSymbols = data.currencyDisplay === 'symbol';
        state.currency.scale = typeof data.assetScale === 'number' ? data.assetScale : 2;
        state.tiers = Array.isArray(data.tiers) ? data.tiers : [];
        if (data.theme) document.body.setAttribute('data-theme', String(data.theme));
        renderTiers();
      })
      .catch(function () {
        el.tiers.textContent = '';
        showAlert(el.tiersError, 'Could not load the tip options. You can still enter your own amount below.');
      })
      .then(function () {
        el.tiers.setAttribute('aria-busy', 'false');
        el.amountCurrency.textContent = state.currency.code ? '(' + state.currency.code + ')' : '';
        el.amountHint.textContent = state.currency.code
          ? 'Amount in ' + state.currency.code + ', the streamer\'s currency' +
            (state.currency.scale > 0 ? ', up to ' + state.currency.scale + ' decimal places.' : ', whole numbers.')
          : 'Amount in the streamer\'s currency.';
      });
  }

  function renderTiers() {
    el.tiers.textContent = '';
    state.tiers.forEach(function (t) {
      var b = document.createElement('button');
      b.type = 'button';
      b.className = 'tier';
      b.setAttribute('aria-pressed', 'false');
      b.setAttribute('data-tier', String(t.id));
      var display = t.display || formatAmountObj(t.amount);
      var emoji = document.createElement('span');
      emoji.className = 'tier-emoji';
      emoji.setAttribute('aria-hidden', 'true');
      emoji.textContent = t.emoji || '';
      var name = document.createElement('span');
      name.className = 'tier-name';
      name.textContent = t.name || '';
      var amount = document.createElement('span');
      amount.className = 'tier-amount';
      amount.textContent = display;
      b.appendChild(emoji);
      b.appendChild(name);
      b.appendChild(amount);
      if (t.perk) {
        var perk = document.createElement('span');
        perk.className = 'tier-perk';
        perk.textContent = t.perk;
        b.appendChild(perk);
      }
      b.addEventListener('click', function () { selectTier(t.id); });
      el.tiers.appendChild(b);
    });
    if (!state.tiers.length) {
      var p = document.createElement('p');
      p.className = 'muted';
      p.textContent = 'Enter the amount you want to tip below.';
      el.tiers.appendChild(p);
    }
  }

  function selectTier(id) {
    state.tierId = state.tierId === id ? null : id;
    var buttons = el.tiers.querySelectorAll('button.tier');
    for (var i = 0; i < buttons.length; i++) {
      buttons[i].setAttribute('aria-pressed', String(buttons[i].getAttribute('data-tier') === String(state.tierId)));
    }
    if (state.tierId !== null) {
      el.amount.value = '';
      setFieldError(el.amount, el.amountError, '');
      var t = tierById(state.tierId);
      say('Selected ' + (t ? t.name + ', ' + (t.display || formatAmountObj(t.amount)) : 'tip'));
    }
  }

  function tierById(id) {
    for (var i = 0; i < state.tiers.length; i++) if (String(state.tiers[i].id) === String(id)) return state.tiers[i];
    return null;
  }

  // The streamer's active goal (GET /plugins/wm/goal): a bar with title and current / target.
  // Amounts arrive as display strings; the page does no money arithmetic.
  function loadGoal() {
    var box = document.getElementById('goal');
    if (!box) return Promise.resolve();
    return fetch(api('goal'), { headers: { Accept: 'application/json' }, cache: 'no-store' })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (g) {
        if (!g || !g.active) { box.hidden = true; return; }
        var pct = Math.max(0, Math.min(100, Number(g.percent) || 0));
        document.getElementById('goal-title').textContent = g.title;
        document.getElementById('goal-fill').style.width = pct + '%';
        document.getElementById('goal-bar').setAttribute('aria-valuenow', String(pct));
        document.getElementById('goal-numbers').textContent =
          g.current.display + ' of ' + g.target.display + ' (' + g.percent + '%)' + (g.reached ? ' · Goal reached!' : '');
        box.hidden = false;
      })
      .catch(function () { /* optional */ });
  }

  function loadStreamTitle() {
    fetch(api('stream'), { headers: { Accept: 'application/json' }, cache: 'no-store' })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (s) {
        if (s && s.title) {
          el.subtitle.textContent = s.title;
          el.subtitle.hidden = false;
        }
      })
      .catch(function () { /* optional */ });
  }

  // The stream's name and logo (Owncast's public config, fetched by the sidecar) and the accepted
  // range. Everything is optional: without it the panel keeps its generic title.
  function loadConfig() {
    return fetch(api('widget/config'), { headers: { Accept: 'application/json' }, cache: 'no-store' })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (c) {
        if (!c) return;
        if (typeof c.name === 'string' && c.name.trim()) {
          el.title.textContent = 'Tip ' + c.name.trim();
          document.title = 'Tip ' + c.name.trim();
        }
        if (typeof c.logo === 'string' && /^https?:\/\//.test(c.logo)) {
          el.logo.addEventListener('error', function () { el.logo.hidden = true; });
          el.logo.src = c.logo;
          el.logo.hidden = false;
        }
        var lo = c.minAmount, hi = c.maxAmount;
        if (lo && hi && /^\d+$/.test(String(lo.value)) && /^\d+$/.test(String(hi.value))) state.limits = { min: lo, max: hi };
      })
      .catch(function () { /* optional */ });
  }

  // Compares two minor-unit strings without floats: -1, 0 or 1.
  function cmpUnits(a, b) {
    a = String(a).replace(/^0+/, ''); b = String(b).replace(/^0+/, '');
    if (a.length !== b.length) return a.length < b.length ? -1 : 1;
    return a === b ? 0 : (a < b ? -1 : 1);
  }

  // "" when value is inside the streamer's range, else a sentence in the streamer's currency display.
  function rangeError(value) {
    var l = state.limits;
    if (!l || l.min.assetCode !== state.currency.code || Number(l.min.assetScale) !== state.currency.scale) return '';
    if (cmpUnits(value, l.min.value) >= 0 && cmpUnits(value, l.max.value) <= 0) return '';
    return 'Enter an amount between ' + formatAmountObj(l.min) + ' and ' + formatAmountObj(l.max) + '.';
  }

  // ---------- step 1: validate and create the tip ----------

  function validate() {
    var ok = true, first = null;
    var body = {};

    // Amount
    var amountErr = '';
    if (state.tierId !== null) {
      body.tierId = state.tierId;
    } else {
      var a = parseAmount(el.amount.value, state.currency.scale, state.currency.code);
      if (a.error) amountErr = el.amount.value.trim() === '' && state.tiers.length
        ? 'Pick one of the amounts above or enter your own.' : a.error;
      else if (!state.currency.code) amountErr = 'The streamer\'s currency is unknown right now. Reload the panel and try again.';
      else if (rangeError(a.value)) amountErr = rangeError(a.value);
      else body.amount = { value: a.value, assetCode: state.currency.code, assetScale: state.currency.scale };
    }
    setFieldError(el.amount, el.amountError, amountErr);
    if (amountErr) { ok = false; first = first || el.amount; }
    // The tier buttons are described by the error too ("Pick one of the amounts above ...").
    if (amountErr) el.tiersBox.setAttribute('aria-describedby', 'amount-error');
    else el.tiersBox.removeAttribute('aria-describedby');

    // Wallet
    var w = normalizeWallet(el.wallet.value);
    setFieldError(el.wallet, el.walletError, w.error || '');
    if (w.error) { ok = false; first = first || el.wallet; } else body.senderWalletAddress = w.value;

    // Name
    var name = el.name.value.trim();
    var nameErr = codePoints(name) > NAME_MAX ? 'Use at most ' + NAME_MAX + ' characters for your name.' : '';
    setFieldError(el.name, el.nameError, nameErr);
    if (nameErr) { ok = false; first = first || el.name; }
    if (name && !el.anonymous.checked) body.displayName = name;

    // Message
    var msg = el.message.value.trim();
    var n = codePoints(msg);
    var msgErr = n > MESSAGE_MAX ? 'Your message is ' + (n - MESSAGE_MAX) + ' character' + (n - MESSAGE_MAX === 1 ? '' : 's') + ' too long (' + MESSAGE_MAX + ' at most).' : '';
    setFieldError(el.message, el.messageError, msgErr);
    if (msgErr) { ok = false; first = first || el.message; }
    if (msg) body.message = msg;

    if (el.anonymous.checked) body.anonymous = true;
    if (owncastUserId) body.owncastUserId = owncastUserId;

    if (!ok) {
      if (amountErr && state.tierId === null && el.amount.value.trim() === '' && state.tiers.length && first === el.amount) {
        // Nothing chosen: the first tier button is the natural place to go.
        var firstTier = el.tiers.querySelector('button.tier');
        if (firstTier) first = firstTier;
      }
      first.focus();
      say('Please fix the highlighted fields.');
      return null;
    }
    return body;
  }

  function errorInfo(status, data, retryAfter) {
    var err = data && data.error && typeof data.error === 'object' ? data.error : {};
    var code = String(err.code || '');
    var msg = String(err.message || '');
    if (status === 429) {
      var secs = parseInt(retryAfter || '', 10);
      return { code: code || 'rate_limited', message: 'Too many tips in a short time. ' +
        (secs > 0 ? 'Try again in ' + secs + ' second' + (secs === 1 ? '' : 's') + '.' : 'Wait a moment and try again.') };
    }
    // The server's message is written for people: shown as it is.
    if (msg) return { code: code, message: msg };
    if (code === 'not_configured' || status === 404) {
      return { code: 'not_found', message: 'Tipping is not set up on this stream yet. Let the streamer know.' };
    }
    if (status === 503) return { code: 'unavailable', message: 'Tipping is temporarily unavailable. Try again in a minute.' };
    return { code: code, message: 'Something went wrong (HTTP ' + status + '). Try again in a moment.' };
  }

  function fieldFor(code) {
    code = code.toLowerCase();
    if (/wallet|sender|address/.test(code)) return [el.wallet, el.walletError];
    if (/amount|tier|minimum|maximum|bound/.test(code)) return [el.amount, el.amountError];
    if (/message/.test(code)) return [el.message, el.messageError];
    if (/name/.test(code)) return [el.name, el.nameError];
    return null;
  }

  function postTip(json, key) {
    var out = { status: 0, retryAfter: '', data: null };
    return fetch(api('tips'), {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json', 'Idempotency-Key': key },
      body: json,
      credentials: 'same-origin',
      cache: 'no-store'
    })
      .then(function (r) {
        out.status = r.status;
        out.retryAfter = r.headers.get('Retry-After') || '';
        return r.text().then(function (t) { try { return JSON.parse(t); } catch (e) { return null; } });
      })
      .then(function (data) {
        out.data = data;
        out.ok = (out.status === 200 || out.status === 201) && !!(data && data.id && data.consentUrl);
        return out;
      });
  }

  // The viewer changed the tip after its quote (or the quote expired): end the old one, with the
  // Idempotency-Key that created it. 404/409 (already gone or past consent) need nothing more.
  function cancelPending() {
    var p = state.pending;
    state.pending = null;
    if (!p) return;
    fetch(api('tips/' + encodeURIComponent(p.id)), {
      method: 'DELETE',
      headers: { Accept: 'application/json', 'Idempotency-Key': p.key },
      credentials: 'same-origin',
      cache: 'no-store'
    }).catch(function () { /* it expires on its own */ });
  }

  function submitTip(ev) {
    if (ev) ev.preventDefault();
    showAlert(el.formError, '');
    var body = validate();
    if (!body) return;
    var json = JSON.stringify(body);
    if (state.pending && state.pending.body === json) {
      // The same tip again ("Change tip", then nothing changed): the server answers the same one.
      state.lastBody = json;
      state.lastKey = state.pending.key;
    } else {
      cancelPending();
      // Same body again (a retry after a network error): same Idempotency-Key, so no second tip.
      if (json !== state.lastBody) { state.lastBody = json; state.lastKey = randomKey(); }
    }
    var key = state.lastKey;
    el.review.disabled = true;
    el.review.textContent = 'Getting a quote…';
    say('Getting a quote from your wallet…');
    postTip(json, key)
      .then(function (res) {
        if (res.ok) {
          storageSet(WALLET_KEY, el.wallet.value.trim());
          rememberViewer(body.senderWalletAddress, body.displayName || '');
          state.tip = res.data;
          state.pending = { id: res.data.id, key: key, body: json };
          showReview(res.data);
          return;
        }
        if (res.status === 200 || res.status === 201) throw new Error('bad answer');
        var info = errorInfo(res.status, res.data, res.retryAfter);
        var field = fieldFor(info.code);
        if (field && res.status >= 400 && res.status < 500 && res.status !== 429) {
          setFieldError(field[0], field[1], info.message);
          field[0].focus();
          say(info.message);
        } else {
          showAlert(el.formError, info.message);
          say(info.message);
          el.formError.setAttribute('tabindex', '-1');
          el.formError.focus();
        }
      })
      .catch(function () {
        var m = 'Could not reach the tip service. Check your connection and press Review tip again.';
        showAlert(el.formError, m);
        say(m);
      })
      .then(function () {
        el.review.disabled = false;
        el.review.textContent = 'Review tip';
      });
  }

  // ---------- step 2: quote ----------

  function expiresAtMs() {
    var q = state.tip && state.tip.quote;
    var t = q && q.expiresAt ? Date.parse(q.expiresAt) : NaN;
    return isNaN(t) ? 0 : t;
  }

  function pendingBody() {
    try { return JSON.parse(state.pending ? state.pending.body : state.lastBody) || {}; } catch (e) { return {}; }
  }

  function fillReview(tip) {
    var q = tip.quote || {};
    var body = pendingBody();
    el.qDebit.textContent = formatAmountObj(q.debitAmount) || '—';
    el.qReceive.textContent = formatAmountObj(q.receiveAmount) || '—';
    el.qName.textContent = body.anonymous ? 'Anonymous (your name is not shown)' : (body.displayName || 'No name');
    el.qMessage.textContent = body.message || 'No message';
    el.qMessage.classList.toggle('muted', !body.message);
    // Fees above half of the tip are said plainly before the viewer approves anything.
    var high = q.highFees === true;
    el.qFees.hidden = !high;
    el.qFees.textContent = high
      ? 'Fees are more than half of this tip: you pay ' + (formatAmountObj(q.debitAmount) || '?') + ' for a tip of ' +
        (formatAmountObj(q.receiveAmount) || '?') + '.'
      : '';
    showAlert(el.reviewError, '');
    startCountdown();
  }

  function showReview(tip) {
    el.qRequote.textContent = '';
    fillReview(tip);
    showStep('review', 'review-title');
    say('Quote ready. You pay ' + el.qDebit.textContent + '; the streamer receives ' + el.qReceive.textContent + '.' +
      (el.qFees.hidden ? '' : ' ' + el.qFees.textContent));
  }

  function stopCountdown() {
    if (state.countdownTimer) window.clearInterval(state.countdownTimer);
    state.countdownTimer = 0;
  }

  function startCountdown() {
    stopCountdown();
    tickCountdown();
    if (expiresAtMs()) state.countdownTimer = window.setInterval(tickCountdown, 1000);
  }

  function tickCountdown() {
    var exp = expiresAtMs();
    if (!exp) { el.qCountdown.textContent = '—'; return; }
    var left = Math.max(0, Math.ceil((exp - Date.now()) / 1000));
    el.qCountdown.textContent = left >= 60 ? Math.floor(left / 60) + ' min ' + (left % 60) + ' s' : left + ' s';
    if (left === 0) { stopCountdown(); requote(); }
  }

  // The quote expired on the review step: a new one for the same tip (the old tip is cancelled).
  function requote() {
    if (state.requoting || !state.pending || document.body.getAttribute('data-state') !== 'review') return;
    state.requoting = true;
    var json = state.pending.body;
    cancelPending();
    state.lastBody = json;
    state.lastKey = randomKey();
    var key = state.lastKey;
    el.approve.disabled = true;
    el.qRequote.textContent = 'The price expired. Getting a new quote…';
    postTip(json, key)
      .then(function (res) {
        if (!res.ok) {
          var info = errorInfo(res.status, res.data, res.retryAfter);
          el.qRequote.textContent = '';
          showAlert(el.reviewError, info.message);
          return;
        }
        state.tip = res.data;
        state.pending = { id: res.data.id, key: key, body: json };
        fillReview(res.data);
        el.qRequote.textContent = 'The price expired, so here is a new quote: you pay ' + el.qDebit.textContent + '.';
      })
      .catch(function () {
        el.qRequote.textContent = '';
        showAlert(el.reviewError, 'The price expired and a new quote could not be fetched. Press "Change tip", then "Review tip".');
      })
      .then(function () {
        state.requoting = false;
        el.approve.disabled = false;
      });
  }

  function safeUrl(u) {
    try {
      var x = new URL(u, location.href);
      return x.protocol === 'https:' || x.protocol === 'http:' ? x.href : '';
    } catch (e) { return ''; }
  }

  function approve() {
    var tip = state.tip;
    if (!tip) return;
    var exp = expiresAtMs();
    if (exp && Date.now() > exp) {
      showAlert(el.reviewError, 'This price has expired. Press "Change tip", then "Review tip" for a new quote.');
      el.back.focus();
      return;
    }
    var url = safeUrl(tip.consentUrl);
    if (!url) {
      showError({ status: 'failed', error: { message: 'The wallet returned an unusable approval link. Try again or use another wallet.' } });
      return;
    }
    stopCountdown();
    state.pending = null;  // consent started: never cancelled from here
    el.openTab.href = url;
    // A named popup (not noopener): the callback page tells us the outcome via window.opener.
    var w = null;
    try { w = window.open(url, 'owncast-wm-consent', 'popup,width=480,height=720'); } catch (e) { w = null; }
    state.popup = w;
    var blocked = !w;
    el.popupBlocked.hidden = !blocked;
    el.waitText.textContent = blocked
      ? 'Open your wallet with the link below, approve the payment there, then come back here.'
      : 'A window from your wallet opened. Approve the payment there, then come back here.';
    showStep('wait', blocked ? 'open-tab' : 'wait-title');
    say(blocked ? 'The wallet window was blocked. Use the link "Open your wallet in a new tab".' : 'Waiting for your approval in the wallet window.');
    startPolling();
  }

  // ---------- step 3: status ----------

  function statusUrl() {
    var tip = state.tip;
    var fallback = api('tips/' + encodeURIComponent(tip.id));
    if (!tip.statusUrl) return fallback;
    try {
      var u = new URL(tip.statusUrl, BASE);
      return u.origin === location.origin ? u.href : fallback; // CSP: connect-src 'self'
    } catch (e) { return fallback; }
  }

  function startPolling() {
    stopPolling();
    state.polling = true;
    state.pollStarted = Date.now();
    pollSoon(POLL_MS);
  }

  function stopPolling() {
    state.polling = false;
    if (state.pollTimer) window.clearTimeout(state.pollTimer);
    state.pollTimer = 0;
  }

  function pollSoon(ms) {
    if (!state.polling) return;
    if (state.pollTimer) window.clearTimeout(state.pollTimer);
    state.pollTimer = window.setTimeout(poll, ms);
  }

  var inFlight = false;
  function poll() {
    state.pollTimer = 0;
    if (!state.polling || !state.tip) return;
    if (inFlight) { pollSoon(POLL_MS); return; }
    if (Date.now() - state.pollStarted > POLL_GIVE_UP_MS) {
      stopPolling();
      showError({ status: 'failed', error: { message: 'No answer from your wallet for a long time. Check your wallet\'s activity before trying again.' } });
      return;
    }
    inFlight = true;
    var id = state.tip.id;
    var code = 0;
    fetch(statusUrl(), { headers: { Accept: 'application/json' }, cache: 'no-store', credentials: 'same-origin' })
      .then(function (r) { code = r.status; return r.json().catch(function () { return null; }); })
      .then(function (s) {
        inFlight = false;
        if (!state.tip || state.tip.id !== id || !state.polling) return;
        if (code === 404) {
          stopPolling();
          showError({ status: 'failed', error: { message: 'This tip is no longer known to the server. Start again.' } });
          return;
        }
        if (code !== 200 || !s) { showAlert(el.waitError, 'Checking the payment… (connection problem, retrying)'); pollSoon(POLL_MS); return; }
        showAlert(el.waitError, '');
        onStatus(s);
      })
      .catch(function () {
        inFlight = false;
        showAlert(el.waitError, 'Checking the payment… (connection problem, retrying)');
        pollSoon(POLL_MS);
      });
  }

  function onStatus(s) {
    var st = String(s.status || '');
    if (st === 'completed') { stopPolling(); showDone(s); return; }
    if (FINAL[st]) { stopPolling(); showError(s); return; }
    if (st === 'processing') {
      if (el.waitTitle.textContent !== 'Sending your tip…') {
        el.waitTitle.textContent = 'Sending your tip…';
        el.waitText.textContent = 'You approved the payment. Waiting until the streamer\'s wallet confirms it arrived.';
        el.popupBlocked.hidden = true;
        say('Approved. Sending your tip.');
      }
    }
    pollSoon(POLL_MS);
  }

  // The callback page (same origin as this panel) tells us as soon as the wallet returns.
  // The message only triggers a status check: the server's answer is what counts.
  window.addEventListener('message', function (ev) {
    if (ev.origin !== location.origin) return;
    var d = ev.data;
    if (!d || typeof d !== 'object' || d.type !== 'owncast-wm:tip') return;
    if (!state.tip || d.id !== state.tip.id || !state.polling) return;
    pollSoon(0);
  });

  // ---------- steps 4 and 5 ----------

  function amountsText(s) {
    var a = s && s.amounts;
    var recv = a && (a.receiveAmount || a.receivedAmount || a.received || a.receive);
    var t = formatAmountObj(recv);
    if (!t && state.tip && state.tip.quote) t = formatAmountObj(state.tip.quote.receiveAmount);
    return t;
  }

  function showDone(s) {
    var amt = amountsText(s);
    // Chat is promised only when the sidecar queued the announcement.
    el.doneText.textContent = (amt ? amt + ' reached the streamer.' : 'Your tip reached the streamer.') +
      (s && s.announcement === 'queued' ? ' It will show up in chat in a moment.' : '');
    closePopup();
    showStep('done', 'done-title');
    say('Tip sent. ' + el.doneText.textContent);
  }

  var STATUS_TEXT = {
    denied: 'You declined the payment in your wallet, so nothing was sent.',
    expired: 'The price expired before the payment was approved. Press "Try again" to get a new quote.',
    failed: 'The payment failed.',
    cancelled: 'This tip was cancelled. Nothing was sent.'
  };

  var CODE_HINT = {
    insufficient_funds: 'Your wallet does not have enough funds for this tip. Top it up or pick a smaller amount.',
    quote_expired: 'The price expired before the payment was approved. Press "Try again" to get a new quote.',
    wallet_unreachable: 'Your wallet could not be reached. Check the address or try again later.'
  };

  function showError(s) {
    var st = String(s.status || 'failed');
    var err = s.error && typeof s.error === 'object' ? s.error : {};
    var text;
    if (st === 'denied' || st === 'expired' || st === 'cancelled') text = STATUS_TEXT[st];  // already precise; no money moved
    else if (err.message) text = String(err.message);  // written for people by the server
    else text = CODE_HINT[err.code] || STATUS_TEXT.failed + ' Check your wallet\'s activity, then try again.';
    el.errorText.textContent = text;
    el.errorNote.textContent = st === 'denied' || st === 'expired' || st === 'cancelled' ? 'No money was taken from your wallet.' : '';
    el.errorNote.hidden = !el.errorNote.textContent;
    document.body.setAttribute('data-result', st);
    closePopup();
    showStep('error', 'error-title');
    say('The tip was not sent. ' + text);
  }

  function closePopup() {
    try { if (state.popup && !state.popup.closed) state.popup.close(); } catch (e) { /* cross-origin */ }
    state.popup = null;
  }

  function reset(keepValues) {
    stopPolling();
    stopCountdown();
    el.qRequote.textContent = '';
    closePopup();
    state.tip = null;
    state.lastBody = '';
    document.body.removeAttribute('data-result');
    el.waitTitle.textContent = 'Approve the payment in your wallet';
    showAlert(el.formError, '');
    showAlert(el.waitError, '');
    if (!keepValues) {
      selectTier(null);
      state.tierId = null;
      el.amount.value = '';
      el.message.value = '';
      el.anonymous.checked = false;
      el.name.disabled = false;
      updateCounter();
    }
    showStep('form', 'title');
  }

  // ---------- wiring ----------

  function updateCounter() {
    var n = codePoints(el.message.value.trim());
    el.messageCount.textContent = n + ' / ' + MESSAGE_MAX;
    el.messageCount.classList.toggle('over', n > MESSAGE_MAX);
    if (n <= MESSAGE_MAX && !el.messageError.hidden) setFieldError(el.message, el.messageError, '');
  }

  el.form.addEventListener('submit', submitTip);
  el.amount.addEventListener('input', function () {
    if (el.amount.value.trim() !== '' && state.tierId !== null) selectTier(state.tierId); // deselect
    if (!el.amountError.hidden) setFieldError(el.amount, el.amountError, '');
  });
  // Fields are checked on submit, not on blur: an error appearing on blur shifts the layout
  // under the pointer and swallows the click on "Review tip".
  el.wallet.addEventListener('input', function () { if (!el.walletError.hidden) setFieldError(el.wallet, el.walletError, ''); });
  el.message.addEventListener('input', updateCounter);
  el.forget.addEventListener('click', forgetWallet);
  el.anonymous.addEventListener('change', function () { el.name.disabled = el.anonymous.checked; });
  el.approve.addEventListener('click', approve);
  el.back.addEventListener('click', function () { reset(true); el.review.focus(); });
  el.again.addEventListener('click', function () { reset(false); });
  el.again2.addEventListener('click', function () { reset(false); });
  el.retry.addEventListener('click', function () { reset(true); el.review.focus(); });
  el.openTab.addEventListener('click', function () {
    // The tab has no opener (noopener): polling notices the outcome.
    if (!state.polling && state.tip) startPolling();
  });
  document.addEventListener('visibilitychange', function () {
    if (document.visibilityState === 'visible' && state.polling) pollSoon(0);
  });

  // Initial values: the remembered wallet; Owncast's ?username= as a name hint only.
  el.wallet.value = storageGet(WALLET_KEY);
  var names = params.getAll('username');
  var hint = names.length ? names[names.length - 1] : '';
  if (hint) el.name.value = Array.from(hint.trim()).slice(0, NAME_MAX).join('');
  updateCounter();
  document.body.setAttribute('data-state', 'form');

  showRemembered();

  loadStreamTitle();
  Promise.all([loadTiers(), restoreViewer(), loadConfig(), loadGoal()]).then(function () { document.body.setAttribute('data-ready', 'true'); });

  // For tests and debugging (no effect on behaviour).
  window.owncastWmTip = { parseAmount: parseAmount, formatAmount: formatAmount, normalizeWallet: normalizeWallet };
  // What support.js ("Support while you watch", loaded after this file) shares with the tip flow.
  window.owncastWmPanel = {
    api: api, say: say, showStep: showStep, setFieldError: setFieldError, showAlert: showAlert, randomKey: randomKey,
    normalizeWallet: normalizeWallet, formatAmountObj: formatAmountObj, errorInfo: errorInfo, safeUrl: safeUrl,
    tabGet: tabGet, tabSet: tabSet, tabRemove: tabRemove, rememberViewer: rememberViewer, codePoints: codePoints,
    owncastUserId: owncastUserId, NAME_MAX: NAME_MAX, setSymbols: function (on) { useSymbols = !!on; }
  };
})();

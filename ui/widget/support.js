// owncast-wm tip panel: "Support while you watch" (streaming support, lib/support). Loaded after
// tip-panel.js, whose helpers it uses (window.owncastWmPanel). No framework, no inline code.
//
// Flow: rate preset + wallet -> POST /plugins/wm/support (Idempotency-Key) -> review (the hourly
// cap in the viewer's currency, from the sidecar's quote) -> the wallet's consent page (popup, or a
// tab when blocked) -> the running session: heartbeats (Bearer control token) every HEARTBEAT_MS
// only while document.visibilityState is 'visible', status, paid so far, Stop (DELETE).
// The control token is kept in memory, in sessionStorage and in the sidecar's partitioned cookie
// wm_support (see fromCookie), so a reload of this tab, or the panel opened again, can still show
// and stop the session.
(function () {
  'use strict';

  var P = window.owncastWmPanel;
  if (!P) return;
  var HEARTBEAT_MS = 10000;  // the sidecar counts a heartbeat for 30 s; the contract is <= 15 s
  var POLL_MS = 1500;        // while waiting for the wallet's approval
  var KEY = 'owncast-wm:support';
  var FINAL = { stopped: 1, denied: 1, failed: 1, expired: 1 };

  var $ = function (id) { return document.getElementById(id); };
  var el = {
    offer: $('support-offer'), open: $('support-open'), offerText: $('support-offer-text'),
    form: $('support-form'), rates: $('support-rates'), currency: $('support-currency'),
    wallet: $('s-wallet'), walletError: $('s-wallet-error'), name: $('s-name'), nameError: $('s-name-error'),
    anonymous: $('s-anonymous'), formError: $('support-form-error'), cont: $('support-continue'), cancel: $('support-cancel'),
    srRate: $('sr-rate'), srCap: $('sr-cap'), srName: $('sr-name'), srError: $('sr-error'),
    approve: $('support-approve'), change: $('support-change'),
    status: $('sl-status'), blocked: $('sl-blocked'), openTab: $('sl-open-tab'), rate: $('sl-rate'), paid: $('sl-paid'),
    pending: $('sl-pending'), error: $('sl-error'), stop: $('support-stop'), back: $('support-back')
  };

  var presets = [];      // [{id, rate:{value,assetCode,assetScale}, display}] from GET /widget/config
  var created = null;    // the 201 answer of POST /support (id, consentUrl, controlToken, rate, periodLimit)
  var sess = null;       // {id, token}: the session this tab controls
  var last = null;       // the last status answer
  var lastBody = '', lastKey = '';
  var hbTimer = 0, pollTimer = 0, hbCount = 0;
  var popup = null;

  // ---------- presets ----------

  function loadPresets() {
    return fetch(P.api('widget/config'), { headers: { Accept: 'application/json' }, cache: 'no-store' })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (c) {
        var list = c && Array.isArray(c.supportPresets) ? c.supportPresets : [];
        presets = list.filter(function (p) { return p && p.id && p.rate && /^\d+$/.test(String(p.rate.value)); });
        renderPresets(c && c.supportDefault);
        el.offer.hidden = presets.length === 0 && !sess;
      })
      .catch(function () { /* optional: the offer stays hidden */ });
  }

  function renderPresets(preferred) {
    el.rates.textContent = '';
    var chosen = presets.some(function (p) { return p.id === preferred; }) ? preferred : (presets[0] || {}).id;
    presets.forEach(function (p) {
      var label = document.createElement('label');
      label.className = 'support-rate';
      var input = document.createElement('input');
      input.type = 'radio';
      input.name = 'support-rate';
      input.value = p.id;
      input.checked = p.id === chosen;
      var text = document.createElement('span');
      text.textContent = (p.display || P.formatAmountObj(p.rate)) + ' per hour';
      label.appendChild(input);
      label.appendChild(text);
      el.rates.appendChild(label);
    });
    el.currency.textContent = presets.length ? '(' + presets[0].rate.assetCode + ', the streamer\'s currency)' : '';
  }

  function presetById(id) {
    for (var i = 0; i < presets.length; i++) if (presets[i].id === id) return presets[i];
    return null;
  }

  // ---------- the stored session (this tab) ----------

  function save() { if (sess) P.tabSet(KEY, JSON.stringify(sess)); }
  function forget() {
    P.tabRemove(KEY);
    try { document.cookie = 'wm_support=; Max-Age=0; Path=/plugins/wm; Secure; SameSite=None; Partitioned'; } catch (e) { /* ignore */ }
  }
  // The sidecar sets the partitioned cookie wm_support=<id>.<token> when a session is created:
  // Owncast's frame is third-party, where browsers deny sessionStorage, and its modal is destroyed
  // on close, so the cookie is what a reloaded or reopened panel finds its session by.
  function fromCookie() {
    try {
      var m = /(?:^|;\s*)wm_support=([A-Za-z0-9_-]{1,64})\.([A-Za-z0-9_-]{16,128})/.exec(document.cookie || '');
      return m ? { id: m[1], token: m[2] } : null;
    } catch (e) { return null; }
  }
  function restore() {
    var raw = P.tabGet(KEY);
    if (!raw) return fromCookie();
    try {
      var s = JSON.parse(raw);
      return s && /^[A-Za-z0-9_-]{1,64}$/.test(s.id) && typeof s.token === 'string' && s.token ? s : fromCookie();
    } catch (e) { return fromCookie(); }
  }

  function url(suffix) { return P.api('support/' + encodeURIComponent(sess.id) + (suffix || '')); }
  function auth() { return { Authorization: 'Bearer ' + sess.token, Accept: 'application/json' }; }

  // ---------- step 1: the form ----------

  function openForm() {
    if (sess && last && !FINAL[last.status]) { showLive(); return; }
    var tipWallet = $('wallet'), tipName = $('name');
    if (!el.wallet.value && tipWallet) el.wallet.value = tipWallet.value;
    if (!el.name.value && tipName) el.name.value = tipName.value;
    P.showAlert(el.formError, '');
    P.showStep('support', 'support-title');
  }

  function validate() {
    var body = {};
    var checked = el.rates.querySelector('input:checked');
    if (!checked) { P.showAlert(el.formError, 'Pick an hourly rate.'); return null; }
    body.presetId = checked.value;
    var w = P.normalizeWallet(el.wallet.value);
    P.setFieldError(el.wallet, el.walletError, w.error || '');
    if (w.error) { el.wallet.focus(); P.say('Please fix the highlighted fields.'); return null; }
    body.senderWalletAddress = w.value;
    var name = el.name.value.trim();
    var nameErr = P.codePoints(name) > P.NAME_MAX ? 'Use at most ' + P.NAME_MAX + ' characters for your name.' : '';
    P.setFieldError(el.name, el.nameError, nameErr);
    if (nameErr) { el.name.focus(); return null; }
    if (el.anonymous.checked) body.anonymous = true;
    else if (name) body.displayName = name;
    if (P.owncastUserId) body.owncastUserId = P.owncastUserId;
    return body;
  }

  function submit(ev) {
    if (ev) ev.preventDefault();
    P.showAlert(el.formError, '');
    var body = validate();
    if (!body) return;
    var json = JSON.stringify(body);
    if (json !== lastBody) { lastBody = json; lastKey = P.randomKey(); }  // a retry keeps its key
    el.cont.disabled = true;
    el.cont.textContent = 'Asking your wallet…';
    P.say('Asking your wallet for a quote…');
    var status = 0;
    fetch(P.api('support'), {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json', 'Idempotency-Key': lastKey },
      body: json, credentials: 'same-origin', cache: 'no-store'
    })
      .then(function (r) { status = r.status; return r.json().catch(function () { return null; }); })
      .then(function (d) {
        if ((status === 201 || status === 200) && d && d.id && d.consentUrl) {
          // A replay (200) never shows the token again: only the first answer's token controls it.
          if (d.controlToken) sess = { id: d.id, token: d.controlToken };
          if (!sess || sess.id !== d.id) throw new Error('no control token');
          save();
          created = d;
          P.rememberViewer(body.senderWalletAddress, body.displayName || '');
          showReview(body);
          return;
        }
        var info = P.errorInfo(status, d, '');
        if (/wallet|sender|address/.test(info.code) && status < 500) {
          P.setFieldError(el.wallet, el.walletError, info.message);
          el.wallet.focus();
        } else {
          P.showAlert(el.formError, info.message);
        }
        P.say(info.message);
      })
      .catch(function () {
        var m = 'Could not reach the server. Check your connection and press Continue again.';
        P.showAlert(el.formError, m);
        P.say(m);
      })
      .then(function () {
        el.cont.disabled = false;
        el.cont.textContent = 'Continue';
      });
  }

  // ---------- step 2: review ----------

  function showReview(body) {
    var p = presetById(body.presetId);
    el.srRate.textContent = (P.formatAmountObj(created.rate) || (p && p.display) || '') + ' per hour';
    // The cap is the wallet's quote for one hour, in the viewer's currency.
    el.srCap.textContent = created.periodLimit ? P.formatAmountObj(created.periodLimit) + ' per hour' : '—';
    el.srName.textContent = body.anonymous ? 'Anonymous' : (body.displayName || 'No name');
    P.showAlert(el.srError, '');
    P.showStep('support-review', 'sr-title');
    P.say('The streamer receives ' + el.srRate.textContent + '; your wallet pays at most ' + el.srCap.textContent + '.');
  }

  // "Change": the session awaiting approval is ended (nothing was approved, nothing paid).
  function change() {
    if (sess) stopOnServer();
    endLocal();
    lastBody = '';
    P.showStep('support', 'support-title');
  }

  function approve() {
    var link = created && P.safeUrl(created.consentUrl);
    if (!link) { P.showAlert(el.srError, 'The wallet returned an unusable approval link. Try again or use another wallet.'); return; }
    el.openTab.href = link;
    var w = null;
    try { w = window.open(link, 'owncast-wm-support', 'popup,width=480,height=720'); } catch (e) { w = null; }
    popup = w;
    el.blocked.hidden = !!w;
    showLive();
    setStatus(w ? 'Approve the hourly cap in the wallet window that opened.'
      : 'Your browser blocked the wallet window: open your wallet with the link below and approve there.');
    if (!w) el.openTab.focus();
    startPolling();
    startHeartbeats();
  }

  // ---------- step 3: the running session ----------

  function showLive() {
    el.stop.hidden = false;
    P.showStep('support-live', 'sl-title');
    if (last) render(last);
  }

  function setStatus(text) {
    if (el.status.textContent !== text) { el.status.textContent = text; }
  }

  var STATUS_TEXT = {
    awaiting_consent: 'Waiting for your approval in the wallet.',
    active: 'Active: you support the stream while you watch. Stop any time.',
    paused: 'Paused: payments resume while the stream is live and this panel is open.',
    limit_reached: 'This hour\'s cap is used up. Payments resume next hour.',
    stopped: 'Stopped. Nothing more will be paid.',
    denied: 'You declined in your wallet. Nothing was paid.',
    expired: 'This support session has ended. Start again to keep supporting.',
    failed: 'The support session failed. Nothing more will be paid.'
  };

  function render(s) {
    var st = String(s.status || '');
    document.body.setAttribute('data-support', st);
    el.rate.textContent = s.rate ? P.formatAmountObj(s.rate) + ' per hour' : '—';
    el.paid.textContent = P.formatAmountObj(s.paid) || '—';
    var pend = s.pendingAmount && String(s.pendingAmount.value) !== '0' ? P.formatAmountObj(s.pendingAmount) : '';
    el.pending.textContent = pend ? pend + (s.pendingReason ? ' (your wallet could not send it yet; it is added to the next payment)' : '') : 'Nothing';
    var text = STATUS_TEXT[st] || st;
    if (st === 'failed' && s.error && s.error.message) text = String(s.error.message);
    setStatus(text);
    if (st !== 'awaiting_consent') el.blocked.hidden = true;
    el.stop.hidden = !!FINAL[st];
    el.offerText.textContent = FINAL[st] || !sess
      ? 'Pay a small amount per hour, only while you watch the live stream. Your wallet caps it, and you can stop any time.'
      : 'You are supporting this stream: ' + text;
    el.open.textContent = FINAL[st] || !sess ? 'Choose an hourly rate' : 'Show my support';
  }

  function onStatus(s) {
    var before = last && last.status;
    last = s;
    render(s);
    if (before !== s.status) P.say(el.status.textContent);
    if (s.status !== 'awaiting_consent') { stopPolling(); closePopup(); }
    if (FINAL[s.status]) endLocal();
  }

  function refresh() {
    if (!sess) return Promise.resolve();
    var id = sess.id;
    return fetch(url(''), { headers: { Accept: 'application/json' }, cache: 'no-store' })
      .then(function (r) { return r.status === 404 ? { status: 'expired' } : r.ok ? r.json() : null; })
      .then(function (s) { if (s && sess && sess.id === id) onStatus(s); })
      .catch(function () { /* the next heartbeat tries again */ });
  }

  // Heartbeats: only while the page is visible; a hidden tab is not watching.
  function startHeartbeats() {
    stopHeartbeats();
    if (!sess || document.visibilityState !== 'visible') return;
    beat();
    hbTimer = window.setInterval(function () {
      if (document.visibilityState === 'visible') beat();
      else stopHeartbeats();
    }, HEARTBEAT_MS);
  }

  function stopHeartbeats() {
    if (hbTimer) window.clearInterval(hbTimer);
    hbTimer = 0;
  }

  function beat() {
    if (!sess || document.visibilityState !== 'visible') return;
    var id = sess.id;
    hbCount++;
    fetch(url('/heartbeat'), { method: 'POST', headers: auth(), cache: 'no-store', keepalive: true })
      .then(function (r) {
        if (!sess || sess.id !== id) return;
        if (r.status === 404) { onStatus({ status: 'expired' }); return; }
        P.showAlert(el.error, r.ok ? '' : 'Connection problem: retrying.');
        return refresh();
      })
      .catch(function () { P.showAlert(el.error, 'Connection problem: retrying.'); });
  }

  function startPolling() {
    stopPolling();
    pollTimer = window.setInterval(refresh, POLL_MS);
  }
  function stopPolling() {
    if (pollTimer) window.clearInterval(pollTimer);
    pollTimer = 0;
  }
  function closePopup() {
    try { if (popup && !popup.closed) popup.close(); } catch (e) { /* cross-origin */ }
    popup = null;
  }

  function stopOnServer() {
    return fetch(url(''), { method: 'DELETE', headers: auth(), cache: 'no-store' })
      .then(function (r) { return r.ok ? r.json() : (r.status === 404 ? { status: 'stopped' } : null); });
  }

  // The session is over here: no heartbeats, no token kept.
  function endLocal() {
    stopHeartbeats();
    stopPolling();
    closePopup();
    sess = null;
    forget();
  }

  function stop() {
    if (!sess) return;
    el.stop.disabled = true;
    P.showAlert(el.error, '');
    stopOnServer()
      .then(function (s) {
        if (!s) throw new Error('refused');
        onStatus(s);
        el.back.focus();
      })
      .catch(function () { P.showAlert(el.error, 'Could not stop right now. Try again; payments also stop within a minute once you close this panel.'); })
      .then(function () { el.stop.disabled = false; });
  }

  // ---------- wiring ----------

  document.addEventListener('visibilitychange', function () {
    if (document.visibilityState === 'visible') startHeartbeats();
    else stopHeartbeats();
  });
  // The callback page (same origin) tells us when the wallet returns: check the status now.
  window.addEventListener('message', function (ev) {
    if (ev.origin !== location.origin) return;
    var d = ev.data;
    if (d && typeof d === 'object' && d.type === 'owncast-wm:support' && sess && d.id === sess.id) refresh();
  });
  el.open.addEventListener('click', openForm);
  el.form.addEventListener('submit', submit);
  el.cancel.addEventListener('click', function () { P.showStep('form', 'title'); el.open.focus(); });
  el.change.addEventListener('click', change);
  el.approve.addEventListener('click', approve);
  el.openTab.addEventListener('click', function () { if (!pollTimer && sess) startPolling(); });
  el.stop.addEventListener('click', stop);
  el.back.addEventListener('click', function () { P.showStep('form', 'title'); el.open.focus(); });
  el.anonymous.addEventListener('change', function () { el.name.disabled = el.anonymous.checked; });
  el.wallet.addEventListener('input', function () { if (!el.walletError.hidden) P.setFieldError(el.wallet, el.walletError, ''); });

  // A session this tab started before a reload: show it and keep it running.
  sess = restore();
  loadPresets().then(function () {
    if (!sess) return;
    refresh().then(function () {
      if (!sess || !last) return;
      showLive();
      if (last.status === 'awaiting_consent') startPolling();
      startHeartbeats();
    });
  });

  // For tests and debugging (no effect on behaviour unless called).
  window.owncastWmSupport = {
    heartbeats: function () { return hbCount; },
    setHeartbeatMs: function (ms) { HEARTBEAT_MS = Math.max(200, Math.min(15000, Number(ms) || 10000)); if (hbTimer) startHeartbeats(); }
  };
})();

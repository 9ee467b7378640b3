// The wallet's return page (GET /plugins/wm/tips/{id}/callback). Opened as the widget's popup,
// the page's own inline script tells the widget and closes it. Opened in a tab of its own (the
// popup was blocked, so the viewer used "Open your wallet in a new tab"), nobody else would tell
// the viewer how it ended: this script follows the tip until it is final and says so here.
(function () {
  'use strict';
  var FINAL = { completed: 1, denied: 1, failed: 1, expired: 1, cancelled: 1 };
  var POLL_MS = 1000;
  var GIVE_UP_MS = 5 * 60 * 1000;
  var status = document.getElementById('status');
  var detail = document.getElementById('detail');
  if (!status || window.opener) return;
  var id = status.getAttribute('data-id') || '';
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(id)) return;
  var url = new URL('../' + encodeURIComponent(id), location.href).href;
  var started = Date.now();

  function amountText(a) {
    if (!a || typeof a !== 'object' || !/^\d+$/.test(String(a.value))) return '';
    var v = String(a.value).replace(/^0+/, '') || '0';
    var scale = Number(a.assetScale) || 0;
    if (scale > 0) {
      while (v.length <= scale) v = '0' + v;
      v = v.slice(0, v.length - scale) + '.' + v.slice(v.length - scale);
    }
    return v + (a.assetCode ? ' ' + a.assetCode : '');
  }

  function finalText(s) {
    var st = String(s.status);
    var err = s.error && typeof s.error === 'object' ? s.error : {};
    if (st === 'completed') {
      var amt = amountText(s.amounts && s.amounts.receiveAmount) || amountText(s.amount);
      return 'Thank you! ' + (amt ? 'Your tip of ' + amt + ' reached the streamer.' : 'Your tip reached the streamer.') +
        (s.announcement === 'queued' ? ' It will show in chat in a moment.' : '');
    }
    if (st === 'denied') return 'The tip was not approved. Nothing was sent.';
    if (st === 'expired') return 'The price expired before the tip was sent. Nothing was sent; please try again.';
    if (st === 'cancelled') return 'This tip was cancelled. Nothing was sent.';
    return err.message ? String(err.message) : 'The tip could not be sent. Check your wallet\'s activity before you try again.';
  }

  function show(s) {
    var st = String(s.status || '');
    status.setAttribute('data-status', st);
    if (FINAL[st]) {
      status.textContent = finalText(s);
      detail.hidden = true;
      document.title = st === 'completed' ? 'Tip sent' : 'Tip not sent';
      return true;
    }
    if (st === 'processing') status.textContent = 'Approved. Your tip is being sent\u2026';
    return false;
  }

  function poll() {
    if (Date.now() - started > GIVE_UP_MS) return;
    fetch(url, { headers: { Accept: 'application/json' }, cache: 'no-store', credentials: 'same-origin' })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (s) { if (!s || !show(s)) window.setTimeout(poll, POLL_MS); })
      .catch(function () { window.setTimeout(poll, POLL_MS); });
  }

  if (!FINAL[status.getAttribute('data-status')] || status.getAttribute('data-status') === 'completed') poll();
})();

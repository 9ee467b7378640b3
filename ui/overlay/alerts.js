// Alert overlay: one alert at a time from a queue, entrance and exit animations, the
// streamer's template, variations by amount (chosen by the server with integer amounts: the
// page never does money arithmetic), optional built-in sounds and speech.
// Resuming without replays: the browser's own reconnect sends Last-Event-ID (the last event
// received; unshown ones are still in the queue). A reload, or a new EventSource after the
// server refused one (503 at the client cap, which ends the browser's retries), sends
// ?lastEventId= with the last event SHOWN, kept in sessionStorage (it survives a reload of the
// browser source, not a new browser), so what was missed comes and what was shown does not.
'use strict';
(function () {
  const key = new URLSearchParams(location.search).get('key') || '';
  const stage = document.getElementById('stage');
  const queue = [];
  const seen = new Set();
  const LAST = 'wm.alerts.lastShown';
  let settings = { style: {}, variations: [] };
  let current = null; // { el, timer, leaving }
  let lastReceived = 0; // highest event id received on any stream of this page
  let retryMs = 2000;
  window.wmAlerts = { shown: [], queue, connected: false };

  function lastShown() {
    try { return Number(sessionStorage.getItem(LAST)) || 0; } catch (e) { return 0; }
  }
  function remember(seq) {
    if (!(seq > lastShown())) return;
    try { sessionStorage.setItem(LAST, String(seq)); } catch (e) { /* storage off: reloads start live */ }
  }

  function styleFor(alert) {
    const v = settings.variations.find((x) => x.name === alert.variation);
    return Object.assign({}, settings.style || {}, (v && v.style) || {});
  }

  function textOf(template, alert) {
    const el = document.createElement('div');
    el.className = 'title';
    const parts = String(template || '{name} tipped {amount}').split(/(\{name\}|\{amount\})/);
    for (const p of parts) {
      if (p === '{name}' || p === '{amount}') {
        const s = document.createElement('span');
        s.className = p === '{name}' ? 'name' : 'amount';
        s.textContent = p === '{name}' ? alert.name : alert.display;
        el.appendChild(s);
      } else if (p) el.appendChild(document.createTextNode(p));
    }
    return el;
  }

  // Built-in sounds, synthesised: no files to load.
  function beep(kind, volume) {
    try {
      const ctx = new (window.AudioContext || window.webkitAudioContext)();
      const notes = kind === 'fanfare' ? [523, 659, 784, 1047] : kind === 'chime' ? [880, 1320] : [];
      notes.forEach((f, i) => {
        const o = ctx.createOscillator();
        const g = ctx.createGain();
        o.frequency.value = f;
        g.gain.value = Math.max(0, Math.min(1, volume));
        o.connect(g).connect(ctx.destination);
        o.start(ctx.currentTime + i * 0.15);
        o.stop(ctx.currentTime + i * 0.15 + 0.14);
      });
    } catch (e) { /* no audio: quietly none */ }
  }

  // A built-in tone, else an uploaded sound's id (GET /plugins/wm/overlay/sounds/{id}).
  function play(sound, volume) {
    if (sound === 'chime' || sound === 'fanfare') return beep(sound, volume);
    try {
      const a = new Audio('/plugins/wm/overlay/sounds/' + encodeURIComponent(sound) + '?key=' + encodeURIComponent(key));
      a.volume = Math.max(0, Math.min(1, Number(volume) || 0));
      const p = a.play();
      if (p && p.catch) p.catch(() => {}); // autoplay refused or unknown id: quietly none
      window.wmAlerts.played = (window.wmAlerts.played || 0) + 1;
    } catch (e) { /* no audio */ }
  }

  function speak(text) {
    try {
      if (!('speechSynthesis' in window) || !text) return;
      window.speechSynthesis.speak(new SpeechSynthesisUtterance(text));
    } catch (e) { /* unavailable: skipped */ }
  }

  function show(alert) {
    const style = styleFor(alert);
    const el = document.createElement('div');
    el.className = 'alert' + (alert.kind === 'follow' ? ' follow' : '') + (alert.variation ? ' ' + alert.variation : '');
    el.dataset.id = alert.id;
    el.dataset.variation = alert.variation || '';
    if (style.emoji) {
      const e = document.createElement('div');
      e.className = 'emoji';
      e.textContent = style.emoji;
      el.appendChild(e);
    }
    if (alert.kind === 'follow') {
      const t = document.createElement('div');
      t.className = 'title';
      t.textContent = (alert.name || 'Someone') + ' followed';
      el.appendChild(t);
    } else {
      el.appendChild(textOf(style.template, alert));
      if (alert.message && !style.hideMessage) {
        const m = document.createElement('div');
        m.className = 'message';
        m.textContent = alert.message;
        el.appendChild(m);
      }
    }
    stage.appendChild(el);
    if (!alert.replay) remember(Number(alert.seq) || 0);
    window.wmAlerts.shown.push({ id: alert.id, variation: alert.variation || '', at: Date.now() });
    if (style.sound && style.sound !== 'none') play(style.sound, style.volume === undefined ? 0.5 : style.volume);
    if (alert.speak) speak(alert.message);
    const duration = Math.max(1000, Math.min(60000, Number(style.durationMs) || 6000));
    current = { el, timer: setTimeout(finish, duration), leaving: false };
  }

  // Ends the alert on screen (its time is up, or alert.skip). Once it is leaving, a second
  // call does nothing: the next alert enters only after this one is gone.
  function finish() {
    if (!current || current.leaving) return;
    const shown = current;
    clearTimeout(shown.timer);
    shown.leaving = true;
    shown.el.classList.add('leaving');
    setTimeout(() => {
      shown.el.remove();
      if (current === shown) current = null;
      next();
    }, 500);
  }

  function next() {
    if (current || queue.length === 0) return;
    show(queue.shift());
  }

  function enqueue(alert, replay) {
    if (!replay) {
      if (seen.has(alert.id)) return; // shown already (a replay comes as alert.replay)
      seen.add(alert.id);
    }
    queue.push(alert);
    next();
  }

  function received(ev) {
    const id = Number(ev.lastEventId) || 0;
    if (id > lastReceived) lastReceived = id;
  }

  function connect() {
    const after = lastReceived || lastShown();
    const es = new EventSource('/plugins/wm/overlay/events?key=' + encodeURIComponent(key) +
      (after ? '&lastEventId=' + after : ''));
    es.onopen = () => { window.wmAlerts.connected = true; retryMs = 2000; };
    es.onerror = () => {
      window.wmAlerts.connected = false;
      // CONNECTING: the browser retries by itself. CLOSED (an error status such as 503 at the
      // client cap): it never will, so a new stream is opened after a growing pause.
      if (es.readyState !== EventSource.CLOSED) return;
      setTimeout(connect, retryMs);
      retryMs = Math.min(30000, retryMs * 2);
    };
    const on = (name, kind, replay) => es.addEventListener(name, (ev) => {
      received(ev);
      enqueue(Object.assign({ kind }, JSON.parse(ev.data), replay ? { replay: true } : {}), replay);
    });
    on('tip', 'tip', false);
    on('follow', 'follow', false);
    on('alert.replay', 'tip', true);
    es.addEventListener('stream', received);
    es.addEventListener('alert.skip', () => finish());
    window.wmAlerts.source = es;
  }

  fetch('/plugins/wm/overlay/config?key=' + encodeURIComponent(key))
    .then((r) => (r.ok ? r.json() : null))
    .then((s) => { if (s) settings = s; })
    .catch(() => {})
    .finally(connect);
})();

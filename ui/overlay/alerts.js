// Alert overlay: one alert at a time from a queue, entrance and exit animations, the
// streamer's template, variations by amount (chosen by the server with integer amounts: the
// page never does money arithmetic), optional built-in sounds and speech. Reconnects resume
// after the last event shown (the browser's Last-Event-ID), so nothing is shown twice.
'use strict';
(function () {
  const key = new URLSearchParams(location.search).get('key') || '';
  const stage = document.getElementById('stage');
  const queue = [];
  const seen = new Set();
  let settings = { style: {}, variations: [] };
  let current = null; // { el, timer, done }
  window.wmAlerts = { shown: [], queue, connected: false };

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
    window.wmAlerts.shown.push({ id: alert.id, variation: alert.variation || '', at: Date.now() });
    if (style.sound && style.sound !== 'none') beep(style.sound, style.volume === undefined ? 0.5 : style.volume);
    if (alert.speak) speak(alert.message);
    const duration = Math.max(1000, Math.min(60000, Number(style.durationMs) || 6000));
    current = { el, timer: setTimeout(finish, duration) };
  }

  function finish() {
    if (!current) return;
    const { el, timer } = current;
    clearTimeout(timer);
    el.classList.add('leaving');
    setTimeout(() => { el.remove(); current = null; next(); }, 500);
    current.timer = null;
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

  function connect() {
    const es = new EventSource('/plugins/wm/overlay/events?key=' + encodeURIComponent(key));
    es.onopen = () => { window.wmAlerts.connected = true; };
    es.onerror = () => { window.wmAlerts.connected = false; };
    es.addEventListener('tip', (ev) => enqueue(Object.assign({ kind: 'tip' }, JSON.parse(ev.data)), false));
    es.addEventListener('follow', (ev) => enqueue(Object.assign({ kind: 'follow' }, JSON.parse(ev.data)), false));
    es.addEventListener('alert.replay', (ev) => enqueue(Object.assign({ kind: 'tip' }, JSON.parse(ev.data)), true));
    es.addEventListener('alert.skip', () => finish());
    window.wmAlerts.source = es;
  }

  fetch('/plugins/wm/overlay/config?key=' + encodeURIComponent(key))
    .then((r) => (r.ok ? r.json() : null))
    .then((s) => { if (s) settings = s; })
    .catch(() => {})
    .finally(connect);
})();

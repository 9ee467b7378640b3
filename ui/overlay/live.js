// Shared by the goal, recent and top overlays: the overlay key from the URL and one SSE
// connection (/plugins/wm/overlay/events) that reconnects by itself.
'use strict';
window.wmLive = (function () {
  const key = new URLSearchParams(location.search).get('key') || '';
  const state = { key, connected: false };
  function el(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }
  async function getJson(path) {
    const res = await fetch(path, { cache: 'no-store' });
    if (!res.ok) throw new Error('HTTP ' + res.status);
    return res.json();
  }
  function listen(handlers) {
    const es = new EventSource('/plugins/wm/overlay/events?key=' + encodeURIComponent(key));
    es.onopen = () => { state.connected = true; if (handlers.open) handlers.open(); };
    es.onerror = () => { state.connected = false; };
    for (const name of Object.keys(handlers)) {
      if (name !== 'open') es.addEventListener(name, (ev) => handlers[name](JSON.parse(ev.data)));
    }
    return es;
  }
  return { state, el, getJson, listen };
})();

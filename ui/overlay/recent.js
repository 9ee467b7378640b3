// Recent-tips overlay: a ticker of the newest completed tips ("name amount"), updated live by
// `tip` events (test alerts are not tips and are left out).
'use strict';
(function () {
  const { el, getJson, listen, state } = window.wmLive;
  const root = document.getElementById('root');
  const path = '/plugins/wm/overlay/recent/data?key=' + encodeURIComponent(state.key);
  window.wmRecent = { tips: [], live: state };

  function render(tips) {
    window.wmRecent.tips = tips;
    root.textContent = '';
    if (!tips.length) return;
    const box = el('div', 'panel');
    const row = el('div', 'ticker');
    for (const t of tips) {
      const item = el('span', 'item');
      item.appendChild(el('span', 'name', t.name));
      item.appendChild(document.createTextNode(' ' + t.display));
      row.appendChild(item);
    }
    box.appendChild(row);
    root.appendChild(box);
  }
  function refresh() { getJson(path).then((j) => render(j.tips || [])).catch(() => {}); }
  refresh();
  listen({ open: refresh, tip: (t) => { if (!t.test) render([t].concat(window.wmRecent.tips.filter((x) => x.id !== t.id)).slice(0, 10)); } });
})();

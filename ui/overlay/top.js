// Top-supporters overlay: the public leaderboard of the current stream (same privacy rules:
// anonymous tips show as "Anonymous", never the name typed with them), one list per currency.
'use strict';
(function () {
  const { el, getJson, listen, state } = window.wmLive;
  const root = document.getElementById('root');
  const path = '/plugins/wm/overlay/top/data?key=' + encodeURIComponent(state.key);
  window.wmTop = { board: null, live: state };

  function render(board) {
    window.wmTop.board = board;
    root.textContent = '';
    const lists = (board.assets || []).filter((a) => a.supporters && a.supporters.length);
    if (!lists.length) return;
    const box = el('div', 'panel top');
    box.appendChild(el('h2', '', 'Top supporters'));
    for (const a of lists) {
      const ol = el('ol');
      for (const s of a.supporters.slice(0, 5)) {
        const li = el('li', '', s.name);
        li.appendChild(el('span', 'amount', s.display));
        ol.appendChild(li);
      }
      box.appendChild(ol);
    }
    root.appendChild(box);
  }
  function refresh() { getJson(path).then(render).catch(() => {}); }
  refresh();
  setInterval(refresh, 10000);  // the leaderboard is written by another subscriber: catch up
  listen({ open: refresh, tip: (t) => { if (!t.test) setTimeout(refresh, 500); } });
})();

// Goal overlay: title, current / target, percentage and a "goal reached" animation, updated
// live by `goal` events. Amounts arrive as display strings from the server (no money maths here).
'use strict';
(function () {
  const { el, getJson, listen } = window.wmLive;
  const root = document.getElementById('root');
  window.wmGoal = { goal: null, live: window.wmLive.state };

  function render(g) {
    window.wmGoal.goal = g;
    root.textContent = '';
    if (!g || !g.active) return;
    const box = el('div', 'panel goal' + (g.reached ? ' reached' : ''));
    box.appendChild(el('div', 'title', g.title));
    const bar = el('div', 'bar');
    bar.setAttribute('role', 'progressbar');
    bar.setAttribute('aria-valuemin', '0');
    bar.setAttribute('aria-valuemax', '100');
    bar.setAttribute('aria-valuenow', String(Math.min(100, g.percent)));
    const fill = el('div', 'fill');
    bar.appendChild(fill);
    box.appendChild(bar);
    const nums = el('div', 'numbers');
    nums.appendChild(el('span', 'current', g.current.display + ' / ' + g.target.display));
    nums.appendChild(el('span', 'percent', g.percent + '%'));
    box.appendChild(nums);
    box.appendChild(el('div', 'reached-text', '🎉 Goal reached!'));
    root.appendChild(box);
    requestAnimationFrame(() => { fill.style.width = Math.min(100, g.percent) + '%'; });
  }
  function refresh() { getJson('/plugins/wm/goal').then(render).catch(() => {}); }
  refresh();
  listen({ open: refresh, goal: (g) => { if (g.active) render(g); else refresh(); } });
})();

// Live stream state for the admin page (refreshes without reloading).
(function () {
  const $ = (id) => document.getElementById(id);
  async function refresh() {
    try {
      const r = await fetch('/plugins/wm/stream', { cache: 'no-store' });
      const s = await r.json();
      $('state').textContent = s.online ? 'Live' : 'Offline';
      $('state').className = s.online ? 'live' : 'offline';
      $('title').textContent = s.title || '–';
      $('viewers').textContent = String(s.viewers.current);
      $('peak').textContent = String(s.viewers.peak);
    } catch (e) {
      $('state').textContent = 'owncast-wm is not reachable';
    }
  }
  refresh();
  setInterval(refresh, 5000);
})();

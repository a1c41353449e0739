// pvchart-web: the list of charts. Each card's thumbnail, status and time range are
// refreshed every few seconds from the chart's PNG snapshot and state.
'use strict';

(function () {
  const PERIOD_MS = 5000;

  async function refresh(card) {
    const name = card.dataset.chart;
    const thumb = card.querySelector('img');
    const status = card.querySelector('.status');
    const range = card.querySelector('.range');
    try {
      const reply = await fetch('chart/' + encodeURIComponent(name) + '/state');
      const state = await reply.json();
      const connected = state.image.connected;
      card.classList.toggle('down', !connected);
      status.textContent = connected ? (state.settings.status || 'connected')
        : 'chart IOC disconnected';
      range.textContent = state.range || '';
      if (connected) thumb.src = 'chart/' + encodeURIComponent(name) + '.png?t=' + Date.now();
    } catch (error) {
      status.textContent = 'web server unreachable';
    }
  }

  function refreshAll() {
    document.querySelectorAll('.card').forEach(refresh);
  }

  document.querySelectorAll('.card img').forEach((img) => {
    img.addEventListener('error', () => img.classList.add('missing'));
    img.addEventListener('load', () => img.classList.remove('missing'));
  });
  refreshAll();
  setInterval(refreshAll, PERIOD_MS);
})();

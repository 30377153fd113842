// gazette admin: keeps each edition's progress bar current by polling /admin/editions.json; the page works without it.
(() => {
  // biome-ignore lint/suspicious/noRedundantUseStrict: a classic script, not a module: the directive is what makes it strict
  'use strict';
  var live = document.querySelector('[data-live]');
  if (!live || !window.fetch) return;
  var url = live.getAttribute('data-live');
  var SEGMENTS = ['sent', 'failed', 'retry', 'uncertain', 'pending'];
  var busy = false;

  function update(progress, e) {
    var x = 0;
    SEGMENTS.forEach((s) => {
      var rect = progress.querySelector(`[data-seg="${s}"]`);
      if (rect) {
        rect.setAttribute('x', String(x));
        rect.setAttribute('width', String(e.widths[s]));
      }
      x += e.widths[s];
      var count = progress.querySelector(`[data-count="${s}"]`);
      if (count) count.textContent = String(s === 'pending' ? e.counts.pending + e.counts.sending : e.counts[s]);
    });
    var percent = progress.querySelector('[data-percent]');
    if (percent) percent.textContent = `${e.percent}%`;
    var bar = progress.querySelector('svg');
    if (bar) bar.setAttribute('aria-label', `${e.percent}% done`);
    var state = progress.querySelector('[data-state]');
    if (state && state.textContent !== e.state) {
      state.textContent = e.state;
      state.className = `state state-${e.state}`;
      const card = progress.closest('.edition');
      if (card) {
        card.querySelectorAll('[data-while]').forEach((form) => {
          form.hidden = form.getAttribute('data-while') !== e.state;
        });
      }
    }
  }

  function poll() {
    if (busy || document.hidden) return;
    busy = true;
    void fetch(url, { credentials: 'same-origin', headers: { accept: 'application/json' } })
      .then((res) => {
        if (res.status === 401) {
          clearInterval(timer);
          return null;
        }
        return res.ok ? res.json() : null;
      })
      .then((body) => {
        if (!body) return;
        body.editions.forEach((e) => {
          var progress = document.querySelector(`.progress[data-edition="${e.id}"]`);
          if (progress) update(progress, e);
        });
      })
      .catch(() => {})
      .then(() => {
        busy = false;
      });
  }

  var timer = setInterval(poll, 1000);
})();

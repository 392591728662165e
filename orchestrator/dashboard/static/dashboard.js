// olm dashboard: switch views, take live updates (server-sent events), filter the hooks.
// No library and no build step: the server renders every view; this swaps them in.
'use strict';

(function () {
  const views = Array.from(document.querySelectorAll('section.view')).map((s) => s.id.slice(5));

  function show(name) {
    if (!views.includes(name)) name = views[0];
    for (const v of views) {
      document.getElementById('view-' + v).hidden = v !== name;
      document.querySelector('nav a[data-view="' + v + '"]').classList.toggle('active', v === name);
    }
  }
  window.addEventListener('hashchange', () => show(location.hash.slice(1)));
  show(location.hash.slice(1));

  // -- hook filters: by application, by unit, errors only --------------------------------
  const appSelect = document.getElementById('hook-app');
  const unitSelect = document.getElementById('hook-unit');
  const errorsOnly = document.getElementById('hook-errors-only');

  function fillOptions(select, values) {
    const chosen = select.value;
    select.replaceChildren(new Option('all', ''));
    for (const value of values) select.add(new Option(value, value));
    select.value = values.includes(chosen) ? chosen : '';
  }

  function refreshFilters() {
    const rows = Array.from(document.querySelectorAll('#content-hooks .timeline-row'));
    const apps = [...new Set(rows.map((r) => r.dataset.application))].sort();
    fillOptions(appSelect, apps);
    const units = rows.filter((r) => !appSelect.value || r.dataset.application === appSelect.value)
      .map((r) => r.dataset.unit);
    fillOptions(unitSelect, units);
    applyFilters();
  }

  function applyFilters() {
    const app = appSelect.value;
    const unit = unitSelect.value;
    const errors = errorsOnly.checked;
    const selector = '#content-hooks .timeline-row, #hook-failures tbody tr[data-unit]';
    for (const row of document.querySelectorAll(selector)) {
      const failed = row.classList.contains('timeline-row') ? row.dataset.failed !== '0' : true;
      row.hidden = (app && row.dataset.application !== app) || (unit && row.dataset.unit !== unit) ||
        (errors && !failed);
    }
  }

  appSelect.addEventListener('change', refreshFilters);
  unitSelect.addEventListener('change', applyFilters);
  errorsOnly.addEventListener('change', applyFilters);
  document.getElementById('hook-filters').addEventListener('submit', (e) => e.preventDefault());
  refreshFilters();

  // -- live updates ------------------------------------------------------------------------
  const live = document.getElementById('live');
  const events = new EventSource('/events');
  events.addEventListener('open', () => {
    live.textContent = 'live';
    live.className = 'online';
  });
  events.addEventListener('error', () => {
    live.textContent = 'reconnecting';
    live.className = 'offline';
  });
  events.addEventListener('snapshot', (message) => {
    const update = JSON.parse(message.data);
    if (String(update.revision) === document.body.dataset.revision) return;
    for (const [name, html] of Object.entries(update.views)) {
      const content = document.getElementById('content-' + name);
      if (content) content.innerHTML = html;
    }
    document.body.dataset.revision = String(update.revision);
    refreshFilters();
  });
})();

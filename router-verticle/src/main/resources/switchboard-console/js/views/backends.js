// Backends: every backend and instance as the router sees it, live; enable/disable and priority per backend, the
// weighted traffic splits, and the recent changes. Every change goes through the admin API (applied on every router of
// the cluster), after a confirmation, and lands in the audit list.
import { h, table, fill } from '../dom.js';
import { post, put } from '../api.js';
import { apply } from '../ui.js';
import { ms, pct, num, usd, time, change } from '../format.js';

let rows = new Map();
let tbody = null;
let splits = null;
let recent = null;
let app = null;

export function render(root, context) {
  app = context;
  rows = new Map();
  tbody = h('tbody', { id: 'backends-rows' });
  splits = h('div', { id: 'splits' });
  recent = h('div', { id: 'recent-changes' });
  root.append(
    h('section', { class: 'panel' }, h('h2', {}, 'Backends'),
      h('p', { class: 'muted small' }, 'Live from this node\'s router; changes apply on every router of the cluster.'),
      h('table', { id: 'backends-table' }, h('thead', {}, h('tr', {},
        ['Backend', 'State', 'Breaker', 'Latency p50 / p95', 'Errors', 'Rate-limit use', 'Privacy', 'Prices', 'Priority', '']
          .map(x => h('th', {}, x)))), tbody)),
    h('div', { class: 'grid2' },
      h('section', { class: 'panel' }, h('h2', {}, 'Traffic splits (weighted strategy)'), splits),
      h('section', { class: 'panel' }, h('h2', {}, 'Recent changes'), recent)));
  if (app.status) update(app.status);
  audited();
}

export function update(status) {
  if (!tbody) return;
  const seen = new Set();
  for (const b of status.backends) {
    seen.add(b.id);
    let row = rows.get(b.id);
    if (!row) {
      row = newRow(b.id);
      rows.set(b.id, row);
      tbody.append(row.tr);
    }
    showRow(row, b);
  }
  for (const [id, row] of rows) {
    if (!seen.has(id)) {
      row.tr.remove();
      rows.delete(id);
    }
  }
  renderSplits(status);
}

export function audited() {
  if (!recent || !app) return;
  const entries = app.audit.slice(0, 8);
  fill(recent, entries.length === 0 ? h('p', { class: 'empty' }, 'No changes yet.')
    : table(['When', 'Who', 'What'], entries.map(e => h('tr', {},
      h('td', { class: 'small' }, time(e.time)), h('td', {}, e.who), h('td', {}, change(e))))));
}

export function leave() {
  tbody = null;
}

function newRow(id) {
  const cells = {};
  for (const k of ['name', 'state', 'breaker', 'latency', 'errors', 'limits', 'privacy', 'prices', 'priority', 'actions']) {
    cells[k] = h('td', { class: k === 'priority' || k === 'actions' ? 'actions' : null });
  }
  const priority = h('input', { type: 'number', step: 1, 'data-priority': id, 'aria-label': 'priority of ' + id });
  const setPriority = h('button', { class: 'small ghost', type: 'button', 'data-set-priority': id }, 'Set');
  const toggle = h('button', { class: 'small', type: 'button', 'data-toggle': id });
  cells.priority.append(h('span', { class: 'inline' }, priority, setPriority));
  cells.actions.append(toggle);
  const row = { tr: h('tr', { 'data-backend': id }, Object.values(cells)), cells, priority, toggle, enabled: true };
  setPriority.addEventListener('click', () => {
    const value = priority.value === '' ? null : Number(priority.value);
    apply('Priority of ' + id, `Set the priority of ${id} to ${value === null ? 'its configured value' : value} on every router? Lower goes first.`,
      () => post('/api/v1/providers/update', { provider: id, priority: value }));
  });
  toggle.addEventListener('click', () => {
    const enable = !row.enabled;
    apply((enable ? 'Enable ' : 'Disable ') + id,
      enable ? `Enable ${id} again on every router of the cluster?`
        : `Disable ${id} on every router of the cluster? Requests will be routed elsewhere (route reason "disabled by admin").`,
      () => post('/api/v1/providers/update', { provider: id, enabled: enable }));
  });
  return row;
}

// One instance: its id, the health its last heartbeat reported (the reason on hover), how long ago that was, and what
// this router saw of its recent requests: latency p50 / p95 and error rate (the breaker is the backend's).
function instance(i) {
  const status = (i.health && i.health.status) || 'up';
  const lat = i.latency_ms || {};
  const errors = i.error_rate || 0;
  return h('div', { class: 'muted small mono', 'data-instance': i.id, 'data-instance-health': status, title: (i.health && i.health.reason) || '' },
    i.id, ' ', h('span', { class: 'badge ' + (status === 'up' ? 'ok' : status === 'degraded' ? 'warn' : 'bad') }, status),
    ' ', Math.round((i.seen_ms_ago || 0) / 1000) + ' s ago',
    i.samples ? h('span', { 'data-instance-figures': i.id, class: errors > 0 ? 'error' : '' },
      ' · ' + ms(lat.p50) + ' / ' + ms(lat.p95) + ' · ' + pct(errors) + ' errors of ' + i.samples) : null);
}

function showRow(row, b) {
  const c = row.cells;
  row.enabled = b.enabled;
  row.tr.classList.toggle('disabled', !b.enabled);
  fill(c.name, h('strong', {}, b.id), h('div', { class: 'muted small' }, (b.type || '') + ' · ' + (b.capabilities || []).join(', ')));
  const health = (b.health && b.health.status) || 'down';
  fill(c.state, 
    h('span', { class: 'badge ' + (health === 'up' ? 'ok' : health === 'degraded' ? 'warn' : 'bad'), title: (b.health && b.health.reason) || '' },
      b.live ? health : 'not running'),
    ' ', h('span', { class: 'muted small' }, b.instances + (b.instances === 1 ? ' instance' : ' instances')),
    (b.instance_list || []).slice(0, 4).map(instance),
    (b.instance_list || []).length > 4 ? h('div', { class: 'muted small' }, '+' + (b.instance_list.length - 4) + ' more') : null,
    b.enabled ? null : h('div', {}, h('span', { class: 'badge warn', 'data-disabled': b.id }, 'disabled')),
    b.health && b.health.reason ? h('div', { class: 'muted small' }, b.health.reason) : null);
  const breaker = (b.breaker && b.breaker.state) || 'closed';
  fill(c.breaker, h('span', { class: 'badge ' + (breaker === 'closed' ? 'ok' : breaker === 'open' ? 'bad' : 'warn'),
    'data-breaker-state': breaker }, breaker.replace('_', '-')), b.breaker && b.breaker.failures ? h('div', { class: 'muted small' }, b.breaker.failures + ' failures') : null);
  const lat = b.latency_ms || {};
  fill(c.latency, ms(lat.p50) + ' / ' + ms(lat.p95), h('div', { class: 'muted small' }, (b.samples || 0) + ' recent'));
  fill(c.errors, pct(b.error_rate || 0));
  fill(c.limits, ...limitLines(b));
  fill(c.privacy, h('span', { class: 'badge info' }, b.privacy || '?'));
  fill(c.prices, ...priceLines(b.prices));
  if (document.activeElement !== row.priority) row.priority.value = b.priority;
  row.toggle.textContent = b.enabled ? 'Disable' : 'Enable';
  row.toggle.className = 'small' + (b.enabled ? ' danger' : '');
}

function limitLines(b) {
  const limits = b.limits || {};
  const usage = b.usage || {};
  const line = (label, used, limit) => h('div', { class: 'small' }, label + ' ' + num(used || 0) + (limit ? ' / ' + num(limit) : ''),
    limit ? h('span', { class: 'meter' + (used / limit > 0.8 ? ' hot' : '') }, bar(used / limit)) : null);
  return [line('rpm', usage.rpm, limits.rpm), line('tpm', usage.tpm, limits.tpm), line('in flight', usage.inflight, limits.concurrency)];
}

function bar(fraction) {
  const span = h('span');
  span.style.width = Math.min(100, Math.round(fraction * 100)) + '%';
  return span;
}

function priceLines(prices) {
  const entries = Object.entries(prices || {});
  if (entries.length === 0) return [h('span', { class: 'muted' }, 'free')];
  return entries.slice(0, 3).map(([model, p]) => h('div', { class: 'small' }, model + ': ' + priceText(p)))
    .concat(entries.length > 3 ? [h('div', { class: 'muted small' }, '+' + (entries.length - 3) + ' more')] : []);
}

function priceText(p) {
  const parts = [];
  if (p.input_per_mtok || p.output_per_mtok) parts.push(usd(p.input_per_mtok) + ' / ' + usd(p.output_per_mtok) + ' per Mtok');
  if (p.per_audio_minute) parts.push(usd(p.per_audio_minute) + '/audio min');
  if (p.per_1k_chars) parts.push(usd(p.per_1k_chars) + '/1k chars');
  if (p.per_request) parts.push(usd(p.per_request) + '/request');
  return parts.length ? parts.join(', ') : 'free';
}

function renderSplits(status) {
  if (!splits || splits.contains(document.activeElement)) return; // never redraw under the operator's cursor
  const weights = (status.strategy && status.strategy.weights) || {};
  const lines = [];
  for (const [alias, split] of Object.entries(weights)) {
    for (const [backend, weight] of Object.entries(split)) lines.push({ alias, backend, weight });
  }
  const body = h('tbody');
  const addLine = l => {
    const tr = h('tr', {},
      h('td', {}, h('input', { value: l.alias, 'data-split': 'alias', placeholder: 'alias or model' })),
      h('td', {}, h('input', { value: l.backend, 'data-split': 'backend', placeholder: 'backend' })),
      h('td', {}, h('input', { type: 'number', min: 0, value: l.weight, 'data-split': 'weight' })),
      h('td', {}, h('button', { class: 'small ghost', type: 'button', onclick: () => tr.remove() }, 'Remove')));
    body.append(tr);
  };
  lines.forEach(addLine);
  fill(splits, 
    h('p', { class: 'muted small' }, 'With the weighted strategy, requests for an alias are split between backends by weight '
      + '(e.g. a 90/10 canary); the rest of the order stays as failover.'),
    h('table', {}, h('thead', {}, h('tr', {}, ['Alias', 'Backend', 'Weight', ''].map(x => h('th', {}, x)))), body),
    h('div', { class: 'row' },
      h('button', { class: 'ghost small', type: 'button', onclick: () => addLine({ alias: '', backend: '', weight: 1 }) }, 'Add line'),
      h('button', { type: 'button', id: 'apply-splits', onclick: () => applySplits(body) }, 'Apply splits')));
}

function applySplits(body) {
  const weights = {};
  for (const tr of body.querySelectorAll('tr')) {
    const get = k => tr.querySelector(`[data-split=${k}]`).value.trim();
    if (!get('alias') || !get('backend')) continue;
    (weights[get('alias')] = weights[get('alias')] || {})[get('backend')] = Number(get('weight'));
  }
  apply('Traffic splits', 'Replace the weighted splits with: ' + JSON.stringify(weights) + '?', () => put('/api/v1/strategy', { weights }));
}

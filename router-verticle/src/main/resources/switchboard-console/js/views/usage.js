// Usage: cost, requests, errors and tokens over time by backend, key, model, capability or privacy class (from the
// usage ledger), the totals of the range, the keys that spent most against their budgets, and the CSV export.
import { h, table, fill } from '../dom.js';
import { get } from '../api.js';
import { stackedBars } from '../chart.js';
import { usd, num, pct, clock, time } from '../format.js';

const RANGES = { '1h': [3600_000, 12], '24h': [86_400_000, 24], '7d': [7 * 86_400_000, 28], '30d': [30 * 86_400_000, 30] };
const METRICS = {
  cost: { label: 'Cost (USD, list price)', value: s => s.cost_usd, format: usd },
  requests: { label: 'Requests', value: s => s.requests, format: num },
  errors: { label: 'Errors', value: s => s.errors, format: num },
  tokens: { label: 'Tokens', value: s => s.input_tokens.map((v, i) => v + s.output_tokens[i]), format: num },
};

let controls = null;
let chartBox = null;
let totalsBox = null;
let keysBox = null;
let cacheBox = null;
// Each load is numbered: an answer that arrives after a newer load started (a refresh clicked twice, a control changed
// while the last range was still loading) is dropped rather than drawn over the newer one.
let loads = 0;

export function render(root) {
  const sel = (id, values, value) => h('select', { id }, values.map(v => h('option', { value: v, selected: v === value }, v)));
  controls = {
    range: sel('usage-range', Object.keys(RANGES), '24h'),
    by: sel('usage-by', ['backend', 'key', 'model', 'capability', 'privacy'], 'backend'),
    metric: sel('usage-metric', Object.keys(METRICS), 'cost'),
  };
  const exportLink = h('a', { class: 'button ghost', id: 'usage-export', download: 'switchboard-usage.csv' }, 'Export CSV');
  chartBox = h('div', { id: 'usage-chart' }, h('p', { class: 'muted' }, 'Loading…'));
  totalsBox = h('div', { id: 'usage-totals' });
  keysBox = h('div', { id: 'top-keys' });
  cacheBox = h('div', { id: 'cache-stats' });
  const refresh = h('button', { class: 'ghost', type: 'button', id: 'usage-refresh' }, 'Refresh');
  root.append(
    h('section', { class: 'panel' }, h('h2', {}, 'Usage over time'),
      h('div', { class: 'row' }, h('label', {}, 'Range', controls.range), h('label', {}, 'By', controls.by),
        h('label', {}, 'Show', controls.metric), refresh, exportLink),
      chartBox),
    h('div', { class: 'grid2' },
      h('section', { class: 'panel' }, h('h2', {}, 'Totals'), totalsBox),
      h('section', { class: 'panel' }, h('h2', {}, 'Top keys by spend, with their budgets'), keysBox)),
    h('section', { class: 'panel' }, h('h2', {}, 'Exact cache (this node)'), cacheBox));
  const reload = () => load(exportLink);
  Object.values(controls).forEach(c => c.addEventListener('change', reload));
  refresh.addEventListener('click', reload);
  reload();
}

export function leave() {
  chartBox = null;
}

async function load(exportLink) {
  const mine = ++loads;
  const current = () => chartBox && mine === loads;
  const [rangeMs, buckets] = RANGES[controls.range.value];
  const by = controls.by.value;
  const metric = METRICS[controls.metric.value];
  const now = Date.now();
  const from = new Date(now - rangeMs).toISOString();
  exportLink.href = '/api/v1/usage/export?from=' + encodeURIComponent(from) + '&to=' + encodeURIComponent(new Date(now + 1000).toISOString());
  try {
    const [series, totals] = await Promise.all([
      get(`/admin/api/usage/series?by=${by}&range_ms=${rangeMs}&buckets=${buckets}`),
      get(`/api/v1/usage?group_by=${by}&from=${encodeURIComponent(from)}`)]);
    if (!current()) return;
    const label = rangeMs <= 86_400_000 ? clock : t => new Date(t).toISOString().slice(5, 10);
    fill(chartBox, series.series.length === 0 ? h('p', { class: 'empty' }, 'No usage in this range.')
      : stackedBars({ buckets: series.buckets, series: series.series.map(s => ({ name: s.name, values: metric.value(s) })) },
        metric.format, label),
      h('p', { class: 'muted small' }, metric.label + ' per ' + Math.round(series.bucket_ms / 60000) + ' min, UTC, by ' + by + '.'));
    fill(totalsBox, totals.rows.length === 0 ? h('p', { class: 'empty' }, 'Nothing recorded.')
      : table([by, 'Requests', 'Errors', 'Tokens in / out', 'Audio s', 'Cost'].map((x, i) => h('th', { class: i ? 'num' : '' }, x)),
        totals.rows.sort((a, b) => b.cost_usd - a.cost_usd || b.requests - a.requests).map(r => h('tr', {},
          h('td', {}, r[by] === null ? '(none)' : r[by]), h('td', { class: 'num' }, num(r.requests)),
          h('td', { class: 'num' + (r.errors ? ' error' : '') }, num(r.errors)),
          h('td', { class: 'num' }, num(r.input_tokens) + ' / ' + num(r.output_tokens)),
          h('td', { class: 'num' }, num(r.audio_seconds)), h('td', { class: 'num' }, usd(r.cost_usd))))));
  } catch (e) {
    if (current()) fill(chartBox, h('p', { class: 'error' }, e.message));
  }
  if (!current()) return;
  topKeys(now);
  cacheStats();
}

// The exact cache's hits, misses, hit rate and the list-price cost the hits saved, per capability, since this node started.
async function cacheStats() {
  try {
    const stats = await get('/api/v1/cache');
    if (!cacheBox) return;
    const caps = ['transcribe', 'embed', 'speech', 'chat', 'total'];
    fill(cacheBox, !stats.enabled ? h('p', { class: 'muted' }, 'No exact cache on this node.')
      : table(['', 'Hits', 'Misses', 'Bypasses', 'Hit rate', 'Saved'].map((x, i) => h('th', { class: i ? 'num' : '' }, x)),
        caps.filter(c => stats.stats[c]).map(c => {
          const s = stats.stats[c];
          return h('tr', { 'data-cache': c }, h('td', {}, c), h('td', { class: 'num' }, num(s.hits)), h('td', { class: 'num' }, num(s.misses)),
            h('td', { class: 'num' }, num(s.bypasses)), h('td', { class: 'num' }, pct(s.hit_rate)), h('td', { class: 'num' }, usd(s.saved_usd)));
        })),
      h('p', { class: 'muted small' }, num(stats.entries) + ' entries, ' + num(stats.bytes) + ' bytes put in the shared map by this node.'));
  } catch (e) {
    if (cacheBox) fill(cacheBox, h('p', { class: 'error' }, e.message));
  }
}

async function topKeys(now) {
  const d = new Date(now);
  const day = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());
  const month = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
  try {
    const [keys, today, thisMonth] = await Promise.all([get('/api/v1/keys'),
      get('/api/v1/usage?group_by=key&from=' + day), get('/api/v1/usage?group_by=key&from=' + month)]);
    const byId = new Map(keys.keys.map(k => [k.id, k]));
    const spentToday = new Map(today.rows.map(r => [r.key, r.cost_usd]));
    const rows = thisMonth.rows.filter(r => r.key).sort((a, b) => b.cost_usd - a.cost_usd).slice(0, 10);
    if (!keysBox) return;
    fill(keysBox, rows.length === 0 ? h('p', { class: 'empty' }, 'No key has spent anything this month.')
      : table(['Key', 'Today / daily budget', 'This month / monthly budget'], rows.map(r => {
        const k = byId.get(r.key) || { limits: {} };
        return h('tr', { 'data-top-key': r.key }, h('td', {}, h('strong', {}, k.name || r.key), h('div', { class: 'muted small' }, r.key)),
          h('td', {}, budget(spentToday.get(r.key) || 0, k.limits.daily_budget_usd)),
          h('td', {}, budget(r.cost_usd, k.limits.monthly_budget_usd)));
      })),
      h('p', { class: 'muted small' }, 'UTC day and month, as budgets count them; at ' + time(now) + '.'));
  } catch (e) {
    if (keysBox) fill(keysBox, h('p', { class: 'error' }, e.message));
  }
}

function budget(spent, limit) {
  if (limit === null || limit === undefined) return h('span', {}, usd(spent), h('span', { class: 'muted small' }, ' · no budget'));
  const fraction = limit > 0 ? spent / limit : 1;
  const fill = h('span');
  fill.style.width = Math.min(100, Math.round(fraction * 100)) + '%';
  return h('span', {}, usd(spent) + ' / ' + usd(limit) + ' ', h('span', { class: 'meter' + (fraction > 0.8 ? ' hot' : '') }, fill));
}

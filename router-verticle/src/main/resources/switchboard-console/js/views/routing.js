// Routing: the default strategy and privacy, the per-alias strategies and model splits (changeable, cluster-wide),
// and "what would happen": the router's plan for a request typed here, with its cost comparison and skip reasons.
import { h, table, fill } from '../dom.js';
import { get, post, put } from '../api.js';
import { apply, toast } from '../ui.js';
import { usd } from '../format.js';

const STRATEGIES = ['fallback', 'priority', 'cost', 'latency', 'weighted'];
const PRIVACY = ['local', 'private', 'zdr', 'cloud'];

let settingsBox = null;
let result = null;

export function render(root, app) {
  settingsBox = h('div', { id: 'strategy-settings' }, h('p', { class: 'muted' }, 'Loading…'));
  result = h('div', { id: 'plan-result' });
  root.append(
    h('section', { class: 'panel' }, h('h2', {}, 'Strategy'), settingsBox),
    h('section', { class: 'panel' }, h('h2', {}, 'What would happen'),
      h('p', { class: 'muted small' }, 'The router plans the request as it would now (health, breakers, limits, privacy, '
        + 'cost), without sending it.'),
      planForm(app), result));
  load();
}

export function leave() {
  settingsBox = null;
}

async function load() {
  try {
    const s = await get('/api/v1/strategy');
    if (settingsBox) fill(settingsBox, ...strategyForm(s));
  } catch (e) {
    if (settingsBox) fill(settingsBox, h('p', { class: 'error' }, e.message));
  }
}

function select(options, value, attrs) {
  return h('select', attrs, options.map(o => h('option', { value: o, selected: o === value }, o === '' ? '(default)' : o)));
}

function strategyForm(s) {
  const strategy = select(STRATEGIES, s.strategy, { id: 'strategy-default' });
  const privacy = select(PRIVACY, s.default_privacy, { id: 'privacy-default' });
  const aliasBody = h('tbody');
  const addAlias = (alias, st) => {
    const tr = h('tr', {}, h('td', {}, h('input', { value: alias, 'data-alias': 'name', placeholder: 'alias, e.g. heavy' })),
      h('td', {}, select(STRATEGIES, st, { 'data-alias': 'strategy' })),
      h('td', {}, h('button', { class: 'small ghost', type: 'button', onclick: () => tr.remove() }, 'Remove')));
    aliasBody.append(tr);
  };
  Object.entries(s.alias_strategies || {}).forEach(([a, st]) => addAlias(a, st));
  const modelWeights = h('textarea', { id: 'model-weights', spellcheck: 'false' }, JSON.stringify(s.model_weights || {}, null, 1));
  const overrides = Object.keys(s.overrides || {});
  return [
    h('div', { class: 'row' },
      h('label', {}, 'Default strategy', strategy),
      h('label', {}, 'Default privacy ceiling', privacy),
      h('button', { type: 'button', id: 'apply-strategy', onclick: () => apply('Default strategy',
        `Route with strategy ${strategy.value} and privacy ceiling ${privacy.value} by default, on every router?`,
        () => put('/api/v1/strategy', { strategy: strategy.value, default_privacy: privacy.value }), load) }, 'Apply')),
    h('p', { class: 'muted small' }, overrides.length ? 'Changed at run time (over conf): ' + overrides.join(', ') : 'As conf says.'),
    h('h3', {}, 'Per alias'),
    h('table', {}, h('thead', {}, h('tr', {}, ['Alias', 'Strategy', ''].map(x => h('th', {}, x)))), aliasBody),
    h('div', { class: 'row' },
      h('button', { class: 'small ghost', type: 'button', onclick: () => addAlias('', 'cost') }, 'Add alias'),
      h('button', { class: 'small', type: 'button', id: 'apply-aliases', onclick: () => {
        const aliases = {};
        for (const tr of aliasBody.querySelectorAll('tr')) {
          const name = tr.querySelector('[data-alias=name]').value.trim();
          if (name) aliases[name] = tr.querySelector('[data-alias=strategy]').value;
        }
        apply('Alias strategies', 'Use these strategies per alias: ' + JSON.stringify(aliases) + '?',
          () => put('/api/v1/strategy', { alias_strategies: aliases }), load);
      } }, 'Apply alias strategies')),
    h('h3', {}, 'Model splits (weighted strategy, between models or aliases)'),
    modelWeights,
    h('button', { class: 'small', type: 'button', onclick: () => {
      let parsed;
      try {
        parsed = JSON.parse(modelWeights.value);
      } catch (e) {
        toast('model splits: not JSON (' + e.message + ')', 'bad');
        return;
      }
      apply('Model splits', 'Replace the model splits with ' + JSON.stringify(parsed) + '?',
        () => put('/api/v1/strategy', { model_weights: parsed }), load);
    } }, 'Apply model splits')];
}

function planForm(app) {
  const models = new Set();
  for (const b of (app.status && app.status.backends) || []) {
    (b.models || []).forEach(m => models.add(m));
    Object.keys(b.aliases || {}).forEach(a => models.add(a));
  }
  const f = {
    capability: select(['chat', 'embed', 'speech', 'transcribe'], 'chat', { id: 'plan-capability' }),
    model: h('input', { id: 'plan-model', list: 'plan-models', placeholder: 'model or alias', value: models.has('light') ? 'light' : '' }),
    privacy: select(['', ...PRIVACY], '', { id: 'plan-privacy' }),
    strategy: select(['', ...STRATEGIES], '', { id: 'plan-strategy' }),
    provider: h('input', { id: 'plan-provider', placeholder: 'any' }),
    maxCost: h('input', { id: 'plan-max-cost', type: 'number', step: 'any', min: 0, placeholder: 'none' }),
    maxTokens: h('input', { id: 'plan-max-tokens', type: 'number', min: 1, placeholder: 'default' }),
    audio: h('input', { id: 'plan-audio', type: 'number', min: 0, step: 'any', value: 60 }),
    text: h('textarea', { id: 'plan-text' }, 'Summarise the attached meeting notes in five bullet points.'),
  };
  const form = h('form', { id: 'plan-form', class: 'row' },
    h('datalist', { id: 'plan-models' }, [...models].sort().map(m => h('option', { value: m }))),
    h('label', {}, 'Capability', f.capability), h('label', {}, 'Model', f.model), h('label', {}, 'Privacy', f.privacy),
    h('label', {}, 'Strategy', f.strategy), h('label', {}, 'Provider', f.provider), h('label', {}, 'max_cost (USD)', f.maxCost),
    h('label', {}, 'max_tokens', f.maxTokens), h('label', {}, 'Audio seconds (transcribe)', f.audio),
    h('label', { class: 'wide' }, 'Text (prompt, input or speech)', f.text),
    h('button', { type: 'submit', id: 'plan-submit' }, 'Plan it'));
  form.addEventListener('submit', async e => {
    e.preventDefault();
    try {
      show(await post('/api/v1/providers/plan', body(f)));
    } catch (err) {
      fill(result, h('p', { class: 'error' }, err.message));
    }
  });
  return form;
}

function body(f) {
  const cap = f.capability.value;
  const b = { capability: cap, model: f.model.value.trim() };
  if (cap === 'chat') {
    b.messages = [{ role: 'user', content: f.text.value }];
    if (f.maxTokens.value) b.max_tokens = Number(f.maxTokens.value);
  } else if (cap === 'embed' || cap === 'speech') {
    b.input = f.text.value;
  } else {
    b.audio_seconds = Number(f.audio.value || 0);
  }
  if (f.privacy.value) b.privacy = f.privacy.value;
  if (f.strategy.value) b.strategy = f.strategy.value;
  if (f.provider.value.trim()) b.provider = f.provider.value.trim();
  if (f.maxCost.value) b.max_cost = Number(f.maxCost.value);
  return b;
}

function show(p) {
  const verdict = p.refusal
    ? h('p', { class: 'error', id: 'plan-verdict' }, `Refused: ${p.refusal.status} ${p.refusal.code}: ${p.refusal.message}`)
    : h('p', { id: 'plan-verdict' }, 'Would be served by ', h('strong', {}, p.would_serve),
      ` (strategy ${p.strategy}, privacy up to ${p.privacy}${p.failover ? ', failing over in this order' : ', first candidate only'}).`);
  const cheapest = p.cost && p.cost.cheapest;
  fill(result, verdict,
    h('p', { class: 'muted small' }, `Sized as ${p.size.input_tokens} input + ${p.size.output_tokens} output tokens, `
      + `${p.size.audio_seconds} s audio, ${p.size.characters} characters.`),
    h('div', { class: 'grid2' },
      h('div', {}, h('h3', {}, 'Plan'), p.candidates.length === 0 ? h('p', { class: 'empty' }, 'No candidate.')
        : table(['#', 'Backend', 'Model', 'Estimate', 'Priority', 'Privacy'], p.candidates.map((c, i) => h('tr', { 'data-candidate': c.provider },
          h('td', {}, i + 1), h('td', {}, c.provider), h('td', {}, c.model), h('td', { class: 'num' }, usd(c.estimated_cost_usd)),
          h('td', { class: 'num' }, c.priority), h('td', {}, c.privacy)))),
        h('h3', {}, 'Left out'), p.skipped.length === 0 ? h('p', { class: 'muted' }, 'Nothing.')
          : table(['Backend', 'Why'], p.skipped.map(s => h('tr', { 'data-skipped': s.provider }, h('td', {}, s.provider), h('td', {}, s.reason))))),
      h('div', {}, h('h3', {}, 'Cost comparison'), !p.cost ? null
        : table(['Backend', 'Model', 'Estimate', 'Privacy', 'Eligible'], p.cost.providers.map(c => h('tr', {},
          h('td', {}, c.provider, c.provider === cheapest ? h('span', { class: 'badge ok' }, ' cheapest') : null),
          h('td', {}, c.model), h('td', { class: 'num' }, usd(c.estimated_cost_usd)), h('td', {}, c.privacy),
          h('td', {}, c.eligible ? 'yes' : h('span', { class: 'muted' }, c.reason))))))));
}

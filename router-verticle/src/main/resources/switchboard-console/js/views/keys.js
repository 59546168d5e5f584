// Keys: create (the key is shown once), list with limits and budgets, revoke. Changes are confirmed and audited.
import { h, table, fill } from '../dom.js';
import { get, post, del } from '../api.js';
import { apply, toast } from '../ui.js';
import { usd, time } from '../format.js';

let list = null;
let shown = null;

export function render(root) {
  list = h('div', { id: 'keys-list' }, h('p', { class: 'muted' }, 'Loading…'));
  shown = h('div', { id: 'new-key' });
  root.append(
    h('section', { class: 'panel' }, h('h2', {}, 'Create a key'), createForm(), shown),
    h('section', { class: 'panel' }, h('h2', {}, 'Keys'), list));
  load();
}

export function leave() {
  list = null;
}

async function load() {
  try {
    const keys = (await get('/api/v1/keys')).keys;
    if (!list) return;
    fill(list, keys.length === 0 ? h('p', { class: 'empty' }, 'No keys yet.')
      : table(['Key', 'Created', 'Budgets (day / month)', 'Limits', 'State', ''], keys.map(row)));
  } catch (e) {
    if (list) fill(list, h('p', { class: 'error' }, e.message));
  }
}

function row(k) {
  const l = k.limits || {};
  const revoked = !!k.revoked_at;
  const rules = [];
  if (l.requests_per_minute) rules.push(l.requests_per_minute + ' req/min');
  if (l.privacy) rules.push('privacy ≤ ' + l.privacy);
  if (l.allowed_providers && l.allowed_providers.length) rules.push('providers: ' + l.allowed_providers.join(', '));
  if (l.allowed_models && l.allowed_models.length) rules.push('models: ' + l.allowed_models.join(', '));
  return h('tr', { 'data-key': k.id, class: revoked ? 'disabled' : '' },
    h('td', {}, h('strong', {}, k.name || '(no name)'), h('div', { class: 'muted small mono' }, k.id)),
    h('td', { class: 'small' }, time(Date.parse(k.created_at))),
    h('td', {}, (l.daily_budget_usd == null ? '–' : usd(l.daily_budget_usd)) + ' / ' + (l.monthly_budget_usd == null ? '–' : usd(l.monthly_budget_usd))),
    h('td', { class: 'small' }, rules.length ? rules.join('; ') : h('span', { class: 'muted' }, 'none')),
    h('td', {}, revoked ? h('span', { class: 'badge bad', 'data-revoked': k.id }, 'revoked ' + time(Date.parse(k.revoked_at)))
      : h('span', { class: 'badge ok' }, 'active')),
    h('td', {}, revoked ? null : h('button', { class: 'small danger', type: 'button', 'data-revoke': k.id, onclick: () =>
      apply('Revoke ' + k.id, `Revoke key ${k.name || k.id}? Every router refuses it at once; this cannot be undone.`,
        () => del('/api/v1/keys/' + encodeURIComponent(k.id)), load) }, 'Revoke')));
}

function createForm() {
  const f = {
    name: h('input', { id: 'key-name', required: true, placeholder: 'team-a' }),
    daily: h('input', { id: 'key-daily', type: 'number', min: 0, step: 'any', placeholder: 'none' }),
    monthly: h('input', { id: 'key-monthly', type: 'number', min: 0, step: 'any', placeholder: 'none' }),
    rpm: h('input', { id: 'key-rpm', type: 'number', min: 0, step: 1, placeholder: 'none' }),
    privacy: h('select', { id: 'key-privacy' }, ['', 'local', 'private', 'zdr', 'cloud'].map(p => h('option', { value: p }, p || '(any)'))),
    providers: h('input', { id: 'key-providers', placeholder: 'all (comma-separated ids)' }),
    models: h('input', { id: 'key-models', placeholder: 'all (comma-separated)' }),
  };
  const form = h('form', { id: 'key-form', class: 'row' },
    h('label', {}, 'Name', f.name), h('label', {}, 'Daily budget (USD)', f.daily), h('label', {}, 'Monthly budget (USD)', f.monthly),
    h('label', {}, 'Requests per minute', f.rpm), h('label', {}, 'Privacy ceiling', f.privacy),
    h('label', {}, 'Allowed providers', f.providers), h('label', {}, 'Allowed models', f.models),
    h('button', { type: 'submit', id: 'key-create' }, 'Create key'));
  form.addEventListener('submit', e => {
    e.preventDefault();
    const limits = {};
    if (f.daily.value) limits.daily_budget_usd = Number(f.daily.value);
    if (f.monthly.value) limits.monthly_budget_usd = Number(f.monthly.value);
    if (f.rpm.value) limits.requests_per_minute = Number(f.rpm.value);
    if (f.privacy.value) limits.privacy = f.privacy.value;
    const listOf = v => v.split(',').map(x => x.trim()).filter(Boolean);
    if (listOf(f.providers.value).length) limits.allowed_providers = listOf(f.providers.value);
    if (listOf(f.models.value).length) limits.allowed_models = listOf(f.models.value);
    const name = f.name.value.trim();
    apply('Create key ' + name, `Create key "${name}" with limits ${JSON.stringify(limits)}?`,
      () => post('/api/v1/keys', { name, limits }), created => {
        showOnce(created);
        form.reset();
        return load();
      });
  });
  return form;
}

function showOnce(created) {
  const value = h('code', { id: 'new-key-value' }, created.api_key);
  const copy = h('button', { class: 'small ghost', type: 'button' }, 'Copy');
  copy.addEventListener('click', async () => {
    try {
      await navigator.clipboard.writeText(created.api_key);
      toast('copied');
    } catch (e) {
      getSelection().selectAllChildren(value);
      toast('select and copy it by hand', 'bad');
    }
  });
  fill(shown, h('div', { class: 'secret' },
    h('p', {}, h('strong', {}, `Key ${created.key.name} (${created.key.id}) created. `),
      'This is the only time it is shown: copy it now. Switchboard keeps only its hash.'),
    h('div', { class: 'inline' }, value, copy),
    h('div', {}, h('button', { class: 'small ghost', type: 'button', onclick: () => fill(shown) }, 'I have copied it'))));
}

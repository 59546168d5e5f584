// Keys: create (the key is shown once), list with limits and budgets, change a key's limits, revoke. Changes are
// confirmed and audited.
import { h, table, fill } from '../dom.js';
import { get, post, patch, del } from '../api.js';
import { apply, toast } from '../ui.js';
import { usd, time } from '../format.js';

let list = null;
let shown = null;
let editor = null;

export function render(root) {
  list = h('div', { id: 'keys-list' }, h('p', { class: 'muted' }, 'Loading…'));
  shown = h('div', { id: 'new-key' });
  editor = h('section', { class: 'panel', id: 'key-edit', hidden: true });
  root.append(
    h('section', { class: 'panel' }, h('h2', {}, 'Create a key'), createForm(), shown),
    editor,
    h('section', { class: 'panel' }, h('h2', {}, 'Keys'), list));
  load();
}

export function leave() {
  list = null;
  editor = null;
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
    h('td', {}, revoked ? null : h('div', { class: 'inline' },
      h('button', { class: 'small ghost', type: 'button', 'data-edit': k.id, onclick: () => edit(k) }, 'Edit limits'),
      h('button', { class: 'small danger', type: 'button', 'data-revoke': k.id, onclick: () =>
        apply('Revoke ' + k.id, `Revoke key ${k.name || k.id}? Every router refuses it at once; this cannot be undone.`,
          () => del('/api/v1/keys/' + encodeURIComponent(k.id)), load) }, 'Revoke'))));
}

/** The inputs of a key's limits, with ids under {@code prefix}, filled from {@code l} (a key's current limits). */
function limitInputs(prefix, l = {}) {
  const listed = v => (v && v.length ? v.join(', ') : '');
  return {
    daily: h('input', { id: prefix + '-daily', type: 'number', min: 0, step: 'any', placeholder: 'none', value: l.daily_budget_usd ?? '' }),
    monthly: h('input', { id: prefix + '-monthly', type: 'number', min: 0, step: 'any', placeholder: 'none', value: l.monthly_budget_usd ?? '' }),
    rpm: h('input', { id: prefix + '-rpm', type: 'number', min: 0, step: 1, placeholder: 'none', value: l.requests_per_minute || '' }),
    privacy: h('select', { id: prefix + '-privacy' }, ['', 'local', 'private', 'zdr', 'cloud'].map(p =>
      h('option', { value: p, selected: (l.privacy || '') === p }, p || '(any)'))),
    providers: h('input', { id: prefix + '-providers', placeholder: 'all (comma-separated ids)', value: listed(l.allowed_providers) }),
    models: h('input', { id: prefix + '-models', placeholder: 'all (comma-separated)', value: listed(l.allowed_models) }),
  };
}

function limitLabels(f) {
  return [h('label', {}, 'Daily budget (USD)', f.daily), h('label', {}, 'Monthly budget (USD)', f.monthly),
    h('label', {}, 'Requests per minute', f.rpm), h('label', {}, 'Privacy ceiling', f.privacy),
    h('label', {}, 'Allowed providers', f.providers), h('label', {}, 'Allowed models', f.models)];
}

/**
 * The limits the inputs say. With {@code clear}, an empty input is sent as null (no limit): the change replaces
 * every limit the form shows; without it (creating), empty inputs are left out.
 */
function limitsOf(f, clear) {
  const limits = {};
  const put = (name, value, empty) => {
    if (!empty) limits[name] = value;
    else if (clear) limits[name] = null;
  };
  const listOf = v => v.split(',').map(x => x.trim()).filter(Boolean);
  put('daily_budget_usd', Number(f.daily.value), !f.daily.value);
  put('monthly_budget_usd', Number(f.monthly.value), !f.monthly.value);
  put('requests_per_minute', Number(f.rpm.value), !f.rpm.value);
  put('privacy', f.privacy.value, !f.privacy.value);
  put('allowed_providers', listOf(f.providers.value), listOf(f.providers.value).length === 0);
  put('allowed_models', listOf(f.models.value), listOf(f.models.value).length === 0);
  return limits;
}

/** Opens the form that changes key {@code k}'s limits (PATCH /api/v1/keys/{id}; every router applies it at once). */
function edit(k) {
  if (!editor) return;
  const f = limitInputs('edit', k.limits || {});
  const form = h('form', { id: 'key-edit-form', class: 'row', 'data-editing': k.id }, limitLabels(f),
    h('button', { type: 'submit', id: 'key-save' }, 'Save limits'),
    h('button', { type: 'button', class: 'ghost', id: 'key-edit-cancel', onclick: close }, 'Cancel'));
  form.addEventListener('submit', e => {
    e.preventDefault();
    const limits = limitsOf(f, true);
    apply('Change key ' + k.id, `Change the limits of key ${k.name || k.id} to ${JSON.stringify(limits)}? `
      + 'Every router applies them to its next request; empty fields mean no limit.',
    () => patch('/api/v1/keys/' + encodeURIComponent(k.id), { limits }), () => {
      close();
      return load();
    });
  });
  fill(editor, h('h2', {}, 'Limits of ' + (k.name || k.id)), h('p', { class: 'muted small mono' }, k.id), form);
  editor.hidden = false;
  f.daily.focus();
}

function close() {
  if (!editor) return;
  fill(editor);
  editor.hidden = true;
}

function createForm() {
  const name = h('input', { id: 'key-name', required: true, placeholder: 'team-a' });
  const f = limitInputs('key');
  const form = h('form', { id: 'key-form', class: 'row' }, h('label', {}, 'Name', name), limitLabels(f),
    h('button', { type: 'submit', id: 'key-create' }, 'Create key'));
  form.addEventListener('submit', e => {
    e.preventDefault();
    const limits = limitsOf(f, false);
    const keyName = name.value.trim();
    apply('Create key ' + keyName, `Create key "${keyName}" with limits ${JSON.stringify(limits)}?`,
      () => post('/api/v1/keys', { name: keyName, limits }), created => {
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

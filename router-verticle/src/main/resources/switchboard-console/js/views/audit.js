// Audit: who changed what and when, cluster-wide, newest first; new entries arrive live.
import { h, table, fill } from '../dom.js';
import { time, change } from '../format.js';

let box = null;
let app = null;

export function render(root, context) {
  app = context;
  box = h('div', { id: 'audit-list' });
  root.append(h('section', { class: 'panel' }, h('h2', {}, 'Audit list'),
    h('p', { class: 'muted small' }, 'Changes made through this page or the JSON admin API, on any node of the cluster '
      + '(the newest 500 are kept). "Who" is the name given at log-in and the session, or "admin token" for scripts.'), box));
  audited();
}

export function audited() {
  if (!box) return;
  fill(box, app.audit.length === 0 ? h('p', { class: 'empty' }, 'No changes yet.')
    : table(['When', 'Who', 'From', 'What', 'Node'], app.audit.map(e => h('tr', { 'data-audit': e.id },
      h('td', { class: 'small' }, time(e.time)), h('td', {}, e.who), h('td', { class: 'small mono' }, e.from || ''),
      h('td', {}, change(e)), h('td', { class: 'small' }, e.node)))));
}

export function leave() {
  box = null;
}

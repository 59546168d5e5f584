// The console's entry: log in, the shell (node state, banners, tabs) and the views, kept up to date by the live feed.
import { $, h, fill } from './dom.js';
import { get, post, del, setCsrf } from './api.js';
import * as live from './live.js';
import { toast } from './ui.js';
import * as backends from './views/backends.js';
import * as routing from './views/routing.js';
import * as usage from './views/usage.js';
import * as keys from './views/keys.js';
import * as calls from './views/calls.js';
import * as audit from './views/audit.js';

const views = { backends, routing, usage, keys, calls, audit };

/** What every view may read: the last status, the session, the audit list, the node's state. */
export const app = { status: null, session: null, audit: [], draining: false, connection: 'connecting' };
let current = null;

async function boot() {
  $('login-form').addEventListener('submit', login);
  $('logout').addEventListener('click', logout);
  window.addEventListener('hashchange', route);
  window.addEventListener('switchboard:logged-out', () => {
    if (app.session) {
      toast('The session ended: log in again', 'bad');
      leave();
    }
  });
  try {
    const s = await get('/admin/api/session');
    if (s.authenticated) {
      start(s);
      return;
    }
  } catch (e) {
    $('login-error').textContent = e.message;
    $('login-error').hidden = false;
  }
  showLogin();
}

function showLogin() {
  $('shell').hidden = true;
  $('login').hidden = false;
  $('login-token').focus();
}

async function login(e) {
  e.preventDefault();
  const token = $('login-token').value;
  const name = $('login-name').value;
  $('login-token').value = ''; // the token stays in this form only until it is sent
  $('login-submit').disabled = true;
  $('login-error').hidden = true;
  try {
    start(await post('/admin/api/session', { token, name }));
  } catch (err) {
    $('login-error').textContent = err.status === 401 ? 'That is not the admin token.' : err.message;
    $('login-error').hidden = false;
  } finally {
    $('login-submit').disabled = false;
  }
}

function start(session) {
  app.session = session;
  setCsrf(session.csrf);
  $('who').textContent = 'logged in as ' + session.name + ' (session ' + session.session + ')';
  $('login').hidden = true;
  $('shell').hidden = false;
  live.connect();
  get('/admin/api/audit?limit=100').then(r => {
    app.audit = r.entries;
    if (current && current.audited) current.audited();
  }).catch(err => toast('audit list: ' + err.message, 'bad'));
  route();
}

async function logout() {
  try {
    await del('/admin/api/session');
  } catch (e) {
    // the session is ended on this side anyway
  }
  leave();
}

function leave() {
  live.disconnect();
  setCsrf(null);
  app.session = null;
  if (current && current.leave) current.leave();
  current = null;
  $('view').replaceChildren();
  showLogin();
}

function route() {
  if (!app.session) return;
  const name = (location.hash.match(/^#\/(\w+)/) || [])[1];
  const view = views[name] || views.backends;
  if (current && current.leave) current.leave();
  current = view;
  for (const a of $('tabs').querySelectorAll('a')) a.classList.toggle('active', views[a.dataset.view] === view);
  const root = $('view');
  fill(root);
  view.render(root, app);
}

function nodeState() {
  const pill = $('node-state');
  const node = app.status && app.status.node ? app.status.node.name : 'node';
  if (app.draining) {
    pill.className = 'pill draining';
    pill.textContent = node + ': draining';
  } else if (app.connection === 'retrying' || app.connection === 'closed') {
    pill.className = 'pill down';
    pill.textContent = node + ': not answering';
  } else if (app.status) {
    pill.className = 'pill live';
    pill.textContent = node + ': live';
  }
}

function banners() {
  const out = [];
  if (app.draining) {
    out.push(h('div', { class: 'banner warn', id: 'banner-draining' },
      'This node is draining: it takes no new requests and will stop. Open the console on another node of the cluster.'));
  }
  for (const b of (app.status && app.status.backends) || []) {
    if (b.breaker && b.breaker.state === 'open') {
      out.push(h('div', { class: 'banner bad', 'data-breaker': b.id },
        `Breaker open: ${b.id} (${b.breaker.failures} recent failures). The router skips it until a trial request succeeds.`));
    }
  }
  $('banners').replaceChildren(...out);
}

live.on('status', status => {
  app.status = status;
  nodeState();
  banners();
  if (current && current.update) current.update(status);
});
live.on('breaker', e => toast(`breaker of ${e.backend} is now ${e.state.replace('_', '-')}`, e.state === 'open' ? 'bad' : undefined));
live.on('audit', e => {
  if (!app.audit.some(x => x.id === e.id)) app.audit.unshift(e);
  if (current && current.audited) current.audited(e);
});
live.on('draining', () => {
  app.draining = true;
  nodeState();
  banners();
});
live.on('connection', state => {
  app.connection = state;
  nodeState();
});

boot();

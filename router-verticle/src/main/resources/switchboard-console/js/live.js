// The live feed (server-sent events): status every two seconds, breaker transitions and audit entries at once, and
// the node's drain. Listeners get each event's data.

const listeners = { status: [], breaker: [], audit: [], draining: [], connection: [] };
let source = null;

export function on(event, fn) {
  listeners[event].push(fn);
}

function emit(event, data) {
  for (const fn of listeners[event]) fn(data);
}

export function connect() {
  if (source) return;
  source = new EventSource('/admin/api/events');
  source.addEventListener('open', () => emit('connection', 'live'));
  source.addEventListener('error', () => emit('connection', source.readyState === EventSource.CLOSED ? 'closed' : 'retrying'));
  for (const event of ['status', 'breaker', 'audit', 'draining']) {
    source.addEventListener(event, e => emit(event, JSON.parse(e.data)));
  }
}

export function disconnect() {
  if (source) source.close();
  source = null;
}

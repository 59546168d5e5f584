// How numbers, money and times read on the page.

export function usd(x) {
  if (x === null || x === undefined || Number.isNaN(x)) return '–';
  if (x === 0) return '$0';
  if (Math.abs(x) < 0.01) return '$' + x.toFixed(6).replace(/0+$/, '');
  return '$' + x.toFixed(x < 100 ? 2 : 0);
}

export function num(x) {
  if (x === null || x === undefined) return '–';
  if (Math.abs(x) >= 1e6) return (x / 1e6).toFixed(1) + 'M';
  if (Math.abs(x) >= 1e4) return (x / 1e3).toFixed(1) + 'k';
  return String(Math.round(x * 100) / 100);
}

export function ms(x) {
  return x === null || x === undefined || x < 0 ? '–' : Math.round(x) + ' ms';
}

export function pct(x) {
  return x === null || x === undefined ? '–' : (x * 100).toFixed(x < 0.1 ? 1 : 0) + '%';
}

/** UTC, to the second: the ledger's days and months are UTC. */
export function time(t) {
  if (!t) return '–';
  return new Date(t).toISOString().replace('T', ' ').slice(0, 19) + 'Z';
}

export function clock(t) {
  return new Date(t).toISOString().slice(11, 16);
}

/** A one-line account of an audit entry: what changed. */
export function change(e) {
  const d = e.detail || {};
  if (e.action === 'login') return 'logged in';
  if (e.action === 'logout') return 'logged out';
  if (e.action === 'POST /api/v1/providers/update') {
    const parts = [];
    if ('enabled' in d) parts.push(d.enabled ? 'enabled' : 'disabled');
    if ('priority' in d) parts.push('priority → ' + (d.priority === null ? 'as configured' : d.priority));
    if ('limits' in d) parts.push('limits → ' + JSON.stringify(d.limits));
    if ('config' in d) parts.push('config changed');
    return 'backend ' + d.provider + ': ' + parts.join(', ');
  }
  if (e.action === 'PUT /api/v1/strategy') {
    return 'routing: ' + Object.entries(d).map(([k, v]) => k + ' → ' + (typeof v === 'string' ? v : JSON.stringify(v))).join('; ');
  }
  if (e.action === 'POST /api/v1/keys') return 'created key "' + (d.name || '') + '"';
  if (e.action.startsWith('PATCH /api/v1/keys/')) {
    return 'changed limits of key ' + e.action.slice('PATCH /api/v1/keys/'.length) + ': ' + JSON.stringify(d.limits || {});
  }
  if (e.action.startsWith('DELETE /api/v1/keys/')) return 'revoked key ' + e.action.slice('DELETE /api/v1/keys/'.length);
  if (e.action === 'PUT /api/v1/voice/mode') return 'voice mode: ' + JSON.stringify(d);
  return e.action + (e.detail ? ' ' + JSON.stringify(e.detail) : '');
}

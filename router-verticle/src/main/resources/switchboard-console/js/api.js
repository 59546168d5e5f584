// Calls to the server: the JSON admin API (/api/v1) and the page's own (/admin/api), with the session cookie and, on
// every call that changes something, the session's CSRF token. The admin token itself is never kept here.

let csrf = null;

export function setCsrf(token) {
  csrf = token;
}

export class ApiError extends Error {
  constructor(status, message, data) {
    super(message);
    this.status = status;
    this.data = data;
  }
}

export async function call(method, path, body) {
  const headers = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && csrf) headers['x-csrf-token'] = csrf;
  let res;
  try {
    res = await fetch(path, { method, headers, credentials: 'same-origin', body: body === undefined ? undefined : JSON.stringify(body) });
  } catch (e) {
    throw new ApiError(0, 'the node does not answer (' + e.message + ')');
  }
  const type = res.headers.get('content-type') || '';
  const data = type.includes('json') ? await res.json() : await res.text();
  if (res.status === 401 && path !== '/admin/api/session') {
    window.dispatchEvent(new Event('switchboard:logged-out'));
  }
  if (!res.ok) {
    const message = data && data.error && data.error.message ? data.error.message : res.status + ' ' + res.statusText;
    throw new ApiError(res.status, message, data);
  }
  return data;
}

export const get = path => call('GET', path);
export const post = (path, body) => call('POST', path, body === undefined ? {} : body);
export const put = (path, body) => call('PUT', path, body);
export const patch = (path, body) => call('PATCH', path, body);
export const del = path => call('DELETE', path);

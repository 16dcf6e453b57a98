// The portal's JSON API client: same-origin fetches with the session cookie, the CSRF token
// on every change, and errors as ApiError {status, code, field, message}.

let csrfToken = '';
let onUnauthenticated = () => {};

export class ApiError extends Error {
  constructor(status, code, message, field) {
    super(message);
    this.status = status;
    this.code = code;
    this.field = field || '';
  }
}

// Requests under way, for the loading indicator (app.js): `listener(count)` on each change.
let inFlight = 0;
let onBusy = () => {};
export function setBusyListener(listener) { onBusy = listener; }
function busy(change) {
  inFlight += change;
  onBusy(inFlight);
}

export function setCsrfToken(token) { csrfToken = token || ''; }
export function setUnauthenticatedHandler(handler) { onUnauthenticated = handler; }

export async function api(method, path, body) {
  const options = {method, credentials: 'same-origin', headers: {Accept: 'application/json'}};
  if (method !== 'GET' && method !== 'HEAD') options.headers['X-CSRF-Token'] = csrfToken;
  if (body !== undefined) {
    options.headers['Content-Type'] = 'application/json';
    options.body = JSON.stringify(body);
  }
  let response;
  let text;
  busy(+1);
  try {
    response = await fetch(path, options);
    text = await response.text();
  } catch (e) {
    throw new ApiError(0, 'network', `The metaserver did not answer (${e.message}).`);
  } finally {
    busy(-1);
  }
  let data = null;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      throw new ApiError(response.status, 'bad_answer', `Unexpected answer (${response.status}).`);
    }
  }
  if (!response.ok) {
    const error = (data && data.error) || {};
    if (response.status === 401 && path !== '/api/login') onUnauthenticated();
    throw new ApiError(response.status, error.code || 'error',
                       error.message || `Request failed (${response.status}).`, error.field);
  }
  return data;
}

export const get = path => api('GET', path);
export const post = (path, body) => api('POST', path, body === undefined ? {} : body);
export const patch = (path, body) => api('PATCH', path, body);
export const del = path => api('DELETE', path);

// encodeURIComponent for one path segment.
export const seg = text => encodeURIComponent(text);

export function query(params) {
  const parts = [];
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined || value === null || value === '') continue;
    parts.push(`${encodeURIComponent(key)}=${encodeURIComponent(value)}`);
  }
  return parts.length ? `?${parts.join('&')}` : '';
}

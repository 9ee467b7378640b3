// The admin API client: JSON in and out, the CSRF token kept in memory only, and the API's
// {"error":{code,message}} turned into ApiError with the server's own words.

let csrfToken = null;
let onUnauthorized = null;

export class ApiError extends Error {
  constructor(status, code, message, body) {
    super(message);
    this.status = status;
    this.code = code;
    this.body = body;
  }
}

export function setCsrf(token) { csrfToken = token || null; }
export function hasCsrf() { return !!csrfToken; }

// Called with the ApiError when a request answers 401 (session gone): the app shows the login.
export function setUnauthorizedHandler(fn) { onUnauthorized = fn; }

// Builds "path?k=v&..." leaving out empty values.
export function withQuery(path, query) {
  if (!query) return path;
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  }
  const s = q.toString();
  return s ? `${path}?${s}` : path;
}

function describeHttp(status) {
  if (status === 404) return 'This feature is not available on this owncast-wm server (HTTP 404).';
  if (status === 502 || status === 504) return `The server could not reach the other side (HTTP ${status}).`;
  if (status >= 500) return `owncast-wm had a problem (HTTP ${status}). Check its log.`;
  return `The request failed (HTTP ${status}).`;
}

// request('POST', '/plugins/wm/api/x', {a: 1}). Resolves with the parsed JSON (null for 204),
// rejects with ApiError. options.handle401 = false: a 401 is only returned as an error (the
// login and setup forms), not treated as "session ended".
export async function request(method, path, body, options = {}) {
  const headers = { Accept: 'application/json' };
  const init = { method, headers, credentials: 'same-origin', cache: 'no-store' };
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  if (method !== 'GET' && method !== 'HEAD' && csrfToken) headers['X-CSRF-Token'] = csrfToken;
  let res;
  try {
    res = await fetch(path, init);
  } catch (e) {
    throw new ApiError(0, 'network_error', 'owncast-wm is not reachable. Is it still running?', null);
  }
  const type = res.headers.get('content-type') || '';
  let data = null;
  if (res.status !== 204) {
    const text = await res.text();
    if (text && type.includes('json')) {
      try { data = JSON.parse(text); } catch { data = null; }
    } else {
      data = text;
    }
  }
  if (!res.ok) {
    const e = data && typeof data === 'object' && data.error && typeof data.error === 'object' ? data.error : null;
    const err = new ApiError(res.status, e?.code || `http_${res.status}`, e?.message || describeHttp(res.status), data);
    const retry = res.headers.get('retry-after');
    if (retry) err.retryAfter = Number(retry);
    // Only our own session ending means "log in again"; e.g. Owncast refusing its admin password
    // (owncast_unauthorized) is an error to show in place.
    if (res.status === 401 && (err.code === 'unauthorized' || err.code === 'http_401') && options.handle401 !== false && onUnauthorized) {
      onUnauthorized(err);
    }
    throw err;
  }
  return data;
}

// Raw bytes (e.g. an uploaded sound) with their own Content-Type; resolves with the JSON answer.
export async function upload(path, blob, type) {
  const headers = { Accept: 'application/json', 'Content-Type': type || 'application/octet-stream' };
  if (csrfToken) headers['X-CSRF-Token'] = csrfToken;
  let res;
  try {
    res = await fetch(path, { method: 'POST', headers, body: blob, credentials: 'same-origin', cache: 'no-store' });
  } catch (e) {
    throw new ApiError(0, 'network_error', 'owncast-wm is not reachable. Is it still running?', null);
  }
  let data = null;
  try { data = await res.json(); } catch { data = null; }
  if (!res.ok) {
    const e = data && data.error && typeof data.error === 'object' ? data.error : null;
    throw new ApiError(res.status, e?.code || `http_${res.status}`, e?.message || describeHttp(res.status), data);
  }
  return data;
}

export const api = {
  get: (path, query, options) => request('GET', withQuery(path, query), undefined, options),
  post: (path, body, options) => request('POST', path, body === undefined ? {} : body, options),
  put: (path, body, options) => request('PUT', path, body, options),
  del: (path, options) => request('DELETE', path, undefined, options),
};

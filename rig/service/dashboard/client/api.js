// The dashboard's calls to the lab service's API (/api/v1): every request carries the token in
// its Authorization header (never in a URL), every answer is read up to a bound (an answer
// larger than that is refused, not parsed), and every refusal becomes an ApiError with the
// service's own message. A 401 means the token is no longer good: the app goes back to log-in.

export const API = '/api/v1';
/** Largest answer read: the biggest the service sends (a console tail, a run report) fits. */
export const ANSWER_MAX_BYTES = 16 * 1024 * 1024;

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
  }
}

/** The body of `response` as text, refusing it beyond `max` bytes. */
export async function readBounded(response, max = ANSWER_MAX_BYTES) {
  const declared = Number(response.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > max) {
    await response.body?.cancel();
    throw new ApiError(response.status, `the answer is ${declared} bytes, more than the ${max} bytes this page reads`);
  }
  if (!response.body) return '';
  const reader = response.body.getReader();
  const chunks = [];
  let n = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    n += value.length;
    if (n > max) {
      await reader.cancel();
      throw new ApiError(response.status, `the answer is more than the ${max} bytes this page reads`);
    }
    chunks.push(value);
  }
  const all = new Uint8Array(n);
  let at = 0;
  for (const c of chunks) {
    all.set(c, at);
    at += c.length;
  }
  return new TextDecoder().decode(all);
}

export class Api {
  /** @param {string} token @param {() => void} onUnauthorized */
  constructor(token, onUnauthorized) {
    this.token = token;
    this.onUnauthorized = onUnauthorized;
  }

  headers(extra = {}) {
    return { authorization: `Bearer ${this.token}`, ...extra };
  }

  /** GET `path` (under /api/v1): `{status, body}`; refusals throw. */
  async get(path, o = {}) {
    return this.call('GET', path, undefined, o);
  }

  async post(path, body) {
    return (await this.call('POST', path, body ?? {})).body;
  }

  async call(method, path, body, o = {}) {
    let r;
    try {
      r = await fetch(`${API}${path}`, {
        method,
        headers: this.headers(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        cache: 'no-store',
        ...(o.signal ? { signal: o.signal } : {}),
      });
    } catch (e) {
      if (e?.name === 'AbortError') throw e;
      throw new ApiError(0, 'the service does not answer (network error)');
    }
    const text = await readBounded(r, o.maxBytes);
    let json;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      throw new ApiError(r.status, `the service answered ${r.status} with something that is not JSON`);
    }
    if (r.status === 401) this.onUnauthorized?.();
    if (r.status >= 400) throw new ApiError(r.status, typeof json?.error?.message === 'string' ? json.error.message : `HTTP ${r.status}`);
    return { status: r.status, body: json };
  }

  /** Text (JUnit XML) as a download the user saves; the token stays in the header. */
  async text(path) {
    const r = await fetch(`${API}${path}`, { headers: this.headers(), cache: 'no-store' });
    const text = await readBounded(r);
    if (r.status === 401) this.onUnauthorized?.();
    if (r.status >= 400) {
      let message = `HTTP ${r.status}`;
      try {
        message = JSON.parse(text).error.message;
      } catch {
        // not the error shape: the status says it
      }
      throw new ApiError(r.status, message);
    }
    return text;
  }
}

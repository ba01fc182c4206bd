/**
 * A small HTTP client of the lab service's API (/api/v1), for what talks to a service from
 * elsewhere: the `--tracker` option of status/update/flash, `suitrig release upload`, and a
 * remote agent. Bearer token, JSON in and out, a bounded wait per call; every failure is a
 * TrackerError whose message names the service and what went wrong (the service's own error
 * message when it answered one), never the token.
 */
import { get as httpGet, type IncomingMessage } from 'node:http';
import { get as httpsGet } from 'node:https';

export class TrackerError extends Error {
  override name = 'TrackerError';
  constructor(
    message: string,
    /** The HTTP status when the service answered, else undefined (unreachable, timed out). */
    readonly status?: number,
    /** The service's own error message, when it answered one (e.g. who holds a board until when). */
    readonly detail?: string,
  ) {
    super(message);
  }
}

/** Each call's wait for an answer. */
const CALL_TIMEOUT_MS = 30_000;

export class TrackerClient {
  readonly base: string;
  constructor(
    url: string,
    private readonly token: string,
    private readonly timeoutMs = CALL_TIMEOUT_MS,
  ) {
    this.base = url.replace(/\/+$/, '');
  }

  /** `method path` with a JSON body (or FormData), answering the parsed JSON. */
  async call<T = unknown>(method: string, path: string, body?: unknown): Promise<T> {
    const form = typeof FormData !== 'undefined' && body instanceof FormData;
    const res = await this.fetch(path, {
      method,
      headers: { authorization: `Bearer ${this.token}`, ...(body !== undefined && !form ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: form ? (body as FormData) : JSON.stringify(body) } : {}),
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    const text = await res.text();
    let json: unknown;
    try {
      json = text === '' ? undefined : JSON.parse(text);
    } catch {
      throw new TrackerError(`${this.base}: ${method} ${path} answered ${res.status} with something that is not JSON (is this a suitrig service?)`, res.status);
    }
    if (!res.ok) {
      const e = (json as { error?: { code?: string; message?: string } } | undefined)?.error;
      throw new TrackerError(`${this.base}: ${method} ${path} answered ${res.status}${e ? ` ${e.code}: ${e.message}` : ''}`, res.status, e?.message);
    }
    return json as T;
  }

  /**
   * `GET path` whose answer does not end by itself (the event stream): the response once its
   * headers arrived, its body left to the caller; its connection is closed when `signal` aborts.
   * A connection of its own (node:http, no pool): fetch's pool may keep a socket open to the
   * service after an abort, which holds up the service's shutdown.
   */
  open(path: string, signal: AbortSignal, headers: Record<string, string> = {}): Promise<IncomingMessage> {
    const url = `${this.base}/api/v1${path}`;
    const get = url.startsWith('https:') ? httpsGet : httpGet;
    return new Promise((resolve, reject) => {
      const req = get(url, { agent: false, signal, headers: { authorization: `Bearer ${this.token}`, ...headers } }, (res) => {
        if (res.statusCode === 200) return resolve(res);
        res.destroy();
        reject(new TrackerError(`${this.base}: GET ${path} answered ${res.statusCode}`, res.statusCode));
      });
      // Silence this long is a dead peer (the service's stream sends a heartbeat every 15 s).
      req.setTimeout(this.timeoutMs, () => req.destroy(new Error(`nothing heard in ${this.timeoutMs / 1000} s`)));
      req.on('error', (e: Error & { code?: string }) => reject(new TrackerError(`${this.base}: ${e.code ?? e.message}`)));
    });
  }

  private async fetch(path: string, init: RequestInit): Promise<Response> {
    try {
      return await fetch(`${this.base}/api/v1${path}`, init);
    } catch (e) {
      const err = e as Error & { cause?: { code?: string; message?: string } };
      const why = err.name === 'TimeoutError' ? `no answer in ${this.timeoutMs / 1000} s` : (err.cause?.code ?? err.cause?.message ?? err.message);
      throw new TrackerError(`${this.base}: ${why}`);
    }
  }
}

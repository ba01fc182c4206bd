/**
 * A small HTTP client of the lab service's API (/api/v1), for what talks to a service from
 * elsewhere: the `--tracker` option of status/update/flash, `suitrig release upload`, and a
 * remote agent (rig/service/agent/http-link.ts). Bearer token, JSON in and out, a bounded wait
 * per call (and the caller's own signal), bytes read within a stated bound; every failure is a
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

/** Each call's wait for an answer, unless the call says otherwise. */
const CALL_TIMEOUT_MS = 30_000;

export interface CallOptions {
  /** The wait for this call's answer, body included (default: the client's). */
  timeoutMs?: number;
  /** The caller gives up (the fetch is aborted; the call rejects with the signal's reason). */
  signal?: AbortSignal;
}

/**
 * The lab service's address as `--tracker` and the test config take it: its origin
 * (http(s)://HOST:PORT), or undefined when `url` is not one (no path, query or credentials).
 */
export function trackerOrigin(url: string): string | undefined {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return undefined;
  }
  const bare = (u.protocol === 'http:' || u.protocol === 'https:') && !u.username && !u.password && !u.search && !u.hash && (u.pathname === '/' || u.pathname === '');
  return bare ? `${u.protocol}//${u.host}` : undefined;
}

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
  async call<T = unknown>(method: string, path: string, body?: unknown, o: CallOptions = {}): Promise<T> {
    const timeoutMs = o.timeoutMs ?? this.timeoutMs;
    const res = await this.send(method, path, body, timeoutMs, o.signal);
    const text = await this.read(res, timeoutMs, o.signal, () => res.text());
    if (!res.ok) throw this.refusal(method, path, res.status, text);
    try {
      return (text === '' ? undefined : JSON.parse(text)) as T;
    } catch {
      throw this.notJson(method, path, res.status);
    }
  }

  /** The bytes `GET path` answers, refused beyond `limit` bytes (as soon as the length or the bytes say so). */
  async bytes(path: string, limit: number, o: CallOptions = {}): Promise<Uint8Array> {
    const timeoutMs = o.timeoutMs ?? this.timeoutMs;
    const res = await this.send('GET', path, undefined, timeoutMs, o.signal);
    if (!res.ok) throw this.refusal('GET', path, res.status, await this.read(res, timeoutMs, o.signal, () => res.text()));
    const tooLarge = (): TrackerError => new TrackerError(`${this.base}: GET ${path} answered more than the ${limit} bytes expected`, res.status);
    if (Number(res.headers.get('content-length') ?? 0) > limit) {
      await res.body?.cancel();
      throw tooLarge();
    }
    return this.read(res, timeoutMs, o.signal, async () => {
      const chunks: Uint8Array[] = [];
      let n = 0;
      for await (const chunk of res.body ?? []) {
        n += chunk.length;
        if (n > limit) throw tooLarge();
        chunks.push(chunk);
      }
      return Buffer.concat(chunks);
    });
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

  private async send(method: string, path: string, body: unknown, timeoutMs: number, signal: AbortSignal | undefined): Promise<Response> {
    const form = typeof FormData !== 'undefined' && body instanceof FormData;
    try {
      return await fetch(`${this.base}/api/v1${path}`, {
        method,
        headers: { authorization: `Bearer ${this.token}`, ...(body !== undefined && !form ? { 'content-type': 'application/json' } : {}) },
        ...(body !== undefined ? { body: form ? (body as FormData) : JSON.stringify(body) } : {}),
        signal: signal ? AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]) : AbortSignal.timeout(timeoutMs),
      });
    } catch (e) {
      throw this.failure(e, timeoutMs, signal);
    }
  }

  /** Reads the answer's body; a timeout or a dropped connection on the way is a TrackerError too. */
  private async read<T>(res: Response, timeoutMs: number, signal: AbortSignal | undefined, how: () => Promise<T>): Promise<T> {
    try {
      return await how();
    } catch (e) {
      if (e instanceof TrackerError) throw e;
      throw this.failure(e, timeoutMs, signal, res.status);
    }
  }

  /** A service's refusal: its status and its own error message. */
  private refusal(method: string, path: string, status: number, text: string): TrackerError {
    let e: { code?: string; message?: string } | undefined;
    try {
      e = (JSON.parse(text) as { error?: { code?: string; message?: string } } | undefined)?.error;
    } catch {
      return this.notJson(method, path, status);
    }
    return new TrackerError(`${this.base}: ${method} ${path} answered ${status}${e ? ` ${e.code}: ${e.message}` : ''}`, status, e?.message);
  }

  private notJson(method: string, path: string, status: number): TrackerError {
    return new TrackerError(`${this.base}: ${method} ${path} answered ${status} with something that is not JSON (is this a suitrig service?)`, status);
  }

  private failure(e: unknown, timeoutMs: number, signal: AbortSignal | undefined, status?: number): unknown {
    if (signal?.aborted) return signal.reason;
    const err = e as Error & { cause?: { code?: string; message?: string } };
    const why = err.name === 'TimeoutError' ? `no answer in ${timeoutMs / 1000} s` : (err.cause?.code ?? err.cause?.message ?? err.message);
    return new TrackerError(`${this.base}: ${why}`, status);
  }
}

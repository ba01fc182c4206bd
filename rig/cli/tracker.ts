/**
 * `--tracker URL --token T` (DESIGN.md "Lab service": commands keep working without a service;
 * with `--tracker` they report to it): the lab service's base URL and a bearer token, and one
 * bounded JSON request to its API. The token may come from SUITRIG_TOKEN instead of the command
 * line (where other users of the machine can read it in the process list); it is never printed.
 */
import { EnvironmentError, UsageError, optString, type CliIo, type OptionDef, type ParsedArgs } from './command.js';

export const TRACKER_OPTIONS: Record<string, OptionDef> = {
  tracker: { type: 'string', value: '<url>', description: 'report to the lab service at this URL (http://HOST:PORT)' },
  token: { type: 'string', value: '<token>', description: 'bearer token for --tracker (default: $SUITRIG_TOKEN)' },
};

export interface Tracker {
  /** `http://HOST:PORT`, without a trailing slash. */
  url: string;
  token: string;
}

/** How long one request to the tracker may take. */
const TRACKER_TIMEOUT_MS = 30_000;

/** The tracker of `--tracker`/`--token`, or undefined without `--tracker`. */
export function trackerOption(args: ParsedArgs, io: CliIo): Tracker | undefined {
  const url = optString(args, 'tracker');
  const token = optString(args, 'token') ?? io.env.SUITRIG_TOKEN;
  if (url === undefined) {
    if (optString(args, 'token') !== undefined) throw new UsageError('--token is for --tracker: give the service URL too');
    return undefined;
  }
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new UsageError(`--tracker ${url}: expected the lab service's URL, http://HOST:PORT`);
  }
  if ((u.protocol !== 'http:' && u.protocol !== 'https:') || u.username || u.password || u.search || (u.pathname !== '/' && u.pathname !== '')) {
    throw new UsageError(`--tracker ${url}: expected the lab service's URL, http(s)://HOST:PORT, without a path or credentials`);
  }
  if (!token) throw new UsageError('--tracker needs a token: --token <token> or SUITRIG_TOKEN (suitrig token create makes one)');
  return { url: `${u.protocol}//${u.host}`, token };
}

/** POSTs `body` to `path` under /api/v1; the answer's JSON. An error answer or no answer: EnvironmentError naming it. */
export function postToTracker(t: Tracker, path: string, body: unknown): Promise<Record<string, unknown>> {
  return askTracker(t, 'POST', path, body);
}

/** GETs `path` under /api/v1; the answer's JSON. */
export function getFromTracker(t: Tracker, path: string): Promise<Record<string, unknown>> {
  return askTracker(t, 'GET', path);
}

async function askTracker(t: Tracker, method: 'GET' | 'POST', path: string, body?: unknown): Promise<Record<string, unknown>> {
  const where = `${t.url}/api/v1${path}`;
  let res: Response;
  try {
    res = await fetch(where, {
      method,
      headers: { authorization: `Bearer ${t.token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      signal: AbortSignal.timeout(TRACKER_TIMEOUT_MS),
    });
  } catch (e) {
    const cause = (e as { cause?: { code?: string; message?: string } }).cause;
    throw new EnvironmentError(`--tracker: no answer from ${where} (${cause?.code ?? cause?.message ?? (e as Error).message})`);
  }
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  if (!res.ok) {
    const msg = (json as { error?: { message?: unknown } } | undefined)?.error?.message;
    throw new EnvironmentError(`--tracker: ${method} ${where} answered ${res.status}${typeof msg === 'string' ? `: ${msg}` : ''}`);
  }
  if (typeof json !== 'object' || json === null) throw new EnvironmentError(`--tracker: ${where} answered ${res.status} without a JSON object`);
  return json as Record<string, unknown>;
}

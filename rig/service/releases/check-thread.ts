/**
 * The worker thread of the release check (checker.ts): runs checkRelease (check.ts) on what the
 * service's thread posts, so that verifying a 16 MiB release does not stall the event loop that
 * serves the API, the event streams and the agents' claims. A core trap crosses the thread
 * boundary as its message only (an Error subclass does not survive structured cloning).
 */
import { parentPort } from 'node:worker_threads';
import { checkRelease } from './check.js';
import type { CheckRequest, CheckResponse } from './checker.js';

const port = parentPort;
if (!port) throw new Error('check-thread.ts runs as a worker thread of the release checker');

port.on('message', (m: CheckRequest) => {
  let out: CheckResponse;
  try {
    const r = checkRelease(m.envelope, m.payloads, m.trust);
    out = r.ok || !r.trap ? { id: m.id, check: r } : { id: m.id, check: { ...r, trap: undefined }, trap: r.trap.stack ?? r.trap.message };
  } catch (e) {
    out = { id: m.id, failure: (e as Error).stack ?? String(e) };
  }
  port.postMessage(out);
});

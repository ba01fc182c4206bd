/**
 * A few idle core instances kept for one-shot verifications, so verifyEnvelope does not pay an
 * instantiation per call. Processors own their core for the whole run and do not use the pool.
 */
import { NULL_HOST, VerifierCore } from './core.js';

const idle: VerifierCore[] = [];
const KEEP = 4;

export function acquireCore(): VerifierCore {
  return idle.pop() ?? new VerifierCore();
}

export function releaseCore(core: VerifierCore): void {
  core.host = NULL_HOST;
  if (idle.length < KEEP) idle.push(core);
}

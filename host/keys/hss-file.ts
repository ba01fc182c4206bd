/**
 * HSS-LMS private key files (`keygen --alg hss-lms` writes them as `<prefix>.hss`, mode 0600): the
 * signer state of hss.ts as base64 CBOR between `-----BEGIN SUITRIG HSS-LMS PRIVATE KEY-----`
 * lines. Signing with one is a read-modify-write of the file, in this order:
 *
 *   1. take `<file>.lock` (created exclusively; a lock left by a signer that died is reported,
 *      never broken automatically: two signers on one state would reuse one-time keys);
 *   2. read the state, mark the next leaf used (renewing exhausted lower trees);
 *   3. write the new state to a temporary file, fsync it, rename it over the key file, fsync the
 *      directory (writeFileAtomic with `durable`);
 *   4. only then compute and return the signature; release the lock.
 *
 * Killed before 3 completes: no signature existed, the old state is intact. Killed after: the leaf
 * is used in the file, so it is never used again. A backup of the file restored later would bring
 * used one-time keys back: the file must never be copied back over a newer state.
 */
import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { decodeHssState, encodeHssState, generateHssState, hssPublicKey, HssKeyError, HssSigner, type HssState } from './hss.js';
import type { LevelSpec } from './lms-types.js';
import type { HssPrivateKey } from './types.js';
import { writeFileAtomic } from '../util/atomic-write.js';

const BEGIN = '-----BEGIN SUITRIG HSS-LMS PRIVATE KEY-----';
const END = '-----END SUITRIG HSS-LMS PRIVATE KEY-----';

export function isHssKeyText(text: string): boolean {
  return text.includes(BEGIN);
}

export function armourHssState(state: HssState): string {
  const b64 = Buffer.from(encodeHssState(state)).toString('base64');
  return `${BEGIN}\n${b64.replace(/.{1,64}/g, '$&\n')}${END}\n`;
}

export function parseHssKeyText(text: string): HssState {
  const start = text.indexOf(BEGIN);
  const end = text.indexOf(END);
  if (start < 0 || end < start) throw new HssKeyError('HSS-LMS private key armour is incomplete');
  const body = text.slice(start + BEGIN.length, end).replace(/\s/g, '');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(body)) throw new HssKeyError('HSS-LMS private key is not base64');
  return decodeHssState(new Uint8Array(Buffer.from(body, 'base64')));
}

/** Takes the lock file next to `path` (returns its release), or throws saying who holds it. */
function takeLock(path: string): () => void {
  const lock = `${path}.lock`;
  let fd: number;
  try {
    fd = openSync(lock, 'wx', 0o600);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    let holder = '';
    try {
      holder = readFileSync(lock, 'utf8').trim();
    } catch {
      // vanished meanwhile: still report it as busy, the caller may retry
    }
    const pid = Number(holder);
    const alive = Number.isInteger(pid) && pid > 0 && processAlive(pid);
    throw new HssKeyError(
      alive
        ? `${path} is in use by another signer (process ${pid}, lock ${lock})`
        : `${lock} was left by a signer that stopped (process ${holder || 'unknown'}); make sure no other signer uses ${path}, then remove the lock file`,
    );
  }
  try {
    writeSync(fd, `${process.pid}\n`);
  } finally {
    closeSync(fd);
  }
  return () => unlinkSync(lock);
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The HSS signature of `message` with the next one-time key of the key file at `path` (steps 1-4 above). */
export function signWithHssKeyFile(path: string, message: Uint8Array): Uint8Array {
  const release = takeLock(path);
  try {
    const state = parseHssKeyText(readFileSync(path, 'utf8'));
    const signer = new HssSigner(state, (next) => writeFileAtomic(path, armourHssState(next), { mode: 0o600, durable: true }));
    return signer.sign(message);
  } finally {
    release();
  }
}

/** A signing key backed by the key file at `path`, whose state `state` was read from it. */
export function hssKeyFromFile(path: string, state: HssState): HssPrivateKey {
  return {
    family: 'hss-lms',
    publicKey: { family: 'hss-lms', raw: hssPublicKey(state) },
    source: path,
    sign: (message) => signWithHssKeyFile(path, message),
  };
}

/** A new key's armoured state (for keygen). */
export function newHssKeyText(specs: readonly LevelSpec[]): { text: string; publicKey: Uint8Array } {
  const state = generateHssState(specs);
  return { text: armourHssState(state), publicKey: hssPublicKey(state) };
}

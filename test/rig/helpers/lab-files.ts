/** Builds the files a lab file names (keys, identity files, images) in a temp directory. */
import { generateKeyPairSync } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { LabError, parseLab, type LabIssue } from '../../../rig/lab/load.js';

export function tempDir(prefix = 'suitrig-rig-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function writeFile(dir: string, rel: string, content: string | Uint8Array): string {
  const p = join(dir, rel);
  mkdirSync(dirname(p), { recursive: true });
  writeFileSync(p, content);
  return p;
}

/** A P-256 public key in SPKI PEM, as `suitrig keygen` writes `<prefix>.pub.pem`. */
export function writePublicKey(dir: string, rel: string): string {
  const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return writeFile(dir, rel, publicKey.export({ type: 'spki', format: 'pem' }) as string);
}

/** Every file example.rig.yaml refers to. */
export function writeExampleLabFiles(dir: string): void {
  writePublicKey(dir, 'keys/author.pub.pem');
  writePublicKey(dir, 'keys/operator.pub.pem');
  writeFile(dir, 'identities/nrf52840dk-1.json', JSON.stringify({
    'vendor-id': 'fa6b4a53-d5ad-5fdf-be9d-e663e4d41ffe',
    'class-id': '1492af14-2569-5e48-bf42-9b2d51f2ab45',
    'device-id': '8d82573a-926d-4754-9353-32dc29997f74',
  }));
  for (const img of ['nrf52840-app-1.0.0', 'nrf52840-app-1.1.0', 'nrf52840-app-crash', 'stm32f4-app-1.0.0']) {
    writeFile(dir, `images/${img}.signed.bin`, new Uint8Array(64));
  }
  for (const fw of ['mcuboot.hex', 'app.signed.bin', 'zephyr.exe']) writeFile(dir, `firmware/${fw}`, new Uint8Array(64));
}

/** The problems the loader finds in `text` as a lab file in `dir` (it must find some). */
export function labIssues(text: string, dir: string): LabIssue[] {
  try {
    parseLab(text, join(dir, 'rig.yaml'));
  } catch (e) {
    if (e instanceof LabError) return e.issues;
    throw e;
  }
  throw new Error('expected the lab file to be rejected');
}

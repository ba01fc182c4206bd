/**
 * The key a virtual board protects its SUIT reports with (draft-ietf-suit-report §6): a P-256
 * or Ed25519 private key (COSE_Sign1) or an HMAC-256 key shared with its operator (COSE_Mac0).
 * What `--report-key` gives; else, with a state directory, the one kept there
 * (`report-key.pem`, mode 0600, with `report-key.pub.pem` for the operator), so a board keeps
 * its key across restarts, as a device keeps its attestation key; else a fresh P-256 key.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateSigningKey, parseSigningKey, privateKeyPem, publicKeyPem, type SigningKey } from '../../../host/keys/index.js';
import { writeFileAtomic } from '../../../host/util/atomic-write.js';

export function resolveReportKey(given: SigningKey | undefined, stateDir?: string): SigningKey {
  if (given) return given;
  const file = stateDir && join(stateDir, 'report-key.pem');
  if (file && existsSync(file)) return parseSigningKey(readFileSync(file), file);
  const key = generateSigningKey('es256');
  if (file && key.family !== 'hmac') {
    writeFileAtomic(file, privateKeyPem(key), { mode: 0o600 });
    writeFileAtomic(join(stateDir, 'report-key.pub.pem'), publicKeyPem(key.publicKey), { mode: 0o644 });
  }
  return key;
}

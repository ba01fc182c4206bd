/**
 * Releases for the service tests: a trusted and an untrusted author key, a signed update of one
 * application image fetched from APP_URI (rig/suites/app-update.ts, what the boards get), and
 * multipart bodies built by hand, so that malformed uploads can be made too.
 */
import { randomBytes } from 'node:crypto';
import { generateSigningKey, trustAnchorFor } from '../../host/keys/index.js';
import { APP_URI, appUpdateEnvelope } from '../../rig/suites/app-update.js';
import type { ReleaseTrust } from '../../rig/service/context.js';

export const authorKey = generateSigningKey('es256');
export const strangerKey = generateSigningKey('es256');
export const releaseTrust: ReleaseTrust = { trust: [trustAnchorFor(authorKey, 'author', 'test author key')] };

export { APP_URI };

export function release(o: { sequence?: bigint; payload?: Uint8Array; key?: typeof authorKey } = {}): { envelope: Uint8Array; payload: Uint8Array } {
  const payload = o.payload ?? new Uint8Array(randomBytes(5000));
  return { envelope: appUpdateEnvelope({ sequence: o.sequence ?? 5n, payload }, o.key ?? authorKey), payload };
}

export interface Part {
  name: string;
  bytes: Uint8Array;
  /** Default: a file part (filename given); false makes a plain field. */
  file?: boolean;
}

/** A multipart/form-data body and its content type. */
export function multipart(parts: readonly Part[]): { payload: Buffer; headers: Record<string, string> } {
  const boundary = `----suitrig${randomBytes(8).toString('hex')}`;
  const chunks: Buffer[] = [];
  for (const p of parts) {
    const disposition = `form-data; name="${p.name}"${p.file === false ? '' : `; filename="${p.name.replace(/[^A-Za-z0-9.]/g, '_')}"`}`;
    const type = p.file === false ? '' : 'content-type: application/octet-stream\r\n';
    chunks.push(Buffer.from(`--${boundary}\r\ncontent-disposition: ${disposition}\r\n${type}\r\n`));
    chunks.push(Buffer.from(p.bytes));
    chunks.push(Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { payload: Buffer.concat(chunks), headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } };
}

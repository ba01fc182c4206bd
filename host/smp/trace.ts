/**
 * `--trace` output: each SMP packet as hex plus its decoded header and CBOR in diagnostic
 * notation (RFC 8949 §8), so a user can compare our traffic with a real tool's or a capture.
 * Long byte strings (upload data) are shown with their length and first bytes only in the
 * diagnostic line; the hex dump is complete.
 */
import { decodeCbor, type SmpValue } from './cbor.js';
import { decodeHeader, opName, SMP_HEADER_SIZE, type SmpHeader } from './header.js';
import { commandName } from './ids.js';

/** CBOR diagnostic notation; byte strings longer than `maxBytes` are abbreviated. */
export function diagnostic(v: SmpValue, maxBytes = 32): string {
  if (v === undefined) return 'undefined';
  if (v === null) return 'null';
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean') return String(v);
  if (v instanceof Uint8Array) {
    const h = Buffer.from(v.subarray(0, maxBytes)).toString('hex');
    return v.length > maxBytes ? `h'${h}...' (${v.length} bytes)` : `h'${h}'`;
  }
  if (Array.isArray(v)) return `[${v.map((x) => diagnostic(x, maxBytes)).join(', ')}]`;
  return `{${Object.entries(v)
    .map(([k, x]) => `${JSON.stringify(k)}: ${diagnostic(x, maxBytes)}`)
    .join(', ')}}`;
}

export function describeHeader(h: SmpHeader): string {
  return `${opName(h.op)} ${commandName(h.group, h.command)} (group ${h.group} cmd ${h.command}) seq ${h.seq} v${h.version}, ${h.length} bytes`;
}

/** A multi-line trace entry: `smp >> ...` (sent) or `smp << ...` (received). */
export function formatPacket(direction: 'tx' | 'rx', packet: Uint8Array): string {
  const arrow = direction === 'tx' ? '>>' : '<<';
  const lines: string[] = [];
  let body: string;
  try {
    const h = decodeHeader(packet);
    lines.push(`smp ${arrow} ${describeHeader(h)}`);
    const payload = packet.subarray(SMP_HEADER_SIZE);
    if (payload.length === 0) body = '(no payload)';
    else {
      const { value, missingBreak } = decodeCbor(payload);
      body = diagnostic(value) + (missingBreak ? '   (outermost break missing)' : '');
    }
  } catch (e) {
    lines.push(`smp ${arrow} ${packet.length} bytes`);
    body = `(undecodable: ${(e as Error).message})`;
  }
  const hex = Buffer.from(packet).toString('hex').replace(/(..)(?!$)/g, '$1 ');
  for (let i = 0; i < hex.length; i += 96) lines.push(`    ${hex.slice(i, i + 96).trim()}`);
  lines.push(`    ${body}`);
  return lines.join('\n');
}

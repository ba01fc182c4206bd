/**
 * The SMP (mcumgr Simple Management Protocol) packet: an 8-byte big-endian header and a CBOR
 * payload (notes/smp.md §1; Zephyr smp_protocol.rst).
 *
 * ```
 * byte 0    : Res (3 bits, 0) | Ver (2 bits: 0 = v1, 1 = v2) | OP (3 bits)
 * byte 1    : Flags (none defined: sent 0, ignored on receive)
 * bytes 2-3 : payload length
 * bytes 4-5 : group id
 * byte 6    : sequence number (responses echo the request's)
 * byte 7    : command id
 * ```
 */

export const SMP_HEADER_SIZE = 8;
/** The length field is 16 bits. */
export const SMP_MAX_PAYLOAD = 0xffff;

export const Op = { READ: 0, READ_RSP: 1, WRITE: 2, WRITE_RSP: 3 } as const;
export type OpCode = (typeof Op)[keyof typeof Op];

/** Header version bits: v1 (legacy `rc` errors) and v2 (group errors in `err`). */
export type SmpVersion = 1 | 2;

export interface SmpHeader {
  op: OpCode;
  version: SmpVersion;
  flags: number;
  /** Payload length in bytes. */
  length: number;
  group: number;
  seq: number;
  command: number;
}

export interface SmpPacket {
  header: SmpHeader;
  payload: Uint8Array;
}

export class SmpPacketError extends Error {
  override name = 'SmpPacketError';
}

export function isResponseOp(op: OpCode): boolean {
  return op === Op.READ_RSP || op === Op.WRITE_RSP;
}

export function opName(op: OpCode): string {
  return ['read', 'read-rsp', 'write', 'write-rsp'][op]!;
}

export function encodeHeader(h: Omit<SmpHeader, 'length' | 'flags'> & { flags?: number }, length: number): Uint8Array {
  check(h.op >= 0 && h.op <= 3, `op ${h.op} is not 0-3`);
  check(h.version === 1 || h.version === 2, `version ${h.version} is not 1 or 2`);
  check(Number.isInteger(length) && length >= 0 && length <= SMP_MAX_PAYLOAD, `payload of ${length} bytes does not fit the 16-bit length`);
  check(Number.isInteger(h.group) && h.group >= 0 && h.group <= 0xffff, `group ${h.group} is not a 16-bit id`);
  check(Number.isInteger(h.seq) && h.seq >= 0 && h.seq <= 0xff, `sequence ${h.seq} is not 0-255`);
  check(Number.isInteger(h.command) && h.command >= 0 && h.command <= 0xff, `command ${h.command} is not 0-255`);
  const b = new Uint8Array(SMP_HEADER_SIZE);
  b[0] = ((h.version - 1) << 3) | h.op;
  b[1] = (h.flags ?? 0) & 0xff;
  b[2] = length >> 8;
  b[3] = length & 0xff;
  b[4] = h.group >> 8;
  b[5] = h.group & 0xff;
  b[6] = h.seq;
  b[7] = h.command;
  return b;
}

export function decodeHeader(b: Uint8Array): SmpHeader {
  if (b.length < SMP_HEADER_SIZE) throw new SmpPacketError(`SMP header needs ${SMP_HEADER_SIZE} bytes, got ${b.length}`);
  const b0 = b[0]!;
  if (b0 & 0xe0) throw new SmpPacketError(`SMP header reserved bits set (byte 0 = 0x${hex2(b0)})`);
  const ver = (b0 >> 3) & 3;
  if (ver > 1) throw new SmpPacketError(`SMP header version bits ${ver} are reserved (byte 0 = 0x${hex2(b0)})`);
  return {
    op: (b0 & 7) as OpCode,
    version: (ver + 1) as SmpVersion,
    flags: b[1]!,
    length: (b[2]! << 8) | b[3]!,
    group: (b[4]! << 8) | b[5]!,
    seq: b[6]!,
    command: b[7]!,
  };
}

export function encodePacket(h: Omit<SmpHeader, 'length' | 'flags'> & { flags?: number }, payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(SMP_HEADER_SIZE + payload.length);
  out.set(encodeHeader(h, payload.length));
  out.set(payload, SMP_HEADER_SIZE);
  return out;
}

/** Splits a packet; the header's length must match the bytes that follow it exactly. */
export function decodePacket(b: Uint8Array): SmpPacket {
  const header = decodeHeader(b);
  if (header.op > 3) throw new SmpPacketError(`SMP op ${header.op} is not 0-3`);
  const got = b.length - SMP_HEADER_SIZE;
  if (got !== header.length) throw new SmpPacketError(`SMP header says ${header.length} payload bytes, packet has ${got}`);
  return { header, payload: b.subarray(SMP_HEADER_SIZE) };
}

function check(ok: boolean, msg: string): void {
  if (!ok) throw new SmpPacketError(`SMP header: ${msg}`);
}

function hex2(n: number): string {
  return n.toString(16).padStart(2, '0');
}

/**
 * How a board's firmware reads the SMP requests out of a received packet, header first — the
 * rules differ between Zephyr's SMP server (`subsys/mgmt/mcumgr/smp/src/smp.c`,
 * smp_process_request_packet) and MCUboot's serial recovery (`boot_serial.c`,
 * boot_serial_input), and both were checked against the real builds of ../shared/peers
 * (test/strict/fidelity.test.ts):
 *
 * | packet                         | Zephyr                                 | MCUboot                      |
 * |--------------------------------|----------------------------------------|------------------------------|
 * | shorter than a header          | dropped                                | dropped                      |
 * | op 1 or 3 (a response)         | `{rc: 8}`, op 3 (or 1 for op 0)        | dropped                      |
 * | version bits 2 or 3            | `{rc: 13}` (UNSUPPORTED_TOO_NEW), v2   | served; bits echoed          |
 * | reserved bits 5-7 set          | ignored                                | served; bits echoed          |
 * | length field > payload         | `{rc: 9}` (ECORRUPT)                   | served with the bytes there  |
 * | length field < payload         | the rest is the next request (if it    | dropped                      |
 * |                                | holds a header: further ones answered) |                              |
 *
 * An answer's header echoes the request's group, sequence and command, with op + 1 (Zephyr: the
 * response op of READ, else WRITE's); Zephyr answers with the version asked (v2 at most),
 * MCUboot increments byte 0 as it came, keeping every other bit.
 */
import { MgmtErr } from '../errors.js';
import { Op, SMP_HEADER_SIZE, type OpCode, type SmpHeader } from '../header.js';

/** Whose rules: the application's SMP server, or MCUboot's serial recovery. */
export type RequestDialect = 'zephyr' | 'mcuboot';

/** One request to serve (`error` undefined), or the SMP-level error answered instead. */
export interface ParsedRequest {
  header: SmpHeader;
  payload: Uint8Array;
  /** Byte 0 of the answer's header (op, version and whatever else the firmware keeps). */
  answerByte0: number;
  error?: number;
}

function readHeader(raw: Uint8Array, at: number): { b0: number; header: SmpHeader } {
  const b0 = raw[at]!;
  const ver = (b0 >> 3) & 3;
  return {
    b0,
    header: {
      op: (b0 & 7) as OpCode,
      // Only v1 has the legacy `rc` form; anything newer is read as v2.
      version: ver === 0 ? 1 : 2,
      flags: raw[at + 1]!,
      length: (raw[at + 2]! << 8) | raw[at + 3]!,
      group: (raw[at + 4]! << 8) | raw[at + 5]!,
      seq: raw[at + 6]!,
      command: raw[at + 7]!,
    },
  };
}

/** Zephyr's smp_rsp_op: READ is answered READ_RSP, anything else WRITE_RSP. */
function zephyrAnswerByte0(op: number, version: 1 | 2): number {
  return ((version - 1) << 3) | (op === Op.READ ? Op.READ_RSP : Op.WRITE_RSP);
}

function zephyrRequests(raw: Uint8Array): ParsedRequest[] {
  const out: ParsedRequest[] = [];
  for (let at = 0; raw.length - at >= SMP_HEADER_SIZE; ) {
    const { b0, header } = readHeader(raw, at);
    at += SMP_HEADER_SIZE;
    const tooNew = ((b0 >> 3) & 3) > 1;
    const answerByte0 = zephyrAnswerByte0(header.op, header.version);
    const error =
      raw.length - at < header.length ? MgmtErr.ECORRUPT : tooNew ? MgmtErr.UNSUPPORTED_TOO_NEW : header.op !== Op.READ && header.op !== Op.WRITE ? MgmtErr.ENOTSUP : undefined;
    // An error answer ends the packet: what follows it is not read.
    if (error !== undefined) return [...out, { header, payload: new Uint8Array(0), answerByte0, error }];
    out.push({ header, payload: raw.subarray(at, at + header.length), answerByte0 });
    at += header.length;
  }
  return out;
}

function mcubootRequests(raw: Uint8Array): ParsedRequest[] {
  if (raw.length < SMP_HEADER_SIZE) return [];
  const { b0, header } = readHeader(raw, 0);
  if (header.op !== Op.READ && header.op !== Op.WRITE) return [];
  const payload = raw.subarray(SMP_HEADER_SIZE);
  if (header.length < payload.length) return [];
  return [{ header, payload, answerByte0: (b0 + 1) & 0xff }];
}

/** The requests in `raw`, one received packet, as the `dialect`'s firmware reads them. */
export function parseRequests(raw: Uint8Array, dialect: RequestDialect): ParsedRequest[] {
  return dialect === 'zephyr' ? zephyrRequests(raw) : mcubootRequests(raw);
}

/** The answer packet: header (byte 0 from the request's rules, flags 0, the payload's length) and payload. */
export function answerPacket(request: ParsedRequest, payload: Uint8Array): Uint8Array {
  const h = request.header;
  const out = new Uint8Array(SMP_HEADER_SIZE + payload.length);
  out[0] = request.answerByte0;
  out[2] = payload.length >> 8;
  out[3] = payload.length & 0xff;
  out[4] = h.group >> 8;
  out[5] = h.group & 0xff;
  out[6] = h.seq;
  out[7] = h.command;
  out.set(payload, SMP_HEADER_SIZE);
  return out;
}

/**
 * UART line timing: 8N1 framing sends 10 bit times per byte (start, 8 data, stop), so a line at
 * `baud` carries baud/10 bytes per second. The paired link paces with it; SMP deadlines scale
 * with it.
 */
export const BITS_PER_BYTE_8N1 = 10;

/** Milliseconds that `bytes` take on an 8N1 line at `baud`; 0 when there is no baud (TCP). */
export function lineMs(bytes: number, baud: number | undefined): number {
  return baud ? (bytes * BITS_PER_BYTE_8N1 * 1000) / baud : 0;
}

/** Bytes per second an 8N1 line carries. */
export function lineBytesPerSecond(baud: number): number {
  return baud / BITS_PER_BYTE_8N1;
}

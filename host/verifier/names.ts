/**
 * Names of SUIT command codes (IANA "SUIT Commands": manifest-37 §11.4, trust-domains-11 §9.4,
 * update-management-14 §8.3) and a readable form of component identifiers, for traces, records
 * and messages.
 */
export const COMMAND_NAMES: Readonly<Record<number, string>> = {
  1: 'vendor-identifier',
  2: 'class-identifier',
  3: 'image-match',
  4: 'use-before',
  5: 'component-slot',
  6: 'check-content',
  7: 'dependency-integrity',
  8: 'is-dependency',
  11: 'process-dependency',
  12: 'set-component-index',
  14: 'abort',
  15: 'try-each',
  18: 'write',
  19: 'set-parameters',
  20: 'override-parameters',
  21: 'fetch',
  22: 'copy',
  23: 'invoke',
  24: 'device-identifier',
  25: 'image-not-match',
  26: 'minimum-battery',
  27: 'update-authorized',
  28: 'version',
  29: 'wait',
  31: 'swap',
  32: 'run-sequence',
  33: 'unlink',
  34: 'override-multiple',
  35: 'copy-params',
};

export function commandName(code: number): string {
  return COMMAND_NAMES[code] ?? `command ${code}`;
}

/** [h'00'], ['usr', 'bin'] - text for segments that are printable ASCII, hex otherwise. */
export function componentText(id: readonly Uint8Array[]): string {
  const seg = (b: Uint8Array): string => {
    const printable = b.length > 0 && b.every((x) => x >= 0x20 && x < 0x7f && x !== 0x27);
    return printable ? `'${Buffer.from(b).toString('latin1')}'` : `h'${Buffer.from(b).toString('hex')}'`;
  };
  return `[${id.map(seg).join(', ')}]`;
}

/**
 * How the host speaks SMP to one board (notes/smp.md §1, §5): the framing (console — base64
 * lines with length and CRC, what Zephyr's UART transport and MCUboot's serial recovery speak
 * by default — or raw binary packets), the header version of requests, and the longest console
 * line the board's line buffer takes. The defaults are what stock Zephyr and MCUboot builds
 * accept: console framing; SMP v2 (Zephyr answers v2 and v1 alike, and MCUboot echoes whatever
 * version it was asked in; the client has no v1 fallback, so `version: 1` is for servers that
 * refuse v2); lines of at most 128 bytes (MCUboot's BOOT_MAX_LINE_INPUT_LEN and Zephyr's
 * CONFIG_UART_MCUMGR_RX_BUF_SIZE default), i.e. 124 base64 characters, as every capture shows.
 * The command line and rig.yaml check values against the limits here.
 */
import type { SmpClientOptions } from './client.js';
import { ConsoleFraming } from './framing/console.js';
import type { Framing } from './framing/framing.js';
import { RawFraming } from './framing/raw.js';
import type { SmpVersion } from './header.js';

export const FRAMINGS = ['console', 'raw'] as const;
export type FramingKind = (typeof FRAMINGS)[number];
export const SMP_VERSIONS = [1, 2] as const;

/** Bytes of one console line the board accepts, `06 09` / `04 14` and the newline included. */
export const LINE_LENGTH = { default: 128, min: 8, max: 16_384 } as const;
/** Bytes of a console line besides its base64: the 2-byte marker and the newline. */
const LINE_OVERHEAD = 3;

export interface SmpLinkSettings {
  framing: FramingKind;
  version: SmpVersion;
  /** Longest console line in bytes; only with console framing. */
  lineLength: number;
}

export const DEFAULT_LINK_SETTINGS: SmpLinkSettings = { framing: 'console', version: 2, lineLength: LINE_LENGTH.default };

/** Why a line length cannot be used, or undefined when it can. */
export function lineLengthProblem(n: number): string | undefined {
  if (!Number.isInteger(n) || n < LINE_LENGTH.min || n > LINE_LENGTH.max) {
    return `expected the longest line the board takes, in bytes (markers and newline included), ${LINE_LENGTH.min}..${LINE_LENGTH.max}, got ${n}`;
  }
  return undefined;
}

/** Base64 characters per line in lines of at most `lineLength` bytes: a multiple of 4, since each line decodes alone. */
export function base64PerLine(lineLength: number): number {
  return Math.floor((lineLength - LINE_OVERHEAD) / 4) * 4;
}

/** Settings given in part (a lab board's `smp:`, command-line options) over the defaults. */
export function linkSettings(...layers: (Partial<SmpLinkSettings> | undefined)[]): SmpLinkSettings {
  return Object.assign({}, DEFAULT_LINK_SETTINGS, ...layers.map((l) => Object.fromEntries(Object.entries(l ?? {}).filter(([, v]) => v !== undefined))));
}

export function framingFor(s: SmpLinkSettings): Framing {
  return s.framing === 'raw' ? new RawFraming() : new ConsoleFraming({ lineLength: base64PerLine(s.lineLength) });
}

/** The client options that carry `s`. */
export function linkClientOptions(s: SmpLinkSettings): Pick<SmpClientOptions, 'framing' | 'version'> {
  return { framing: framingFor(s), version: s.version };
}

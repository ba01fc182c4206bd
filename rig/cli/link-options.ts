/**
 * `--framing console|raw`, `--smp-version 1|2` and `--line-length N`: how the host speaks SMP
 * to the board (host/smp/link-settings.ts), part of the shared port options. Each overrides
 * the lab board's `smp:` setting (rig/lab/README.md) and both override the defaults that stock
 * Zephyr and MCUboot builds accept. Bad values and contradictions are usage errors naming the
 * option.
 */
import { FRAMINGS, lineLengthProblem, linkSettings, SMP_VERSIONS, type FramingKind, type SmpLinkSettings } from '../../host/smp/link-settings.js';
import type { SmpVersion } from '../../host/smp/header.js';
import type { LabBoard } from '../lab/types.js';
import { UsageError, optString, type OptionDef, type ParsedArgs } from './command.js';

export const LINK_OPTIONS: Record<string, OptionDef> = {
  framing: { type: 'string', value: '<console|raw>', description: "SMP framing: console (base64 lines) or raw (binary packets); default: the lab's, else console" },
  'smp-version': { type: 'string', value: '<1|2>', description: "SMP header version of requests; default: the lab's, else 2" },
  'line-length': { type: 'string', value: '<bytes>', description: "longest console line the board takes, markers and newline included; default: the lab's, else 128" },
};

/** The command line's part of the link settings (only what was given). */
export function linkOptionValues(args: ParsedArgs): Partial<SmpLinkSettings> {
  const out: Partial<SmpLinkSettings> = {};
  const framing = optString(args, 'framing');
  if (framing !== undefined) {
    if (!(FRAMINGS as readonly string[]).includes(framing)) throw new UsageError(`--framing: expected ${FRAMINGS.join(' or ')}, got '${framing}'`);
    out.framing = framing as FramingKind;
  }
  const version = optString(args, 'smp-version');
  if (version !== undefined) {
    if (!(SMP_VERSIONS as readonly number[]).map(String).includes(version)) throw new UsageError(`--smp-version: expected ${SMP_VERSIONS.join(' or ')}, got '${version}'`);
    out.version = Number(version) as SmpVersion;
  }
  const line = optString(args, 'line-length');
  if (line !== undefined) {
    const problem = /^[0-9]+$/.test(line) ? lineLengthProblem(Number(line)) : `expected a number of bytes, got '${line}'`;
    if (problem) throw new UsageError(`--line-length: ${problem}`);
    out.lineLength = Number(line);
  }
  return out;
}

/** The settings for a board: the command line's (`linkOptionValues`) over the lab board's `smp:` over the defaults. */
export function linkSettingsFor(given: Partial<SmpLinkSettings>, lab: LabBoard | undefined): SmpLinkSettings {
  const settings = linkSettings(lab?.smp, given);
  if (given.lineLength !== undefined && settings.framing === 'raw') {
    const why = given.framing ? '--framing raw' : `board '${lab!.name}' uses raw framing (${lab!.source.file}:${lab!.source.line})`;
    throw new UsageError(`--line-length: raw framing has no lines (${why}); use it with console framing`);
  }
  return settings;
}

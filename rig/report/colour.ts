/**
 * Colour for terminal output: only when the stream is a TTY and NO_COLOR is not set
 * (https://no-color.org), so logs, pipes and CI files stay plain text.
 */

export interface Paint {
  green(s: string): string;
  red(s: string): string;
  yellow(s: string): string;
  dim(s: string): string;
  bold(s: string): string;
}

const wrap = (code: number, reset: number) => (s: string) => `\x1b[${code}m${s}\x1b[${reset}m`;

const COLOUR: Paint = { green: wrap(32, 39), red: wrap(31, 39), yellow: wrap(33, 39), dim: wrap(2, 22), bold: wrap(1, 22) };
const PLAIN: Paint = { green: (s) => s, red: (s) => s, yellow: (s) => s, dim: (s) => s, bold: (s) => s };

export function paintFor(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv): Paint {
  return stream.isTTY === true && !env['NO_COLOR'] && env['TERM'] !== 'dumb' ? COLOUR : PLAIN;
}

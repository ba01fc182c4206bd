/**
 * Aligned plain-text tables for terminal output (`suitrig ports`, the run summary). Widths are
 * measured without ANSI colour codes, so coloured cells line up too.
 */

const ANSI_RE = /\x1b\[[0-9;]*m/g;

export function visibleLength(s: string): number {
  return s.replace(ANSI_RE, '').length;
}

/**
 * Text from boards and suites made safe for a terminal line: newlines and tabs become spaces,
 * other control characters (ESC included, so a board cannot inject escape sequences) U+FFFD.
 * Apply before colouring.
 */
export function terminalSafe(s: string): string {
  return s.replace(/[\t\n\r]+/g, ' ').replace(/[\u0000-\u001f\u007f-\u009f]/g, '\ufffd');
}

export interface TableOptions {
  /** Columns aligned right (numbers, durations). */
  right?: readonly number[];
  /** Spaces between columns. Default 2. */
  gap?: number;
}

/** Renders rows (first row = header when given) with columns padded to the widest cell. */
export function renderTable(rows: readonly (readonly string[])[], opts: TableOptions = {}): string {
  const gap = ' '.repeat(opts.gap ?? 2);
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, visibleLength(cell))));
  return rows
    .map((row) =>
      row
        .map((cell, i) => {
          const pad = ' '.repeat(widths[i]! - visibleLength(cell));
          if (opts.right?.includes(i)) return pad + cell;
          return i === row.length - 1 ? cell : cell + pad;
        })
        .join(gap)
        .trimEnd(),
    )
    .join('\n');
}

/**
 * Console text for people's eyes in messages and reports: control characters written as
 * escapes (`\r`, `\t`, `\x1b`), so a board's terminal sequences can neither hide text nor act
 * on the reader's terminal, and a line cut at a bound saying how much was left out.
 */

/** `text` with every control character (C0, DEL, C1) escaped. */
export function escapeControls(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => {
    if (c === '\r') return '\\r';
    if (c === '\t') return '\\t';
    if (c === '\n') return '\\n';
    return `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`;
  });
}

/** One line for a message: escaped and cut to `max` characters. */
export function showLine(line: string, max = 200): string {
  const e = escapeControls(line);
  return e.length > max ? `${e.slice(0, max)}... (${e.length - max} more characters)` : e;
}

/** A pattern as the user wrote it: a string quoted, a RegExp as its literal. */
export function describePattern(p: string | RegExp): string {
  return typeof p === 'string' ? JSON.stringify(p) : String(p);
}

/**
 * The forms a port takes on the command line and in the lab file (DESIGN.md "Command line":
 * `--port` takes a device path, `tcp://host:port`, or a board name; `virtual` names an
 * emulated board). One classifier, shared by the lab loader and the board resolver.
 */

export type PortWord =
  | { kind: 'serial'; path: string }
  | { kind: 'tcp'; url: string; host: string; port: number }
  | { kind: 'virtual' }
  | { kind: 'name'; name: string };

/** Board names: what `--port`/`--board` accept besides paths and urls (no `/` or `:`). */
export const BOARD_NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export class PortWordError extends Error {
  override name = 'PortWordError';
}

/** `tcp://host:port` (ser2net raw, or a virtual board in its own process). */
export function parseTcpUrl(s: string): { url: string; host: string; port: number } {
  const m = /^tcp:\/\/(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9._-]+):([0-9]{1,5})\/?$/.exec(s);
  if (!m) throw new PortWordError(`'${s}' is not a tcp url: expected tcp://host:port, e.g. tcp://127.0.0.1:4001`);
  const port = Number(m[2]);
  if (port < 1 || port > 65535) throw new PortWordError(`'${s}': tcp port ${m[2]} is out of range (1-65535)`);
  const host = m[1]!.startsWith('[') ? m[1]!.slice(1, -1) : m[1]!;
  return { url: `tcp://${m[1]}:${port}`, host, port };
}

/** Classifies a `--port`/`--board` word or a lab `port:` value; throws PortWordError on nonsense. */
export function classifyPort(s: string): PortWord {
  if (s === 'virtual') return { kind: 'virtual' };
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(s)) {
    if (!s.toLowerCase().startsWith('tcp://')) {
      throw new PortWordError(`'${s}': unsupported port url scheme; expected a device path, tcp://host:port or virtual`);
    }
    return { kind: 'tcp', ...parseTcpUrl(s) };
  }
  if (s.includes('/')) return { kind: 'serial', path: s };
  if (BOARD_NAME_RE.test(s)) return { kind: 'name', name: s };
  throw new PortWordError(`'${s}' is neither a device path (/dev/ttyACM0), tcp://host:port, virtual, nor a board name`);
}

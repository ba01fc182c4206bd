/**
 * The forms a port takes on the command line and in the lab file (DESIGN.md "Command line":
 * `--port` takes a device path, `tcp://host:port`, or a board name; `virtual` names an
 * emulated board). One classifier, shared by the lab loader and the board resolver; tcp urls
 * are parsed as host/transport's opener parses them.
 */
import { parseTcpUrl } from '../../host/transport/open.js';

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

/** Classifies a `--port`/`--board` word or a lab `port:` value; throws PortWordError on nonsense. */
export function classifyPort(s: string): PortWord {
  if (s === 'virtual') return { kind: 'virtual' };
  if (s.startsWith('serial://') && s.length > 'serial://'.length) return { kind: 'serial', path: s.slice('serial://'.length) };
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(s)) {
    if (!s.toLowerCase().startsWith('tcp://')) {
      throw new PortWordError(`'${s}': unsupported port url scheme; expected a device path, tcp://host:port or virtual`);
    }
    try {
      const { host, port } = parseTcpUrl(s);
      return { kind: 'tcp', url: `tcp://${host.includes(':') ? `[${host}]` : host}:${port}`, host, port };
    } catch (e) {
      throw new PortWordError((e as Error).message);
    }
  }
  if (s.includes('/')) return { kind: 'serial', path: s };
  if (BOARD_NAME_RE.test(s)) return { kind: 'name', name: s };
  throw new PortWordError(`'${s}' is neither a device path (/dev/ttyACM0), tcp://host:port, virtual, nor a board name`);
}

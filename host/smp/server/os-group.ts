/**
 * OS group (0) server handlers as Zephyr's os_mgmt answers them (notes/smp.md §3, checked
 * against the real smp_server builds in test/strict/fidelity.test.ts): echo (`d` optional: an
 * empty string when absent), reset (answer first, then the board's reset hook, with
 * `boot_mode`; arguments that do not decode are ignored, as Zephyr's core command does), MCUmgr
 * parameters, OS/application info by format letters (none or "" = `s`), and bootloader info.
 * Commands a board does not provide (taskstat, mpstat, datetime) are not registered and so
 * answer rc 8.
 */
import { MgmtErr, OsErr, SmpGroupError, SmpRcError } from '../errors.js';
import { GroupId, OsCmd } from '../ids.js';
import type { SmpMap } from '../cbor.js';
import type { SmpGroupHandler, SmpHandler, SmpRequestContext } from './server.js';

/** The `uname`-like fields of OS info, by format letter (Zephyr os_mgmt_info). */
export interface OsInfoFields {
  /** kernel name */ s: string;
  /** node name */ n: string;
  /** kernel release */ r: string;
  /** kernel version */ v: string;
  /** build date and time */ b: string;
  /** machine */ m: string;
  /** processor */ p: string;
  /** hardware platform */ i: string;
  /** operating system */ o: string;
}

export interface OsGroupOptions {
  /** `buf_size` and `buf_count` reported by MCUmgr params (the server's own). */
  params: { bufSize: number; bufCount: number };
  /** Called after the reset answer went out; without it reset answers rc 8. */
  reset?: (request: { bootMode: number; force: boolean }) => void | Promise<void>;
  info?: Partial<OsInfoFields>;
  /** Bootloader info; without it the command answers rc 8 (as Zephyr without MCUboot info). */
  bootloader?: { name: string; mode?: number; noDowngrade?: boolean };
}

const INFO_ORDER = ['s', 'n', 'r', 'v', 'b', 'm', 'p', 'i', 'o'] as const;

export function osGroup(o: OsGroupOptions): SmpGroupHandler {
  const info: OsInfoFields = { s: 'suitrig', n: 'board', r: '0.1.0', v: 'unknown', b: 'unknown', m: 'unknown', p: 'unknown', i: 'unknown', o: 'suitrig', ...o.info };
  const commands: Record<number, { read?: SmpHandler; write?: SmpHandler }> = {};
  commands[OsCmd.ECHO] = { read: echo, write: echo };
  commands[OsCmd.RESET] = {
    write: (request) => {
      if (!o.reset) throw new SmpRcError(MgmtErr.ENOTSUP);
      // os_mgmt_reset: "if we fail to decode the data, ignore the error and continue with the default parameters".
      let body: SmpMap = {};
      try {
        body = request.body;
      } catch {
        // defaults
      }
      const bootMode = typeof body['boot_mode'] === 'number' ? body['boot_mode'] : 0;
      const force = typeof body['force'] === 'number' && body['force'] > 0;
      request.afterResponse(() => o.reset!({ bootMode, force }));
      return {};
    },
  };
  commands[OsCmd.PARAMS] = { read: () => ({ buf_size: o.params.bufSize, buf_count: o.params.bufCount }) };
  commands[OsCmd.INFO] = {
    read: ({ body }) => {
      const format = body['format'] === undefined || body['format'] === '' ? 's' : body['format'];
      if (typeof format !== 'string') throw new SmpRcError(MgmtErr.EINVAL);
      const letters = new Set<string>();
      for (const ch of format) {
        if (ch === 'a') INFO_ORDER.forEach((l) => letters.add(l));
        else if ((INFO_ORDER as readonly string[]).includes(ch)) letters.add(ch);
        else throw new SmpGroupError(GroupId.OS, OsErr.INVALID_FORMAT);
      }
      return { output: INFO_ORDER.filter((l) => letters.has(l)).map((l) => info[l]).join(' ') };
    },
  };
  const bl = o.bootloader;
  if (bl) {
    commands[OsCmd.BOOTLOADER_INFO] = {
      read: ({ body }) => {
        const query = body['query'];
        if (query === undefined) return { bootloader: bl.name };
        if (query === 'mode' && bl.mode !== undefined) return { mode: bl.mode, 'no-downgrade': bl.noDowngrade || undefined };
        throw new SmpGroupError(GroupId.OS, OsErr.QUERY_YIELDS_NO_ANSWER);
      },
    };
  }
  return {
    id: GroupId.OS,
    name: 'os',
    // Zephyr: INVALID_FORMAT and QUERY_YIELDS_NO_ANSWER become EINVAL / ENOENT under v1.
    translateV1: (rc) => (rc === OsErr.INVALID_FORMAT ? MgmtErr.EINVAL : rc === OsErr.QUERY_YIELDS_NO_ANSWER ? MgmtErr.ENOENT : MgmtErr.EUNKNOWN),
    commands,
  };
}

function echo({ body }: SmpRequestContext): SmpMap {
  const d = body['d'] === undefined ? '' : body['d'];
  if (typeof d !== 'string') throw new SmpRcError(MgmtErr.EINVAL);
  return { r: d };
}

/**
 * SUIT group (66) of the virtual board, with the command numbers and answers of the nRF Connect
 * SDK SUIT management group (subsys/mgmt/suitfu; notes/smp.md §4; legacy `rc` behaviour):
 *
 * | cmd | | request | answer |
 * |---|---|---|---|
 * | 0 manifests list | read | `{}` | `{"manifests": [{"role": 0x20}]}` (the application root manifest) |
 * | 1 manifest state | read | `{"role"}` | `class_id`, `vendor_id` (the board's identity), and for a running SUIT image `digest`, `digest_algorithm` -16, `sequence_number`, `semantic_version` |
 * | 2 envelope upload | write | `{"off", "len" (first), "data"}` | `{"off"}`; wrong offset: `rc 1` + expected `off` |
 * | 3 missing image state | read | `{}` | `{"stream_session_id", "resource_id"}` while the consumer waits for a payload, else `{}` |
 * | 4 missing image upload | write | `{"stream_session_id", "off", "len" (first), "data"}` | `{"off"}`; wrong offset: `rc 1` + expected `off` |
 * | 5 cache raw upload | write | `{"target_id" (first), "off", "len" (first), "data"}` | `{"off"}`; past `len`: `rc 2`, transfer dropped |
 * | 6 cleanup | write | `{}` | `{}`: drops the update in progress and the cache |
 *
 * The envelope is processed once its last byte is in (after that chunk is answered); the host
 * then polls the missing-image state. `resource_id` is the URI exactly as the manifest writes
 * it. Payload chunks go straight into the processor, which hashes them and writes the
 * candidate; since bytes that were hashed cannot be taken back, an off-0 chunk of a session
 * that already holds bytes is answered with the offset to resume from (a host that reconnected
 * continues there). The decision of a run is in its SUIT report (rig group 67).
 *
 * Every length and offset from the wire is bounded before use: `len` 0 is EINVAL; an envelope
 * over `maxEnvelope`, a payload over the candidate slot's capacity and cache content over the
 * partition are ENOMEM at the first chunk (nothing allocated or erased); data past the
 * announced `len` is refused; a session id that is not the current fetch is ENOENT.
 *
 * With an `UploadSessionLock` (the board's one upload session), the connection that starts an
 * update holds the session from its envelope's first chunk until the run ends (no payload
 * left to fetch), and one that starts a cache transfer until it is complete: meanwhile the
 * uploads (2, 4, 5) and cleanup (6) of any other connection are answered EBUSY. Reads are
 * anyone's.
 */
import type { SmpMap } from '../../../host/smp/cbor.js';
import { MgmtErr, SmpRcError } from '../../../host/smp/errors.js';
import { GroupId, SuitCmd } from '../../../host/smp/ids.js';
import type { SmpGroupHandler, SmpPeer, SmpRequestContext } from '../../../host/smp/server/server.js';
import type { UploadSessionLock } from '../../../host/smp/server/upload-session.js';
import { APP_ROOT_ROLE } from '../../../host/operator/board-state.js';
import { ConsumerRefusal } from '../suit/consumer.js';
import type { SuitFirmware } from '../suit/firmware.js';
import { reqBytes, reqUint } from './request.js';

/** SUIT_Digest algorithm id of SHA-256. */
const SHA256_ID = -16;

export interface SuitGroupOptions {
  /** Largest envelope (with integrated payloads) the board buffers; default 256 KiB. */
  maxEnvelope?: number;
  /** The update is about to write the candidate slot: whoever else writes it must stop (an image-group upload). */
  claimCandidate?: () => void;
  /** The board's one upload session. */
  lock?: UploadSessionLock;
}

interface Upload {
  len: number;
  buf: Uint8Array;
  received: number;
}

/** Answer to a chunk at the wrong offset: rc 1 with the offset expected (suitfu). */
function expected(off: number): SmpMap {
  return { rc: MgmtErr.EUNKNOWN, off };
}

export function suitGroup(fw: () => SuitFirmware, o: SuitGroupOptions = {}): SmpGroupHandler & { reset(): void } {
  const maxEnvelope = o.maxEnvelope ?? 256 * 1024;
  let envelope: Upload | undefined;
  let stream: { session: number; len: number } | undefined;
  let cache: { len: number; received: number } | undefined;
  /** The envelope is in; its run starts once the answer went out (the session stays held in between). */
  let starting = false;
  const inProgress = (): boolean => envelope !== undefined || starting || (stream !== undefined && fw().consumer.fetching !== undefined) || cache !== undefined;
  /** `fn` as part of the upload session of the request's connection. */
  const held =
    (what: string, fn: (ctx: SmpRequestContext) => SmpMap) =>
    (ctx: SmpRequestContext): SmpMap | Promise<SmpMap> =>
      o.lock ? o.lock.hold(ctx.peer, what, inProgress, () => fn(ctx)) : fn(ctx);
  /** After a step run once the answer went out: the session ends with the run. */
  const settled = (peer: SmpPeer): void => {
    if (!inProgress()) o.lock?.release(peer);
  };

  const envelopeUpload = ({ body, afterResponse: after, peer }: SmpRequestContext): SmpMap => {
    const off = reqUint(body, 'off');
    const data = reqBytes(body, 'data');
    if (off === 0) {
      const len = reqUint(body, 'len');
      if (len === 0) throw new SmpRcError(MgmtErr.EINVAL, "'len' must not be 0");
      if (len > maxEnvelope) throw new SmpRcError(MgmtErr.ENOMEM, `envelope of ${len} bytes; this board buffers at most ${maxEnvelope}`);
      const busy = fw().candidateBusy();
      if (busy) throw new SmpRcError(MgmtErr.EBADSTATE, busy);
      fw().consumer.cancel();
      stream = undefined;
      starting = false;
      envelope = { len, buf: new Uint8Array(len), received: 0 };
    }
    const up = envelope;
    if (!up) return expected(0);
    if (off !== up.received) return expected(up.received);
    if (off + data.length > up.len) {
      envelope = undefined;
      throw new SmpRcError(MgmtErr.EINVAL, `data runs past the announced length ${up.len}`);
    }
    up.buf.set(data, off);
    up.received += data.length;
    if (up.received === up.len) {
      envelope = undefined;
      try {
        fw().consumer.admit(up.buf);
      } catch (e) {
        if (e instanceof ConsumerRefusal) throw new SmpRcError(e.kind === 'busy' ? MgmtErr.EBADSTATE : MgmtErr.ENOMEM, e.message);
        throw e;
      }
      starting = true;
      after(() => {
        starting = false;
        o.claimCandidate?.();
        const step = fw().consumer.start(up.buf);
        stream = step.kind === 'fetching' ? { session: step.session, len: -1 } : undefined;
        settled(peer);
      });
    }
    return { off: up.received };
  };

  const missingImageUpload = ({ body, afterResponse: after, peer }: SmpRequestContext): SmpMap => {
    const session = reqUint(body, 'stream_session_id');
    const off = reqUint(body, 'off');
    const data = reqBytes(body, 'data');
    const f = fw().consumer.fetching;
    if (!f) throw new SmpRcError(MgmtErr.ENOENT, 'no payload is being fetched (the update ended or was never started)');
    if (session !== f.session || !stream || stream.session !== session) throw new SmpRcError(MgmtErr.ENOENT, `stream session ${session} is not the current one (${f.session})`);
    if (off === 0 && f.received === 0) {
      const len = reqUint(body, 'len');
      if (len === 0) throw new SmpRcError(MgmtErr.EINVAL, "'len' must not be 0");
      const room = fw().consumer.payloadCapacity;
      if (len > room) throw new SmpRcError(MgmtErr.ENOMEM, `payload of ${len} bytes; the candidate slot takes at most ${room}`);
      stream.len = len;
    } else if (off === 0 || stream.len < 0) {
      return expected(f.received);
    }
    if (off !== f.received) return expected(f.received);
    if (off + data.length > stream.len) throw new SmpRcError(MgmtErr.EINVAL, `data runs past the announced length ${stream.len}`);
    const s = stream;
    const step = fw().consumer.supply(data);
    if (step.kind === 'finished') {
      stream = undefined;
      return { off: off + data.length };
    }
    if (step.received === s.len) {
      after(() => {
        const next = fw().consumer.complete();
        stream = next.kind === 'fetching' ? { session: next.session, len: -1 } : undefined;
        settled(peer);
      });
    }
    return { off: step.received };
  };

  const cacheUpload = ({ body }: SmpRequestContext): SmpMap => {
    const off = reqUint(body, 'off');
    const data = reqBytes(body, 'data');
    if (off === 0) {
      const target = reqUint(body, 'target_id');
      if (target !== 0) throw new SmpRcError(MgmtErr.ENOENT, `no cache partition ${target} (this board has partition 0)`);
      const len = reqUint(body, 'len');
      if (len === 0) throw new SmpRcError(MgmtErr.EINVAL, "'len' must not be 0");
      if (len > fw().cache.area.size) throw new SmpRcError(MgmtErr.ENOMEM, `cache content of ${len} bytes; the partition holds ${fw().cache.area.size}`);
      fw().cache.begin(len);
      cache = { len, received: 0 };
    }
    const c = cache;
    if (!c) return expected(0);
    if (off !== c.received) return expected(c.received);
    if (off + data.length > c.len) {
      // As suitfu: the transfer ends ("image boundaries reached").
      cache = undefined;
      throw new SmpRcError(MgmtErr.ENOMEM, `data runs past the announced length ${c.len}`);
    }
    fw().cache.write(data);
    c.received += data.length;
    if (c.received === c.len) {
      fw().cache.finish();
      cache = undefined;
    }
    return { off: c.received };
  };

  const manifestState = (body: SmpMap): SmpMap => {
    const role = reqUint(body, 'role');
    if (role !== APP_ROOT_ROLE) throw new SmpRcError(MgmtErr.ENOENT, `no manifest of role 0x${role.toString(16)} (this board has 0x${APP_ROOT_ROLE.toString(16)}, the application root)`);
    const f = fw();
    const out: SmpMap = { role, class_id: f.identity.classId, vendor_id: f.identity.vendorId };
    const v = f.running;
    if (v) {
      Object.assign(out, {
        digest: v.digest,
        digest_algorithm: SHA256_ID,
        sequence_number: v.sequence <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v.sequence) : v.sequence,
        semantic_version: [...v.semver],
      });
    }
    return out;
  };

  return {
    id: GroupId.SUIT,
    name: 'suit',
    // nRF Connect SDK's suitfu needs CONFIG_MCUMGR_SMP_LEGACY_RC_BEHAVIOUR: its answers carry
    // `"rc": 0` on success, unlike Zephyr's own groups.
    legacyRc: true,
    reset() {
      envelope = undefined;
      stream = undefined;
      cache = undefined;
      starting = false;
    },
    commands: {
      [SuitCmd.MANIFESTS_LIST]: { read: () => ({ manifests: [{ role: APP_ROOT_ROLE }] }) },
      [SuitCmd.MANIFEST_STATE]: { read: ({ body }) => manifestState(body) },
      [SuitCmd.ENVELOPE_UPLOAD]: { write: held('a SUIT update', envelopeUpload) },
      [SuitCmd.MISSING_IMAGE_STATE]: {
        read: () => {
          const f = fw().consumer.fetching;
          return f && stream ? { stream_session_id: f.session, resource_id: new TextEncoder().encode(f.request.uri) } : {};
        },
      },
      [SuitCmd.MISSING_IMAGE_UPLOAD]: { write: held('a SUIT update', missingImageUpload) },
      [SuitCmd.CACHE_RAW_UPLOAD]: { write: held('a SUIT cache transfer', cacheUpload) },
      [SuitCmd.CLEANUP]: {
        // Cleanup ends whatever is in progress: not another client's update.
        write: held('a SUIT cleanup', () => {
          fw().consumer.cancel();
          envelope = stream = cache = undefined;
          starting = false;
          fw().cache.clear();
          return {};
        }),
      },
    },
  };
}

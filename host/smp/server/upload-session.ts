/**
 * One upload session per board: while one connection (one served transport) has an upload in
 * progress — an image-group upload, or a SUIT envelope, payload or cache transfer — a request
 * from another connection that would start or continue one is answered rc 10 (EBUSY), naming
 * that another client holds the session, instead of interleaving its writes into the same slot
 * (two clients flashing one board would otherwise both report success over a mixed image).
 * Zephyr's img_mgmt keeps one upload context per device and answers a second transport's
 * upload busy in the same way.
 *
 * The session ends when its upload completes or is given up (`hold` releases it once nothing
 * is in progress), when the board loses its RAM (`clear`), when the holder's connection is
 * closed, or after `idleMs` without a request from the holder — a client that went silent
 * cannot keep the board from everyone else. The groups consult it with the connection a
 * request came from (SmpRequestContext.peer); the server itself stays generic.
 */
import type { Clock } from '../../transport/clock.js';
import { MgmtErr, SmpRcError } from '../errors.js';
import type { SmpPeer } from './server.js';

/** Default: 30 s without a chunk. */
const UPLOAD_IDLE_MS = 30_000;

export class UploadSessionLock {
  readonly idleMs: number;
  private holder: { peer: SmpPeer; what: string; last: number } | undefined;

  constructor(
    private readonly clock: Clock,
    o: { idleMs?: number } = {},
  ) {
    this.idleMs = o.idleMs ?? UPLOAD_IDLE_MS;
    if (!(this.idleMs > 0)) throw new RangeError(`upload session idle timeout must be > 0 ms, got ${this.idleMs}`);
  }

  /** The connection holding the session now, if any (closed or idle holders no longer count). */
  get heldBy(): SmpPeer | undefined {
    const h = this.holder;
    return h && h.peer.isOpen && this.clock.now() - h.last < this.idleMs ? h.peer : undefined;
  }

  /**
   * Runs `fn`, a request of `peer` that starts or continues `what` (`an image upload`): refused
   * EBUSY while another connection holds the session; afterwards `peer` holds it as long as
   * `inProgress()` says its upload goes on.
   */
  async hold<T>(peer: SmpPeer, what: string, inProgress: () => boolean, fn: () => T | Promise<T>): Promise<T> {
    this.claim(peer, what);
    try {
      return await fn();
    } finally {
      if (!inProgress()) this.release(peer);
    }
  }

  /** `peer` holds the session from now (see `hold`); throws EBUSY while another connection does. */
  claim(peer: SmpPeer, what: string): void {
    const h = this.holder;
    const now = this.clock.now();
    if (h && h.peer !== peer && this.heldBy === h.peer) {
      const idle = ((now - h.last) / 1000).toFixed(1);
      throw new SmpRcError(
        MgmtErr.EBUSY,
        `another client holds this board's upload session (${h.what}, from ${h.peer.description}, last request ${idle} s ago): try again once it completes, its connection closes or it has been idle for ${this.idleMs / 1000} s`,
      );
    }
    this.holder = { peer, what, last: now };
  }

  /** `peer`'s upload ended (completed, refused, given up). */
  release(peer: SmpPeer): void {
    if (this.holder?.peer === peer) this.holder = undefined;
  }

  /** The board lost its RAM (reset, power loss): no upload survives it. */
  clear(): void {
    this.holder = undefined;
  }
}

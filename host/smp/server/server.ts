/**
 * The board side of SMP: the same framing as the client, and group dispatch the way Zephyr's
 * mgmt core does it (notes/smp.md §1): requests are served one at a time in arrival order,
 * answers go out in the version asked (a v2 group error becomes a v1 `rc`), an unknown group
 * or command is answered `{"rc": 8}` (ENOTSUP) even under v2, and a request arriving while
 * `buf_count` requests wait is dropped as a board without a free buffer would. Headers are read
 * by the firmware's own rules (`dialect`: Zephyr's or MCUboot's, request-rules.ts). The payload
 * is decoded when a handler reads its arguments, as zcbor does in each command: a command that
 * takes none answers whatever the payload holds; one that reads them answers `{"rc": 3}`
 * (EINVAL) when the payload is not a CBOR map (an empty payload included). Answers are encoded
 * as zcbor encodes them: indefinite-length maps and arrays.
 *
 * A board is built by registering groups: `osGroup` and `imageGroup` here; the SUIT group (66)
 * and rig group (67) of the virtual board register the same way. One server can serve several
 * transports (a TCP listener's connections, a reopened port after a reset).
 */
import { systemClock, type Clock } from '../../transport/clock.js';
import type { Transport } from '../../transport/transport.js';
import { decodeBody, encodeCbor, type SmpMap } from '../cbor.js';
import { errorBody, MgmtErr, SmpErrorResponse, SmpRcError } from '../errors.js';
import { ConsoleFraming } from '../framing/console.js';
import type { Framing } from '../framing/framing.js';
import { Op, type SmpHeader } from '../header.js';
import { SmpLink, type LinkEvent } from '../link.js';
import { answerPacket, parseRequests, type ParsedRequest, type RequestDialect } from './request-rules.js';

/**
 * Which connection a request came from: by default the served transport; a board serving one
 * port through several servers (its application's and its bootloader's) names the port.
 */
export type SmpPeer = Pick<Transport, 'description' | 'isOpen'>;

/** The peer of requests answered through `SmpServer.answer` without a connection (tests). */
export const LOCAL_PEER: SmpPeer = { description: 'a request answered in process', isOpen: true };

export interface SmpRequestContext {
  header: SmpHeader;
  /** The connection it came from (one upload session per board: upload-session.ts). */
  peer: SmpPeer;
  /**
   * The request's arguments, decoded when read: throws SmpRcError EINVAL (answered `{"rc": 3}`)
   * when the payload is not a CBOR map, an empty payload included (zcbor finds no map there).
   */
  readonly body: SmpMap;
  /** Runs once the answer is handed to the transport (an OS reset answers before rebooting). */
  afterResponse(fn: () => void | Promise<void>): void;
}

/** Returns the answer body, or throws SmpRcError / SmpGroupError to answer with an error. */
export type SmpHandler = (request: SmpRequestContext) => SmpMap | Promise<SmpMap>;

export interface SmpGroupHandler {
  readonly id: number;
  /** For logs: `os`, `image`, `suit`. */
  readonly name: string;
  readonly commands: Readonly<Record<number, { read?: SmpHandler; write?: SmpHandler }>>;
  /** The `rc` a v1 request gets for group error `rc` (v1 has no group form); default EUNKNOWN. */
  translateV1?(rc: number): number;
  /**
   * Put `"rc": 0` in this group's successful answers (legacy rc behaviour); default the
   * server's `legacyRc`. Zephyr's own groups answer without it; nRF Connect SDK's SUIT group
   * needs CONFIG_MCUMGR_SMP_LEGACY_RC_BEHAVIOUR and answers with it.
   */
  readonly legacyRc?: boolean;
}

/** What a link needs from a server: a connection per transport, and its clock. */
export interface SmpServing {
  readonly clock: Clock;
  serve(transport: Transport): ServerConnection;
}

export interface SmpServerOptions {
  /** SMP buffer size reported by OS params and enforced on receive; default 2048. */
  bufSize?: number;
  /** Requests that may wait for service (OS params `buf_count`); default 4. */
  bufCount?: number;
  /** Add `"rc": 0` to the successful answers of every group that does not say otherwise (CONFIG_MCUMGR_SMP_LEGACY_RC_BEHAVIOUR); default false, as Zephyr. */
  legacyRc?: boolean;
  /** Framing for new connections; default console framing with 124-character lines. */
  framing?: () => Framing;
  /** Largest packet taken from the framing; default what the framing fits in `bufSize` (Framing.maxPacketFor). */
  maxPacket?: number;
  /** Whose header rules (request-rules.ts); default Zephyr's. */
  dialect?: RequestDialect;
  clock?: Clock;
  /** Packets, drops and console text of every connection (traces, logs). */
  onEvent?: (event: LinkEvent) => void;
  /** A handler threw something that is not an SMP error (answered rc 1, EUNKNOWN). */
  onHandlerError?: (error: unknown, header: SmpHeader) => void;
}

export interface ServerConnection {
  readonly link: SmpLink;
  /** droppedOff: requests that arrived while the board was not listening (resetting, off). */
  readonly stats: { served: number; droppedBusy: number; droppedOff: number };
  /** Stops serving this transport and closes it. */
  close(): Promise<void>;
}

export class SmpServer implements SmpServing {
  readonly bufSize: number;
  readonly bufCount: number;
  readonly legacyRc: boolean;
  readonly clock: Clock;
  /** While false the board reads no requests (it is resetting or off): they are lost, as on a real UART. */
  listening = true;
  private readonly groups = new Map<number, SmpGroupHandler>();
  private readonly connections = new Set<ServerConnection>();

  constructor(private readonly options: SmpServerOptions = {}) {
    this.bufSize = options.bufSize ?? 2048;
    this.bufCount = options.bufCount ?? 4;
    this.legacyRc = options.legacyRc ?? false;
    this.clock = options.clock ?? systemClock;
    if (!Number.isInteger(this.bufSize) || this.bufSize < 64) throw new RangeError(`SMP server buf_size must be an integer >= 64, got ${this.bufSize}`);
    if (!Number.isInteger(this.bufCount) || this.bufCount < 1) throw new RangeError(`SMP server buf_count must be an integer >= 1, got ${this.bufCount}`);
  }

  /** Adds a group; its id must not be taken. Returns the function that removes it. */
  register(group: SmpGroupHandler): () => void {
    if (this.groups.has(group.id)) throw new Error(`SMP group ${group.id} (${this.groups.get(group.id)!.name}) is already registered`);
    this.groups.set(group.id, group);
    return () => void this.groups.delete(group.id);
  }

  get registeredGroups(): number[] {
    return [...this.groups.keys()].sort((a, b) => a - b);
  }

  /** Serves SMP on `transport` until it closes; its requests come from `peer` (default: the transport). */
  serve(transport: Transport, o: { peer?: SmpPeer } = {}): ServerConnection {
    const peer = o.peer ?? transport;
    const framing = this.options.framing?.() ?? new ConsoleFraming();
    // Frames longer than the board's buffer never fit: the framing drops them.
    const link = new SmpLink(transport, { framing, maxPacket: this.options.maxPacket ?? framing.maxPacketFor(this.bufSize), clock: this.clock, onEvent: this.options.onEvent });
    const queue: ParsedRequest[] = [];
    let busy = false;
    const conn: ServerConnection = {
      link,
      stats: { served: 0, droppedBusy: 0, droppedOff: 0 },
      close: async () => {
        this.connections.delete(conn);
        await link.close();
      },
    };
    const next = async (): Promise<void> => {
      if (busy) return;
      busy = true;
      try {
        for (let p = queue.shift(); p; p = queue.shift()) {
          await this.serveOne(link, p, peer);
          conn.stats.served++;
        }
      } finally {
        busy = false;
      }
    };
    link.onRawPacket((raw) => {
      const requests = parseRequests(raw, this.options.dialect ?? 'zephyr');
      if (requests.length === 0) return;
      if (!this.listening) {
        conn.stats.droppedOff++;
        return;
      }
      // The packet takes one buffer however many requests it holds.
      if (queue.length + (busy ? 1 : 0) >= this.bufCount) {
        conn.stats.droppedBusy++;
        return;
      }
      queue.push(...requests);
      void next();
    });
    link.onClose(() => this.connections.delete(conn));
    this.connections.add(conn);
    return conn;
  }

  /** Console text on every connection, between SMP frames (a boot banner, a log line). */
  async print(line: string): Promise<void> {
    const bytes = new TextEncoder().encode(line.endsWith('\n') ? line : `${line}\n`);
    await Promise.all([...this.connections].map((c) => c.link.transport.write(bytes).catch(() => undefined)));
  }

  /** Closes every connection. */
  async close(): Promise<void> {
    await Promise.all([...this.connections].map((c) => c.close()));
  }

  /** The answer to one request (exposed for tests of handlers without a link). */
  async answer(header: SmpHeader, payload: Uint8Array, after: (() => void | Promise<void>)[] = [], peer: SmpPeer = LOCAL_PEER): Promise<SmpMap> {
    const group = this.groups.get(header.group);
    const cmd = group?.commands[header.command];
    const handler = header.op === Op.READ ? cmd?.read : cmd?.write;
    if (!group || !handler) return { rc: MgmtErr.ENOTSUP };
    let body: SmpMap | undefined;
    const request: SmpRequestContext = {
      header,
      peer,
      get body(): SmpMap {
        if (body) return body;
        if (payload.length === 0) throw new SmpRcError(MgmtErr.EINVAL);
        try {
          return (body = decodeBody(payload));
        } catch {
          throw new SmpRcError(MgmtErr.EINVAL);
        }
      },
      afterResponse: (fn) => void after.push(fn),
    };
    try {
      const out = await handler(request);
      return (group.legacyRc ?? this.legacyRc) && out['rc'] === undefined ? { rc: 0, ...out } : out;
    } catch (e) {
      after.length = 0;
      if (e instanceof SmpErrorResponse) return errorBody(e, header.version, (_g, rc) => group.translateV1?.(rc) ?? MgmtErr.EUNKNOWN);
      this.options.onHandlerError?.(e, header);
      return errorBody(new SmpRcError(MgmtErr.EUNKNOWN), header.version, () => MgmtErr.EUNKNOWN);
    }
  }

  private async serveOne(link: SmpLink, p: ParsedRequest, peer: SmpPeer): Promise<void> {
    const after: (() => void | Promise<void>)[] = [];
    const body = p.error !== undefined ? { rc: p.error } : await this.answer(p.header, p.payload, after, peer);
    try {
      await link.send(answerPacket(p, encodeCbor(body, { containers: 'indefinite' })));
    } catch {
      return; // the host went away; nothing to answer to
    }
    for (const fn of after) await fn();
  }
}

/**
 * ReattachingTransport: one link over ports that come and go (a native_sim board's pty, new at
 * every restart). The port vanishing does not close the link; bytes written while detached are
 * lost as on a wire; the next port carries the link on; only close() or fail() end it.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ReattachingTransport } from '../../host/transport/reattaching.js';
import { listenTcp, TcpTransport, type TcpListener } from '../../host/transport/tcp.js';
import { TransportClosedError } from '../../host/transport/transport.js';
import { collect, waitFor } from './helpers.js';

const listeners: TcpListener[] = [];
afterEach(async () => {
  await Promise.all(listeners.splice(0).map((l) => l.close()));
});

/** A tcp port standing in for one pty: our end and the board's end. */
async function port(): Promise<{ ours: TcpTransport; board: TcpTransport }> {
  let board: TcpTransport | undefined;
  const listener = await listenTcp({}, (t) => (board = t));
  listeners.push(listener);
  const ours = await TcpTransport.connect('127.0.0.1', listener.port);
  await waitFor(() => board !== undefined);
  return { ours, board: board! };
}

describe('ReattachingTransport', () => {
  it('survives its port vanishing: writes meanwhile are lost, the next port carries the link on', async () => {
    const link = new ReattachingTransport('test UART');
    let closed = false;
    link.onClose(() => (closed = true));
    const got = collect(link);
    const first = await port();
    link.attach(first.ours);
    expect(link.description).toBe(`test UART (${first.ours.description})`);
    const atFirst = collect(first.board);
    await link.write(Uint8Array.of(1, 2));
    await first.board.write(Uint8Array.of(9));
    await waitFor(() => atFirst.count() === 2 && got.count() === 1);

    await first.board.close(); // the board's process exits: its port vanishes
    await waitFor(() => !link.attached);
    expect(closed).toBe(false);
    expect(link.isOpen).toBe(true);
    expect(link.description).toBe('test UART (detached)');
    await link.write(Uint8Array.of(3, 4, 5)); // into the void, as to a resetting board
    expect(link.droppedBytes).toBe(3);

    const second = await port();
    link.attach(second.ours);
    const atSecond = collect(second.board);
    await link.write(Uint8Array.of(6));
    await second.board.write(Uint8Array.of(7));
    await waitFor(() => atSecond.count() === 1 && got.count() === 2);
    expect(atSecond.bytes()).toEqual(Uint8Array.of(6));
    expect(got.bytes()).toEqual(Uint8Array.of(9, 7));
    await link.close();
    expect(second.ours.isOpen).toBe(false);
  });

  it('fail() closes it as a vanished port; a port attached after close is closed at once', async () => {
    const link = new ReattachingTransport('test UART');
    let error: TransportClosedError | undefined;
    link.onClose((e) => (error = e));
    const p = await port();
    link.attach(p.ours);
    link.fail('it will not come back');
    expect(error).toBeInstanceOf(TransportClosedError);
    expect(error!.disconnected).toBe(true);
    expect(error!.message).toBe('test UART: it will not come back');
    await expect(link.write(Uint8Array.of(1))).rejects.toThrow(/write failed: test UART: it will not come back/);
    await waitFor(() => !p.ours.isOpen);
    const late = await port();
    link.attach(late.ours);
    await waitFor(() => !late.ours.isOpen);
  });
});

/**
 * The native serialport binding end to end over a socat pty pair (notes/platform.md): bytes,
 * SMP with uploads, and a vanished port (socat killed) detected and reported, never a hang.
 * Without socat these tests are reported as skipped, with the reason printed.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { SmpClient } from '../../host/smp/client.js';
import { UploadError } from '../../host/smp/upload/engine.js';
import { createPtyPair, findSocat, type PtyPair } from '../../host/transport/pty.js';
import { SerialPortTransport } from '../../host/transport/serialport.js';
import { TransportClosedError, UnsupportedSignalsError } from '../../host/transport/transport.js';
import { openSmpPeer, uploadBytes } from '../helpers/smp-peer.js';
import { collect, waitFor } from './helpers.js';

const socat = findSocat();
const REASON = 'socat is not installed (apt-get install socat; .ci/run installs it)';
if (!socat) console.warn(`SKIPPED pty tests: ${REASON}`);

const pairs: PtyPair[] = [];
afterEach(async () => {
  await Promise.all(pairs.splice(0).map((p) => p.close()));
});

async function ptys(): Promise<PtyPair> {
  const p = await createPtyPair();
  pairs.push(p);
  return p;
}

describe.skipIf(!socat)(`native serialport over a socat pty pair${socat ? '' : ` [skipped: ${REASON}]`}`, () => {
  it('carries bytes both ways; DTR/RTS are refused clearly (a pty has none)', async () => {
    const p = await ptys();
    const a = await SerialPortTransport.open({ path: p.a, baudRate: 115200 });
    const b = await SerialPortTransport.open({ path: p.b, baudRate: 115200 });
    const got = collect(b);
    const data = Uint8Array.from({ length: 50_000 }, (_, i) => (i * 7) & 0xff);
    await a.write(data);
    await waitFor(() => got.count() === data.length, 5000);
    expect(got.bytes()).toEqual(data);
    await expect(a.setSignals({ dtr: false })).rejects.toBeInstanceOf(UnsupportedSignalsError);
    await a.close();
    await b.close();
  });

  it('SMP over the pty: echo and a verified upload', async () => {
    const p = await ptys();
    const peer = await openSmpPeer();
    peer.server.serve(await SerialPortTransport.open({ path: p.b, baudRate: 115200 }));
    const client = SmpClient.over(await SerialPortTransport.open({ path: p.a, baudRate: 115200 }));
    expect(await client.os.echo('over a pty')).toBe('over a pty');
    const data = uploadBytes(64 * 1024, 13);
    const r = await client.image.upload(data);
    expect(r.match).toBe(true);
    expect(peer.candidate()).toEqual(data);
    await client.close();
    await peer.close();
  });

  it('the port vanishing mid-upload (socat killed) is reported at once, not a hang', async () => {
    const p = await ptys();
    const peer = await openSmpPeer();
    peer.server.serve(await SerialPortTransport.open({ path: p.b, baudRate: 115200 }));
    const client = SmpClient.over(await SerialPortTransport.open({ path: p.a, baudRate: 115200 }));
    let closed: TransportClosedError | undefined;
    client.transport.onClose((e) => (closed = e));
    const t0 = Date.now();
    const e = await client.image
      .upload(uploadBytes(200 * 1024, 5), { onProgress: (x) => x.done > 20_000 && void p.close() })
      .catch((x: unknown) => x);
    expect(e).toBeInstanceOf(UploadError);
    expect((e as Error).message).toMatch(/link lost during the upload of image 0 at \d+\/204800 bytes/);
    expect(closed, String(closed)).toBeInstanceOf(TransportClosedError);
    expect(closed?.disconnected).toBe(true);
    expect(Date.now() - t0).toBeLessThan(5000);
    await expect(client.os.echo('x')).rejects.toBeInstanceOf(TransportClosedError);
    await peer.close();
  });

  it('a write that finds the port gone fails as the port closing from the other side, whichever is noticed first', async () => {
    const p = await ptys();
    const a = await SerialPortTransport.open({ path: p.a, baudRate: 115200 });
    let closed: TransportClosedError | undefined;
    a.onClose((e) => (closed = e));
    await p.close();
    // Written at once, before the port's close can have been read: the write is what finds it gone.
    const e = await a.write(new Uint8Array(64)).then(
      async () => a.write(new Uint8Array(64)),
    ).catch((x: unknown) => x);
    expect(e, String(e)).toBeInstanceOf(TransportClosedError);
    expect((e as TransportClosedError).disconnected).toBe(true);
    expect(closed?.disconnected).toBe(true);
  });
});

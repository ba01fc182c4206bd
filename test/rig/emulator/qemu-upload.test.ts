/**
 * Uploads and serial recovery on the real MCUboot + Zephyr firmware under QEMU (issue 10 "Must
 * show"): an upload to the application whose link drops at 40% resumes from the offset the
 * board reports (the image group's `sha` session) and the board lists the image afterwards; the
 * board enters MCUboot serial recovery (reset with boot_mode 1) and leaves it again (a plain
 * reset), each reset proven by QEMU's own RESET event before any answer is believed.
 */
import { readFileSync } from 'node:fs';
import { afterEach, expect, it } from 'vitest';
import { SmpClient } from '../../../host/smp/client.js';
import { parseVersion, reversionImage } from '../../../host/mcuboot/index.js';
import { rebootAndWait } from '../../../host/smp/reboot.js';
import { TcpTransport } from '../../../host/transport/tcp.js';
import type { EmulatedBoard } from '../../../rig/emulator/emulated-board.js';
import { startEmulatedBoard } from '../../../rig/emulator/start.js';
import { loadLab } from '../../../rig/lab/load.js';
import { describeWithPeers, PEERS, peersLab } from '../../helpers/peers.js';
import { tempDir, writeFile } from '../helpers/lab-files.js';

const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  for (const b of open.splice(0).reverse()) await b.close();
});

async function startQemu(): Promise<{ board: EmulatedBoard; client: SmpClient }> {
  const lab = loadLab(writeFile(tempDir(), 'rig.yaml', peersLab()));
  const port = lab.boards.find((b) => b.name === 'an385')!.port;
  if (port.kind !== 'emulator') throw new Error('not an emulated board');
  const board = await startEmulatedBoard('an385', port.emulator, () => undefined);
  open.push(board);
  const client = SmpClient.over(await board.connect());
  open.push(client);
  return { board, client };
}

describeWithPeers('MCUboot + Zephyr under QEMU: uploads and serial recovery', () => {
  it('an upload whose link drops at 40% resumes from the board’s offset; the board lists the image', async () => {
    const { board, client } = await startQemu();
    const image = reversionImage(new Uint8Array(readFileSync(PEERS.qemuApp)), parseVersion('0.0.7+1'));
    let dropped = false;
    let reconnects = 0;
    // The board's UART behind a second tcp connection that the test cuts, as a USB cable pulled
    // mid-transfer: a new connection to the same QEMU port is the port coming back.
    const uartUrl = board.description.match(/tcp:\/\/127\.0\.0\.1:(\d+)/);
    expect(uartUrl, board.description).not.toBeNull();
    const port = Number(uartUrl![1]);
    await client.close();
    let c = SmpClient.over(await TcpTransport.connect('127.0.0.1', port));
    const r = await c.image.upload(image, {
      onProgress: (p) => {
        if (!dropped && p.done > image.length * 0.4) {
          dropped = true;
          void c.transport.close();
        }
      },
      reconnect: async () => {
        reconnects++;
        c = SmpClient.over(await TcpTransport.connect('127.0.0.1', port));
        return c;
      },
    });
    open.push(c);
    expect(dropped).toBe(true);
    expect(reconnects).toBeGreaterThanOrEqual(1);
    // Resumed where the board stood, not from the start: most of the image went once.
    expect(r.resumedFrom).toBeGreaterThan(image.length * 0.3);
    expect(r.retransmittedBytes).toBeLessThan(image.length * 0.2);
    const listed = (await c.image.state()).images.find((i) => i.slot === 1);
    expect(listed?.version).toBe('0.0.7.1');
  }, 90_000);

  it('enters MCUboot serial recovery and leaves it again, each reset proven by QEMU before an answer is believed', async () => {
    const { board, client } = await startQemu();
    expect(await client.os.params()).toEqual({ bufSize: 1024, bufCount: 4 });
    const into = await rebootAndWait(client, { how: 'smp', bootMode: 1 }, { witness: board.witness });
    expect(into.proof).toMatch(/QEMU reported a guest reset/);
    // MCUboot's serial recovery: no OS information, an image list without flags.
    await expect(client.os.info('s')).rejects.toThrow(/rc 8/);
    const inRecovery = await client.image.state();
    expect(inRecovery.images.some((i) => i.active)).toBe(false);
    const out = await rebootAndWait(client, { how: 'smp' }, { witness: board.witness });
    expect(out.proof).toMatch(/QEMU reported a guest reset/);
    expect(await client.os.info('s')).toBe('Zephyr');
    expect((await client.image.state()).images.find((i) => i.active)?.slot).toBe(0);
  }, 60_000);
});

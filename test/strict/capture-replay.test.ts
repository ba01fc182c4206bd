/**
 * The recorded traffic as a third witness (notes/smp-captures, next to the live peers of
 * fidelity.test.ts): request frames recorded from the real Zephyr smp_server (native_sim, and
 * the application on mps2-an385) and from MCUboot's serial recovery, sent byte for byte to the
 * virtual board, must bring back the recorded answer frames byte for byte — base64 lines, CRC
 * and zcbor's CBOR included. Replayed: each section whose answer depends neither on what the
 * recorded board held (image lists, hashes) nor on its build (OS info text, bootloader info,
 * the enumeration group, slot info's max_image_size: rig/virtual/board/README.md, "Fidelity to
 * real firmware"). The virtual board answers with the buffers of the build it replays: 384 x 4
 * (the k64f-like profile) for native_sim and the recorded QEMU application, and MCUmgr
 * parameters in recovery as the recorded MCUboot did.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { PairedLink } from '../../host/transport/paired/paired-link.js';
import { SerialPortTransport } from '../../host/transport/serialport.js';
import { createImage, parseVersion } from '../../host/mcuboot/index.js';
import { VirtualBoard } from '../../rig/virtual/board/board.js';
import { app, es256Key, trust } from '../board/fixtures.js';
import { sections } from './capture-file.js';

const REPLAYED: Record<string, { profile: string; titles: string[] }> = {
  'captures-native_sim.txt': {
    profile: 'k64f-like',
    titles: ['echo (v2 write, OS grp 0 cmd 0)', 'echo (v1 write)', 'mcumgr params (read, OS 0/6)', 'datetime get (read OS 0/4)', "os info bad format 'x' (group error)", "os info bad format 'x' with v1 header"],
  },
  'captures-app-img.txt': { profile: 'nrf52840-like', titles: ['APP: echo', 'APP upload off=0 (with sha)'] },
  // Recorded from an earlier build of the QEMU peer, with Zephyr's default 384 x 4 buffers.
  'captures-mcuboot-qemu.txt': {
    profile: 'k64f-like',
    titles: [
      'APP: echo',
      'APP: mcumgr params',
      'APP: reset boot_mode=1 (enter MCUboot serial recovery)',
      'RECOVERY: echo',
      'RECOVERY: mcumgr params',
      'RECOVERY: bootloader info (unsupported in recovery?)',
      'RECOVERY: upload first chunk off=0 (len, sha, data[0:256])',
      'RECOVERY: upload off=256 data[256:512]',
      'RECOVERY: upload wrong offset off=4096 (expect rc=0 + off=512)',
      'RECOVERY: upload restart off=0 again',
      'RECOVERY: upload with no len at off=0 (expect EINVAL)',
    ],
  },
};

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe('recorded real-firmware traffic replayed to the virtual board', () => {
  for (const [file, { profile, titles }] of Object.entries(REPLAYED)) {
    it(`${file}: ${titles.length} answers, byte for byte`, async () => {
      const board = await VirtualBoard.open({ trust: trust(es256Key), seed: 51, profile });
      cleanups.push(() => board.close());
      await board.program(createImage(app('1.0.0', 'healthy', 1500), { key: es256Key, version: parseVersion('1.0.0'), securityCounter: 1 }));
      const link = new PairedLink({ seed: 52, pace: false });
      board.serve(await SerialPortTransport.open({ path: link.pathB, baudRate: 115200, binding: link.binding }));
      const t = await SerialPortTransport.open({ path: link.pathA, baudRate: 115200, binding: link.binding });
      cleanups.push(() => t.close());
      let got = Buffer.alloc(0);
      t.onData((d) => void (got = Buffer.concat([got, d])));
      const recorded = sections(file);
      for (const title of titles) {
        const s = recorded.find((x) => x.title === title);
        expect(s, `${file} has a section "${title}"`).toBeDefined();
        const want = Buffer.concat(s!.rx);
        got = Buffer.alloc(0);
        const resets = board.witness.resets;
        await t.write(Buffer.concat(s!.tx));
        for (let waited = 0; got.length < want.length && waited < 5000; waited += 10) await new Promise((r) => setTimeout(r, 10));
        expect(got.toString('latin1'), `${file} "${title}"`).toBe(want.toString('latin1'));
        if (title.includes('reset')) {
          // The recorded board's SMP UART stayed silent through the reset; this one prints its boot console there: let it pass.
          await board.witness.nextReset(resets);
          await new Promise((r) => setTimeout(r, 100));
        }
      }
    });
  }
});

/**
 * `suitrig run rfc9019` on the real firmware in its emulators, both boards of one lab file in
 * parallel: the QEMU board (MCUboot + Zephyr, no SUIT group: the host-verified path) and the
 * native_sim board (no image group at all). Every case either runs or is not applicable with the
 * reason; none passes that the board cannot do; nothing hangs (the test's own timeout bounds it).
 */
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { runCli } from '../../helpers/cli.js';
import { PEERS, describeWithPeers, peersLab } from '../../helpers/peers.js';
import { tempDir, writeFile } from '../helpers/lab-files.js';

interface CaseJson {
  id: string;
  outcome: string;
  message?: string;
  actual: { source?: string };
}

/** The peers' lab, with what the host needs to verify manifests for the QEMU board and the application image it delivers. */
function labWithKeys(dir: string): void {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  writeFile(dir, 'keys/author.pem', privateKey.export({ type: 'pkcs8', format: 'pem' }) as string);
  writeFile(dir, 'keys/author.pub.pem', publicKey.export({ type: 'spki', format: 'pem' }) as string);
  const lab = peersLab().replace(
    '      args: [-serial, "null"]\n',
    '      args: [-serial, "null"]\n    trust: author=keys/author.pub.pem\n    keys: { author: keys/author.pem }\n' +
      // The board's own application image as its healthy app: the host verifies a manifest for it and delivers it.
      `    apps: { healthy: ${PEERS.qemuApp} }\n`,
  );
  writeFile(dir, 'rig.yaml', lab);
}

describeWithPeers('suitrig run rfc9019 on emulated boards', () => {
  it('runs what each board can take and marks the rest not applicable with the reason', { timeout: 180_000 }, async () => {
    const dir = tempDir();
    labWithKeys(dir);
    const r = await runCli(['run', 'rfc9019', '--tag', 'emulated', '--seed', '3', '--json', '--logs', join(dir, 'logs')], { cwd: dir });
    const report = JSON.parse(r.stdout);
    const board = (name: string) => report.boards.find((b: { name: string }) => b.name === name);
    const an385 = board('an385');
    const sim = board('sim');
    expect(an385.status, r.stderr).toBe('completed');
    expect(sim.status, r.stderr).toBe('completed');
    expect(an385.target).toMatchObject({ kind: 'qemu', url: 'qemu' });
    expect(sim.target).toMatchObject({ kind: 'native-sim', url: 'native-sim' });
    expect(an385.description).toMatch(/^QEMU mps2-an385 .*SMP buf 1024 x 4, groups: image, no SUIT group: the host verifies manifests/);
    expect(sim.description).toMatch(/^native_sim .*SMP buf 384 x 4, groups: OS only, no SUIT or image group: it takes no updates$/);

    // The board logs keep what the emulators did and printed.
    const simLog = readFileSync(sim.logPath, 'utf8');
    expect(simLog).toMatch(/native_sim pid \d+ \(start 1\) in .*, UART \/dev\/pts\/\d+/);
    expect(simLog).toMatch(/\| native_sim: \*\*\* Booting Zephyr OS/);
    expect(readFileSync(an385.logPath, 'utf8')).toMatch(/QEMU pid \d+ \(start 1\): mps2-an385, UART on tcp:\/\/127\.0\.0\.1:\d+/);
    for (const c of sim.cases as CaseJson[]) {
      expect(c.outcome, c.id).toBe('not-applicable');
      expect(c.message, c.id).toMatch(/^not applicable: needs a board that takes updates; it has neither the SUIT group nor the image group/);
    }
    const cases = new Map((an385.cases as CaseJson[]).map((c) => [c.id, c]));
    // The host verified and delivered the update; the board's MCUboot (RAM load) then refused to mark it for a test boot.
    expect(cases.get('trusted-author-accepted')).toMatchObject({
      outcome: 'not-applicable',
      message: expect.stringMatching(/^not applicable: board an385 cannot mark an image for a test boot: it answers rc 8 \(not supported\) to the image state write/),
    });
    const log = readFileSync(an385.logPath, 'utf8');
    expect(log).toMatch(/the host verified the manifest/);
    // Later update cases learn it without another upload.
    for (const id of ['integrated-payload-accepted', 'confirmed-survives-reboots']) expect(cases.get(id)?.message, id).toMatch(/cannot mark an image for a test boot/);
    for (const id of ['untrusted-key-rejected', 'corrupted-manifest-rejected', 'other-vendor-rejected', 'rollback-replay-rejected', 'interrupted-transfer-resumed', 'power-cut-recovers']) {
      expect(cases.get(id)?.message, id).toMatch(/^not applicable: needs the board's own SUIT decision; the board has no SUIT group/);
    }
    expect(cases.get('crash-reverted')?.message).toBe("not applicable: needs an application image 'crashes'; the lab file gives the board none (apps:)");
    for (const c of cases.values()) expect(c.outcome, `${c.id}: ${c.message}`).toBe('not-applicable');
    expect(report.totals).toMatchObject({ passed: 0, failed: 0, error: 0 });
  });
});

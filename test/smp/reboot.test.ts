/**
 * rebootAndWait (host/smp/reboot.ts): after a reset the rig believes an answer only once the
 * board showed that it went through the reset. A Zephyr-like board answers `os reset` and
 * resets 250 ms later; answers in between come from the old firmware and must not count.
 */
import { describe, expect, it } from 'vitest';
import type { InProcessLink } from '../../host/smp/in-process.js';
import { ResetNotObservedError, rebootAndWait, waitForAnswer } from '../../host/smp/reboot.js';
import { SmpTimeoutError } from '../../host/smp/client.js';
import { CountingWitness } from '../../host/smp/reset-witness.js';
import { osGroup } from '../../host/smp/server/os-group.js';
import { SmpServer } from '../../host/smp/server/server.js';
import { closedAfterEach } from '../helpers/smp-peer.js';

const { peer, link } = closedAfterEach();

function connect(server: SmpServer): Promise<InProcessLink> {
  return link(server, { baudRate: 1_000_000 });
}

describe('rebootAndWait', () => {
  it('a board that answers first and resets 250 ms later: the old firmware’s answers are not believed; the boot banner is', async () => {
    const p = await peer({ resetDelayMs: 250, bootMs: 40 });
    const l = await connect(p.server);
    const r = await rebootAndWait(l.client, { how: 'smp' });
    // Believed only after the reset really happened (the banner follows the reboot).
    expect(p.boots).toBe(1);
    expect(r.proof).toBe("the boot banner '*** Booting' on the console");
    expect(r.ms).toBeGreaterThanOrEqual(250);
    // The probe lost during the reboot is cut short by the banner: no full quiet timeout waited.
    expect(r.ms).toBeLessThan(900);
  });

  it('a board that prints nothing: its quiet reboot is the proof', async () => {
    const p = await peer({ resetDelayMs: 100, bootMs: 400 });
    const l = await connect(p.server);
    const r = await rebootAndWait(l.client, { how: 'smp' }, { banner: /never printed/, quietMs: 200 });
    expect(p.boots).toBe(1);
    expect(r.proof).toBe('it went quiet (no answer within 0.2 s)');
  });

  it('a board that never resets: ResetNotObservedError once the proof window has passed', async () => {
    const server = new SmpServer();
    server.register(osGroup({ params: { bufSize: 1024, bufCount: 1 }, reset: () => undefined }));
    const l = await connect(server);
    const t0 = Date.now();
    await expect(rebootAndWait(l.client, { how: 'smp' }, { proofWindowMs: 400 })).rejects.toThrow(ResetNotObservedError);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(400);
  });

  it('with a witness, only the witness counts: a banner alone is not enough, the witness’s word is', async () => {
    const server = new SmpServer();
    const witness = new CountingWitness();
    witness.saw('an earlier reset'); // counts from the reset on, not before
    let sawAt = 0;
    server.register(
      osGroup({
        params: { bufSize: 1024, bufCount: 1 },
        reset: () => {
          void server.print('*** Booting Zephyr OS build fake ***');
          setTimeout(() => {
            sawAt = Date.now();
            witness.saw('the process exited and was started again');
          }, 300);
        },
      }),
    );
    const l = await connect(server);
    const r = await rebootAndWait(l.client, { how: 'smp' }, { witness });
    expect(r.proof).toBe('the process exited and was started again');
    expect(sawAt).toBeGreaterThan(0);
    expect(Date.now()).toBeGreaterThanOrEqual(sawAt);
  });

  it('with a witness that never speaks: not believed, whatever the board answers', async () => {
    const p = await peer({ resetDelayMs: 50, bootMs: 20 });
    const l = await connect(p.server);
    await expect(rebootAndWait(l.client, { how: 'smp' }, { witness: new CountingWitness(), proofWindowMs: 600 })).rejects.toThrow(/its surroundings saw no reset/);
  });

  it("the rig's own hard reset is its proof; the action runs once", async () => {
    const p = await peer();
    const l = await connect(p.server);
    let runs = 0;
    const r = await rebootAndWait(l.client, { how: 'hard', what: "the rig's own dtr reset", run: async () => void runs++ }, { banner: /never printed/ });
    expect(runs).toBe(1);
    expect(r.proof).toBe("the rig's own dtr reset");
  });

  it('a board whose link hides the reboot (QEMU holds the bytes for the new firmware): its statistics counter going back is the proof', async () => {
    const server = new SmpServer();
    let ticks = 7;
    let resets = 0;
    server.register(osGroup({ params: { bufSize: 1024, bufCount: 1 }, reset: () => void setTimeout(() => ((ticks = 0), resets++), 150) }));
    server.register({
      id: 2,
      name: 'stat',
      commands: { 0: { read: ({ body }) => ({ name: body['name'] as string, fields: { ticks } }) }, 1: { read: () => ({ stat_list: ['smp_svr_stats'] }) } },
    });
    const l = await connect(server);
    const r = await rebootAndWait(l.client, { how: 'smp' });
    expect(resets).toBe(1);
    expect(r.proof).toBe('a statistics counter went back (smp_svr_stats.ticks 7 -> 0)');
  });

  it('a board that comes back as another firmware (its statistics group gone): that is the proof', async () => {
    const server = new SmpServer();
    let unregister = (): void => undefined;
    server.register(osGroup({ params: { bufSize: 1024, bufCount: 1 }, reset: () => void setTimeout(() => unregister(), 150) }));
    unregister = server.register({ id: 2, name: 'stat', commands: { 0: { read: () => ({ name: 'a', fields: { n: 3 } }) }, 1: { read: () => ({ stat_list: ['a'] }) } } });
    const l = await connect(server);
    const r = await rebootAndWait(l.client, { how: 'smp', bootMode: 1 });
    expect(r.proof).toBe('its statistics group, there before the reset, is gone (another firmware answers)');
  });

  it('a link that drops during the reset is reopened, and the drop is the proof', async () => {
    const server = new SmpServer();
    let l: InProcessLink | undefined;
    // A USB board: its port vanishes as it resets (after the answer went out).
    server.register(osGroup({ params: { bufSize: 1024, bufCount: 1 }, reset: () => void setTimeout(() => l!.link.disconnect(), 10) }));
    l = await connect(server);
    let reopened = 0;
    const r = await rebootAndWait(l.client, { how: 'smp' }, { banner: /never printed/, reconnect: async () => (reopened++, l!.reconnect()) });
    expect(reopened).toBeGreaterThanOrEqual(1);
    expect(r.proof).toBe('the link dropped');
  });
});

describe('waitForAnswer (no reset to prove: the power came back)', () => {
  it('the first answer counts, an error answer too; a port that dropped is reopened', async () => {
    const server = new SmpServer(); // no groups: echo is answered rc 8, which still means an SMP server runs
    server.listening = false;
    setTimeout(() => (server.listening = true), 300);
    const l = await connect(server);
    l.link.disconnect();
    let reopened = 0;
    const r = await waitForAnswer(l.client, { reconnect: async () => (reopened++, l.reconnect()) });
    expect(reopened).toBe(1);
    expect(r.client).toBe(l.client);
    expect(r.ms).toBeGreaterThanOrEqual(250);
  });

  it('a board that never answers: SmpTimeoutError once its time is up, naming it', async () => {
    const server = new SmpServer();
    server.listening = false;
    const l = await connect(server);
    const t0 = Date.now();
    const e = await waitForAnswer(l.client, { timeoutMs: 800 }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(SmpTimeoutError);
    expect((e as Error).message).toMatch(/the board did not answer within 1 s of the reset \(last: no answer/);
    expect(Date.now() - t0).toBeLessThan(2_500);
  });
});

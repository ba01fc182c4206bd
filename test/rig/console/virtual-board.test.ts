/**
 * Console sessions end to end on the virtual board, as a user's test opens it through the rig's
 * provider: in this process behind the paced paired link, and in its own process over tcp (both
 * ends paced). The boot banner after a reset is expected on the console between SMP frames, the
 * board's shell answers what is typed (its prompt `uart:~$ ` ends no line), and an SMP request
 * made while the shell waits at its prompt still works: console text and frames share the link.
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { seededRng } from '../../../host/transport/rng.js';
import { ConsoleSession } from '../../../rig/dut/console/session.js';
import { createRigProvider } from '../../../rig/dut/provider.js';
import type { Dut, VirtualProvision } from '../../../rig/dut/types.js';
import { freshVirtualTarget } from '../../../rig/lab/resolve.js';
import { prepareFixtures, provisionOf } from '../../../rig/suites/rfc9019/fixtures.js';
import { tempDir } from '../helpers/lab-files.js';

const open: { dut: Dut; session: ConsoleSession }[] = [];
afterEach(async () => {
  for (const o of open.splice(0)) {
    o.session.close();
    await o.dut.close();
  }
});

let provision: VirtualProvision | undefined;
beforeAll(async () => {
  // What the rfc9019 suite provisions virtual boards with: its keys, and a known-good application running.
  const workDir = tempDir('suitrig-console-fixtures-');
  const f = await prepareFixtures({ seed: 7, rng: seededRng(7), workDir, signal: new AbortController().signal, log: () => undefined }, { appSize: 8 * 1024 });
  provision = provisionOf(f);
});

async function openBoard(placement: 'in-process' | 'process'): Promise<{ dut: Dut; session: ConsoleSession; log: string[] }> {
  const log: string[] = [];
  const dut = await createRigProvider({ flashScale: 0 }).open(
    { name: `console-${placement}`, target: freshVirtualTarget(115_200, placement) },
    { signal: new AbortController().signal, log: (e) => log.push(e.kind === 'console' ? `console ${e.line}` : e.kind), seed: 7, workDir: tempDir('suitrig-console-'), provision: provision! },
  );
  const session = new ConsoleSession(dut.console, { name: dut.name });
  open.push({ dut, session });
  return { dut, session, log };
}

describe.each(['in-process', 'process'] as const)('a console session on a virtual board (%s)', (placement) => {
  it('expects the boot banner after a reset, with what came before it and when', async () => {
    const { dut, session } = await openBoard(placement);
    const t0 = Date.now();
    await dut.reset();
    const m = await session.expect(/\*\*\* Booting Zephyr OS build (v[\d.]+) \*\*\*/, { timeout: 10_000 });
    expect((m.match as RegExpExecArray)[1]).toBe('v4.4.0');
    expect(m.at.getTime()).toBeGreaterThanOrEqual(t0);
    expect(m.at.getTime()).toBeLessThanOrEqual(Date.now());
    // MCUboot is a Zephyr application too: its banner comes first, then the application's.
    await session.expect('I: Starting bootloader (reset reason: soft-reset)', { timeout: 5_000 });
    const app = await session.expect(/app (\S+) \(healthy\) started from image (\S+)\r\n/, { timeout: 5_000 });
    expect(app.before).toContain('*** Booting Zephyr OS build v4.4.0 ***');
    expect(session.formatLog()).toMatch(/^\d\d:\d\d:\d\d\.\d{3} < \*\*\* Booting Zephyr OS build v4\.4\.0 \*\*\*$/m);
  });

  it("types into the board's shell and matches its prompt, which ends no line; SMP still answers while it waits", async () => {
    const { dut, session, log } = await openBoard(placement);
    await session.writeLine('kernel version');
    await session.expect('kernel version\r\n', { timeout: 5_000 });
    const v = await session.expect(/Zephyr version (\S+)\r\n/, { timeout: 5_000 });
    expect((v.match as RegExpExecArray)[1]).toBe('4.4.0');
    const prompt = await session.expect('uart:~$ ', { timeout: 5_000 });
    expect(prompt.before).toBe('');
    expect(session.buffer).toBe('');
    // A frame follows the prompt on its line: the board answers, and no frame byte reaches the console.
    expect((await dut.readStatus()).mode).toBe('application');
    await session.writeLine('version');
    const r = await session.expect(/app (\S+), image (\S+), confirmed\r\n/, { timeout: 5_000 });
    expect(r.before).toBe('version\r\n');
    await session.expect('uart:~$ ', { timeout: 5_000 });
    await session.writeLine('nonesuch');
    await session.expect('nonesuch: command not found\r\n', { timeout: 5_000 });
    await session.expectNot(/\x06\x09|\x04\x14/, { timeout: 300 });
    // The log shows the prompt with what was typed at it, and what the test wrote.
    const entries = session.log().entries.map((e) => `${e.dir} ${e.text}`);
    expect(entries).toEqual(expect.arrayContaining(['tx kernel version', 'rx kernel version', 'rx Zephyr version 4.4.0', 'rx uart:~$ ', 'tx version']));
    // The board log gets the console as lines (the prompt joins the line typed at it).
    expect(log).toContain('console Zephyr version 4.4.0');
  });

  it('kernel reboot typed at the shell resets the board: the banner follows, and SMP answers again', async () => {
    const { dut, session } = await openBoard(placement);
    await session.writeLine('kernel reboot cold');
    await session.expect('*** Booting Zephyr OS build v4.4.0 ***', { timeout: 10_000 });
    await session.expect(/app \S+ \(healthy\) started/, { timeout: 10_000 });
    await dut.waitForBoard({ timeoutMs: 10_000 });
    const st = await dut.readStatus();
    expect(st.boot?.reason).toBe('soft-reset');
  });
});

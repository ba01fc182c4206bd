/**
 * The worked example of "Write your own tests" (README.md): an update that must confirm itself
 * and stay, and a power cut in the middle of one that must leave the old image running.
 *
 *   suitrig run examples --lab examples/rig.yaml --board virtual-nrf52840
 *   cd examples && npx vitest run
 */
import { expect, PowerCutError, test } from 'suitrig/test';
import { firmwareOf } from './firmware.js';

test('new image confirms itself and stays after two resets', async ({ dut }) => {
  const fw = firmwareOf(dut);
  const update = await dut.prepareUpdate(fw.image(fw.next));

  const result = await dut.update(update);
  expect(result.outcome).toBe('updated');
  await dut.console.expect(fw.banner(fw.next));

  for (let i = 0; i < 2; i++) {
    await dut.reset();
    await dut.console.expect(fw.banner(fw.next));
    expect((await dut.status()).running).toMatchObject({ hash: result.running!.hash, confirmed: true });
  }
});

test('power cut in the middle of an update: the old image still boots', async ({ dut }) => {
  dut.needs('power');
  const fw = firmwareOf(dut);
  const before = (await dut.status()).running!;
  const update = await dut.prepareUpdate(fw.image(fw.next));

  let cut: Promise<void> | undefined;
  const halfway = dut.update(update, {
    onProgress: (p) => {
      if (p.what === 'payload' && p.done >= p.total / 2) cut ??= dut.power.cut();
    },
  });
  await expect(halfway).rejects.toThrow(PowerCutError);
  await cut;

  await dut.power.restore();
  await dut.console.expect(fw.banner(fw.base));
  expect((await dut.status()).running).toMatchObject({ hash: before.hash, confirmed: true });
});

/**
 * The shape of the built-in rfc9019 suite (rig/suites/rfc9019/cases.ts): every case states both
 * the decision it expects and the boot outcome (DESIGN.md "Rig": each case = setup, steps,
 * expected decision and boot outcome), and reads the board's status after its last delivery, so
 * the runner judges both on what the board reported. Running the cases is test/e2e's job.
 */
import { describe, expect, it } from 'vitest';
import { rfc9019Suite } from '../../../rig/suites/rfc9019/index.js';

describe('rfc9019 cases', () => {
  it('each expects a decision and a boot outcome, and reads the status after its last delivery', () => {
    expect(rfc9019Suite.cases).toHaveLength(20);
    for (const c of rfc9019Suite.cases) {
      const effects = c.steps.map((s) => s.effects ?? []);
      const lastDelivery = effects.map((e) => e.includes('deliver-envelope')).lastIndexOf(true);
      const statusAfter = effects.slice(lastDelivery + 1).some((e) => e.includes('read-status'));
      expect({ id: c.id, decision: c.expect.decision !== undefined, boot: c.expect.boot !== undefined, delivers: lastDelivery >= 0, statusAfter }).toEqual({
        id: c.id,
        decision: true,
        boot: true,
        delivers: true,
        statusAfter: true,
      });
    }
  });
});

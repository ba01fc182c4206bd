/**
 * The `agents` bench section (rig/bench/sections/agents.ts) in its --quick form: `suitrig agent`
 * processes on their own serve virtual boards for a service in this process, a campaign over all
 * of them is confirmed on every board (the section throws otherwise), and each figure carries its
 * unit. How fast is measured by `npm run bench`, not asserted here; only what must hold is: the
 * campaign cannot beat the serial line that one board's update is bound by.
 */
import { describe, expect, it } from 'vitest';
import { sections } from '../../rig/bench/sections/index.js';

describe('bench section agents (--quick)', () => {
  it('runs a campaign over the boards of two agent processes and compares it with one update alone', async () => {
    const section = sections.find((s) => s.name === 'agents');
    expect(section).toBeDefined();
    const lines: string[] = [];
    const f = await section!.run({ log: (l) => lines.push(l), quick: true });
    expect(Object.keys(f).sort()).toEqual(
      ['agents_boards', 'agents_one_update_ms', 'agents_pglite_boards_per_min', 'agents_pglite_campaign_ms', 'agents_pglite_campaign_vs_one_update_ratio', 'agents_pglite_slowest_board_vs_one_update_ratio'].sort(),
    );
    expect(f.agents_boards).toBe(4);
    // Every board's update is paced by its own 115200 baud line: no campaign is faster than one of them.
    expect(f.agents_pglite_campaign_vs_one_update_ratio).toBeGreaterThan(0.9);
    expect(f.agents_pglite_campaign_ms).toBeCloseTo(f.agents_one_update_ms! * f.agents_pglite_campaign_vs_one_update_ratio!, -2);
    expect(lines.some((l) => /pglite: campaign over 4 boards on 2 agents [\d.]+ s = [\d.]+x one board's update alone/.test(l))).toBe(true);
  }, 120_000);
});

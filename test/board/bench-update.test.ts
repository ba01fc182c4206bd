/**
 * The `update` bench section (rig/bench/sections/update.ts) in its --quick form, as `npm run
 * bench` runs it: it is registered, completes a real SUIT update and its reference upload at
 * both baud rates, and reports every figure with its unit in the key. Speeds are not asserted
 * (they are measured by `npm run bench`); only what the paced line makes impossible is.
 */
import { describe, expect, it } from 'vitest';
import { sections } from '../../rig/bench/sections/index.js';

describe('bench section update (--quick)', () => {
  it('reports update time, payload and reference goodput, ratios and reboot per baud rate', async () => {
    const section = sections.find((s) => s.name === 'update');
    expect(section).toBeDefined();
    const lines: string[] = [];
    const f = await section!.run({ log: (l) => lines.push(l), quick: true });
    const suffixes = ['ms', 'payload_kb_per_s', 'raw_upload_kb_per_s', 'payload_vs_raw_upload_ratio', 'payload_line_rate_ratio', 'reboot_ms'];
    expect(Object.keys(f).sort()).toEqual(['update_payload_bytes', ...[115200, 1_000_000].flatMap((b) => suffixes.map((s) => `update_${s}_${b}`))].sort());
    expect(f['update_payload_bytes']).toBe(8 * 1024);
    for (const b of [115200, 1_000_000]) {
      expect(f[`update_payload_kb_per_s_${b}`]).toBeGreaterThan(0);
      // No goodput beats the 8N1 line, and the ratio is the ratio of the reported figures.
      expect(f[`update_payload_line_rate_ratio_${b}`]).toBeLessThan(1);
      expect(f[`update_payload_vs_raw_upload_ratio_${b}`]).toBeCloseTo(f[`update_payload_kb_per_s_${b}`]! / f[`update_raw_upload_kb_per_s_${b}`]!, 2);
    }
    expect(lines.filter((l) => /baud: update [\d.]+ s, payload [\d.]+ KB\/s/.test(l))).toHaveLength(2);
  });
});

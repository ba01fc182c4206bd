/**
 * The rfc9019 suite on many boards at once (DESIGN.md "Rig": many boards in parallel; issue 7
 * "Must show": 8 virtual boards, each in its own process over tcp at 115200 baud, against one
 * board started the same way, in the same run, target <= 1.5x: the link, not the CPU, is the
 * bottleneck). Both runs are `suitrig run rfc9019 --board virtual --boards N --baud 115200`
 * from the built CLI, with the same seed, at the nRF52840-like part's real flash timings
 * (`--flash-scale 1`, the default). Figures: the wall time of each run, their ratio, and the
 * one-board run's time per case. `--quick`: three cases instead of the whole suite.
 */
import { spawn } from 'node:child_process';
import { cliEntry } from '../../dut/virtual/process.js';
import type { BenchContext, BenchSection } from '../section.js';

const BAUD = 115200;
const SEED = 20261125;
const QUICK_CASES = ['trusted-author-accepted', 'untrusted-key-rejected', 'crash-reverted'];

interface RunReport {
  result: string;
  totals: { cases: number; passed: number };
  boards: { name: string; status: string; cases: { id: string; outcome: string; durationMs: number; message?: string }[] }[];
}

/** One `suitrig run` in its own process: its wall time and JSON report. */
function suiteRun(boards: number, quick: boolean): Promise<{ ms: number; report: RunReport }> {
  const args = [cliEntry(), 'run', 'rfc9019', '--board', 'virtual', '--boards', String(boards), '--baud', String(BAUD), '--seed', String(SEED), '--json', ...(quick ? QUICK_CASES.flatMap((c) => ['--case', c]) : [])];
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString('utf8')));
    child.stderr.on('data', (b: Buffer) => (err = (err + b.toString('utf8')).slice(-2000)));
    child.once('error', reject);
    child.once('close', (code) => {
      const ms = performance.now() - t0;
      try {
        resolve({ ms, report: JSON.parse(out) as RunReport });
      } catch {
        reject(new Error(`suitrig run --boards ${boards} exited ${code} without a JSON report: ${err}`));
      }
    });
  });
}

function failures(r: RunReport): string[] {
  return r.boards.flatMap((b) => b.cases.filter((c) => c.outcome !== 'passed').map((c) => `${b.name} ${c.id}: ${c.outcome} ${c.message ?? ''}`));
}

export const suiteParallelSection: BenchSection = {
  name: 'suite-parallel',
  async run(ctx: BenchContext) {
    ctx.log(`suitrig run rfc9019 --board virtual --boards N --baud ${BAUD} --seed ${SEED}${ctx.quick ? ` (quick: ${QUICK_CASES.join(', ')})` : ''}, real flash timings`);
    const one = await suiteRun(1, ctx.quick);
    ctx.log(`  1 board : ${(one.ms / 1000).toFixed(1)} s, ${one.report.totals.passed}/${one.report.totals.cases} passed`);
    const eight = await suiteRun(8, ctx.quick);
    ctx.log(`  8 boards: ${(eight.ms / 1000).toFixed(1)} s, ${eight.report.totals.passed}/${eight.report.totals.cases} passed`);
    const bad = [...failures(one.report), ...failures(eight.report)];
    if (bad.length > 0) throw new Error(`the suite did not pass:\n  ${bad.join('\n  ')}`);
    const ratio = eight.ms / one.ms;
    ctx.log(`  8 boards / 1 board: ${ratio.toFixed(2)} (target <= 1.5)`);
    const figures: Record<string, number> = {
      suite_1_board_115200_ms: Math.round(one.ms),
      suite_8_boards_115200_ms: Math.round(eight.ms),
      suite_parallel_ratio: Number(ratio.toFixed(3)),
    };
    for (const c of one.report.boards[0]!.cases) {
      figures[`suite_case_${c.id.replace(/-/g, '_')}_115200_ms`] = c.durationMs;
      ctx.log(`    ${c.id.padEnd(30)} ${(c.durationMs / 1000).toFixed(1).padStart(6)} s`);
    }
    return figures;
  },
};

/**
 * `suitrig run --dry-run`: what a run would do to each board, touching nothing (no port is
 * opened): the resolved port, the reset method, every step with what it would erase or write,
 * the known-good restore after each case, and the cases that are known not to apply. Whether a
 * real board has the SUIT, image or rig group is only known once it answers; such cases are
 * marked as depending on it.
 */
import { statSync } from 'node:fs';
import { kib } from '../../host/util/units.js';
import type { DutCapabilities, DutOperation } from '../dut/types.js';
import type { ResolvedBoard } from '../lab/resolve.js';
import { formatCommand } from '../dut/external-command.js';
import { describeReset } from '../dut/hard-reset.js';
import { labProvision } from '../dut/provision.js';
import { missingNeeds, type Need, type Suite, type SuiteCase } from '../suites/api.js';
import type { TargetSummary } from './result.js';
import { summariseTarget } from './run-board.js';
import { deriveSeed } from './seed.js';

export const PLAN_SCHEMA = 'suitrig-run-plan';
export const PLAN_VERSION = 1;

export interface PlannedAction {
  name: string;
  actions: string[];
  /** True when it erases or writes the board's flash (false: reads, resets, power). */
  writesFlash: boolean;
}

export interface PlannedCase {
  id: string;
  title: string;
  seed: number;
  needs: string[];
  /** Known from the lab alone: the board lacks what the case needs. */
  notApplicable?: string;
  /** Needs only the board itself can confirm (real boards: SUIT, image, rig groups). */
  dependsOn?: string[];
  steps: PlannedAction[];
  cleanup: PlannedAction[];
}

export interface BoardPlan {
  name: string;
  target: TargetSummary;
  seed: number;
  reset: string;
  /** Why the board cannot be reached now (its port is absent). */
  unavailable?: string;
  /** One line per kind of flash write the run would do on this board. */
  writes: string[];
  cases: PlannedCase[];
}

export interface RunPlan {
  schema: typeof PLAN_SCHEMA;
  version: typeof PLAN_VERSION;
  suite: { name: string; title: string };
  seed: number;
  boards: BoardPlan[];
}

function resetText(b: ResolvedBoard): string {
  return b.target.kind === 'virtual' ? 'virtual board reset' : describeReset(b.board?.reset ?? { method: 'smp' });
}

function describeOp(op: DutOperation, b: ResolvedBoard): { text: string; writes: boolean } {
  const virtual = b.target.kind === 'virtual';
  const power = b.board?.power;
  switch (op) {
    case 'deliver-envelope':
      return { text: 'upload a SUIT envelope; a SUIT board stores it and, when it accepts, erases and writes its candidate slot as the manifest directs (a board without the SUIT group: the host verifies it, nothing written yet)', writes: true };
    case 'supply-payload':
      return { text: 'write the payloads the board asks for into its candidate slot', writes: true };
    case 'flash-image':
      return { text: 'erase the secondary slot, write an MCUboot image and mark it for test or confirm', writes: true };
    case 'restore-known-good': {
      if (virtual) return { text: "restore the virtual board's known-good state", writes: true };
      const file = b.board?.knownGood;
      if (!file) return { text: 'nothing to restore: the lab file gives no known-good image', writes: false };
      return { text: `erase and write the known-good image ${file} (${kib(statSync(file).size)})`, writes: true };
    }
    case 'reset':
      return { text: resetText(b), writes: false };
    case 'power-cut':
      return { text: virtual ? 'cut the virtual board\'s power' : power ? `power off: \`${formatCommand(power.off)}\`` : 'power off (no power control: the case is not applicable)', writes: false };
    case 'power-restore':
      return { text: virtual ? 'restore the virtual board\'s power' : power ? `power on: \`${formatCommand(power.on)}\`, wait ${power.settleMs} ms` : 'power on', writes: false };
    case 'read-status':
      return { text: 'read image and SUIT manifest state', writes: false };
    case 'read-report':
      return { text: 'read the last SUIT report', writes: false };
    case 'arm-fault':
      return { text: 'arm faults on the virtual board', writes: false };
  }
}

function action(name: string, ops: readonly DutOperation[] | undefined, b: ResolvedBoard): PlannedAction {
  if (ops === undefined) return { name, actions: ['effects not declared by the step: it may write flash'], writesFlash: true };
  const d = ops.map((op) => describeOp(op, b));
  return { name, actions: d.length > 0 ? d.map((x) => x.text) : ['checks what earlier steps saw'], writesFlash: d.some((x) => x.writes) };
}

/** What the lab alone tells about a board's capabilities; the groups of a real board are assumed present. */
function assumedCapabilities(b: ResolvedBoard): DutCapabilities {
  const virtual = b.target.kind === 'virtual';
  const reset = b.board?.reset.method;
  return {
    suit: true,
    image: true,
    rig: true,
    // The rig power-cycles an emulated board by restarting its emulator.
    power: virtual || b.target.kind === 'emulator' || b.board?.power !== undefined,
    faults: virtual,
    resetLine: virtual || reset === 'dtr' || reset === 'rts',
    description: '',
  };
}

function planCase(c: SuiteCase, b: ResolvedBoard, seed: number): PlannedCase {
  const needs: readonly Need[] = c.needs ?? [];
  const provision = labProvision(b.board);
  const info = { name: b.name, target: b.target, ...(b.board ? { lab: b.board } : {}), capabilities: assumedCapabilities(b), ...(provision ? { provision } : {}) };
  // Virtual boards get their trust and required roles from the suite when the run provisions them.
  const lacking = missingNeeds(b.target.kind === 'virtual' ? needs.filter((n) => !n.startsWith('role:')) : needs, info);
  const depends = b.target.kind === 'virtual' ? [] : needs.filter((n) => n === 'update' || n === 'suit' || n === 'image' || n === 'rig');
  const base = { id: c.id, title: c.title, seed: deriveSeed(seed, b.name, c.id), needs: [...needs] };
  if (lacking.length > 0) return { ...base, notApplicable: lacking.join('; '), steps: [], cleanup: [] };
  return {
    ...base,
    ...(depends.length > 0 ? { dependsOn: depends.map((n) => (n === 'update' ? "the board's SUIT or image group" : `the board's ${n === 'suit' ? 'SUIT' : n} group`)) } : {}),
    steps: [...(c.setup ? [{ name: 'setup', actions: ["prepare the case's data (setup does not act on the board)"], writesFlash: false }] : []), ...c.steps.map((s) => action(s.name, s.effects, b))],
    cleanup: [...(c.cleanup ? [action('cleanup', undefined, b)] : []), action('restore known-good', ['restore-known-good'], b)],
  };
}

export function planRun(suite: Suite, cases: readonly SuiteCase[], boards: readonly ResolvedBoard[], seed: number): RunPlan {
  return {
    schema: PLAN_SCHEMA,
    version: PLAN_VERSION,
    suite: { name: suite.name, title: suite.title },
    seed,
    boards: boards.map((b) => {
      const planned = cases.map((c) => planCase(c, b, seed));
      const run = planned.filter((p) => !p.notApplicable);
      const writers = new Map<string, number>();
      for (const p of run) {
        for (const a of [...p.steps, ...p.cleanup]) {
          if (!a.writesFlash) continue;
          for (const text of a.actions) writers.set(text, (writers.get(text) ?? 0) + 1);
        }
      }
      return {
        name: b.name,
        target: summariseTarget(b),
        seed: deriveSeed(seed, b.name),
        reset: resetText(b),
        ...(b.unavailable !== undefined ? { unavailable: b.unavailable } : {}),
        writes: [...writers].map(([text, n]) => `${n}x ${text}`),
        cases: planned,
      };
    }),
  };
}

export function renderPlan(plan: RunPlan): string {
  const out: string[] = [];
  const nCases = plan.boards[0]?.cases.length ?? 0;
  out.push(`dry run: suite ${plan.suite.name}, ${nCases} case${nCases === 1 ? '' : 's'} on ${plan.boards.length} board${plan.boards.length === 1 ? '' : 's'}, seed ${plan.seed}. Nothing was opened, erased or flashed.`);
  for (const b of plan.boards) {
    // An emulator's UART is a socket or a pty: no line rate to state.
    const line = b.target.kind === 'qemu' || b.target.kind === 'native-sim' ? 'emulated UART, not paced' : `${b.target.baud} baud`;
    out.push('', `${b.name}: ${b.target.url}${b.target.usb ? ` (${b.target.usb})` : ''}, ${line}; reset: ${b.reset}`);
    if (b.unavailable !== undefined) out.push(`  not there now, a run would report it unavailable: ${b.unavailable}`);
    if (b.writes.length === 0) out.push('  would not erase or write flash');
    else {
      out.push('  would erase/write flash:');
      for (const w of b.writes) out.push(`    ${w}`);
    }
    for (const c of b.cases) {
      if (c.notApplicable) {
        out.push(`  case ${c.id}: not applicable: ${c.notApplicable}`);
        continue;
      }
      out.push(`  case ${c.id}: ${c.title}${c.dependsOn ? ` (runs if the board has ${c.dependsOn.join(' and ')})` : ''}`);
      for (const s of [...c.steps, ...c.cleanup.map((x) => ({ ...x, name: `cleanup: ${x.name}` }))]) {
        out.push(`    ${s.name}: ${s.actions.join('; ')}${s.writesFlash ? '  [writes flash]' : ''}`);
      }
    }
  }
  return out.join('\n') + '\n';
}

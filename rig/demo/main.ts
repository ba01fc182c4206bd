#!/usr/bin/env node
/**
 * `npm start` (DESIGN.md "What a user sees"): the rig end to end on this machine, no hardware.
 * Keys, application images and updates are made on the fly from a printed seed; the built-in
 * suite `rfc9019` (RFC 9019 Table 1 and recovery) runs on a virtual nRF52840-like board behind
 * the emulated serial link at 1,000,000 baud, with its progress, the summary, and JUnit and
 * JSON reports written to ./demo/. Then the operator's view: `suitrig update` of a board like
 * it (same profile and known-good state), named in a lab file, from the command line.
 *
 *   npm start [-- --seed S] [-- --flash-scale F] [-- --out DIR]
 *
 * The flash runs at a tenth of the part's erase/write times by default so the demo takes
 * well under two minutes (`--flash-scale 1`: real timings, as the benchmarks use). The demo
 * empties its output directory first, so it takes only a new or empty one, or one a demo made.
 */
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { keyId } from '../../host/keys/index.js';
import { toHex } from '../../host/util/hex.js';
import { kib } from '../../host/util/units.js';
import { dispatch } from '../cli/dispatch.js';
import { commands } from '../cli/commands/index.js';
import { MAX_FLASH_SCALE, flashScaleOption } from '../cli/virtual-options.js';
import { createRigProvider } from '../dut/provider.js';
import { buildGoldenState } from '../dut/virtual/known-good.js';
import { freshVirtualTarget } from '../lab/resolve.js';
import { paintFor } from '../report/colour.js';
import { suitrigTool, toJsonReport } from '../report/json.js';
import { toJUnitXml } from '../report/junit.js';
import { caseListProgress } from '../report/progress.js';
import { formatDuration } from '../report/summary.js';
import { hostPredictor } from '../runner/predictor.js';
import { runPassed } from '../runner/result.js';
import { runSuite } from '../runner/runner.js';
import { parseSeed, randomSeed, seededRng } from '../runner/seed.js';
import type { BoardInfo, Suite } from '../suites/api.js';
import { createRfc9019Suite } from '../suites/rfc9019/index.js';
import { appFileName, prepareFixtures, provisionOf, writeArtifacts } from '../suites/rfc9019/fixtures.js';
import { APP_URI } from '../suites/app-update.js';
import { DEFAULT_PROFILE, getProfile } from '../virtual/profiles.js';
import { ScriptArgumentError, scriptArgs } from '../cli/script.js';

const BAUD = 1_000_000;
const APP_SIZE = 48 * 1024;
const BOARD = 'demo-1';

const USAGE = `Usage: npm start [-- --seed S] [--flash-scale F] [--out DIR]

The rig end to end, no hardware: the rfc9019 suite on a virtual board, then an update from the
command line (README.md "The demo").

Options:
  --seed S          replay a run (default: random, printed)
  --flash-scale F   real time per simulated flash time, 0 to ${MAX_FLASH_SCALE} (default 0.1; 1 the part's timings)
  --out DIR         where everything goes (default ./demo); emptied first, so a new or empty
                    directory, or one a demo made
  -h, --help        show this help`;

/** Left in every output directory, so that the next demo knows it may empty it. */
const MARKER = '.suitrig-demo';

/** `--out` may be emptied: absent, empty, or made by a demo (the marker, or a demo's rig.yaml from before it). */
function demoOutDir(text: string | undefined): string {
  const dir = resolve(text ?? 'demo');
  if (!existsSync(dir)) return dir;
  if (!lstatSync(dir).isDirectory()) throw new ScriptArgumentError(`--out ${text}: not a directory`);
  const entries = readdirSync(dir);
  const lab = join(dir, 'rig.yaml');
  if (entries.length === 0 || entries.includes(MARKER) || (existsSync(lab) && readFileSync(lab, 'utf8').startsWith("# The demo's lab"))) return dir;
  throw new ScriptArgumentError(`--out ${text}: holds files a demo did not make, and the demo empties its output directory first; give a new or empty directory`);
}

const OPTIONS = { seed: { type: 'string' }, 'flash-scale': { type: 'string' }, out: { type: 'string' } } as const;
const args = scriptArgs('start', USAGE, OPTIONS, (v) => ({
  seed: v.seed === undefined ? randomSeed() : parseSeed(v.seed),
  flashScale: v['flash-scale'] === undefined ? 0.1 : flashScaleOption({ values: v, positionals: [] }),
  out: demoOutDir(v.out),
}));
if (args === undefined) process.exit(); // --help, or a bad argument reported with exit status 2
const { seed, flashScale, out } = args;
const show = (p: string) => relative(process.cwd(), p) || '.';
const paint = paintFor(process.stdout, process.env);
const say = (label: string, text: string) => process.stdout.write(`${paint.bold(label.padEnd(9))} ${text}\n`);
const t0 = performance.now();

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
writeFileSync(join(out, MARKER), 'made by npm start (rig/demo/main.ts); the next demo empties this directory\n');
const profile = getProfile(DEFAULT_PROFILE);

process.stdout.write(`${paint.bold('suitrig demo')}: virtual board ${BOARD} (${profile.description})\n`);
process.stdout.write(`             over an emulated serial link at 1,000,000 baud; flash at ${flashScale === 1 ? "the part's real" : `${flashScale} x the part's`} erase/write times; seed ${seed} (replay: npm start -- --seed ${seed})\n`);

// The author's side: keys, images, the known-good update, made from the seed (RFC 9019 §2).
const suite = createRfc9019Suite({ appSize: APP_SIZE });
const fixtures = await prepareFixtures({ seed, rng: seededRng(seed), workDir: out, signal: new AbortController().signal, log: () => undefined }, { appSize: APP_SIZE });
rmSync(join(out, 'artifacts'), { recursive: true, force: true });
writeArtifacts(fixtures, out);
const kid = (role: 'author' | 'operator') => toHex(keyId(fixtures.keys[role].publicKey));
say('keys', `author es256 (key id ${kid('author')}), operator es256 (${kid('operator')}), one nobody trusts ${paint.dim('.'.repeat(6))} ${show(join(out, 'keys'))}/`);
const a = fixtures.apps;
say('images', `app ${a.base.version} (${kib(APP_SIZE, 0)}), app ${a.next.version} (${kib(APP_SIZE, 0)}), ${a['never-confirms'].version} that never confirms, ${a.crashes.version} that crashes at boot ${paint.dim('.'.repeat(2))} ${show(join(out, 'images'))}/`);
say('board', `trusts author + operator (both required), identity ${show(join(out, 'identity.json'))}, runs app ${a.base.version} (sequence 1) before every case`);
say('suite', `${suite.name}, ${suite.cases.length} cases: ${suite.title}`);

// The suite on the board, with the fixtures just written (the run replays them from the seed).
const progress = caseListProgress(process.stdout, paint);
const result = await runSuite({
  suite: { ...suite, prepare: async () => fixtures } as Suite,
  boards: [{ name: BOARD, target: freshVirtualTarget(BAUD, 'in-process') }],
  provider: createRigProvider({ flashScale }),
  seed,
  logDir: join(out, 'logs'),
  predictor: hostPredictor,
  onEvent: progress,
});
progress.stop();
const junitPath = join(out, 'junit.xml');
const reportPath = join(out, 'report.json');
writeFileSync(junitPath, toJUnitXml(result));
writeFileSync(reportPath, JSON.stringify(toJsonReport(result, { tool: suitrigTool(), junitPath }), null, 2) + '\n');
const tot = result.totals;
const passed = runPassed(result);
process.stdout.write(
  `${(passed ? paint.green : paint.red)(`${tot.passed} passed, ${tot.failed} failed${tot.error ? `, ${tot.error} errors` : ''}${tot.notApplicable ? `, ${tot.notApplicable} not applicable` : ''}`)} in ${formatDuration(result.durationMs)}` +
    `   reports: ${show(reportPath)} ${show(junitPath)}   board log: ${show(result.boards[0]!.logPath)}\n\n`,
);

// The operator's side: the same kind of board, named in a lab file, updated from the command line.
const state = join(out, 'board-state');
await buildGoldenState(state, profile.name, provisionOf(fixtures));
writeFileSync(join(out, 'rig.yaml'), `# The demo's lab: one virtual board (rig/lab/README.md)\nboards:\n  ${BOARD}:\n    port: virtual\n    virtual: { profile: ${profile.name}, state: board-state }\n    baud: ${BAUD}\n`);
const board: BoardInfo = {
  name: BOARD,
  target: freshVirtualTarget(BAUD, 'in-process'),
  capabilities: { suit: true, image: true, rig: true, power: true, faults: true, resetLine: false, description: '' },
  provision: provisionOf(fixtures),
};
const u = fixtures.update(board, 1n, { app: 'next' });
const envelopeFile = join(out, `app-${a.next.version}.suit`);
writeFileSync(envelopeFile, u.envelope);
const argv = [
  'update',
  '--lab',
  show(join(out, 'rig.yaml')),
  '--port',
  BOARD,
  show(envelopeFile),
  '--payload',
  `${APP_URI}=${show(join(out, 'images', appFileName(a.next)))}`,
  '--trust',
  `author=${show(join(out, 'keys', 'author.pub.pem'))}`,
  '--trust',
  `operator=${show(join(out, 'keys', 'operator.pub.pem'))}`,
  '--require',
  'author,operator',
  '--device',
  show(join(out, 'identity.json')),
];
process.stdout.write(`${paint.dim('$')} suitrig ${argv.join(' ')}\n`);
const code = await dispatch(argv, commands, { stdout: process.stdout, stderr: process.stdout, env: process.env, cwd: process.cwd() });
process.stdout.write(`\ndemo finished in ${formatDuration(performance.now() - t0)}; everything it made is in ${show(out)}/\n`);
process.exitCode = passed && code === 0 ? 0 : 1;

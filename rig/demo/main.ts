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
 * well under two minutes (`--flash-scale 1`: real timings, as the benchmarks use).
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { keyId } from '../../host/keys/index.js';
import { toHex } from '../../host/util/hex.js';
import { kib } from '../../host/util/units.js';
import { dispatch } from '../cli/dispatch.js';
import { commands } from '../cli/commands/index.js';
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
import { APP_URI } from '../virtual/app/app-update.js';
import { DEFAULT_PROFILE, getProfile } from '../virtual/profiles.js';

const BAUD = 1_000_000;
const APP_SIZE = 48 * 1024;
const BOARD = 'demo-1';

const { values } = parseArgs({ options: { seed: { type: 'string' }, 'flash-scale': { type: 'string' }, out: { type: 'string' } }, strict: true });
const seed = values.seed === undefined ? randomSeed() : parseSeed(values.seed);
const flashScale = values['flash-scale'] === undefined ? 0.1 : Number(values['flash-scale']);
if (!(flashScale >= 0)) throw new Error(`--flash-scale: expected a non-negative number, got '${values['flash-scale']}'`);
const out = resolve(values.out ?? 'demo');
const show = (p: string) => relative(process.cwd(), p) || '.';
const paint = paintFor(process.stdout, process.env);
const say = (label: string, text: string) => process.stdout.write(`${paint.bold(label.padEnd(9))} ${text}\n`);
const t0 = performance.now();

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
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

/**
 * `suitrig run [suite] --board <url|name|virtual>... [--boards N] [--lab rig.yaml] [--tag T]
 * [--baud B] [--seed S] [--junit <file>] [--json]` (DESIGN.md "Command line"), plus `--dry-run`:
 * selects boards (rig/lab/select.ts), runs the suite on all of them in parallel
 * (rig/runner/runner.ts) with live progress on stderr, and reports: summary table or JSON on
 * stdout, JUnit XML and a JSON report file on request; with `--tracker URL --token T` the run is
 * also recorded by the lab service (its JSON report and JUnit XML: `GET /runs/{id}`); a service
 * that cannot be reached or refuses is a warning, as for status/update/flash. Exit 0 when every
 * case passed or was not applicable, 1 when a case failed or errored, 2 for usage and
 * environment errors.
 */
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { EXIT_NEGATIVE, EXIT_OK, EnvironmentError, UsageError, optFlag, optString, optStrings, printJson, type CliIo, type Command } from '../command.js';
import { checkOutputFile, writeOutputFile } from '../files.js';
import { flashScaleOption } from '../virtual-options.js';
import { createRigProvider, type DutProvider } from '../../dut/provider.js';
import { hostPredictor } from '../../runner/predictor.js';
import { labFor, parseBaud } from '../../lab/resolve.js';
import { classifyPort } from '../../lab/port-url.js';
import { MAX_VIRTUAL_BOARDS, selectBoards } from '../../lab/select.js';
import type { PortLister } from '../../ports/types.js';
import { paintFor } from '../../report/colour.js';
import { suitrigTool, toJsonReport } from '../../report/json.js';
import { toJUnitXml } from '../../report/junit.js';
import { liveProgress, plainProgress } from '../../report/progress.js';
import { renderSummary } from '../../report/summary.js';
import { planRun, renderPlan } from '../../runner/plan.js';
import { runPassed } from '../../runner/result.js';
import { runSuite, selectCases } from '../../runner/runner.js';
import { parseSeed, randomSeed } from '../../runner/seed.js';
import type { Suite } from '../../suites/api.js';
import { DEFAULT_SUITE, builtinSuites, loadSuite } from '../../suites/index.js';
import { LINK_OPTIONS, linkOptionValues, linkSettingsFor } from '../link-options.js';
import { TRACKER_OPTIONS, trackerClient } from '../tracker-options.js';
import { HOLD_OPTIONS, holdBoards } from '../board-hold.js';
import { TrackerError, type TrackerClient } from '../../service/client/tracker.js';

export interface RunCommandDeps {
  suites?: readonly Suite[];
  provider?: DutProvider;
  lister?: PortLister;
}

function positiveInt(value: string | undefined, name: string, max: number): number | undefined {
  if (value === undefined) return undefined;
  if (!/^[1-9][0-9]*$/.test(value) || Number(value) > max) throw new UsageError(`--${name}: expected an integer from 1 to ${max}, got '${value}'`);
  return Number(value);
}

function needsLab(boards: readonly string[], tags: readonly string[]): boolean {
  if (tags.length > 0) return true;
  return boards.some((w) => {
    try {
      return classifyPort(w).kind === 'name';
    } catch {
      return false; // reported by selectBoards with the word
    }
  });
}

/** Records the run with the lab service; a service that cannot be reached or refuses is a warning: the run's verdict stands. */
async function recordRun(tracker: TrackerClient, io: CliIo, report: unknown, junit: string): Promise<void> {
  try {
    const recorded = await tracker.call<{ id: number }>('POST', '/runs/recorded', { report, junit });
    io.stderr.write(`tracker   recorded as run ${recorded.id}: ${tracker.base}/api/v1/runs/${recorded.id}\n`);
  } catch (e) {
    if (!(e instanceof TrackerError)) throw e;
    io.stderr.write(`warning: tracker ${e.message}; the run's result above stands, not recorded there\n`);
  }
}

export function createRunCommand(deps: RunCommandDeps = {}): Command {
  return {
    path: ['run'],
    summary: 'run a QA suite on one or many boards in parallel, with JUnit and JSON reports',
    usage: '[suite] --board <url|name|virtual>... [--boards N] [--lab rig.yaml] [--tag T] [--baud B] [--seed S] [--junit <file>] [--json] [--dry-run] [--tracker URL --token T [--wait]]',
    details: [
      `suite: a built-in suite name (default ${DEFAULT_SUITE}: RFC 9019 Table 1 and recovery) or the path of`,
      'a JavaScript module exporting a suite (rig/suites/api.ts). Boards: device paths, tcp://host:port,',
      'names from the lab file, or virtual: one virtual board in this process behind the emulated',
      'serial link; --boards N: N virtual boards, each in its own process over tcp, both ends paced',
      'at --baud. Virtual boards are provisioned with the run\'s keys and start every case from the',
      'known-good update; --tag adds every lab board that has all the given tags. Each board gets',
      "its own worker and log file; every case restores the board's known-good state afterwards.",
      'Before each delivery the host predicts the decision with the same verifier core; a board',
      'that decides otherwise fails the case. The seed (random unless --seed) is printed and',
      'recorded in every report: --seed replays a run. --dry-run lists what would be erased and',
      'flashed on each board without opening any port. --tracker URL --token T records the run with the',
      'lab service (POST /api/v1/runs/recorded: the JSON report and JUnit XML); it says the run id on stderr.',
      'With --tracker the lab boards are also reserved there while the suite runs: a board someone',
      'else holds stops the run before it starts (exit 2, naming who until when) unless --wait queues for it.',
      'Exit status: 0 every case passed or was not applicable; 1 a case failed or errored; 2 usage',
      'or environment error (nothing was run).',
    ].join('\n'),
    options: {
      board: { type: 'string', multiple: true, value: '<url|name|virtual>', description: 'a board: device path, tcp://host:port, lab board name, or virtual' },
      boards: { type: 'string', value: '<N>', description: 'with --board virtual: N virtual boards, each in its own process over tcp' },
      lab: { type: 'string', value: '<rig.yaml>', description: 'lab file (default ./rig.yaml when present)' },
      tag: { type: 'string', multiple: true, value: '<T>', description: 'add the lab boards that have every given tag' },
      baud: { type: 'string', value: '<B>', description: 'line rate for every board (default: the lab\'s, else 115200)' },
      seed: { type: 'string', value: '<S>', description: 'seed for every random choice (default: random, printed)' },
      case: { type: 'string', multiple: true, value: '<id>', description: 'run only these cases' },
      jobs: { type: 'string', value: '<N>', description: 'boards run at once (default: all)' },
      junit: { type: 'string', value: '<file>', description: 'write a JUnit XML report' },
      report: { type: 'string', value: '<file>', description: 'write the JSON report to a file' },
      logs: { type: 'string', value: '<dir>', description: 'directory for the per-board logs (default: a new one under the temp dir)' },
      ...LINK_OPTIONS,
      'flash-scale': { type: 'string', value: '<factor>', description: "virtual boards: real time per simulated flash time (default 1, the part's timings; 0 instant)" },
      json: { type: 'boolean', description: 'print the JSON report (or plan) on stdout; progress stays plain on stderr' },
      'dry-run': { type: 'boolean', description: 'list what would be erased and flashed on each board; touch nothing' },
      tracker: TRACKER_OPTIONS.tracker!,
      token: TRACKER_OPTIONS.token!,
      ...HOLD_OPTIONS,
    },
    positionals: { min: 0, max: 1 },
    async run(args, io) {
      const json = optFlag(args, 'json');
      const suite = await loadSuite(args.positionals[0] ?? DEFAULT_SUITE, io.cwd, deps.suites ?? builtinSuites);
      const seedArg = optString(args, 'seed');
      const seed = seedArg === undefined ? randomSeed() : parseSeed(seedArg);
      const baud = parseBaud(optString(args, 'baud'));
      const boardWords = optStrings(args, 'board');
      const tags = optStrings(args, 'tag');
      const count = positiveInt(optString(args, 'boards'), 'boards', MAX_VIRTUAL_BOARDS);
      const jobs = positiveInt(optString(args, 'jobs'), 'jobs', 256);
      const flashScale = flashScaleOption(args);
      const link = linkOptionValues(args);
      if (Object.keys(link).length > 0 && boardWords.includes('virtual')) throw new UsageError('--framing, --smp-version and --line-length are for real and emulated boards; a virtual board speaks what its profile says');
      const junit = optString(args, 'junit');
      const reportFile = optString(args, 'report');
      // Checked now, not after a run that may take minutes.
      if (junit !== undefined) checkOutputFile(resolve(io.cwd, junit), '--junit');
      if (reportFile !== undefined) checkOutputFile(resolve(io.cwd, reportFile), '--report');
      const trackerUrl = optString(args, 'tracker');
      if (trackerUrl === undefined && optString(args, 'token') !== undefined) throw new UsageError('--token goes with --tracker');
      const tracker = trackerUrl !== undefined ? trackerClient(trackerUrl, args, io) : undefined;
      const labArg = optString(args, 'lab');
      const lab = labArg !== undefined || needsLab(boardWords, tags) ? labFor(io.cwd, labArg) : undefined;
      const boards = await selectBoards(
        { boards: boardWords, tags, ...(count !== undefined ? { count } : {}) },
        { cwd: io.cwd, ...(lab ? { lab } : {}), ...(baud !== undefined ? { baud } : {}), ...(deps.lister ? { lister: deps.lister } : {}) },
      );
      const cases = selectCases(suite, optStrings(args, 'case'));

      if (optFlag(args, 'dry-run')) {
        const plan = planRun(suite, cases, boards, seed);
        if (json) printJson(io, plan);
        else io.stdout.write(renderPlan(plan));
        return EXIT_OK;
      }

      // Each real board's settings are checked now (a line length with raw framing is a contradiction), not when it opens.
      for (const b of boards) if (b.target.kind !== 'virtual') linkSettingsFor(link, b.board);
      const provider = deps.provider ?? createRigProvider({ flashScale, link, ...(deps.lister ? { lister: deps.lister } : {}) });
      const refused = boards.filter((b) => b.unavailable === undefined).map((b) => ({ b, why: provider.cannotDrive(b) })).filter((x) => x.why !== undefined);
      if (refused.length > 0) {
        throw new EnvironmentError(refused.map(({ b, why }) => `board ${b.name}: ${why}`).join('\n'));
      }

      const stamp = new Date().toISOString().replace(/[:.]/g, '-');
      const logDir = resolve(io.cwd, optString(args, 'logs') ?? join(tmpdir(), 'suitrig-runs', `${suite.name}-${stamp}-seed${seed}`));
      const progressPaint = paintFor(io.stderr, io.env);
      const progress = io.stderr.isTTY && !json ? liveProgress(io.stderr, progressPaint) : plainProgress(io.stderr, progressPaint);
      // Lab boards are the service's boards: reserved there while the suite runs (board-hold.ts).
      const hold = await holdBoards(tracker, boards.filter((b) => b.board !== undefined).map((b) => b.name), 'run', args, io);
      let result;
      try {
        result = await runSuite({
          suite,
          boards,
          provider,
          seed,
          logDir,
          cases: cases.map((c) => c.id),
          ...(jobs !== undefined ? { jobs } : {}),
          ...(io.signal ? { signal: io.signal } : {}),
          predictor: hostPredictor,
          onEvent: progress,
        });
      } finally {
        progress.stop();
        await hold.release();
      }

      const junitXml = toJUnitXml(result);
      const junitPath = junit !== undefined ? writeOutputFile(resolve(io.cwd, junit), junitXml, '--junit') : undefined;
      const report = toJsonReport(result, { tool: suitrigTool(), ...(junitPath ? { junitPath } : {}) });
      const reportPath = reportFile !== undefined ? writeOutputFile(resolve(io.cwd, reportFile), JSON.stringify(report, null, 2) + '\n', '--report') : undefined;
      if (json) printJson(io, report);
      else {
        io.stdout.write(renderSummary(result, paintFor(io.stdout, io.env)));
        const written = [junitPath && `JUnit ${junitPath}`, reportPath && `JSON ${reportPath}`].filter(Boolean);
        if (written.length > 0) io.stdout.write(`reports: ${written.join(', ')}\n`);
      }
      if (tracker) await recordRun(tracker, io, report, junitXml);
      return runPassed(result) ? EXIT_OK : EXIT_NEGATIVE;
    },
  };
}

export const runCommand = createRunCommand();

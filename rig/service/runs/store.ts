/**
 * QA runs in SQL (schema 2; DESIGN.md "Lab service": `POST /runs`, `GET /runs/{id}` with the same
 * JSON report as `suitrig run --json`, and `/runs/{id}/junit.xml`). A service run is worked board
 * by board (one job per board, each running the suite on its board with the run's seed: a board's
 * seeds derive from the run seed and its name, so the result is what one `suitrig run` over all
 * the boards gives); once every board has its part, the parts are put together into the run
 * result and rendered by the rig's own report writers. A run recorded from the command line
 * (`suitrig run --tracker`) arrives with its report and JUnit already made.
 */
import type { Sql } from '../db/database.js';
import { StoreRefusal } from '../store/errors.js';
import { recordBoardHistory, recordEvent } from '../store/events.js';
import { suitrigTool, toJsonReport, type JsonReport } from '../../report/json.js';
import { toJUnitXml } from '../../report/junit.js';
import { runPassed, totalsOf, type BoardResult, type RunResult, type TargetSummary } from '../../runner/result.js';

export type RunState = 'queued' | 'running' | 'passed' | 'failed' | 'cancelled';
export type RunBoardState = 'queued' | 'running' | 'done' | 'failed';

export interface RunRow {
  id: number;
  origin: 'service' | 'cli';
  suite: string;
  seed: number;
  state: RunState;
  reason: string | null;
  boards: { board: string; state: RunBoardState; reason: string | null }[];
  createdAt: string;
  finishedAt: string | null;
}

interface RawRun {
  id: number;
  origin: 'service' | 'cli';
  suite: string;
  seed: number;
  state: RunState;
  reason: string | null;
  spec: { boards: string[]; cases: string[] };
  created_at: Date;
  finished_at: Date | null;
}

const iso = (d: Date | null): string | null => (d ? new Date(d).toISOString() : null);

export async function insertRun(tx: Sql, r: { origin: 'service' | 'cli'; suite: string; seed: number; state: RunState; boards: readonly string[]; cases: readonly string[]; createdBy: number | null }): Promise<number> {
  const [row] = await tx.query<{ id: number }>(
    'INSERT INTO runs (origin, suite, seed, state, spec, created_by) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id',
    [r.origin, r.suite, r.seed, r.state, { boards: r.boards, cases: r.cases }, r.createdBy],
  );
  await recordEvent(tx, 'run', String(row!.id), { state: r.state, suite: r.suite, seed: r.seed, boards: r.boards, origin: r.origin });
  return row!.id;
}

export async function insertRunBoard(tx: Sql, run: number, board: string, jobId: string | null, state: RunBoardState): Promise<void> {
  await tx.query('INSERT INTO run_boards (run, board, state, job_id) VALUES ($1, $2, $3, $4)', [run, board, state, jobId]);
}

/** A board of a run, locked for the rest of `tx`. */
export async function runBoard(tx: Sql, run: number, board: string): Promise<{ state: RunBoardState; job_id: string | null; attempts: number } | undefined> {
  const [r] = await tx.query<{ state: RunBoardState; job_id: string | null; attempts: number }>('SELECT state, job_id, attempts FROM run_boards WHERE run = $1 AND board = $2 FOR UPDATE', [run, board]);
  return r;
}

export async function setRunBoard(tx: Sql, run: number, board: string, state: RunBoardState, o: { reason?: string; result?: BoardResult; attempt?: boolean } = {}): Promise<void> {
  await tx.query(
    `UPDATE run_boards SET state = $3, reason = COALESCE($4, reason), result = COALESCE($5, result),
       attempts = attempts + $6, updated_at = now() WHERE run = $1 AND board = $2`,
    [run, board, state, o.reason ?? null, o.result ?? null, o.attempt ? 1 : 0],
  );
  const outcome = o.result ? ` (${o.result.cases.filter((c) => c.outcome === 'passed').length} of ${o.result.cases.length} cases passed)` : '';
  await recordBoardHistory(tx, board, 'run', { run, state, ...(o.reason ? { reason: o.reason } : {}), ...(outcome ? { outcome: outcome.trim() } : {}) });
  await recordEvent(tx, 'run', String(run), { board, state, ...(o.reason ? { reason: o.reason } : {}) });
}

export async function setRunState(tx: Sql, run: number, state: RunState, reason: string | null): Promise<void> {
  await tx.query(
    `UPDATE runs SET state = $2, reason = $3, finished_at = CASE WHEN $2 IN ('passed', 'failed', 'cancelled') THEN now() ELSE finished_at END WHERE id = $1`,
    [run, state, reason],
  );
  await recordEvent(tx, 'run', String(run), { state, reason });
}

/** The part of a board that could not run the suite at all: no cases, the reason. */
function missingBoard(board: string, kind: string, reason: string, at: string): BoardResult {
  const kinds: Record<string, TargetSummary['kind']> = { virtual: 'virtual', tcp: 'tcp', qemu: 'qemu', 'native-sim': 'native-sim' };
  return { name: board, target: { kind: kinds[kind] ?? 'serial', url: board, baud: 0 }, seed: 0, status: 'unavailable', message: reason, logPath: '', startedAt: at, durationMs: 0, cases: [] };
}

/**
 * When every board of a service run has its part: the run result, its JSON report and JUnit XML
 * stored, and the run passed or failed. Returns the final state, or undefined while boards remain.
 */
export async function completeRunIfDone(tx: Sql, run: number, title: string): Promise<RunState | undefined> {
  const [r] = await tx.query<RawRun>('SELECT * FROM runs WHERE id = $1 FOR NO KEY UPDATE', [run]);
  if (!r || r.state === 'passed' || r.state === 'failed' || r.state === 'cancelled') return undefined;
  const parts = await tx.query<{ board: string; state: RunBoardState; reason: string | null; result: BoardResult | null; kind: string | null }>(
    'SELECT rb.board, rb.state, rb.reason, rb.result, b.kind FROM run_boards rb LEFT JOIN boards b ON b.name = rb.board WHERE rb.run = $1 ORDER BY rb.board',
    [run],
  );
  if (parts.some((p) => p.state !== 'done' && p.state !== 'failed')) return undefined;
  const created = new Date(r.created_at);
  const boards = parts.map((p) => p.result ?? missingBoard(p.board, p.kind ?? 'serial', p.reason ?? 'the board did not run the suite', created.toISOString()));
  const result: RunResult = {
    suite: { name: r.suite, title },
    seed: r.seed,
    startedAt: created.toISOString(),
    durationMs: Date.now() - created.getTime(),
    logDir: 'kept by each board\'s agent (logPath)',
    boards,
    totals: totalsOf(boards),
  };
  const passed = runPassed(result) && boards.every((b) => b.status === 'completed');
  const state: RunState = passed ? 'passed' : 'failed';
  await tx.query('UPDATE runs SET report = $2, junit = $3 WHERE id = $1', [run, toJsonReport(result, { tool: suitrigTool() }), toJUnitXml(result)]);
  const t = result.totals;
  await setRunState(tx, run, state, `${t.passed} passed, ${t.failed} failed, ${t.error} errors, ${t.notApplicable} not applicable of ${t.cases} cases on ${boards.length} board${boards.length === 1 ? '' : 's'}`);
  return state;
}

export async function storeCliReport(tx: Sql, run: number, report: JsonReport, junit: string | null): Promise<void> {
  await tx.query('UPDATE runs SET report = $2, junit = $3 WHERE id = $1', [run, report, junit]);
}

function runOf(r: RawRun, boards: RunRow['boards']): RunRow {
  return { id: r.id, origin: r.origin, suite: r.suite, seed: r.seed, state: r.state, reason: r.reason, boards, createdAt: iso(r.created_at)!, finishedAt: iso(r.finished_at) };
}

export async function runView(db: Sql, id: number): Promise<RunRow> {
  const [r] = await db.query<RawRun>('SELECT id, origin, suite, seed, state, reason, spec, created_at, finished_at FROM runs WHERE id = $1', [id]);
  if (!r) throw new StoreRefusal('not-found', `no run ${id}`);
  const boards = await db.query<{ board: string; state: RunBoardState; reason: string | null }>('SELECT board, state, reason FROM run_boards WHERE run = $1 ORDER BY board', [id]);
  // A recorded command-line run has no board rows: its boards are the report's.
  return runOf(r, r.origin === 'cli' ? r.spec.boards.map((b) => ({ board: b, state: 'done' as const, reason: null })) : boards);
}

export type RunSummary = Omit<RunRow, 'boards'> & { boards: string[] };

export async function listRuns(db: Sql, limit: number): Promise<RunSummary[]> {
  const rows = await db.query<RawRun>('SELECT id, origin, suite, seed, state, reason, spec, created_at, finished_at FROM runs ORDER BY id DESC LIMIT $1', [limit]);
  return rows.map((r) => ({ ...runOf(r, []), boards: r.spec.boards }));
}

/** The stored JSON report and JUnit XML (undefined while the run is not finished). */
export async function runReports(db: Sql, id: number): Promise<{ report: JsonReport | null; junit: string | null }> {
  const [r] = await db.query<{ report: JsonReport | null; junit: string | null }>('SELECT report, junit FROM runs WHERE id = $1', [id]);
  if (!r) throw new StoreRefusal('not-found', `no run ${id}`);
  return r;
}

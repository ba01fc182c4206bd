/**
 * Campaign rows in SQL (schema 2): creating a campaign with its boards, moving a board from state
 * to state, setting the campaign's own state, and reading them back for the API. Every change is
 * written with its event (the `/events` stream) and, for boards, a line of the board's history,
 * in the caller's transaction — the one that makes the change.
 */
import type { Sql } from '../db/database.js';
import { StoreRefusal } from '../store/errors.js';
import { recordBoardHistory, recordEvent } from '../store/events.js';
import type { CampaignSpec } from './spec.js';
import { BOARD_STATES, TERMINAL_STATES, canMove, type CampaignBoardState, type CampaignState } from './states.js';

export interface CampaignBoardRow {
  board: string;
  group: number;
  state: CampaignBoardState;
  reason: string | null;
  attempts: number;
  jobId: string | null;
  startedAt: string | null;
  deadlineAt: string | null;
  finishedAt: string | null;
  detail: Record<string, unknown>;
}

export interface CampaignRow {
  id: number;
  release: string;
  state: CampaignState;
  reason: string | null;
  spec: CampaignSpec;
  currentGroup: number;
  acceptedGroup: number;
  createdAt: string;
  updatedAt: string;
}

interface RawCampaign {
  id: number;
  release: string;
  state: CampaignState;
  reason: string | null;
  spec: CampaignSpec;
  current_group: number;
  accepted_group: number;
  created_at: Date;
  updated_at: Date;
}

interface RawBoard {
  board: string;
  grp: number;
  state: CampaignBoardState;
  reason: string | null;
  attempts: number;
  job_id: string | null;
  started_at: Date | null;
  deadline_at: Date | null;
  finished_at: Date | null;
  detail: Record<string, unknown>;
}

const iso = (d: Date | null): string | null => (d ? new Date(d).toISOString() : null);

function campaignOf(r: RawCampaign): CampaignRow {
  return { id: r.id, release: r.release, state: r.state, reason: r.reason, spec: r.spec, currentGroup: r.current_group, acceptedGroup: r.accepted_group, createdAt: iso(r.created_at)!, updatedAt: iso(r.updated_at)! };
}

function boardOf(r: RawBoard): CampaignBoardRow {
  return { board: r.board, group: r.grp, state: r.state, reason: r.reason, attempts: r.attempts, jobId: r.job_id, startedAt: iso(r.started_at), deadlineAt: iso(r.deadline_at), finishedAt: iso(r.finished_at), detail: r.detail };
}

export async function insertCampaign(tx: Sql, release: string, spec: CampaignSpec, boards: readonly string[], createdBy: number | null): Promise<number> {
  const [row] = await tx.query<{ id: number }>(
    "INSERT INTO campaigns (release, state, spec, created_by) VALUES ($1, 'running', $2, $3) RETURNING id",
    [release, spec, createdBy],
  );
  const id = row!.id;
  let position = 0;
  for (let g = 0; g < spec.groups.length; g++) {
    for (let i = 0; i < spec.groups[g]!; i++, position++) {
      const board = boards[position]!;
      await tx.query("INSERT INTO campaign_boards (campaign, board, grp, position, state) VALUES ($1, $2, $3, $4, 'pending')", [id, board, g, position]);
      await recordBoardHistory(tx, board, 'campaign', { campaign: id, release, state: 'pending', group: g + 1 });
    }
  }
  await recordEvent(tx, 'campaign', String(id), { state: 'running', release, boards: boards.length, groups: spec.groups });
  return id;
}

/** The campaign row, locked for the rest of `tx` when `lock`. */
export async function campaignRow(tx: Sql, id: number, lock = false): Promise<CampaignRow> {
  const [r] = await tx.query<RawCampaign>(`SELECT * FROM campaigns WHERE id = $1${lock ? ' FOR NO KEY UPDATE' : ''}`, [id]);
  if (!r) throw new StoreRefusal('not-found', `no campaign ${id}`);
  return campaignOf(r);
}

export async function campaignBoards(tx: Sql, id: number): Promise<CampaignBoardRow[]> {
  const rows = await tx.query<RawBoard>('SELECT * FROM campaign_boards WHERE campaign = $1 ORDER BY position', [id]);
  return rows.map(boardOf);
}

/** One board of a campaign, locked for the rest of `tx`. */
export async function campaignBoard(tx: Sql, id: number, board: string): Promise<CampaignBoardRow | undefined> {
  const [r] = await tx.query<RawBoard>('SELECT * FROM campaign_boards WHERE campaign = $1 AND board = $2 FOR UPDATE', [id, board]);
  return r && boardOf(r);
}

export async function setCampaignState(tx: Sql, id: number, state: CampaignState, reason: string | null): Promise<void> {
  await tx.query('UPDATE campaigns SET state = $2, reason = $3, updated_at = now() WHERE id = $1', [id, state, reason]);
  await recordEvent(tx, 'campaign', String(id), { state, reason });
}

export async function setCampaignGroups(tx: Sql, id: number, currentGroup: number, acceptedGroup: number): Promise<void> {
  await tx.query('UPDATE campaigns SET current_group = $2, accepted_group = $3, updated_at = now() WHERE id = $1', [id, currentGroup, acceptedGroup]);
}

/** A move the state machine does not allow: a bug in the service, or a remote agent's report that makes no sense (409). */
class TransitionError extends StoreRefusal {
  override name = 'TransitionError';
  constructor(message: string) {
    super('conflict', message);
  }
}

export interface BoardMove {
  to: CampaignBoardState;
  reason?: string | null;
  /** Merged into the row's detail. */
  detail?: Record<string, unknown>;
}

/** Moves `board` of campaign `id` to `m.to` (checked against the state machine), with event and history. */
export async function moveBoard(tx: Sql, id: number, row: CampaignBoardRow, m: BoardMove): Promise<CampaignBoardRow> {
  if (!canMove(row.state, m.to)) throw new TransitionError(`campaign ${id}, board ${row.board}: ${row.state} -> ${m.to} is not a move a board makes`);
  const terminal = TERMINAL_STATES.has(m.to);
  const detail = { ...row.detail, ...(m.detail ?? {}) };
  const [r] = await tx.query<RawBoard>(
    `UPDATE campaign_boards SET state = $3, reason = $4, detail = $5, updated_at = now(),
       finished_at = CASE WHEN $6 THEN now() ELSE finished_at END
     WHERE campaign = $1 AND board = $2 RETURNING *`,
    [id, row.board, m.to, m.reason ?? null, detail, terminal],
  );
  // A reason dropped counts too: a pending board's wait note that goes (engine.ts noteWaits) is said on the stream.
  if (m.to !== row.state || m.reason || (m.reason ?? null) !== row.reason) {
    await recordEvent(tx, 'campaign-board', `${id}/${row.board}`, { campaign: id, board: row.board, from: row.state, state: m.to, reason: m.reason ?? null });
    await recordBoardHistory(tx, row.board, 'campaign', { campaign: id, from: row.state, state: m.to, ...(m.reason ? { reason: m.reason } : {}) });
  }
  return boardOf(r!);
}

export interface CampaignView extends CampaignRow {
  counts: Record<CampaignBoardState, number>;
  boards: CampaignBoardRow[];
}

const noCounts = (): Record<CampaignBoardState, number> => Object.fromEntries(BOARD_STATES.map((s) => [s, 0])) as Record<CampaignBoardState, number>;

function countStates(boards: readonly CampaignBoardRow[]): Record<CampaignBoardState, number> {
  const counts = noCounts();
  for (const b of boards) counts[b.state]++;
  return counts;
}

export async function campaignView(db: Sql, id: number): Promise<CampaignView> {
  const c = await campaignRow(db, id);
  const boards = await campaignBoards(db, id);
  return { ...c, counts: countStates(boards), boards };
}

export async function listCampaigns(db: Sql, o: { limit: number; state?: CampaignState }): Promise<(CampaignRow & { counts: Record<CampaignBoardState, number> })[]> {
  const rows = await db.query<RawCampaign>(
    `SELECT * FROM campaigns WHERE ($1::text IS NULL OR state = $1) ORDER BY id DESC LIMIT $2`,
    [o.state ?? null, o.limit],
  );
  if (rows.length === 0) return [];
  const counts = await db.query<{ campaign: number; state: CampaignBoardState; n: number }>(
    'SELECT campaign, state, count(*)::int AS n FROM campaign_boards WHERE campaign = ANY($1::bigint[]) GROUP BY campaign, state',
    [rows.map((r) => r.id)],
  );
  return rows.map((r) => {
    const c = noCounts();
    for (const n of counts) if (n.campaign === r.id) c[n.state] = n.n;
    return { ...campaignOf(r), counts: c };
  });
}

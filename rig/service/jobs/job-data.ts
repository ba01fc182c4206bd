/**
 * What a board job carries through the queue (queue.ts): which board, and what to do on it —
 * one board's update in a campaign, or one board's part of a QA run. Only identifiers and
 * settings: the bytes (release envelope and payloads) are fetched by the worker from the firmware
 * server, so a job stays small and a release is stored once.
 */

/** One board's update in a campaign (rig/service/campaigns/). */
export interface UpdateJobData {
  kind: 'update';
  board: string;
  campaign: number;
  /** The release id (hex SHA-256 of its envelope). */
  release: string;
  /** How long a booted test image may take to confirm itself before the board is reset to find out whether it reverts. */
  confirmS: number;
  /** The board's deadline, from when its update first started (campaign deadline_s). */
  deadlineS: number;
}

/** One board's part of a QA run (rig/service/runs/). */
export interface RunJobData {
  kind: 'run';
  board: string;
  run: number;
  suite: string;
  seed: number;
  /** Case ids to run; empty: all. */
  cases: string[];
}

export type BoardJobData = UpdateJobData | RunJobData;

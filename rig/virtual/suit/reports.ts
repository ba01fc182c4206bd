/**
 * The SUIT reports a virtual board keeps (draft-ietf-suit-report): one per processor run, of
 * the firmware consumer ('update') and of the secure boot ('boot'). Rig group 67 serves the
 * last update report; the whole log is there for tests and the TypeScript API. With a state
 * directory, the last update report survives process restarts (a real board keeps it in
 * retained RAM or flash until the host has read it).
 */
import { readFileSync } from 'node:fs';
import { writeFileAtomic } from '../../../host/util/atomic-write.js';
import { runDecision, type FinishedRun, type RunDecision } from '../../../host/verifier/index.js';

export interface RunReport extends RunDecision {
  kind: 'update' | 'boot';
  /** Wall time of the end of the run (ms since the epoch). */
  at: number;
  /** SUIT_Digest bytes (SHA-256) of the manifest, once authenticated. */
  digest?: Uint8Array;
  /** The SUIT_Report, CBOR. */
  report: Uint8Array;
}

export function runReport(kind: RunReport['kind'], run: FinishedRun, message = run.message): RunReport {
  return {
    kind,
    at: Date.now(),
    ...runDecision(run),
    message,
    ...(run.manifest ? { digest: run.manifest.digest } : {}),
    report: run.report(),
  };
}

const KEEP = 64;

export class ReportLog {
  private readonly runs: RunReport[] = [];
  private lastUpdateReport: RunReport | undefined;

  /** `file`: where the last update report is kept across restarts. */
  constructor(private readonly file?: string) {
    if (file) this.lastUpdateReport = load(file);
  }

  add(r: RunReport): void {
    this.runs.push(r);
    if (this.runs.length > KEEP) this.runs.shift();
    if (r.kind === 'update') {
      this.lastUpdateReport = r;
      if (this.file) writeFileAtomic(this.file, JSON.stringify(toJson(r)) + '\n');
    }
  }

  /** Runs since the board started (at most the last 64). */
  get all(): readonly RunReport[] {
    return this.runs;
  }

  get lastUpdate(): RunReport | undefined {
    return this.lastUpdateReport;
  }

  get lastBoot(): RunReport | undefined {
    return [...this.runs].reverse().find((r) => r.kind === 'boot');
  }
}

function toJson(r: RunReport): unknown {
  return {
    ...r,
    sequence: r.sequence?.toString(),
    digest: r.digest && Buffer.from(r.digest).toString('hex'),
    report: Buffer.from(r.report).toString('hex'),
  };
}

function load(file: string): RunReport | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  const j = JSON.parse(text) as Record<string, unknown>;
  return {
    kind: 'update',
    at: Number(j['at']),
    accepted: j['accepted'] === true,
    reason: String(j['reason']),
    reasonCode: Number(j['reasonCode']),
    detail: String(j['detail']),
    message: String(j['message']),
    ...(typeof j['sequence'] === 'string' ? { sequence: BigInt(j['sequence']) } : {}),
    ...(typeof j['digest'] === 'string' ? { digest: new Uint8Array(Buffer.from(j['digest'], 'hex')) } : {}),
    report: new Uint8Array(Buffer.from(String(j['report']), 'hex')),
  };
}

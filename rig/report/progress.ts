/**
 * Progress while a suite runs, on stderr. On a TTY: a live block with one line per board (bar,
 * cases done, current case and step, elapsed time) redrawn in place, with each case that did
 * not pass printed above it as it finishes. Otherwise (pipes, CI logs, --json): plain lines,
 * one per event worth keeping, which stay readable in a log file.
 */
import type { RunEvent } from '../runner/events.js';
import type { CaseOutcome } from '../runner/result.js';
import type { Paint } from './colour.js';
import { formatDuration, outcomeLabel } from './summary.js';
import { renderTable, terminalSafe as safe, visibleLength } from './text-table.js';

export interface ProgressSink {
  (e: RunEvent): void;
  /** Stops the live display's timer and leaves the final state on screen. */
  stop(): void;
}

interface BoardLine {
  name: string;
  done: number;
  total: number;
  current?: string;
  step?: string;
  started: number;
  ended?: number;
  outcomes: Record<CaseOutcome, number>;
  status?: string;
}

function plainLine(e: RunEvent, paint: Paint): string | undefined {
  switch (e.type) {
    case 'run-start':
      return `run ${e.tests !== undefined ? `the tests in ${safe(e.tests)}` : `${e.suite}: ${e.cases} case${e.cases === 1 ? '' : 's'}`} on ${e.boards.length} board${e.boards.length === 1 ? '' : 's'} (${e.boards.join(', ')}), seed ${e.seed}, logs in ${e.logDir}`;
    case 'note':
      return safe(e.message);
    case 'board-open':
      return `[${e.board}] opened: ${safe(e.description)}`;
    case 'case-end': {
      const r = e.result;
      const label = outcomeLabel(r.outcome, paint);
      return `[${e.board}] ${label}${' '.repeat(5 - visibleLength(label))} ${r.id} (${formatDuration(r.durationMs)})${r.message ? `: ${safe(r.message)}` : ''}`;
    }
    case 'board-end': {
      const r = e.result;
      const passed = r.cases.filter((c) => c.outcome === 'passed').length;
      return `[${e.board}] ${r.status}: ${passed}/${r.cases.length} passed in ${formatDuration(r.durationMs)}${r.message ? ` (${safe(r.message)})` : ''}; log ${r.logPath}`;
    }
    default:
      return undefined;
  }
}

export function plainProgress(stream: { write(s: string): unknown }, paint: Paint): ProgressSink {
  const sink = ((e: RunEvent) => {
    const line = plainLine(e, paint);
    if (line !== undefined) stream.write(line + '\n');
  }) as ProgressSink;
  sink.stop = () => undefined;
  return sink;
}

const BAR = 20;

function bar(done: number, total: number): string {
  const n = total === 0 ? BAR : Math.round((done / total) * BAR);
  return '[' + '#'.repeat(n) + '-'.repeat(BAR - n) + ']';
}

export function liveProgress(stream: { write(s: string): unknown }, paint: Paint, now: () => number = () => performance.now()): ProgressSink {
  const boards = new Map<string, BoardLine>();
  let drawn = 0;
  let header = '';
  const render = (): string[] => {
    const rows = [...boards.values()].map((b) => {
      const t = formatDuration((b.ended ?? now()) - b.started);
      const what = b.status ?? (b.current ? safe(`${b.current}${b.step ? ` > ${b.step}` : ''}`) : 'opening');
      const bad = b.outcomes.failed + b.outcomes.error;
      return [b.name, bar(b.done, b.total), `${b.done}/${b.total}`, bad > 0 ? paint.red(`${bad} failed`) : paint.green(`${b.outcomes.passed} ok`), t, what];
    });
    return [header, ...renderTable(rows, { right: [2, 4] }).split('\n')];
  };
  const clear = () => {
    if (drawn > 0) stream.write(`\x1b[${drawn}A` + '\x1b[2K\n'.repeat(drawn) + `\x1b[${drawn}A`);
    drawn = 0;
  };
  const draw = () => {
    const lines = render();
    if (drawn > 0) stream.write(`\x1b[${drawn}A`);
    stream.write(lines.map((l) => `\x1b[2K${l}\n`).join(''));
    drawn = lines.length;
  };
  const timer = setInterval(draw, 500);
  timer.unref();
  const sink = ((e: RunEvent) => {
    switch (e.type) {
      case 'run-start':
        header = plainLine(e, paint)!;
        for (const name of e.boards) boards.set(name, { name, done: 0, total: e.cases, started: now(), outcomes: { passed: 0, failed: 0, error: 0, 'not-applicable': 0 } });
        break;
      case 'note':
        clear();
        stream.write(safe(e.message) + '\n');
        break;
      case 'case-start': {
        const b = boards.get(e.board);
        // Users' tests are counted as they are collected: the total can grow.
        if (b) Object.assign(b, { current: e.caseId, step: undefined, total: Math.max(b.total, e.total) });
        break;
      }
      case 'step-start': {
        const b = boards.get(e.board);
        if (b) b.step = e.step;
        break;
      }
      case 'case-end': {
        const b = boards.get(e.board);
        if (b) {
          b.done++;
          b.outcomes[e.result.outcome]++;
        }
        if (e.result.outcome === 'failed' || e.result.outcome === 'error') {
          clear();
          stream.write(plainLine(e, paint) + '\n');
        }
        break;
      }
      case 'board-end': {
        const b = boards.get(e.board);
        if (b) {
          b.done = e.result.cases.length;
          b.ended = now();
          b.status = e.result.status === 'completed' ? 'done' : paint.red(e.result.status);
        }
        if (e.result.status !== 'completed') {
          clear();
          stream.write(plainLine(e, paint) + '\n');
        }
        break;
      }
      case 'run-end':
        clearInterval(timer);
        break;
      default:
        break;
    }
    draw();
  }) as ProgressSink;
  sink.stop = () => clearInterval(timer);
  return sink;
}

/**
 * One board, told case by case (the demo, `npm start`): a line per finished case with its
 * outcome, title and time, and on a TTY a live line below them with the case and step running.
 */
export function caseListProgress(stream: { write(s: string): unknown; isTTY?: boolean }, paint: Paint, width = 72): ProgressSink {
  let live = false;
  let current = '';
  const clearLive = () => {
    if (live) stream.write('\r\x1b[2K');
    live = false;
  };
  const sink = ((e: RunEvent) => {
    if (e.type === 'case-start') current = e.title;
    else if (e.type === 'step-start' && stream.isTTY) {
      clearLive();
      stream.write(paint.dim(`  ..   ${safe(`${current} > ${e.step}`).slice(0, width + 10)}`));
      live = true;
    } else if (e.type === 'case-end') {
      clearLive();
      const r = e.result;
      const label = outcomeLabel(r.outcome, paint);
      const title = safe(r.title);
      stream.write(`  ${label}${' '.repeat(5 - visibleLength(label))}${title.padEnd(width)} ${formatDuration(r.durationMs).padStart(7)}\n`);
      if (r.outcome !== 'passed' && r.message) stream.write(`       ${paint.dim(safe(r.message))}\n`);
    } else if (e.type === 'note') {
      clearLive();
      stream.write(`  ${paint.dim(safe(e.message))}\n`);
    }
  }) as ProgressSink;
  sink.stop = clearLive;
  return sink;
}

/**
 * The progress bar of uploads on stderr (bytes, rate, time left), redrawn in place at most ten
 * times a second; nothing at all when stderr is not a terminal or the command prints --json.
 *
 *   payload   app.bin  [##########################------]  81%  78.1/96.0 KiB  7.9 KB/s  0:02 left
 */
import type { UploadProgress, UploadResult } from '../../host/smp/upload/engine.js';
import { kib, rate } from '../../host/util/units.js';
import type { CliIo } from './command.js';

export interface ProgressBar {
  update(p: UploadProgress): void;
  /** Erases the bar so the next line starts clean. */
  clear(): void;
}

/** What a finished upload took: `96.0 KiB in 12.3 s (7.9 KB/s), resumed from 4096, 1 reconnect(s)`. */
export function uploadSummary(r: UploadResult): string {
  return (
    `${kib(r.bytes)} in ${(r.elapsedMs / 1000).toFixed(1)} s${r.elapsedMs > 0 ? ` (${rate((r.bytes * 1000) / r.elapsedMs)})` : ''}` +
    `${r.resumedFrom ? `, resumed from ${r.resumedFrom}` : ''}${r.reconnects ? `, ${r.reconnects} reconnect(s)` : ''}`
  );
}

function clock(ms: number): string {
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

/** One bar line (exposed for tests). */
export function progressText(label: string, p: UploadProgress, width = 30): string {
  const filled = Math.round((p.done / p.total) * width);
  const eta = p.etaMs === undefined ? '' : `  ${clock(p.etaMs)} left`;
  const pct = `${Math.floor((p.done / p.total) * 100)}%`.padStart(4);
  return `${label}  [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${pct}  ${kib(p.done)}/${kib(p.total)}  ${rate(p.bytesPerSecond)}${eta}`;
}

export function progressBar(io: CliIo, label: string, quiet: boolean): ProgressBar {
  const on = !quiet && io.stderr.isTTY === true;
  let last = -Infinity;
  let shown = false;
  return {
    update(p) {
      if (!on) return;
      const now = Date.now();
      if (now - last < 100 && p.done < p.total) return;
      last = now;
      shown = true;
      io.stderr.write(`\r\x1b[K${progressText(label, p)}`);
    },
    clear() {
      if (on && shown) io.stderr.write('\r\x1b[K');
      shown = false;
    },
  };
}

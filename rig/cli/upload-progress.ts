/**
 * The progress bar of uploads on stderr (bytes, rate, time left), redrawn in place at most ten
 * times a second; nothing at all when stderr is not a terminal or the command prints --json.
 *
 *   payload   app.bin  [##########################------]  81%  78.1/96.0 KiB  7.9 KB/s  0:02 left
 */
import type { UploadProgress } from '../../host/smp/upload/engine.js';
import type { CliIo } from './command.js';

export interface ProgressBar {
  update(p: UploadProgress): void;
  /** Erases the bar so the next line starts clean. */
  clear(): void;
}

export function kib(n: number): string {
  return n < 1024 ? `${n} B` : `${(n / 1024).toFixed(1)} KiB`;
}

export function rate(bytesPerSecond: number): string {
  return `${(bytesPerSecond / 1000).toFixed(1)} KB/s`;
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

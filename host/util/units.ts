/**
 * Sizes and rates as people read them in progress lines and logs: bytes below 1 KiB, else KiB
 * (1024 B) with one decimal (none for whole-image sizes in summaries); rates in KB/s with 1 KB = 1000 B, the unit of the bench figures
 * (team rules: `_kb_per_s`).
 */

export function kib(n: number, decimals = 1): string {
  return n < 1024 ? `${n} B` : `${(n / 1024).toFixed(decimals)} KiB`;
}

export function rate(bytesPerSecond: number): string {
  return `${(bytesPerSecond / 1000).toFixed(1)} KB/s`;
}

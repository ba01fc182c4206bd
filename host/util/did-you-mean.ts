/**
 * "Did you mean": the closest known name to a mistyped one, for messages about unknown fields,
 * values and board names.
 */

/** The closest of `known` to `name`: edit distance <= 2, or one a prefix of the other (`baudrate` -> `baud`). */
export function closest(name: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = 3;
  const lower = name.toLowerCase();
  for (const k of known) {
    const kl = k.toLowerCase();
    const prefix = Math.min(kl.length, lower.length) >= 3 && (lower.startsWith(kl) || kl.startsWith(lower));
    const d = prefix ? 2 : editDistance(lower, kl);
    if (d < bestD) {
      bestD = d;
      best = k;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length]!;
}

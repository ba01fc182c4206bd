#!/usr/bin/env node
/**
 * API readers for the campaign benchmark, in a process of their own so that their own work does
 * not count against the service's latency: `node http-readers.js <base-url> <readers>` with the
 * token in SUITRIG_TOKEN; `readers` clients GET /campaigns and /boards back to back until stdin
 * closes, then one JSON line on stdout: every latency in ms, sorted, and the count of non-200
 * answers.
 */
const [base, count] = [process.argv[2]!, Number(process.argv[3])];
const headers = { authorization: `Bearer ${process.env.SUITRIG_TOKEN ?? ''}` };
const paths = ['/api/v1/campaigns?limit=5', '/api/v1/boards?limit=50'];
const times: number[] = [];
let failures = 0;
let stop = false;
process.stdin.resume();
process.stdin.on('end', () => (stop = true));
process.stdin.on('close', () => (stop = true));

await Promise.all(
  Array.from({ length: count }, async (_, i) => {
    for (let k = i; !stop; k++) {
      const t0 = performance.now();
      try {
        const r = await fetch(`${base}${paths[k % paths.length]}`, { headers });
        await r.arrayBuffer();
        if (r.status !== 200) failures++;
      } catch {
        failures++;
      }
      times.push(performance.now() - t0);
    }
  }),
);
times.sort((a, b) => a - b);
process.stdout.write(JSON.stringify({ times, failures }) + '\n');

#!/usr/bin/env node
/**
 * `npm run bench [-- --json] [-- --quick] [-- --only name,...]`: runs every benchmark section in
 * one process and prints the figures; with `--json`, one JSON object on stdout and the readable
 * lines on stderr.
 */
import { parseArgs } from 'node:util';
import { sections } from './sections/index.js';

const { values } = parseArgs({
  options: { json: { type: 'boolean' }, quick: { type: 'boolean' }, only: { type: 'string' } },
  strict: true,
});
const only = values.only?.split(',');
const json = values.json === true;
const log = (line: string): void => void (json ? process.stderr : process.stdout).write(line + '\n');
const figures: Record<string, number> = {};
for (const s of sections) {
  if (only && !only.includes(s.name)) continue;
  log(`== ${s.name}`);
  Object.assign(figures, await s.run({ log, quick: values.quick === true }));
}
if (json) process.stdout.write(JSON.stringify(figures, null, 2) + '\n');

#!/usr/bin/env node
/**
 * `npm run bench [-- --json] [-- --quick] [-- --only name,...]`: runs every benchmark section in
 * one process and prints the figures; with `--json`, one JSON object on stdout and the readable
 * lines on stderr. Its command line is the one the rig's other npm scripts have
 * (rig/cli/script.ts): `--help`, and a clean message with exit 2 for a bad argument.
 */
import { runScript, ScriptArgumentError } from '../cli/script.js';
import { sections } from './sections/index.js';

const NAMES = sections.map((s) => s.name);

const USAGE = `Usage: npm run bench [-- --json] [--quick] [--only <section>,...]

Measures each benchmark section against a reference in the same run and prints the figures
(README.md "Figures").

Options:
  --json              one JSON object of named figures on stdout (readable lines on stderr)
  --quick             shorter runs, for a smoke test
  --only <sections>   comma-separated sections to run: ${NAMES.join(', ')}
  -h, --help          show this help`;

const OPTIONS = { json: { type: 'boolean' }, quick: { type: 'boolean' }, only: { type: 'string' } } as const;

runScript('bench', USAGE, OPTIONS, async (values) => {
  const only = values.only?.split(',').map((n) => n.trim());
  const unknown = only?.filter((n) => !NAMES.includes(n)) ?? [];
  if (unknown.length > 0) throw new ScriptArgumentError(`--only ${values.only}: no section '${unknown.join("', '")}'; sections: ${NAMES.join(', ')}`);
  const json = values.json === true;
  const log = (line: string): void => void (json ? process.stderr : process.stdout).write(line + '\n');
  const figures: Record<string, number> = {};
  for (const s of sections) {
    if (only && !only.includes(s.name)) continue;
    log(`== ${s.name}`);
    Object.assign(figures, await s.run({ log, quick: values.quick === true }));
  }
  if (json) process.stdout.write(JSON.stringify(figures, null, 2) + '\n');
  return 0;
});

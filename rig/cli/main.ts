#!/usr/bin/env node
/** Entry point of the `suitrig` binary: process wiring only; see dispatch.ts. */
import { dispatch } from './dispatch.js';
import { commands } from './commands/index.js';

const controller = new AbortController();
process.once('SIGINT', () => controller.abort(new Error('interrupted')));
process.exitCode = await dispatch(process.argv.slice(2), commands, {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  cwd: process.cwd(),
  signal: controller.signal,
});

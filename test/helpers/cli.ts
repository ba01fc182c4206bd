/** Runs `suitrig` in-process (same dispatch as the binary) and captures what it prints. */
import { dispatch } from '../../rig/cli/dispatch.js';
import { commands } from '../../rig/cli/commands/index.js';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export async function runCli(argv: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const code = await dispatch(argv, commands, {
    stdout: { write: (s: string) => (stdout += s), isTTY: false },
    stderr: { write: (s: string) => (stderr += s), isTTY: false },
    env: opts.env ?? process.env,
    cwd: opts.cwd ?? process.cwd(),
  });
  return { code, stdout, stderr };
}

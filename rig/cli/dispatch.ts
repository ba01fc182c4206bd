/**
 * Finds the command for an argv, parses its options strictly, renders `--help`, and maps
 * errors to exit statuses. Kept apart from main.ts so tests run the CLI in-process.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { packageRoot } from '../../host/paths.js';
import {
  EXIT_USAGE,
  EnvironmentError,
  UsageError,
  attachNegativeValues,
  type CliIo,
  type Command,
  type OptionDef,
} from './command.js';

const PROG = 'suitrig';

function matchCommand(argv: string[], commands: readonly Command[]): { cmd: Command; rest: string[] } | undefined {
  let best: { cmd: Command; rest: string[] } | undefined;
  for (const cmd of commands) {
    const n = cmd.path.length;
    if (argv.length < n) continue;
    if (cmd.path.every((w, i) => argv[i] === w) && (!best || n > best.cmd.path.length)) {
      best = { cmd, rest: argv.slice(n) };
    }
  }
  return best;
}

function optionLine(name: string, def: OptionDef): string {
  const flag = (def.short ? `-${def.short}, ` : '    ') + `--${name}` + (def.type === 'string' ? ` ${def.value ?? '<value>'}` : '');
  return `  ${flag.padEnd(34)} ${def.description}${def.multiple ? ' (repeatable)' : ''}`;
}

export function commandHelp(cmd: Command): string {
  const lines = [`Usage: ${PROG} ${cmd.path.join(' ')} ${cmd.usage}`.trimEnd(), '', cmd.summary];
  if (cmd.details) lines.push('', cmd.details.trimEnd());
  const opts = Object.entries(cmd.options);
  lines.push('', 'Options:');
  for (const [name, def] of opts) lines.push(optionLine(name, def));
  lines.push(optionLine('help', { type: 'boolean', short: 'h', description: 'show this help' }));
  lines.push('', 'Exit status: 0 success, 1 negative result (rejected, refused, failed case), 2 usage or environment error.');
  return lines.join('\n') + '\n';
}

export function globalHelp(commands: readonly Command[]): string {
  const lines = [
    `Usage: ${PROG} <command> [options]`,
    '',
    'suitrig: a hardware-in-the-loop test rig for SUIT firmware updates (RFC 9019).',
    '',
    'Commands:',
  ];
  const width = Math.max(...commands.map((c) => c.path.join(' ').length)) + 2;
  for (const c of commands) lines.push(`  ${c.path.join(' ').padEnd(width)} ${c.summary}`);
  lines.push('', `Run '${PROG} <command> --help' for the options of a command.`);
  return lines.join('\n') + '\n';
}

/** Runs one command line; returns the exit status. Never throws. */
export async function dispatch(argv: string[], commands: readonly Command[], io: CliIo): Promise<number> {
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
    io.stdout.write(globalHelp(commands));
    return argv.length === 0 ? EXIT_USAGE : 0;
  }
  if (argv[0] === '--version') {
    io.stdout.write(`${PROG} ${await packageVersion()}\n`);
    return 0;
  }
  const found = matchCommand(argv, commands);
  if (!found) {
    const group = commands.filter((c) => c.path[0] === argv[0]);
    if (group.length > 0) {
      io.stderr.write(`${PROG} ${argv[0]}: expected one of: ${group.map((c) => c.path.join(' ')).join(', ')}\n`);
    } else {
      io.stderr.write(`${PROG}: unknown command '${argv[0]}'. Run '${PROG} --help' for the list.\n`);
    }
    return EXIT_USAGE;
  }
  const { cmd, rest } = found;
  const name = `${PROG} ${cmd.path.join(' ')}`;
  if (rest.includes('--help') || rest.includes('-h')) {
    io.stdout.write(commandHelp(cmd));
    return 0;
  }
  try {
    const options: Record<string, { type: 'string' | 'boolean'; multiple?: boolean; short?: string }> = {};
    for (const [k, d] of Object.entries(cmd.options)) {
      options[k] = { type: d.type, ...(d.multiple ? { multiple: true } : {}), ...(d.short ? { short: d.short } : {}) };
    }
    let parsed;
    try {
      parsed = parseArgs({ args: attachNegativeValues(rest, options), allowPositionals: true, strict: true, options });
    } catch (e) {
      throw new UsageError((e as Error).message.replace(/^TypeError \[[A-Z_]+\]: /, ''));
    }
    const { positionals } = parsed;
    if (positionals.length < cmd.positionals.min) {
      throw new UsageError(`missing argument${cmd.positionals.min - positionals.length > 1 ? 's' : ''}: ${cmd.usage}`);
    }
    if (positionals.length > cmd.positionals.max) {
      throw new UsageError(`unexpected argument '${positionals[cmd.positionals.max]}'`);
    }
    return await cmd.run({ values: parsed.values as Record<string, string | boolean | string[] | boolean[] | undefined>, positionals }, io);
  } catch (e) {
    if (e instanceof UsageError) {
      io.stderr.write(`${name}: ${e.message}\nRun '${name} --help' for usage.\n`);
      return EXIT_USAGE;
    }
    if (e instanceof EnvironmentError) {
      io.stderr.write(`${name}: ${e.message}\n`);
      return EXIT_USAGE;
    }
    const err = e as Error;
    io.stderr.write(`${name}: internal error: ${err.stack ?? err.message}\n`);
    return EXIT_USAGE;
  }
}

/** The version in suitrig's package.json, found the same way from the sources and from dist/. */
async function packageVersion(): Promise<string> {
  try {
    return (JSON.parse(await readFile(join(packageRoot(), 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

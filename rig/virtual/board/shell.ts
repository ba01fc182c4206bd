/**
 * The virtual board application's shell, as Zephyr's shell serves it on the UART it shares with
 * SMP (the serial shell backend with MCUmgr's shell transport: SMP frames are taken out, the
 * rest is typed text): a line typed on the console is echoed, runs, prints its output, and the
 * prompt `uart:~$ ` follows, ending no line. A few commands, named as Zephyr's are: `help`,
 * `kernel version`, `kernel reboot cold|warm` (a reset at once, no SMP answer first), and the
 * application's own `version` (the running application and image). An unknown command gets
 * Zephyr's `<cmd>: command not found`. MCUboot's serial recovery has no shell: it reads no text.
 */

/** What Zephyr's serial shell prints as its prompt. */
export const SHELL_PROMPT = 'uart:~$ ';

/** The Zephyr version the board models (its banner's, ../device.ts ZEPHYR_BANNER). */
const ZEPHYR_VERSION = '4.4.0';

/** What the shell needs of the board. */
export interface ShellHost {
  /** The running application and image, for `version`; undefined when none runs. */
  running(): { app: string | undefined; image: string; confirmed: boolean } | undefined;
  /** `kernel reboot`: the board resets now. */
  reboot(): void;
}

export interface ShellResult {
  /** What the shell prints: the echo, the output lines, then the prompt (no newline after it). */
  text: string;
  /** The printed lines (echo and output), for the board's event log. */
  lines: string[];
  /** Runs once the text is out (a reboot). */
  after?: () => void;
}

const HELP = ['Available commands:', '  help            : Prints the help message.', '  kernel          : Kernel commands (version, reboot cold|warm)', '  version         : The running application and image.'];

/** Runs one typed line (its newline removed). */
export function runShellLine(typed: string, host: ShellHost): ShellResult {
  const line = typed.trim();
  const words = line.split(/\s+/).filter(Boolean);
  let output: string[] = [];
  let after: (() => void) | undefined;
  const [cmd, sub, arg] = words;
  if (cmd === undefined) output = [];
  else if (cmd === 'help') output = HELP;
  else if (cmd === 'version') {
    const r = host.running();
    output = [r ? `app ${r.app ?? r.image}, image ${r.image}${r.confirmed ? ', confirmed' : ', not confirmed'}` : 'no application image runs'];
  } else if (cmd === 'kernel' && sub === 'version' && words.length === 2) output = [`Zephyr version ${ZEPHYR_VERSION}`];
  else if (cmd === 'kernel' && sub === 'reboot' && (arg === 'cold' || arg === 'warm') && words.length === 3) after = () => host.reboot();
  else if (cmd === 'kernel') output = [`kernel: wrong parameter count or unknown subcommand '${words.slice(1).join(' ')}' (kernel version | kernel reboot cold|warm)`];
  else output = [`${cmd}: command not found`];
  const lines = [typed, ...output];
  // A reboot prints no prompt: the board is gone before it would.
  return { text: lines.map((l) => `${l}\r\n`).join('') + (after ? '' : SHELL_PROMPT), lines, ...(after ? { after } : {}) };
}

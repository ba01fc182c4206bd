/**
 * The lock of an embedded database's data directory (database.ts): PGlite is one connection
 * inside its process, and a second process opening the same directory would corrupt it, so one
 * process at a time may hold it.
 *
 * On Linux the lock is a Unix socket in the abstract namespace named after the directory: the
 * kernel lets one process bind it, holds it as long as that process lives and frees it the moment
 * it dies, killed or not. Two processes starting at once cannot both take it, and a crash leaves
 * nothing to clean up. `suitrig.lock` in the directory only names the holder's pid, for the
 * message a second opener gets. (A lock file alone could not do this: a file left by a killed
 * process has to be judged stale by its pid, which may belong to another process since, and two
 * openers that both judged it stale could both remove it and both go on.) The abstract namespace
 * is per network namespace: containers sharing a data directory must share the host's network.
 *
 * Elsewhere (no abstract sockets) the file is the lock itself, taken over when its pid is gone:
 * the check and the removal are not one step, so the race above remains there.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, realpath, rm, writeFile } from 'node:fs/promises';
import { connect, createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { EnvironmentError } from '../../../host/util/errors.js';

const LOCK_FILE = 'suitrig.lock';

/** Takes the lock of data directory `dir` (creating it); resolves to the release. Refused with the holder's pid when another process has it. */
export async function lockDirectory(dir: string): Promise<() => Promise<void>> {
  await mkdir(dir, { recursive: true }).catch((e: NodeJS.ErrnoException) => {
    throw new EnvironmentError(`--db ${dir}: cannot create the data directory (${e.code ?? e.message})`);
  });
  return process.platform === 'linux' ? socketLock(dir) : fileLock(dir);
}

function inUse(dir: string, owner: string): EnvironmentError {
  return new EnvironmentError(
    `--db ${dir}: the embedded database is in use by ${owner}; ` +
      'one process at a time can open a data directory (use a postgres:// server to share one)',
  );
}

async function ownerOf(lock: string): Promise<number | undefined> {
  const pid = Number.parseInt(await readFile(lock, 'utf8').catch(() => ''), 10);
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

/** The pid the lock's holder gives on its socket, within a second; undefined when it gives none. */
function askHolder(name: string): Promise<number | undefined> {
  return new Promise((answer) => {
    let said = '';
    const c = connect({ path: name });
    const done = (): void => {
      clearTimeout(timer);
      c.destroy();
      const pid = Number.parseInt(said, 10);
      answer(Number.isInteger(pid) && pid > 0 ? pid : undefined);
    };
    const timer = setTimeout(done, 1_000);
    c.setEncoding('utf8');
    c.on('data', (d: string) => void (said.length < 32 && (said += d)));
    c.once('end', done).once('error', done);
  });
}

async function socketLock(dir: string): Promise<() => Promise<void>> {
  const name = `\0suitrig-pglite-${createHash('sha256').update(await realpath(dir)).digest('hex')}`;
  // A connection is told the holder's pid and closed: the refusal names the holder from the
  // holder itself, not from the file, which a racer may read before the winner rewrites it.
  const server: Server = createServer((c) => c.end(`${process.pid}\n`));
  await new Promise<void>((bound, fail) => {
    server.once('error', fail);
    server.listen({ path: name }, () => bound());
  }).catch(async (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EADDRINUSE') throw new EnvironmentError(`--db ${dir}: cannot take the data directory's lock (${e.code ?? e.message})`);
    const owner = (await askHolder(name)) ?? (await ownerOf(join(dir, LOCK_FILE)));
    throw inUse(dir, owner ? `process ${owner}` : 'another process');
  });
  // The lock must not keep the process alive by itself.
  server.unref();
  const lock = join(dir, LOCK_FILE);
  await writeFile(lock, `${process.pid}\n`).catch(() => undefined);
  return async () => {
    await rm(lock, { force: true });
    await new Promise<void>((closed) => server.close(() => closed()));
  };
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function fileLock(dir: string): Promise<() => Promise<void>> {
  const lock = join(dir, LOCK_FILE);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      await writeFile(lock, `${process.pid}\n`, { flag: 'wx' });
      return () => rm(lock, { force: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new EnvironmentError(`--db ${dir}: cannot write ${LOCK_FILE} (${(e as NodeJS.ErrnoException).code})`);
      }
      const owner = await ownerOf(lock);
      if (owner !== undefined && owner !== process.pid && pidAlive(owner)) throw inUse(dir, `process ${owner}`);
      await rm(lock, { force: true }); // left by a process that is gone
    }
  }
  throw new EnvironmentError(`--db ${dir}: could not take ${LOCK_FILE}`);
}

/**
 * `suitrig token create --db ... --role R [--name N]`, `token list`, `token revoke <id>`
 * (DESIGN.md "Lab service", Access): tokens are made on the database itself (the first admin
 * token cannot come from the API). A new token is printed once, alone on stdout; only its
 * SHA-256 is stored. An embedded database in use by a running `serve` is refused (one process
 * at a time): create tokens first, or through the API with an admin token.
 */
import { resolve } from 'node:path';
import { EXIT_NEGATIVE, EXIT_OK, UsageError, optFlag, optString, printJson, requireString, type CliIo, type Command, type ParsedArgs } from '../command.js';
import { openDatabase, type Database } from '../../service/db/database.js';
import { migrate } from '../../service/db/migrations.js';
import { ROLES, isRole } from '../../service/auth/roles.js';
import { TOKEN_NAME, createToken, listTokens, revokeToken } from '../../service/auth/tokens.js';
import { DEFAULT_DATA_DIR } from './serve.js';

const DB_OPTION = { type: 'string', value: '<dir>|postgres://...', description: `the service's database (default ${DEFAULT_DATA_DIR})` } as const;

async function withDatabase<T>(args: ParsedArgs, io: CliIo, fn: (db: Database) => Promise<T>): Promise<T> {
  const arg = optString(args, 'db') ?? DEFAULT_DATA_DIR;
  const db = await openDatabase(/^[a-z][a-z0-9+.-]*:\/\//i.test(arg) ? arg : resolve(io.cwd, arg));
  try {
    await migrate(db);
    return await fn(db);
  } finally {
    await db.close();
  }
}

export const tokenCreateCommand: Command = {
  path: ['token', 'create'],
  summary: 'create an access token for the lab service (printed once)',
  usage: `--role ${ROLES.join('|')} [--name N] [--db <dir>|postgres://...] [--json]`,
  details: [
    'Roles: viewer reads; operator also uploads releases and runs campaigns, runs and reservations;',
    'agent also registers its boards and reports on them; admin may do everything, tokens included.',
    'The token is printed once, alone on stdout; only its SHA-256 is stored, so it cannot be shown again.',
  ].join('\n'),
  options: {
    role: { type: 'string', value: 'ROLE', description: ROLES.join(', ') },
    name: { type: 'string', value: 'N', description: 'a label for people (default "<role> token")' },
    db: DB_OPTION,
    json: { type: 'boolean', description: 'print {id, name, role, token} as JSON' },
  },
  positionals: { min: 0, max: 0 },
  async run(args, io) {
    const role = requireString(args, 'role');
    if (!isRole(role)) throw new UsageError(`--role: expected one of ${ROLES.join(', ')}, got '${role}'`);
    const name = optString(args, 'name');
    if (name !== undefined && !TOKEN_NAME.test(name)) throw new UsageError('--name: 1 to 64 printable ASCII characters, not starting with a space');
    const t = await withDatabase(args, io, (db) => createToken(db, role, name));
    if (optFlag(args, 'json')) printJson(io, { id: t.id, name: t.name, role: t.role, token: t.token });
    else {
      io.stdout.write(`${t.token}\n`);
      io.stderr.write(`token ${t.id} (${t.role}, '${t.name}') created: shown only now, keep it\n`);
    }
    return EXIT_OK;
  },
};

export const tokenListCommand: Command = {
  path: ['token', 'list'],
  summary: "list the lab service's tokens (ids, names, roles; never secrets)",
  usage: '[--db <dir>|postgres://...] [--json]',
  options: { db: DB_OPTION, json: { type: 'boolean', description: 'print JSON' } },
  positionals: { min: 0, max: 0 },
  async run(args, io) {
    const tokens = await withDatabase(args, io, listTokens);
    if (optFlag(args, 'json')) printJson(io, tokens);
    else {
      for (const t of tokens) {
        io.stdout.write(`${String(t.id).padStart(4)}  ${t.role.padEnd(8)}  ${t.revokedAt ? `revoked ${t.revokedAt.toISOString()}` : 'live'}  ${t.name}\n`);
      }
    }
    return EXIT_OK;
  },
};

export const tokenRevokeCommand: Command = {
  path: ['token', 'revoke'],
  summary: 'revoke a lab service token by id (it stops working at once)',
  usage: '<id> [--db <dir>|postgres://...]',
  options: { db: DB_OPTION },
  positionals: { min: 1, max: 1 },
  async run(args, io) {
    const arg = args.positionals[0]!;
    if (!/^[1-9][0-9]{0,14}$/.test(arg)) throw new UsageError(`expected a token id (see 'suitrig token list'), got '${arg}'`);
    const done = await withDatabase(args, io, (db) => revokeToken(db, Number(arg)));
    if (!done) {
      io.stderr.write(`token ${arg}: no such live token\n`);
      return EXIT_NEGATIVE;
    }
    io.stdout.write(`token ${arg} revoked\n`);
    return EXIT_OK;
  },
};

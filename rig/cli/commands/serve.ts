/**
 * `suitrig serve [--db <dir>|postgres://...] [--listen http://HOST:PORT] [--lab rig.yaml]
 * [--trust [role=]<key>... --require ROLES]` (DESIGN.md "Lab service", "Command line"): the lab
 * service — status tracker and firmware server — on embedded PGlite (a data directory) or a
 * PostgreSQL server. Migrations are applied at start. The first stdout line is exactly
 * `listening on http://HOST:PORT`; logs go to stderr as JSON lines. Ctrl-C, SIGTERM and SIGHUP
 * stop it gracefully (open requests finish, event streams end, the database is closed): exit 0.
 */
import { resolve } from 'node:path';
import { EXIT_OK, UsageError, optString, optStrings, type Command, type ParsedArgs } from '../command.js';
import { requiredRoles, trustAnchors } from '../key-options.js';
import { stopRequest } from '../stop-request.js';
import { startService } from '../../service/server.js';
import { toHex } from '../../../host/util/hex.js';

export const DEFAULT_DATA_DIR = './suitrig-data';
const DEFAULT_AGENT_TTL_S = 30;
const DEFAULT_LEASE_S = 15;

/** A whole number of seconds from 1 to 3600, or undefined when the option is not given. */
function seconds(args: ParsedArgs, name: string): number | undefined {
  const v = optString(args, name);
  if (v === undefined) return undefined;
  const n = /^[0-9]{1,4}$/.test(v) ? Number(v) : NaN;
  if (!(n >= 1 && n <= 3600)) throw new UsageError(`--${name} ${v}: expected whole seconds from 1 to 3600`);
  return n;
}
/** 9019: RFC 9019, the architecture the service plays its part of. */
export const DEFAULT_LISTEN = 'http://127.0.0.1:9019';

export const serveCommand: Command = {
  path: ['serve'],
  summary: 'run the lab service: status tracker and firmware server over HTTP (/api/v1)',
  usage: `[--db <dir>|postgres://...] [--listen http://HOST:PORT] [--lab rig.yaml] [--trust [role=]<key>... --require ROLES] [--agent-ttl S] [--job-lease S]`,
  details: [
    `--db: a data directory for the embedded PostgreSQL (PGlite; default ${DEFAULT_DATA_DIR}), one process`,
    'at a time; or a postgres:// URL of a server, which several services and agents may share.',
    `--listen: http://HOST:PORT (default ${DEFAULT_LISTEN}; port 0: any free port). The first stdout line is`,
    '`listening on http://HOST:PORT`. The API is under /api/v1, described by /api/v1/openapi.json;',
    'every call needs Authorization: Bearer <token> (create one with `suitrig token create`).',
    '--trust/--require: the keys (and roles) a release must verify against before it is stored,',
    'as for `suitrig verify`; without --trust, uploads of releases are refused.',
    '--lab: also serve the boards of this lab file through an agent inside this process.',
    `--agent-ttl: seconds without a heartbeat before an agent's boards go offline (default ${DEFAULT_AGENT_TTL_S});`,
    `--job-lease: seconds a job's claim on its board lasts unless its agent renews it (default ${DEFAULT_LEASE_S}):`,
    'the job of an agent that died goes back to its queue after that. Agents heartbeat at a third of the shorter.',
  ].join('\n'),
  options: {
    db: { type: 'string', value: '<dir>|postgres://...', description: `database (default ${DEFAULT_DATA_DIR})` },
    listen: { type: 'string', value: 'http://HOST:PORT', description: `where to listen (default ${DEFAULT_LISTEN})` },
    lab: { type: 'string', value: '<rig.yaml>', description: 'run an agent for the boards of this lab file' },
    trust: { type: 'string', multiple: true, value: '[role=]<key>', description: 'a key releases are verified against (role default author)' },
    require: { type: 'string', value: 'ROLES', description: 'comma-separated roles that must all have signed a release' },
    'agent-ttl': { type: 'string', value: '<seconds>', description: `an agent silent this long has its boards offline (default ${DEFAULT_AGENT_TTL_S})` },
    'job-lease': { type: 'string', value: '<seconds>', description: `a job's claim lasts this long without renewal (default ${DEFAULT_LEASE_S})` },
  },
  positionals: { min: 0, max: 0 },
  async run(args, io) {
    const trustArgs = optStrings(args, 'trust');
    const require = requiredRoles(optString(args, 'require'));
    const trust = trustArgs.length > 0 ? trustAnchors(trustArgs, io.cwd) : undefined;
    const dbArg = optString(args, 'db') ?? DEFAULT_DATA_DIR;
    const db = /^[a-z][a-z0-9+.-]*:\/\//i.test(dbArg) ? dbArg : resolve(io.cwd, dbArg);
    const lab = optString(args, 'lab');
    const agentTtlS = seconds(args, 'agent-ttl');
    const leaseS = seconds(args, 'job-lease');
    const stop = stopRequest(io.signal);
    try {
      const service = await startService({
        db,
        listen: optString(args, 'listen') ?? DEFAULT_LISTEN,
        ...(trust ? { releaseTrust: { trust, ...(require ? { require } : {}) } } : {}),
        ...(lab !== undefined ? { lab: resolve(io.cwd, lab) } : {}),
        ...(agentTtlS !== undefined ? { agentTtlS } : {}),
        ...(leaseS !== undefined ? { leaseMs: leaseS * 1000 } : {}),
        logger: { level: 'info', stream: { write: (line: string) => void io.stderr.write(line) } },
      });
      io.stdout.write(`listening on ${service.url}\n`);
      const log = service.app.log;
      log.info({ db: service.db.where, kind: service.db.kind }, 'database open, schema up to date');
      const [tokens] = await service.db.query<{ n: number }>('SELECT count(*)::int AS n FROM tokens WHERE revoked_at IS NULL');
      if (tokens?.n === 0) {
        log.warn(
          service.db.kind === 'pglite'
            ? `no tokens yet: every call will be refused. Stop the service and run: suitrig token create --db ${service.db.where} --role admin`
            : `no tokens yet: every call will be refused. Run: suitrig token create --db <this URL> --role admin`,
        );
      }
      if (trust) log.info({ anchors: trust.map((a) => `${a.role} key ${toHex(a.id)}`), require: require ?? [] }, 'releases are verified against these keys');
      else log.warn('no --trust: uploads of releases are refused');
      const why = await stop.requested;
      log.info({ why }, 'stopping');
      await service.close();
      return EXIT_OK;
    } finally {
      stop.dispose();
    }
  },
};

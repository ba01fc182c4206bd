/**
 * A lab service for the dashboard's tests, as `suitrig serve --lab` runs it, in this process: a
 * fresh PGlite data directory, four virtual boards of a lab file served by the in-process agent
 * at 1,000,000 baud (the boards trust the test ES256 key, and so does the firmware server), a
 * token per role, and releases uploaded through the API as an operator would. `restart()` stops
 * the service and starts it again on the same data and port (a page open on it must recover).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createToken } from '../../rig/service/auth/tokens.js';
import type { Role } from '../../rig/service/auth/roles.js';
import { startService, type RunningService } from '../../rig/service/server.js';
import { APP_URI, anchor, app, envelope, es256Key } from '../board/fixtures.js';
import { virtualLab, type VirtualLabBoard } from '../helpers/service.js';
import { multipart } from '../service/releases-fixture.js';

export const BOARDS: readonly VirtualLabBoard[] = [
  { name: 'bench-1', tags: ['bench', 'nrf'] },
  { name: 'bench-2', tags: ['bench', 'nrf'] },
  { name: 'bench-3', tags: ['bench'] },
  { name: 'bench-4', tags: ['bench'], quirks: ['accept-rollback'] },
];

export interface DashboardLab {
  url: string;
  tokens: Record<Role, string>;
  service: RunningService;
  /** Uploads a release of the test application through the API; its id. */
  release(version: string, sequence: number, behaviour?: 'healthy' | 'never-confirms'): Promise<string>;
  /** GET/POST on the API with a role's token. */
  api(role: Role, method: 'GET' | 'POST', path: string, body?: unknown): Promise<{ status: number; json: any }>;
  restart(): Promise<void>;
  close(): Promise<void>;
}

const releaseTrust = { trust: [anchor(es256Key, 'author')] };

export async function startLab(boards: readonly VirtualLabBoard[] = BOARDS): Promise<DashboardLab> {
  const dir = await mkdtemp(join(tmpdir(), 'suitrig-dashboard-'));
  const lab = virtualLab(boards, { dir });
  const db = join(dir, 'data');
  const start = (listen: string) => startService({ db, listen, lab: lab.file, releaseTrust, logger: { level: 'error' } });
  let service = await start('http://127.0.0.1:0');
  const url = service.url;
  const tokens = {} as Record<Role, string>;
  for (const role of ['viewer', 'operator', 'agent', 'admin'] as const) tokens[role] = (await createToken(service.db, role, `dashboard test ${role}`)).token;

  const api: DashboardLab['api'] = async (role, method, path, body) => {
    const r = await fetch(`${url}/api/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${tokens[role]}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    return { status: r.status, json: await r.json().catch(() => null) };
  };

  return {
    url,
    tokens,
    get service() {
      return service;
    },
    api,
    async release(version, sequence, behaviour = 'healthy') {
      const payload = app(version, behaviour, 8 * 1024);
      const body = multipart([
        { name: 'envelope', bytes: envelope({ sequence, payload, key: es256Key }) },
        { name: APP_URI, bytes: payload },
      ]);
      const r = await fetch(`${url}/api/v1/releases`, { method: 'POST', headers: { authorization: `Bearer ${tokens.operator}`, ...body.headers }, body: body.payload });
      const json = (await r.json()) as { id?: string; error?: { message: string } };
      if (r.status !== 201 || !json.id) throw new Error(`release ${version}: ${r.status} ${JSON.stringify(json)}`);
      return json.id;
    },
    async restart() {
      await service.close();
      service = await start(url);
    },
    async close() {
      await service.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

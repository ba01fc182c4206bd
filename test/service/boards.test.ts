/**
 * The board inventory over the API (rig/service/api/routes/boards.ts, store/boards.ts): an agent
 * registers its boards and reports what they run; viewers list, filter and read history; another
 * agent's token can neither report on nor take a board that is not offline, and changes nothing.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createToken } from '../../rig/service/auth/tokens.js';
import { describeOnDatabases } from '../helpers/databases.js';
import { testService, type TestService } from './fixture.js';

const STATUS = {
  run_state: 'application',
  app_version: '1.2.0',
  suit_sequence: 7,
  slots: [{ image: 0, slot: 0, version: '1.2.0', hash: 'ab'.repeat(32), flags: ['active', 'confirmed', 'bootable'] }],
  boot: { count: 3, reason: 'power-on', slot: 0, outcome: 'booted' },
};

describeOnDatabases('boards API', (flavour) => {
  let s: TestService;
  let other: string;
  beforeAll(async () => {
    s = await testService(flavour);
    other = (await createToken(s.db, 'agent', 'another lab host')).token;
  });
  afterAll(async () => s?.close());

  const counts = async () => {
    const [r] = await s.db.query<{ b: number; h: number; e: number }>(
      'SELECT (SELECT count(*) FROM boards)::int AS b, (SELECT count(*) FROM board_history)::int AS h, (SELECT count(*) FROM events)::int AS e',
    );
    return r;
  };

  it('registers an agent with its boards, lists and filters them', async () => {
    const r = await s.app.inject({
      method: 'PUT',
      url: '/api/v1/agents/lab-1',
      headers: s.as('agent'),
      payload: { host: 'lab-1.local', boards: [{ name: 'nrf-1', kind: 'serial', tags: ['nrf', 'desk'] }, { name: 'virt-1', kind: 'virtual', tags: ['ci'] }] },
    });
    expect(r.statusCode, r.body).toBe(200);
    const all = (await s.app.inject({ url: '/api/v1/boards', headers: s.as('viewer') })).json();
    expect(all.boards.map((b: { name: string }) => b.name)).toEqual(['nrf-1', 'virt-1']);
    expect(all.boards[0]).toMatchObject({ agent: 'lab-1', host: 'lab-1.local', kind: 'serial', state: 'idle', status: null });
    const nrf = (await s.app.inject({ url: '/api/v1/boards?tag=nrf', headers: s.as('viewer') })).json();
    expect(nrf.boards.map((b: { name: string }) => b.name)).toEqual(['nrf-1']);
    const page = (await s.app.inject({ url: '/api/v1/boards?limit=1', headers: s.as('viewer') })).json();
    expect(page).toMatchObject({ next: 'nrf-1' });
    const page2 = (await s.app.inject({ url: `/api/v1/boards?limit=1&after=${page.next}`, headers: s.as('viewer') })).json();
    expect(page2.boards.map((b: { name: string }) => b.name)).toEqual(['virt-1']);
  });

  it("records a board's report: status shown, history and event written", async () => {
    const r = await s.app.inject({ method: 'POST', url: '/api/v1/boards/nrf-1/reports', headers: s.as('agent'), payload: { kind: 'status', status: STATUS } });
    expect(r.statusCode, r.body).toBe(201);
    const b = (await s.app.inject({ url: '/api/v1/boards/nrf-1', headers: s.as('viewer') })).json();
    expect(b.status).toEqual(STATUS);
    expect(b.last_seen).toMatch(/^\d{4}-\d\d-\d\dT/);
    const h = (await s.app.inject({ url: '/api/v1/boards/nrf-1/history', headers: s.as('viewer') })).json();
    expect(h.history.map((l: { kind: string }) => l.kind)).toEqual(['status', 'registered']);
    const [ev] = await s.db.query<{ data: Record<string, unknown> }>("SELECT data FROM events WHERE topic = 'board' AND subject = 'nrf-1' ORDER BY id DESC LIMIT 1");
    expect(ev!.data).toMatchObject({ report: 'status', app_version: '1.2.0', suit_sequence: 7 });
  });

  it("refuses another agent's token on these boards and changes nothing", async () => {
    const before = await counts();
    const h = { authorization: `Bearer ${other}` };
    const report = await s.app.inject({ method: 'POST', url: '/api/v1/boards/nrf-1/reports', headers: h, payload: { kind: 'status', status: { app_version: 'evil' } } });
    expect(report.statusCode).toBe(403);
    const steal = await s.app.inject({ method: 'PUT', url: '/api/v1/agents/lab-1', headers: h, payload: { boards: [] } });
    expect(steal.statusCode).toBe(403);
    const take = await s.app.inject({ method: 'PUT', url: '/api/v1/agents/lab-2/boards/nrf-1', headers: h, payload: { kind: 'serial' } });
    expect(take.statusCode).toBe(409);
    expect(take.json().error.message).toMatch(/served by agent lab-1/);
    expect(await counts()).toEqual(before);
    expect((await s.app.inject({ url: '/api/v1/boards/nrf-1', headers: s.as('viewer') })).json().status.app_version).toBe('1.2.0');
  });

  it('a board its agent no longer lists goes offline, and another agent may then take it', async () => {
    const r = await s.app.inject({ method: 'PUT', url: '/api/v1/agents/lab-1', headers: s.as('agent'), payload: { boards: [{ name: 'virt-1', kind: 'virtual' }] } });
    expect(r.statusCode).toBe(200);
    expect((await s.app.inject({ url: '/api/v1/boards/nrf-1', headers: s.as('viewer') })).json().state).toBe('offline');
    const take = await s.app.inject({ method: 'PUT', url: '/api/v1/agents/lab-2/boards/nrf-1', headers: { authorization: `Bearer ${other}` }, payload: { kind: 'serial', host: 'lab-2' } });
    expect(take.statusCode, take.body).toBe(200);
    expect(take.json()).toMatchObject({ agent: 'lab-2', host: 'lab-2', state: 'idle' });
    const h = (await s.app.inject({ url: '/api/v1/boards/nrf-1/history?limit=2', headers: s.as('viewer') })).json();
    expect(h.history.map((l: { kind: string }) => l.kind)).toEqual(['state', 'registered']);
    expect(h.history[0].detail).toMatchObject({ from: 'offline', to: 'idle' });
    const rest = (await s.app.inject({ url: `/api/v1/boards/nrf-1/history?before=${h.next}`, headers: s.as('viewer') })).json();
    expect(rest.history.map((l: { kind: string }) => l.kind)).toEqual(['state', 'status', 'registered']);
    expect(rest.next).toBeNull();
  });

  it('answers 404 for a board that does not exist', async () => {
    for (const url of ['/api/v1/boards/nope', '/api/v1/boards/nope/history']) {
      const r = await s.app.inject({ url, headers: s.as('viewer') });
      expect(r.statusCode).toBe(404);
      expect(r.json().error.code).toBe('not-found');
    }
    const r = await s.app.inject({ method: 'POST', url: '/api/v1/boards/nope/reports', headers: s.as('agent'), payload: { kind: 'status' } });
    expect(r.statusCode).toBe(404);
  });
});

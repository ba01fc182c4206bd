/**
 * `suitrig status` against boards whose builds answer only part of what it asks (fake SMP
 * servers over TCP): rc 7 (the answer does not fit the board's buffers), rc 8 (a command or
 * group the build lacks) and v2 group errors become "not reported (reason)" in the text and in
 * --json `notReported`, with exit 0; a board that answers nothing is exit 2. Also the questions
 * one at a time (host/operator/board-questions.ts) with a client that stops answering.
 */
import { describe, expect, it } from 'vitest';
import { BoardQuestions, unansweredReason } from '../../host/operator/board-questions.js';
import { SmpTimeoutError, type RequestOptions, type SmpClient } from '../../host/smp/client.js';
import { MgmtErr, OsErr, SmpGroupError, SmpRcError } from '../../host/smp/errors.js';
import { GroupId, OsCmd } from '../../host/smp/ids.js';
import { osGroup, type OsGroupOptions } from '../../host/smp/server/os-group.js';
import { SmpServer, type SmpGroupHandler, type SmpHandler } from '../../host/smp/server/server.js';
import { listenTcp } from '../../host/transport/tcp.js';
import { runCli } from '../helpers/cli.js';
import { serve } from './helpers/serve-tcp.js';


/** Zephyr's OS group with some commands answering as `overrides` say. */
function osWith(o: Partial<OsGroupOptions>, overrides: Record<number, SmpHandler>): SmpGroupHandler {
  const base = osGroup({ params: { bufSize: 384, bufCount: 4 }, ...o });
  const commands = { ...base.commands };
  for (const [cmd, read] of Object.entries(overrides)) commands[Number(cmd)] = { read };
  return { ...base, commands };
}

const tooLarge = (): never => {
  throw new SmpRcError(MgmtErr.EMSGSIZE);
};

describe('status: per-request failures are not reported, with the reason', () => {
  it('rc 7 for OS info format a: asked again with fewer letters; a group error for the mode; no image group', async () => {
    const asked: string[] = [];
    const server = new SmpServer({ bufSize: 384 });
    server.register(
      osWith(
        { bootloader: { name: 'MCUboot' } },
        {
          [OsCmd.INFO]: ({ body }) => {
            asked.push(String(body['format']));
            if (body['format'] === 'a') tooLarge();
            return { output: 'Zephyr 684c9e8f32e4 4.4.0 nrf52840dk' };
          },
        },
      ),
    );
    const url = await serve(server);
    const r = await runCli(['status', '--port', url]);
    expect(r.code, r.stderr).toBe(0);
    expect(asked).toEqual(['a', 'srvi']);
    expect(r.stdout).toContain("os         Zephyr 684c9e8f32e4 4.4.0 nrf52840dk (short form 'srvi': the full answer does not fit the board's buffers)");
    expect(r.stdout).toContain('smp        buffers 384 bytes x 4');
    expect(r.stdout).toContain('bootloader MCUboot, mode not reported (the board answered os error 3, QUERY_YIELDS_NO_ANSWER)');
    expect(r.stdout).toContain('images     not reported (not supported by this build: rc 8)');

    const j = JSON.parse((await runCli(['status', '--port', url, '--json'])).stdout);
    expect(j.os).toBe('Zephyr 684c9e8f32e4 4.4.0 nrf52840dk');
    expect(j.osFormat).toBe('srvi');
    expect(j.bootloader).toEqual({ name: 'MCUboot', mode: null, modeName: null, noDowngrade: null });
    expect(j.notReported).toEqual({
      mode: 'the board answered os error 3, QUERY_YIELDS_NO_ANSWER',
      suit: 'not supported by this build: rc 8',
      images: 'not supported by this build: rc 8',
      rig: 'not supported by this build: rc 8',
    });
  });

  it('rc 7 for every OS info format and for the parameters: both not reported, the rest shown', async () => {
    const server = new SmpServer();
    server.register(osWith({}, { [OsCmd.INFO]: tooLarge, [OsCmd.PARAMS]: tooLarge }));
    const r = await runCli(['status', '--port', await serve(server), '--json']);
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.os).toBeNull();
    expect(j.smp).toBeNull();
    expect(j.notReported.os).toBe("the answer does not fit the board's buffers: rc 7, EMSGSIZE");
    expect(j.notReported.params).toBe("the answer does not fit the board's buffers: rc 7, EMSGSIZE");
    expect(j.notReported.bootloader).toBe('not supported by this build: rc 8');
  });

  it('a v2 group error and an rc other than 7 or 8 are reported as the board answered them', async () => {
    const server = new SmpServer();
    server.register(
      osWith(
        {},
        {
          [OsCmd.INFO]: () => {
            throw new SmpGroupError(GroupId.OS, OsErr.INVALID_FORMAT);
          },
          [OsCmd.PARAMS]: () => {
            throw new SmpRcError(MgmtErr.EBUSY);
          },
        },
      ),
    );
    const r = await runCli(['status', '--port', await serve(server)]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('os         not reported (the board answered os error 2, INVALID_FORMAT)');
    expect(r.stdout).toContain('smp        buffers not reported (the board answered rc 10, EBUSY: busy); clients assume 384 x 1');
  });

  it('a build that answers rc 8 to everything but echo is still a board that answered: exit 0', async () => {
    const notSupported = (): never => {
      throw new SmpRcError(MgmtErr.ENOTSUP);
    };
    const server = new SmpServer();
    server.register(osWith({}, { [OsCmd.INFO]: notSupported, [OsCmd.PARAMS]: notSupported }));
    const r = await runCli(['status', '--port', await serve(server), '--json']);
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.os).toBeNull();
    expect(Object.keys(j.notReported)).toEqual(['os', 'params', 'bootloader', 'suit', 'images', 'rig']);
    expect(new Set(Object.values(j.notReported))).toEqual(new Set(['not supported by this build: rc 8']));
  });

  it('a board that answers nothing at all is exit 2, saying so', async () => {
    const silent = await listenTcp({}, () => undefined);
    const r = await runCli(['status', '--port', silent.url, '--timeout', '0.2']).finally(() => silent.close());
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/status of tcp:\/\/127\.0\.0\.1:\d+: no answer from .* to os\/info/);
    expect(r.stdout).toBe('');
  });
});

describe('BoardQuestions', () => {
  const timeout = (): never => {
    throw new SmpTimeoutError('no answer', 0, 6, 3);
  };
  function fakeClient(echo: (o?: RequestOptions) => Promise<string>): SmpClient {
    return { os: { echo: (_m: string, o?: RequestOptions) => echo(o) } } as unknown as SmpClient;
  }

  it('records a silence after an answer and asks the rest without resends', async () => {
    const q = new BoardQuestions(fakeClient(async () => 'x'), { keepGoing: true });
    expect(await q.ask(async () => 1)).toEqual({ ok: true, value: 1 });
    const silent = await q.ask(async () => timeout());
    expect(silent).toMatchObject({ ok: false, reason: 'no answer after 3 tries' });
    const seen: RequestOptions[] = [];
    await q.ask(async (o) => seen.push(o));
    expect(seen[0]?.retries).toBe(0);
  });

  it('a first silence counts as unreported when an echo gets any answer, rc 8 included', async () => {
    const q = new BoardQuestions(
      fakeClient(async () => {
        throw new SmpRcError(MgmtErr.ENOTSUP);
      }),
      { keepGoing: true },
    );
    expect(await q.ask(async () => timeout())).toMatchObject({ ok: false, reason: 'no answer after 3 tries' });
  });

  it('throws when the echo gets no answer either, or when the flow needs every answer', async () => {
    const dead = new BoardQuestions(fakeClient(async () => timeout()), { keepGoing: true });
    await expect(dead.ask(async () => timeout())).rejects.toBeInstanceOf(SmpTimeoutError);
    const strict = new BoardQuestions(fakeClient(async () => 'x'));
    await strict.ask(async () => 1);
    await expect(strict.ask(async () => timeout())).rejects.toBeInstanceOf(SmpTimeoutError);
    // error answers never throw, whatever the mode
    expect(await strict.ask(async () => tooLarge())).toMatchObject({ ok: false, reason: "the answer does not fit the board's buffers: rc 7, EMSGSIZE" });
  });

  it('errors that are not the board answering are not turned into reasons', () => {
    expect(unansweredReason(new Error('bug'))).toBeUndefined();
  });
});

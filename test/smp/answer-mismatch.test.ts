/**
 * Answers that are not what SMP defines, named as such (issue 11 finding 14): an answer with the
 * wrong sequence number or op is not "no answer" but "the board answered, but not this
 * request"; an `rc` that is not an integer is not "rc 1" but a malformed answer, saying what
 * came instead.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { SmpClient, SmpTimeoutError } from '../../host/smp/client.js';
import { encodeCbor } from '../../host/smp/cbor.js';
import { SmpMalformedError } from '../../host/smp/errors.js';
import { encodePacket } from '../../host/smp/header.js';
import { SmpLink } from '../../host/smp/link.js';
import { PairedLink } from '../../host/transport/paired/paired-link.js';
import { SerialPortTransport } from '../../host/transport/serialport.js';

const closing: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of closing.splice(0)) await c();
});

/** A board whose every answer is made by `answer` from the request's header. */
async function rawBoard(answer: (h: { op: number; seq: number; group: number; command: number; version: 1 | 2 }) => { header: { op: number; seq: number }; body: Record<string, unknown> }): Promise<SmpClient> {
  const pl = new PairedLink({ pace: false });
  const board = new SmpLink(await SerialPortTransport.open({ path: pl.pathB, baudRate: 115200, binding: pl.binding }));
  board.onPacket((p) => {
    const a = answer(p.header);
    void board.send(encodePacket({ ...p.header, op: a.header.op as 1, seq: a.header.seq }, encodeCbor(a.body as never)));
  });
  const client = SmpClient.over(await SerialPortTransport.open({ path: pl.pathA, baudRate: 115200, binding: pl.binding }), { timeoutMs: 300, retries: 0 });
  closing.push(() => client.close(), () => board.close());
  return client;
}

describe('answers that do not fit the request', () => {
  it('a wrong sequence number: the timeout says the board answered another request, with both numbers', async () => {
    const c = await rawBoard((h) => ({ header: { op: h.op + 1, seq: (h.seq + 7) & 0xff }, body: { r: 'x' } }));
    const e = await c.os.echo('hi').catch((x: unknown) => x);
    expect(e).toBeInstanceOf(SmpTimeoutError);
    expect((e as Error).message).toMatch(/the board answered, but not this request \(sequence 7, op 3, os\/echo\)/);
  });

  it('a wrong op: named the same way', async () => {
    const c = await rawBoard((h) => ({ header: { op: h.op, seq: h.seq }, body: { r: 'x' } }));
    await expect(c.os.echo('hi')).rejects.toThrow(/the board answered, but not this request \(sequence 0, op 2, os\/echo\)/);
  });

  it('an rc that is not an integer is a malformed answer saying what came, not rc 1', async () => {
    const c = await rawBoard((h) => ({ header: { op: h.op + 1, seq: h.seq }, body: { rc: 'oops' } }));
    const e = await c.os.echo('hi').catch((x: unknown) => x);
    expect(e).toBeInstanceOf(SmpMalformedError);
    expect((e as Error).message).toBe('board answered with an "rc" that is not an integer (the text "oops") to os/echo, which is not an SMP error answer');
    const f = await rawBoard((h) => ({ header: { op: h.op + 1, seq: h.seq }, body: { err: { group: 0, rc: 2.5 } } }));
    await expect(f.os.echo('hi')).rejects.toThrow(/an "err" that is not \{group, rc\} integers/);
  });
});

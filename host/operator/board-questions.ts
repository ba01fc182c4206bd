/**
 * Asking a board a series of questions where each may fail on its own (DESIGN.md "Wire
 * protocol": real builds have only some groups and commands): a board that answers with an
 * error — rc 8 (the build lacks the command), rc 7 (the answer does not fit its buffers), a v2
 * group error — or with a malformed answer has still answered, so the question is recorded as
 * not reported with the reason and the next one is asked. Only a board that answers nothing at
 * all is unreachable: that raises the SmpTimeoutError.
 */
import { SmpTimeoutError, type RequestOptions, type SmpClient } from '../smp/client.js';
import { groupErrName, MgmtErr, rcText, SmpGroupError, SmpRcError } from '../smp/errors.js';
import { groupName } from '../smp/ids.js';
import { SmpProtocolError } from '../smp/fields.js';
import { ReportFormatError } from './suit-report.js';

/** The reason for rc 8: the build lacks the group or command. */
export const NOT_SUPPORTED = 'not supported by this build: rc 8';

/**
 * Why a question got no usable answer, for `status` and logs (`not reported (<reason>)`, so no
 * parentheses of its own); undefined for errors that are not the board's answer.
 */
export function unansweredReason(e: unknown): string | undefined {
  if (e instanceof SmpRcError) {
    if (e.rc === MgmtErr.ENOTSUP) return NOT_SUPPORTED;
    if (e.rc === MgmtErr.EMSGSIZE) return "the answer does not fit the board's buffers: rc 7, EMSGSIZE";
    return `the board answered rc ${e.rc}, ${rcText(e.rc)}${e.reason ? `: ${e.reason}` : ''}`;
  }
  if (e instanceof SmpGroupError) {
    const name = groupErrName(e.group, e.rc);
    return `the board answered ${groupName(e.group)} error ${e.rc}${name ? `, ${name}` : ''}`;
  }
  if (e instanceof SmpProtocolError || e instanceof ReportFormatError) return `malformed answer: ${e.message}`;
  if (e instanceof SmpTimeoutError) return `no answer after ${e.attempts} ${e.attempts === 1 ? 'try' : 'tries'}`;
  return undefined;
}

export type Asked<T> = { ok: true; value: T } | { ok: false; error: unknown; reason: string };

/**
 * One board's questions. `ask` returns the answer or why there is none; error answers never
 * throw. A question that gets no answer throws when `keepGoing` is off (the caller's flow needs
 * every answer); with it on, it is recorded like an error answer as long as the board answered
 * something — before it, or an echo probed right after — and throws only for a board that
 * answers nothing. After one silence the rest are asked without resends, so a board that died
 * half-way costs one deadline per question, not three.
 */
export class BoardQuestions {
  private answered = false;
  private silent = false;

  constructor(
    private readonly client: SmpClient,
    private readonly options: RequestOptions & { keepGoing?: boolean } = {},
  ) {}

  get requestOptions(): RequestOptions {
    const { keepGoing: _k, ...o } = this.options;
    return this.silent ? { ...o, retries: 0 } : o;
  }

  async ask<T>(question: (o: RequestOptions) => Promise<T>): Promise<Asked<T>> {
    try {
      const value = await question(this.requestOptions);
      this.answered = true;
      return { ok: true, value };
    } catch (e) {
      const reason = unansweredReason(e);
      if (reason === undefined) throw e;
      if (e instanceof SmpTimeoutError) {
        if (!this.options.keepGoing) throw e;
        if (!this.answered && !(await this.answersAnything())) throw e;
        this.silent = true;
      }
      this.answered = true;
      return { ok: false, error: e, reason };
    }
  }

  /** An echo with one try: any answer, an error answer included, shows the board is there. */
  private async answersAnything(): Promise<boolean> {
    try {
      await this.client.os.echo('suitrig', { ...this.requestOptions, retries: 0 });
      return true;
    } catch (e) {
      if (e instanceof SmpTimeoutError) return false;
      if (unansweredReason(e) !== undefined) return true;
      throw e;
    }
  }
}

/**
 * The cases of the rfc9019 suite, one per decision of RFC 9019 Table 1 and per recovery path
 * the architecture asks of a device (§3, §4.2, §4.3): each states the decision it expects and
 * the boot outcome; deliveries go through `deliverUpdate`, where the host's verifier predicts
 * the decision first, so a board that decides otherwise fails the case with both decisions.
 * Cases that need the board's own SUIT decision (`needs: ['suit', 'rig']`) are not applicable
 * on boards without the SUIT group: there the host decides, and a rejection by the host proves
 * nothing about the board.
 */
import { defineCase, type CaseContext, type Need, type Step, type SuiteCase } from '../api.js';
import { check, deliverEnvelope, deliverUpdate, imageUntouched, readStatus, reset } from '../steps.js';
import { runsDelivered } from './checks.js';
import type { BuiltUpdate, Rfc9019Fixtures, UpdateSpec } from './fixtures.js';
import { powerCutCase } from './power-cut.js';

/** Cases keep the updates they delivered, to check the board runs them. */
type State = { delivered: BuiltUpdate[] };
type Ctx = CaseContext<Rfc9019Fixtures, State>;

const BOARD_DECIDES: Need[] = ['suit', 'rig'];

async function fresh(): Promise<State> {
  return { delivered: [] };
}

/** Builds an update for this board and remembers it. */
function update(spec: UpdateSpec) {
  return (ctx: Ctx) => {
    const u = ctx.fixtures.build(ctx as CaseContext<Rfc9019Fixtures, unknown>, spec);
    ctx.state.delivered.push(u);
    return u;
  };
}

/** The board runs the update delivered last, confirmed, with its manifest and sequence number stored. */
function runsLastDelivered(name = 'the board runs the new image, confirmed, and stores its sequence number') {
  return check<Rfc9019Fixtures, State>(name, (ctx) => {
    const u = ctx.state.delivered.at(-1);
    if (!u) return 'no update was delivered';
    return runsDelivered(ctx.observed.statuses.at(-1), u, ctx.board.capabilities);
  });
}

/**
 * An update that installs: the status before, the delivery (then `checks` on what it showed), a
 * reset, and the board found running the update, confirmed, with its manifest and sequence number.
 */
function installSteps(deliver: Step<Rfc9019Fixtures, State>, ...checks: Step<Rfc9019Fixtures, State>[]): Step<Rfc9019Fixtures, State>[] {
  return [readStatus('status before'), deliver, ...checks, reset('reset'), readStatus('status after reset'), runsLastDelivered()];
}

/** A refused update: the host predicts, the board refuses, the running image and manifest stay. */
function refused(id: string, title: string, spec: UpdateSpec, reasons: string[], tags: string[], extra: Need[] = []): SuiteCase<Rfc9019Fixtures, State> {
  return defineCase<Rfc9019Fixtures, State>({
    id,
    title,
    tags,
    needs: [...BOARD_DECIDES, 'app:healthy', ...extra],
    setup: fresh,
    steps: [readStatus('status before'), deliverUpdate('deliver update', update(spec)), imageUntouched()],
    expect: { decision: { reject: reasons }, boot: 'unchanged' },
  });
}

/** An accepted update, installed, booted and confirmed. */
function installs(id: string, title: string, spec: UpdateSpec, tags: string[], needs: Need[] = []): SuiteCase<Rfc9019Fixtures, State> {
  return defineCase<Rfc9019Fixtures, State>({
    id,
    title,
    tags,
    needs: [...needs, 'app:healthy'],
    setup: fresh,
    steps: installSteps(deliverUpdate('deliver update', update(spec))),
    expect: { decision: 'accept', boot: 'updated' },
  });
}

export function rfc9019Cases(o: { powerCutSamples: number }): SuiteCase<Rfc9019Fixtures>[] {
  const cases: SuiteCase<Rfc9019Fixtures, State>[] = [
    // Should I trust the author of the firmware?
    installs('trusted-author-accepted', 'trusted author, valid update (detached payload): installed, booted, confirmed', { app: 'next' }, ['trust', 'payload']),
    installs(
      'hss-lms-author-accepted',
      'update signed by the author with HSS-LMS (post-quantum, COSE -46), verified in the board: installed, booted, confirmed',
      { app: 'next', authorHss: true },
      ['trust'],
      BOARD_DECIDES,
    ),
    refused('untrusted-key-rejected', 'update signed with a key the board does not trust: refused (unauthorised), image untouched', { app: 'next', untrustedAuthor: true }, ['unauthorised'], ['trust']),
    refused(
      'operator-signature-required',
      "author's signature alone where the policy requires the operator's too: refused (unauthorised), image untouched",
      { app: 'next', withoutOperator: true },
      ['unauthorised'],
      ['trust'],
      ['role:operator'],
    ),
    // Has the firmware been corrupted?
    refused('corrupted-manifest-rejected', 'manifest altered after signing: refused (digest mismatch), image untouched', { app: 'next', corrupt: 'manifest' }, ['digest-mismatch'], ['integrity']),
    defineCase<Rfc9019Fixtures, State>({
      id: 'corrupted-image-rejected',
      title: 'payload with one byte altered: refused (image digest), the old image boots after a reset',
      tags: ['integrity'],
      needs: [...BOARD_DECIDES, 'app:healthy'],
      setup: fresh,
      steps: [readStatus('status before'), deliverUpdate('deliver update with a corrupted payload', update({ app: 'next', corrupt: 'image' })), reset('reset'), imageUntouched()],
      expect: { decision: { reject: ['image-match'] }, boot: 'unchanged' },
    }),
    // Does the firmware update apply to this device?
    refused('other-vendor-rejected', 'update for another vendor: refused (vendor id), image untouched', { app: 'next', vendor: 'other' }, ['vendor-identifier'], ['applicability']),
    refused('other-class-rejected', 'update for another device class: refused (class id), image untouched', { app: 'next', class: 'other' }, ['class-identifier'], ['applicability']),
    refused('other-device-rejected', 'update for another device: refused (device id), image untouched', { app: 'next', device: 'other' }, ['device-identifier'], ['applicability']),
    // Is the update older than the active firmware?
    defineCase<Rfc9019Fixtures, State & { old?: BuiltUpdate }>({
      id: 'rollback-replay-rejected',
      title: 'replay of an old valid manifest once a newer one is confirmed: refused (rollback), image untouched',
      tags: ['rollback'],
      needs: [...BOARD_DECIDES, 'app:healthy'],
      setup: fresh,
      steps: [
        readStatus('status before'),
        check('sign a manifest the board would take now (to replay later)', (ctx) => {
          ctx.state.old = ctx.fixtures.build(ctx as CaseContext<Rfc9019Fixtures, unknown>, { app: 'base', sequenceStep: 0n });
          return undefined;
        }),
        deliverUpdate('deliver a newer update', update({ app: 'next' })),
        reset('reset'),
        readStatus('status after the newer update'),
        runsLastDelivered('the newer update runs and raised the rollback floor'),
        deliverEnvelope('replay the old manifest', (ctx) => ctx.state.old!),
        imageUntouched('running image untouched by the replay', { since: 'last' }),
      ],
      expect: { decision: { reject: ['rollback'] }, boot: 'unchanged' },
    }),
    // When should the device apply the update?
    installs('wait-directive-honoured', 'install sequence with a wait directive (time reached): waits, installs, boots', { app: 'next', timing: 'wait' }, ['timing'], BOARD_DECIDES),
    refused('use-before-expired-rejected', 'manifest past its use-before time: refused, image untouched', { app: 'next', timing: 'use-before-expired' }, ['use-before'], ['timing']),
    // Where should the firmware be stored?
    installs('component-as-manifest-says', "manifest naming the image component ['app']: stored there, booted, the board reports this manifest", { app: 'next', component: [new TextEncoder().encode('app')] }, ['storage'], BOARD_DECIDES),
    installs(
      'encrypted-payload-accepted',
      'payload encrypted for the board (ECDH-ES + A128KW, A128GCM): decrypted while fetched, installed, booted, confirmed',
      { app: 'next', encrypted: true },
      ['payload', 'confidentiality'],
      BOARD_DECIDES,
    ),
    // Where should the update be obtained?
    defineCase<Rfc9019Fixtures, State>({
      id: 'integrated-payload-accepted',
      title: 'payload carried in the envelope: no fetch, installed, booted, confirmed',
      tags: ['payload'],
      needs: ['app:healthy'],
      setup: fresh,
      steps: installSteps(
        deliverUpdate('deliver envelope with integrated payload', update({ app: 'next', integrated: true })),
        check('the board fetched nothing', (ctx) => (ctx.observed.transfers.length > 0 ? `the board asked for ${ctx.observed.transfers.map((t) => t.uri).join(', ')}` : undefined)),
      ),
      expect: { decision: 'accept', boot: 'updated' },
    }),
    defineCase<Rfc9019Fixtures, State>({
      id: 'interrupted-transfer-resumed',
      title: 'link dropped mid-payload: the transfer resumes where the board stopped, then installs',
      tags: ['payload', 'recovery'],
      needs: ['suit', 'app:healthy'],
      setup: fresh,
      steps: installSteps(
        deliverUpdate('deliver update, link dropped at 40% of the payload', update({ app: 'next' }), { interruptAfterBytes: (ctx) => Math.floor(ctx.fixtures.options.appSize * 0.4) }),
        check('the second transfer resumed from the board\'s offset', (ctx) => {
          const [first, second] = ctx.observed.transfers;
          if (!first?.interrupted) return 'the first transfer was not interrupted';
          if (!second || second.interrupted) return 'no complete second transfer';
          if (second.resumedFrom <= 0) return `the second transfer started from 0 instead of resuming (the board held ${first.bytes} bytes)`;
          return undefined;
        }),
      ),
      expect: { decision: 'accept', boot: 'updated' },
    }),
    // Recovery from failed updates (RFC 9019 §3: the bootloader falls back to the previous image).
    powerCutCase(o.powerCutSamples) as SuiteCase<Rfc9019Fixtures, State>,
    defineCase<Rfc9019Fixtures, State>({
      id: 'never-confirms-reverted',
      title: 'test image that never confirms itself: runs once on test, reverted at the next reset',
      tags: ['recovery'],
      needs: ['app:never-confirms'],
      setup: fresh,
      steps: [
        readStatus('status before'),
        deliverUpdate('deliver update', update({ app: 'never-confirms' })),
        reset('reset'),
        readStatus('status on test'),
        check('the new image runs unconfirmed', (ctx) => (ctx.observed.boot === 'pending' ? undefined : `after the first reset the board reports ${ctx.observed.boot}, expected the new image on test (pending)`)),
        reset('second reset'),
        readStatus('status after the second reset'),
      ],
      expect: { decision: 'accept', boot: 'reverted' },
    }),
    defineCase<Rfc9019Fixtures, State>({
      id: 'crash-reverted',
      title: 'image that crashes at boot: the bootloader goes back to the previous image',
      tags: ['recovery'],
      needs: ['app:crashes'],
      setup: fresh,
      steps: [readStatus('status before'), deliverUpdate('deliver update', update({ app: 'crashes' })), reset('reset'), readStatus('status after reset')],
      expect: { decision: 'accept', boot: 'reverted' },
    }),
    defineCase<Rfc9019Fixtures, State>({
      id: 'confirmed-survives-reboots',
      title: 'valid update confirmed: still running, confirmed, after two more resets',
      tags: ['recovery'],
      needs: ['app:healthy'],
      setup: fresh,
      steps: [
        ...installSteps(deliverUpdate('deliver update', update({ app: 'next' }))),
        reset('second reset'),
        reset('third reset'),
        readStatus('status after three resets'),
        runsLastDelivered('the new image still runs, confirmed'),
      ],
      expect: { decision: 'accept', boot: 'updated' },
    }),
  ];
  // Every case offers the board an update: a board that takes none is not applicable to any, saying why.
  return cases.map((c) => ({ ...c, needs: ['update', ...(c.needs ?? [])] })) as SuiteCase<Rfc9019Fixtures>[];
}

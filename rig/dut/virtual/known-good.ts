/**
 * The known-good state of a virtual board: provisioned with the suite's trust anchors, roles
 * and identity (VirtualProvision), running the suite's known-good update, installed over SMP by
 * the operator's update flow (host/operator/update.ts) in this process, unpaced — or, for a
 * virtual lab board in users' tests, its lab `known-good:` image programmed as a factory would. Built once per
 * run and profile ("golden"), as a state directory and as a board snapshot, which every virtual
 * board of the run starts from and returns to after each case: N boards do not each pay the
 * install over a slow line.
 */
import { mkdirSync } from 'node:fs';
import { runUpdate } from '../../../host/operator/update.js';
import type { DeviceIdentity } from '../../../host/verifier/identity.js';
import { VirtualBoard, type BoardSnapshot } from '../../virtual/board/board.js';
import { policyIdentity } from '../../virtual/suit/trust.js';
import type { VirtualProvision } from '../types.js';

export interface GoldenState {
  /** The state directory (boards in their own process start from a copy). */
  dir: string;
  /** The same state in memory (in-process boards restore it in place). */
  snapshot: BoardSnapshot;
  /** The identity the board has there. */
  identity: DeviceIdentity;
  profile: string;
  /** What the board runs there (`running app 1.0.0, sequence 1`), for logs. */
  summary: string;
}

/** Installs the known-good update on the board behind `board` (which must run nothing newer). */
export async function installKnownGood(board: VirtualBoard, kg: NonNullable<VirtualProvision['knownGood']>): Promise<string> {
  const link = await board.connect({ pace: false });
  try {
    const out = await runUpdate(link.client, kg.envelope, { payloads: kg.payloads });
    if (out.result !== 'updated') throw new Error(`installing the known-good update on virtual board ${board.name} failed: ${out.result}: ${out.message}`);
    return `running ${board.state.kind === 'running' ? `image ${board.state.image.version}` : board.mode}, SUIT sequence ${board.firmware.running?.sequence ?? '?'}`;
  } finally {
    await link.close();
  }
}

/** Programs a known-good MCUboot image into the primary slot (VirtualBoard.program); the board must then run it. */
async function programKnownGood(board: VirtualBoard, image: NonNullable<VirtualProvision['knownGoodImage']>): Promise<string> {
  const st = await board.program(image.bytes);
  if (st.kind !== 'running') {
    const why = st.kind === 'recovery' ? `: ${st.message}` : '';
    throw new Error(`virtual board ${board.name} does not run its known-good image ${image.path} after programming it (${st.kind}${why}); is it signed by a key the board trusts (lab trust:), with a security counter (image create --security-counter)?`);
  }
  return `running known-good image ${st.image.version} (${image.path})`;
}

/** A state directory with the provisioned board running the known-good update (or image). */
export async function buildGoldenState(dir: string, profile: string, p: VirtualProvision | undefined): Promise<GoldenState> {
  mkdirSync(dir, { recursive: true });
  const board = await VirtualBoard.open({
    name: 'golden',
    profile,
    stateDir: dir,
    ...(p ? { trust: { anchors: p.trust, require: p.require, ...(p.decrypt ? { decrypt: p.decrypt } : {}) } } : {}),
    ...(p?.identity ? { identity: p.identity } : {}),
    flashScale: 0,
  });
  try {
    const summary = p?.knownGood
      ? await installKnownGood(board, p.knownGood)
      : p?.knownGoodImage
        ? await programKnownGood(board, p.knownGoodImage)
        : `no known-good update: ${board.mode}`;
    return { dir, snapshot: board.snapshot(), identity: policyIdentity(board.firmware.identity), profile: board.profile.name, summary };
  } finally {
    await board.close();
  }
}

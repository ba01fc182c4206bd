/**
 * What the rfc9019 suite makes once per run, seeded by the run seed (RFC 9019 §2 author role):
 * signing keys (author, operator, and one nobody trusts), application images for the virtual
 * board's application model (healthy, never-confirms, crashes; rig/virtual/app), the identity
 * virtual boards are provisioned with, and the builder of every update a case delivers:
 * envelopes from host/suit with the payload as the board needs it — the application image for
 * SUIT boards, an MCUboot image of it (host/mcuboot, signed by the author) for boards without
 * the SUIT group. Sequence numbers are relative to what the board stores, so the suite runs on
 * real boards whose rollback counter never goes back.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createSigner } from '../../../host/cose/signer.js';
import { coseKey, keyId, loadSigningKey, privateKeyPem, publicKeyPem, trustAnchorFor, type HssPrivateKey, type PrivateKey, type SigningKey } from '../../../host/keys/index.js';
import { createImage, parseVersion } from '../../../host/mcuboot/index.js';
import { readBoundedFile } from '../../../host/util/bounded-read.js';
import { buildEnvelope } from '../../../host/suit/envelope/build.js';
import { parseEnvelope } from '../../../host/suit/envelope/parse.js';
import { addSignature } from '../../../host/suit/envelope/sign.js';
import type { ManifestPlan } from '../../../host/suit/description/plan.js';
import { toHex } from '../../../host/util/hex.js';
import { kib } from '../../../host/util/units.js';
import { formatUuid, NAMESPACE_DNS, uuid5 } from '../../../host/util/uuid.js';
import type { DeviceIdentity } from '../../../host/verifier/identity.js';
import { mcubootImageHash } from '../../../host/operator/host-verified.js';
import type { VirtualProvision } from '../../dut/types.js';
import { buildAppImage, parseAppVersion, type Behaviour } from '../../virtual/app/app-image.js';
import { APP_URI, appUpdatePlan } from '../app-update.js';
import { policyIdentity, type BoardIdentity } from '../../virtual/suit/trust.js';
import type { BoardInfo, CaseContext, SuiteContext } from '../api.js';
import type { UpdateBundle } from '../steps.js';
import { NotApplicable } from '../steps.js';
import { seededDecryptionKey, seededEs256Key, seededHssKey, seededRandom } from './keys.js';
import { withTiming, type TimingKind } from './timing.js';

export interface Rfc9019Options {
  /** Size of every application image (the demo uses 48 KiB: 12 sectors of an nRF52840). */
  appSize?: number;
  /** Cut points sampled by the power-cut case. */
  powerCutSamples?: number;
}

export const DEFAULT_APP_SIZE = 48 * 1024;
export const DEFAULT_POWER_CUT_SAMPLES = 4;

export type KeyRole = 'author' | 'operator' | 'untrusted';
export type AppRole = 'base' | 'next' | 'never-confirms' | 'crashes';

/** The lab `apps:` role a real board's image of each suite role comes from. */
export const LAB_APP_ROLE: Record<AppRole, string> = { base: 'healthy', next: 'healthy', 'never-confirms': 'never-confirms', crashes: 'crashes' };

export interface Rfc9019Fixtures {
  options: Required<Rfc9019Options>;
  keys: Record<KeyRole, PrivateKey>;
  /** A second author key, HSS-LMS (post-quantum; RFC 9019 §7, draft-ietf-suit-mti), that virtual boards trust too. */
  hssAuthor: HssPrivateKey;
  /** The virtual boards' payload decryption key (P-256) and what the author encrypts for. */
  boardKey: ReturnType<typeof seededDecryptionKey>;
  apps: Record<AppRole, { bytes: Uint8Array; version: string; behaviour: Behaviour }>;
  /** Identity of the suite's virtual boards. */
  identity: BoardIdentity;
  /** Identifiers no board of the run has: for the applicability cases. */
  other: BoardIdentity;
  knownGood: UpdateBundle;
  /** Where the run's artifacts were written (keys, images, the known-good envelope). */
  workDir: string;
  /** An update for the board of a case, its sequence number relative to what the board stores. */
  build(ctx: CaseContext<Rfc9019Fixtures, unknown>, spec: UpdateSpec): BuiltUpdate;
  /** An update for a board whose stored sequence number is `stored`. */
  update(board: BoardInfo, stored: bigint, spec: UpdateSpec): BuiltUpdate;
}

/** An update as built for one board: what goes over the link, and the sequence number it carries. */
export interface BuiltUpdate extends UpdateBundle {
  sequence: bigint;
  /** For boards without the SUIT group: the SHA256 TLV (hex) of the MCUboot image delivered, as the image group names it. */
  imageHash?: string;
}

export interface UpdateSpec {
  app: AppRole;
  /** Added to the board's stored sequence number (default 1: the next update). */
  sequenceStep?: bigint;
  /** The author's signature made with a key nobody trusts. */
  untrustedAuthor?: boolean;
  /** Leave out the operator's signature even where the board's policy requires it. */
  withoutOperator?: boolean;
  /** The author signs with the run's HSS-LMS key instead of its ES256 key. */
  authorHss?: boolean;
  /** The payload encrypted for the board (draft-ietf-suit-firmware-encryption: ECDH-ES + A128KW, A128GCM). */
  encrypted?: boolean;
  /** Identifiers the manifest is for: the board's own, or another one. */
  vendor?: 'other';
  class?: 'other';
  device?: 'own' | 'other';
  /** Component the manifest installs (default [h'00'], the board's application image). */
  component?: Uint8Array[];
  integrated?: boolean;
  corrupt?: 'manifest' | 'image';
  timing?: TimingKind;
}

/** Seeded bytes, for the device id. */
function seededBytes(ctx: SuiteContext, n: number): Uint8Array {
  return Uint8Array.from({ length: n }, () => ctx.rng.below(256));
}

/** What the host knows the board trusts and is: the suite's own for virtual boards, the lab's for real ones. */
function boardIdentity(board: BoardInfo): DeviceIdentity {
  return board.provision?.identity ?? {};
}

/** The sequence number the board stores now (its rollback floor), from the case's latest status read. */
export function storedSequence(ctx: CaseContext<unknown, unknown>): bigint {
  const s = ctx.observed.statuses.at(-1);
  return s?.trust?.sequence ?? s?.suit?.sequence ?? 1n;
}

export async function prepareFixtures(ctx: SuiteContext, o: Rfc9019Options): Promise<Rfc9019Fixtures> {
  const options = { appSize: o.appSize ?? DEFAULT_APP_SIZE, powerCutSamples: o.powerCutSamples ?? DEFAULT_POWER_CUT_SAMPLES };
  const keys: Record<KeyRole, PrivateKey> = {
    author: seededEs256Key(ctx.seed, 'author'),
    operator: seededEs256Key(ctx.seed, 'operator'),
    untrusted: seededEs256Key(ctx.seed, 'untrusted'),
  };
  const app = (version: string, behaviour: Behaviour) => ({ bytes: buildAppImage({ behaviour, version: parseAppVersion(version), size: options.appSize }), version, behaviour });
  const hssAuthor = seededHssKey(ctx.seed, 'author-hss');
  const boardKey = seededDecryptionKey(ctx.seed, 'board-decryption');
  const encryptionRandom = seededRandom(ctx.seed, 'payload-encryption');
  const apps: Rfc9019Fixtures['apps'] = {
    base: app('1.0.0', 'healthy'),
    next: app('1.1.0', 'healthy'),
    'never-confirms': app('1.1.0', 'never-confirms'),
    crashes: app('1.1.1', 'crashes'),
  };
  const vendorId = uuid5(NAMESPACE_DNS, 'suitrig.example');
  const identity = { vendorId, classId: uuid5(vendorId, 'virtual-board'), deviceId: uuid5(vendorId, `device-${toHex(seededBytes(ctx, 8))}`) };
  const otherVendor = uuid5(NAMESPACE_DNS, 'another-vendor.example');
  const other = { vendorId: otherVendor, classId: uuid5(vendorId, 'another-class'), deviceId: uuid5(vendorId, 'another-device') };

  const mcubootCache = new Map<string, Uint8Array>();
  const labFiles = new Map<string, Uint8Array>();
  const payloadFor = (board: BoardInfo, role: AppRole, sequence: bigint): Uint8Array => {
    if (board.target.kind !== 'virtual') {
      // A real board runs real application images: the lab's (for image-group boards, MCUboot images signed for it).
      const labRole = LAB_APP_ROLE[role];
      const file = board.lab?.apps[labRole];
      if (!file) throw new NotApplicable(`the lab gives board ${board.name} no '${labRole}' application image (apps: ${labRole}: <file>)`);
      let bytes = labFiles.get(file);
      if (!bytes) labFiles.set(file, (bytes = readBoundedFile(file, 'image')));
      return bytes;
    }
    const a = apps[role];
    if (board.capabilities.suit) return a.bytes;
    // A stock MCUboot board installs MCUboot images: its bootloader checks the author's signature,
    // and its hardware rollback counter (SEC_CNT) carries the manifest's sequence number.
    const k = `${role}/${sequence}`;
    let img = mcubootCache.get(k);
    if (!img) {
      const counter = Number(sequence % 0x1_0000_0000n);
      img = createImage(a.bytes, { key: keys.author, version: parseVersion(`${a.version}+${counter}`), securityCounter: counter });
      mcubootCache.set(k, img);
    }
    return img;
  };

  /** The envelope, and the encrypted payload the board fetches when the spec encrypts it. */
  const envelopeOf = (plan: ManifestPlan, signers: readonly SigningKey[], spec: Pick<UpdateSpec, 'timing' | 'corrupt' | 'encrypted'>): { bytes: Uint8Array; ciphertext?: Uint8Array } => {
    const built = buildEnvelope(plan, spec.encrypted ? { encryptFor: [boardKey.recipient], random: encryptionRandom } : {});
    return { bytes: envelope(built.envelope, signers, spec), ...(spec.encrypted ? { ciphertext: built.encrypted[0]!.ciphertext } : {}) };
  };

  const envelope = (unsigned: Uint8Array, signers: readonly SigningKey[], spec: Pick<UpdateSpec, 'timing' | 'corrupt'>): Uint8Array => {
    let bytes = unsigned;
    if (spec.timing) bytes = withTiming(bytes, spec.timing, Math.floor(Date.now() / 1000));
    for (const k of signers) bytes = addSignature(bytes, createSigner(k));
    if (spec.corrupt === 'manifest') {
      const m = parseEnvelope(bytes).manifest.content;
      const at = m.byteOffset - bytes.byteOffset + Math.floor(m.length / 2);
      bytes = new Uint8Array(bytes);
      bytes[at]! ^= 0x01;
    }
    return bytes;
  };

  const plan = (sequence: bigint, payload: Uint8Array, id: DeviceIdentity, spec: UpdateSpec, carried: Uint8Array): ManifestPlan =>
    appUpdatePlan({
      sequence,
      payload,
      carried,
      vendor: spec.vendor === 'other' ? other.vendorId : id.vendorIds?.[0],
      class: spec.class === 'other' ? other.classId : id.classIds?.[0],
      device: spec.device === 'other' ? other.deviceId : spec.device === 'own' ? id.deviceIds?.[0] : undefined,
      ...(spec.component ? { componentId: spec.component } : {}),
      ...(spec.integrated !== undefined ? { integrated: spec.integrated } : {}),
    });

  const signersFor = (board: BoardInfo, spec: UpdateSpec): SigningKey[] => {
    const requiresOperator = board.provision?.require.includes('operator') ?? false;
    const names: KeyRole[] = [spec.untrustedAuthor ? 'untrusted' : 'author', ...(requiresOperator && !spec.withoutOperator ? (['operator'] as const) : [])];
    if (spec.authorHss) {
      if (board.target.kind !== 'virtual') throw new NotApplicable(`board ${board.name} is not provisioned with the suite's HSS-LMS author key (only the suite's virtual boards are)`);
      return names.map((n) => (n === 'author' ? hssAuthor : keys[n]));
    }
    // Virtual boards trust the run's keys; a real board trusts the keys its lab entry names (keys:).
    if (board.target.kind === 'virtual' || !board.lab) return names.map((n) => keys[n]);
    return names.map((n) => {
      if (n === 'untrusted') return keys.untrusted;
      const file = board.lab!.keys[n];
      if (!file) throw new NotApplicable(`the lab gives board ${board.name} no '${n}' signing key to sign updates with (keys: ${n}: <private key file>)`);
      return loadSigningKey(file);
    });
  };

  const fixtures: Rfc9019Fixtures = {
    options,
    keys,
    hssAuthor,
    boardKey,
    apps,
    identity,
    other,
    workDir: ctx.workDir,
    knownGood: { envelope: new Uint8Array(0), payloads: {} },
    build(c, spec) {
      return fixtures.update(c.board, storedSequence(c), spec);
    },
    update(board, stored, spec) {
      const id = boardIdentity(board);
      if (spec.device === 'own' && !id.deviceIds?.[0]) throw new NotApplicable('the host does not know the device id of this board (lab identity: device-id)');
      if ((spec.vendor || spec.class) && !(id.vendorIds?.[0] && id.classIds?.[0])) throw new NotApplicable('the host does not know the vendor and class ids of this board (lab identity:)');
      const sequence = stored + (spec.sequenceStep ?? 1n);
      const payload = payloadFor(board, spec.app, sequence);
      // The manifest states the digest of the image as built; a corrupted image differs in one byte.
      const delivered = spec.corrupt === 'image' ? payload.map((b, i) => (i === payload.length >> 1 ? b ^ 0x01 : b)) : payload;
      if (spec.encrypted && board.target.kind !== 'virtual') throw new NotApplicable(`board ${board.name} is not provisioned with the suite's payload decryption key (only the suite's virtual boards are)`);
      const env = envelopeOf(plan(sequence, payload, id, spec, spec.integrated ? delivered : payload), signersFor(board, spec), spec);
      const payloads: Record<string, Uint8Array> = spec.integrated ? {} : { [APP_URI]: env.ciphertext ?? delivered };
      return { envelope: env.bytes, payloads, sequence, ...(board.capabilities.suit ? {} : { imageHash: toHex(mcubootImageHash(payload)) }) };
    },
  };

  // The known-good update every virtual board runs before the first case: app 1.0.0, sequence 1.
  const kgPlan = plan(1n, apps.base.bytes, policyIdentity(identity), { app: 'base' }, apps.base.bytes);
  fixtures.knownGood = { envelope: envelopeOf(kgPlan, [keys.author, keys.operator], {}).bytes, payloads: { [APP_URI]: apps.base.bytes } };
  writeArtifacts(fixtures, join(ctx.workDir, 'artifacts'));
  ctx.log(`rfc9019: keys author/operator/untrusted es256 (key ids ${(['author', 'operator'] as const).map((r) => toHex(keyId(keys[r].publicKey))).join(', ')}), ` +
    `apps ${Object.values(apps).map((a) => `${a.version} ${a.behaviour}`).join(', ')} of ${kib(options.appSize, 0)}, device ${formatUuid(identity.deviceId)}`);
  return fixtures;
}

/** What the suite's virtual boards trust: the author and the operator, both required (RFC 9019 §7 roles). */
export function provisionOf(f: Rfc9019Fixtures): VirtualProvision {
  return {
    trust: [
      trustAnchorFor(f.keys.author, 'author', 'suite author key'),
      trustAnchorFor(f.hssAuthor, 'author', 'suite HSS-LMS author key'),
      trustAnchorFor(f.keys.operator, 'operator', 'suite operator key'),
    ],
    require: ['author', 'operator'],
    decrypt: [f.boardKey.key],
    identity: policyIdentity(f.identity),
    knownGood: { envelope: f.knownGood.envelope, payloads: new Map(Object.entries(f.knownGood.payloads)) },
  };
}

/**
 * The run's keys (`keys/<role>.pem`, 0600, and `.pub.pem`; the HSS-LMS author's public key as
 * `keys/author-hss.pub.cose`, its state living only in the run), application images
 * (`images/app-<version>-<behaviour>.bin`), the known-good envelope and the board identity,
 * under `dir`: what an author would keep, for people who want to look or replay by hand.
 */
export function writeArtifacts(f: Rfc9019Fixtures, dir: string): void {
  mkdirSync(join(dir, 'keys'), { recursive: true });
  mkdirSync(join(dir, 'images'), { recursive: true });
  for (const [role, k] of Object.entries(f.keys)) {
    writeFileSync(join(dir, 'keys', `${role}.pem`), privateKeyPem(k), { mode: 0o600 });
    writeFileSync(join(dir, 'keys', `${role}.pub.pem`), publicKeyPem(k.publicKey));
  }
  writeFileSync(join(dir, 'keys', 'author-hss.pub.cose'), coseKey(f.hssAuthor.publicKey));
  for (const a of Object.values(f.apps)) writeFileSync(join(dir, 'images', appFileName(a)), a.bytes);
  writeFileSync(join(dir, 'known-good.suit'), f.knownGood.envelope);
  writeFileSync(join(dir, 'identity.json'), JSON.stringify({ 'vendor-id': formatUuid(f.identity.vendorId), 'class-id': formatUuid(f.identity.classId), 'device-id': formatUuid(f.identity.deviceId) }) + '\n');
}

export function appFileName(a: { version: string; behaviour: Behaviour }): string {
  return `app-${a.version}-${a.behaviour}.bin`;
}

/**
 * Timing directives for the "When should the device apply the update?" row of RFC 9019 Table 1,
 * which the author tooling's templates do not write (draft-ietf-suit-update-management §5):
 * - `wait`: the install sequence waits (suit-directive-wait 29 on suit-parameter-wait-info 29,
 *   bstr .cbor SUIT_Wait_Event; here event 5 "time": not before now) before it fetches;
 * - `use-before-expired`: the shared sequence checks suit-condition-use-before 4 against
 *   suit-parameter-use-before 4 set an hour in the past, so no device may apply it any more.
 * The commands are added to an unsigned envelope built by host/suit; the caller signs after.
 */
import { bstrWrapped, encodeCbor, Tag, type CborValue } from '../../../host/suit/cbor/encode.js';
import { decodeCbor } from '../../../host/suit/cbor/decode.js';
import { digestValue, sha256Digest } from '../../../host/suit/digest.js';
import { parseEnvelope } from '../../../host/suit/envelope/parse.js';
import { COMMAND, COMMON, ENVELOPE, MANIFEST, PARAMETER, POLICY_CONDITION, POLICY_DIRECTIVE, TAG } from '../../../host/suit/labels.js';

export type TimingKind = 'wait' | 'use-before-expired';

/** SUIT_Wait_Event key of an absolute time (seconds since the epoch). */
const WAIT_EVENT_TIME = 5;

function sequence(bytes: Uint8Array, what: string): CborValue[] {
  const v = decodeCbor(bytes, what);
  if (!Array.isArray(v)) throw new Error(`${what} is not a command sequence`);
  return v as CborValue[];
}

function asMap(v: unknown, what: string): Map<CborValue, CborValue> {
  if (!(v instanceof Map)) throw new Error(`${what} is not a map`);
  return v as Map<CborValue, CborValue>;
}

/** The unsigned envelope with the timing commands added (`nowSeconds`: the host's clock). */
export function withTiming(unsigned: Uint8Array, kind: TimingKind, nowSeconds: number): Uint8Array {
  const env = parseEnvelope(unsigned);
  const manifest = asMap(decodeCbor(env.manifest.content, 'manifest'), 'manifest');
  if (kind === 'wait') {
    const install = manifest.get(MANIFEST.ids.install);
    if (!(install instanceof Uint8Array)) throw new Error('the manifest has no inline install sequence to add a wait to');
    const wait: CborValue[] = [
      COMMAND.ids['directive-override-parameters'],
      new Map<CborValue, CborValue>([[PARAMETER.ids['wait-info'], encodeCbor(new Map<CborValue, CborValue>([[WAIT_EVENT_TIME, nowSeconds]]))]]),
      COMMAND.ids['directive-wait'],
      POLICY_DIRECTIVE,
    ];
    manifest.set(MANIFEST.ids.install, encodeCbor([...wait, ...sequence(install, 'install sequence')]));
  } else {
    const commonBytes = manifest.get(MANIFEST.ids.common);
    if (!(commonBytes instanceof Uint8Array)) throw new Error('the manifest has no common member');
    const common = asMap(decodeCbor(commonBytes, 'common'), 'common');
    const shared = common.get(COMMON.ids['shared-sequence']);
    if (!(shared instanceof Uint8Array)) throw new Error('the manifest has no shared sequence to add use-before to');
    const check: CborValue[] = [
      COMMAND.ids['directive-override-parameters'],
      new Map<CborValue, CborValue>([[PARAMETER.ids['use-before'], nowSeconds - 3600]]),
      COMMAND.ids['condition-use-before'],
      POLICY_CONDITION,
    ];
    common.set(COMMON.ids['shared-sequence'], encodeCbor([...check, ...sequence(shared, 'shared sequence')]));
    manifest.set(MANIFEST.ids.common, encodeCbor(common));
  }
  const manifestBytes = encodeCbor(manifest);
  const out = new Map<CborValue, CborValue>([
    [ENVELOPE.ids['authentication-wrapper'], encodeCbor([encodeCbor(digestValue(sha256Digest(bstrWrapped(manifestBytes))))])],
    [ENVELOPE.ids.manifest, manifestBytes],
  ]);
  for (const m of env.members) {
    if (m.key !== ENVELOPE.ids['authentication-wrapper'] && m.key !== ENVELOPE.ids.manifest && m.key !== undefined) out.set(m.key, decodeCbor(m.raw, 'envelope member') as CborValue);
  }
  return encodeCbor(new Tag(out, TAG.envelope));
}

/**
 * The core's export ABI used directly (assembly/index.ts): policy state does not leak between
 * calls, exports called out of order answer with a result code instead of trapping, and the
 * windows have the documented sizes.
 */
import { describe, expect, it } from 'vitest';
import { VerifierCore, detailName } from '../../host/verifier/index.js';
import { feedEnvelope } from '../../host/verifier/feed.js';
import { applyPolicy } from '../../host/verifier/policy.js';
import { allVectors, IETF_KEY } from '../vectors/corpus.js';

const ex0 = allVectors().find((v) => v.name === 'rfc/example0-secure-boot')!.bytes;

describe.each(['release', 'checked'] as const)('core ABI (%s)', (variant) => {
  it('reports ABI 2, a 64 KiB IO window and 256 KiB of memory', () => {
    const core = new VerifierCore(variant);
    expect(core.exports.abi_version()).toBe(2);
    expect(core.exports.io_size()).toBe(65536);
    expect(core.exports.memory.buffer.byteLength).toBe(262144);
  });

  it('anchors of an earlier policy are gone after policy_reset', () => {
    const core = new VerifierCore(variant);
    const e = core.exports;
    const asked: number[] = [];
    core.host = { ...core.host, verify: (anchor) => (asked.push(anchor), anchor === 2) };
    e.policy_reset();
    for (let i = 0; i < 3; i++) expect(e.policy_anchor(i, 1, 1, 0)).toBe(0);
    feedEnvelope(core, ex0);
    expect(e.envelope_verify()).toBe(0); // anchor 2 "verifies"
    e.policy_reset();
    expect(e.policy_anchor(0, 1, 1, 0)).toBe(0);
    asked.length = 0;
    feedEnvelope(core, ex0);
    expect(e.envelope_verify()).toBe(4); // unauthorised: only anchor 0 exists now
    expect(asked).toEqual([0]);
  });

  it('exports called out of order return call-order instead of trapping', () => {
    const core = new VerifierCore(variant);
    const e = core.exports;
    expect(e.envelope_feed(10)).toBe(100);
    expect(e.envelope_end()).toBe(100);
    expect(e.envelope_verify()).toBe(11);
    expect(detailName(e.result_detail())).toBe('call-order');
    e.run_begin(0, 0);
    expect(detailName(e.result_detail())).toBe('call-order');
    expect(e.fetch_data(5)).toBe(0);
    expect(e.fetch_end()).toBe(0);
    expect(e.fetch_fail()).toBe(0);
    expect(detailName(e.result_detail())).toBe('call-order');
  });

  it('a new envelope forgets the previous one: no manifest, signatures or run survive a failed scan', () => {
    const core = new VerifierCore(variant);
    const e = core.exports;
    applyPolicy(core, { trust: [IETF_KEY] });
    feedEnvelope(core, ex0);
    expect(e.envelope_verify()).toBe(0);
    expect([e.manifest_authenticated(), e.block_count()]).toEqual([1, 1]);
    expect(feedEnvelope(core, ex0.subarray(0, ex0.length - 10))).not.toBe(0);
    expect(e.envelope_verify()).toBe(1); // cbor-parse
    expect([e.manifest_authenticated(), e.block_count()]).toEqual([0, 0]);
    // Half of a new envelope fed after an accepted one: the old verdict no longer allows a run.
    feedEnvelope(core, ex0);
    expect(e.envelope_verify()).toBe(0);
    e.envelope_begin(BigInt(ex0.length));
    core.io.set(ex0.subarray(0, 20));
    expect(e.envelope_feed(20)).toBe(0);
    new DataView(core.io.buffer, core.io.byteOffset).setInt32(0, 3, true);
    expect(e.run_begin(1, 1)).toBe(0);
    expect(detailName(e.result_detail())).toBe('call-order');
    expect(e.manifest_authenticated()).toBe(0);
  });

  it('refuses bad policy input', () => {
    const e = new VerifierCore(variant).exports;
    expect(e.policy_anchor(16, 1, 1, 0)).toBe(-1);
    expect(e.policy_anchor(0, 1, 5, 0)).toBe(-1);
    expect(e.policy_anchor(0, 1, 4, 0)).toBe(0); // HSS-LMS
    expect(e.policy_anchor_key(16, 60)).toBe(-1);
    expect(e.policy_anchor_key(0, 61)).toBe(-1);
    expect(e.policy_anchor_key(0, 60)).toBe(0);
    expect(e.policy_anchor(0, 1, 1, 21)).toBe(-1);
    expect(e.policy_identity(3, 1)).toBe(-1);
    expect(e.policy_identity(0, 5)).toBe(-1);
  });
});

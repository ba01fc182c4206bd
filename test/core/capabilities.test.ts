/**
 * The capability report a board gives (host/verifier/capabilities.ts, draft-ietf-suit-report §5)
 * is true of the verifier core: every command and parameter it lists is one the core takes in a
 * manifest, and every SUIT code up to 40 it leaves out is refused by the core.
 */
import { describe, expect, it } from 'vitest';
import { ENCRYPTION_ALGORITHMS } from '../../host/suit/inspect/encryption.js';
import { ALGORITHM_CAPABILITIES, COMMAND_CAPABILITIES, ENCRYPTION_ALGORITHM_CAPABILITIES, COSE_ALGORITHMS, MemoryPlatform, PARAMETER_CAPABILITIES, SuitProcessor, verifyEnvelope } from '../../host/verifier/index.js';
import { IETF_KEY } from '../vectors/corpus.js';
import { cbor } from './envelope-builder.js';
import { makeEnvelope, params, seq } from './manifests.js';

/** An argument of the right form for command `code` (manifest-37 §8.4.10 and the extensions). */
function argFor(code: number): unknown {
  switch (code) {
    case 12: return 0;
    case 15: return [seq(14, 15), seq()];
    case 19: case 20: return params({ 21: 'x' });
    case 32: return seq(14, 15);
    case 34: return new Map([[0, params({ 21: 'x' })]]);
    case 35: return new Map([[0, [21]]]);
    default: return 15;
  }
}

/** A value of the right type for parameter `key`. */
function valueFor(key: number): unknown {
  switch (key) {
    case 1: case 2: case 24: return Buffer.alloc(16, 1);
    case 3: return cbor([-16, Buffer.alloc(32)]);
    case 12: case 13: return true;
    case 18: case 19: case 23: case 25: return Buffer.from('x');
    case 21: return 'http://x';
    case 27: return -1;
    case 28: return cbor([1, [1]]);
    case 29: case 30: return cbor(new Map());
    default: return 1;
  }
}

const detail = (install: unknown[]) => verifyEnvelope(makeEnvelope({ components: [[new Uint8Array([0])]], sections: { 20: install } }), { trust: [IETF_KEY] }).detail;

describe('the capability report is true of the core', () => {
  it('every listed command is taken; every other code up to 40 is unknown-command', () => {
    for (let code = 0; code <= 40; code++) {
      const d = detail([code, argFor(code)]);
      if ((COMMAND_CAPABILITIES as readonly number[]).includes(code)) expect(d, `command ${code}`).not.toBe('unknown-command');
      else expect(d, `command ${code}`).toBe('unknown-command');
    }
  });

  it('every listed parameter is taken; every other key up to 40 is unknown-parameter; encryption-info is processed', () => {
    for (let key = 1; key <= 40; key++) {
      const d = detail([20, params({ [key]: valueFor(key) })]);
      if ((PARAMETER_CAPABILITIES as readonly number[]).includes(key)) expect(d, `parameter ${key}`).toBe('none');
      else expect(d, `parameter ${key}`).toBe('unknown-parameter');
    }
    const env = makeEnvelope({ components: [[new Uint8Array([0])]], sections: { 20: [20, params({ 18: Buffer.from('x'), 19: Buffer.from('x') }), 18, 15] } });
    const r = new SuitProcessor(new MemoryPlatform(), { variant: 'checked' }).run(env, { trust: [IETF_KEY], sequences: ['install'] });
    // Processed: 'x' is no COSE_Encrypt, so the write is refused for it (not as unsupported).
    expect(r).toMatchObject({ reason: 'cose-unsupported', detail: 'encryption-info' });
  });

  it('the algorithms are SHA-256, the signature / MAC algorithms the verify import checks, and the encryption ones inspect names', () => {
    expect(ALGORITHM_CAPABILITIES[0]).toBe(-16);
    const encryption = new Set<number>(ENCRYPTION_ALGORITHM_CAPABILITIES);
    for (const a of ALGORITHM_CAPABILITIES.slice(1)) {
      if (!encryption.has(a)) expect(COSE_ALGORITHMS[a], `alg ${a}`).toBeDefined();
    }
    expect([...encryption].sort((x, y) => x - y)).toEqual(Object.keys(ENCRYPTION_ALGORITHMS).map(Number).sort((x, y) => x - y));
  });
});

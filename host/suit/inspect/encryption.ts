/**
 * What `inspect` says about a suit-parameter-encryption-info (draft-ietf-suit-firmware-encryption
 * §4-6): the COSE_Encrypt's content encryption algorithm and IV, and for each recipient its key
 * distribution (AES-KW, or ECDH-ES + AES-KW with the sender's ephemeral P-256 key) and kid.
 */
import { decodeCbor, Tag } from '../cbor/decode.js';
import { toHex } from '../../util/hex.js';
import { segmentText } from './values.js';

/** The encryption algorithms the core decrypts with (assembly/decrypt.ts), by COSE number. */
export const ENCRYPTION_ALGORITHMS: Readonly<Record<number, string>> = {
  1: 'A128GCM', 2: 'A192GCM', 3: 'A256GCM',
  [-65534]: 'A128CTR', [-65533]: 'A192CTR', [-65532]: 'A256CTR',
  [-3]: 'A128KW', [-4]: 'A192KW', [-5]: 'A256KW',
  [-29]: 'ECDH-ES + A128KW', [-30]: 'ECDH-ES + A192KW', [-31]: 'ECDH-ES + A256KW',
};

export interface RecipientSummary {
  algorithm: string;
  kid?: string;
  /** The sender's ephemeral key, for ECDH-ES. */
  ephemeralKey?: string;
}

export interface EncryptionSummary {
  content: string;
  iv?: string;
  recipients: RecipientSummary[];
}

function algorithmText(v: unknown): string {
  return typeof v === 'number' ? `${ENCRYPTION_ALGORITHMS[v] ?? 'unknown'} (${v})` : 'none';
}

/** The protected bucket (bstr-wrapped map) and the unprotected map, merged. */
function headers(prot: unknown, unprot: unknown): Map<unknown, unknown> {
  const out = new Map<unknown, unknown>();
  if (prot instanceof Uint8Array && prot.length > 0) {
    const p = decodeCbor(prot, 'protected header');
    if (p instanceof Map) for (const [k, v] of p) out.set(k, v);
  }
  if (unprot instanceof Map) for (const [k, v] of unprot) out.set(k, v);
  return out;
}

/** The summary of an encoded SUIT_Encryption_Info, or undefined when it is no COSE_Encrypt. */
export function encryptionSummary(encoded: Uint8Array): EncryptionSummary | undefined {
  try {
    const v = decodeCbor(encoded, 'encryption-info');
    if (!(v instanceof Tag) || v.tag !== 96 || !Array.isArray(v.value) || v.value.length !== 4 || !Array.isArray(v.value[3])) return undefined;
    const body = headers(v.value[0], v.value[1]);
    const iv = body.get(5);
    return {
      content: algorithmText(body.get(1)),
      ...(iv instanceof Uint8Array ? { iv: toHex(iv) } : {}),
      recipients: (v.value[3] as unknown[]).map((r): RecipientSummary => {
        const [prot, unprot] = Array.isArray(r) ? r : [];
        const h = headers(prot, unprot);
        const kid = h.get(4);
        const epk = h.get(-1);
        const x = epk instanceof Map ? epk.get(-2) : undefined;
        return {
          algorithm: algorithmText(h.get(1)),
          ...(kid instanceof Uint8Array ? { kid: segmentText(kid) } : {}),
          ...(x instanceof Uint8Array ? { ephemeralKey: `P-256 x ${toHex(x).slice(0, 16)}...` } : {}),
        };
      }),
    };
  } catch {
    return undefined;
  }
}

/** One line: "A128GCM (1), IV ..., for A128KW (-3) kid kid-1; ECDH-ES + A128KW (-29) ...". */
export function encryptionText(s: EncryptionSummary): string {
  const rs = s.recipients.map((r) => `${r.algorithm}${r.kid ? ` kid ${r.kid}` : ''}${r.ephemeralKey ? ` (ephemeral ${r.ephemeralKey})` : ''}`);
  return `${s.content}${s.iv ? `, IV ${s.iv}` : ''}, for ${rs.join('; ')}`;
}

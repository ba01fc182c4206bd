/**
 * `suitrig delegate --key <issuer key> --subject <public key> [--expires T] [--not-before T]
 * --out <link.cwt>`: one link of a suit-delegation chain (draft-ietf-suit-trust-domains; RFC 8392
 * CWT with the cnf claim of RFC 8747): the issuer — a trust anchor, or the subject of the previous
 * link — vouches for the subject's key, which may then sign manifests with the anchor's role.
 * `suitrig sign <envelope> --key <subject key> --delegation <first.cwt>,<next.cwt>...` puts the
 * chain into the envelope. Exit 0 written, 2 bad input.
 */
import { resolve } from 'node:path';
import { delegationCwt } from '../../../host/cose/index.js';
import { KeyError, keyId, parseTrustArg, type PublicKey } from '../../../host/keys/index.js';
import { toHex } from '../../../host/util/hex.js';
import { EXIT_OK, EnvironmentError, UsageError, optFlag, optString, printJson, requireString, type Command } from '../command.js';
import { writeOutputFile } from '../files.js';
import { SIGNER_OPTIONS, signerFromArgs } from '../key-options.js';

/** Seconds since the epoch, given as such or as an ISO 8601 date-time. */
function timeOption(v: string | undefined, option: string): bigint | undefined {
  if (v === undefined) return undefined;
  if (/^[0-9]{1,12}$/.test(v)) return BigInt(v);
  const ms = Date.parse(v);
  if (!/^\d{4}-\d{2}-\d{2}/.test(v) || Number.isNaN(ms)) throw new UsageError(`--${option} ${v}: expected seconds since 1970 or an ISO 8601 date-time (2027-01-31T00:00:00Z)`);
  return BigInt(Math.floor(ms / 1000));
}

export const delegateCommand: Command = {
  path: ['delegate'],
  summary: 'make one link of a delegation chain: a CWT by which a key vouches for another',
  usage: '--key <issuer key> --subject <public key> [--expires T] [--not-before T] --out <link.cwt>',
  details: [
    'Writes a CWT (COSE_Sign1 with attached claims) signed by --key whose cnf claim holds the',
    "--subject key (PEM or COSE_Key): a device trusting the issuer's key then takes the subject's",
    'signature on a manifest, with the issuer\'s role, when the envelope carries the chain',
    '(`suitrig sign --delegation`). --expires / --not-before bound it in time (exp, nbf: enforced',
    'by devices with a clock). Chains start at a trust anchor; each next link is signed by the',
    'subject of the one before.',
  ].join('\n'),
  options: {
    ...SIGNER_OPTIONS,
    subject: { type: 'string', value: '<public key>', description: 'the key vouched for: SPKI PEM or COSE_Key (P-256 or Ed25519)' },
    expires: { type: 'string', value: '<time>', description: 'not valid from then on: seconds since 1970 or ISO 8601' },
    'not-before': { type: 'string', value: '<time>', description: 'not valid before then' },
    out: { type: 'string', value: '<link.cwt>', description: 'the CWT file to write' },
    json: { type: 'boolean', description: 'print the result as JSON' },
  },
  positionals: { min: 0, max: 0 },
  async run(args, io) {
    const out = resolve(io.cwd, requireString(args, 'out'));
    const expires = timeOption(optString(args, 'expires'), 'expires');
    const notBefore = timeOption(optString(args, 'not-before'), 'not-before');
    const signer = signerFromArgs(args, io.cwd);
    if (signer.key.family === 'hmac') throw new UsageError('--key: a delegation is signed (COSE_Sign1): an HMAC key cannot vouch for another key');
    const subjectArg = requireString(args, 'subject');
    let subject: PublicKey;
    try {
      const k = parseTrustArg(subjectArg, io.cwd).key;
      if (k.family === 'hmac') throw new UsageError('--subject: a delegation vouches for a public key (P-256 or Ed25519), not an HMAC key');
      // The core takes EC2 P-256 and OKP Ed25519 keys from a chain (assembly/delegation.ts).
      if (k.family === 'hss-lms') throw new UsageError('--subject: a delegation vouches for a P-256 or Ed25519 key, not an HSS-LMS key');
      subject = k;
    } catch (e) {
      if (e instanceof KeyError) throw new EnvironmentError(`--subject ${e.message}`);
      throw e;
    }
    const cwt = delegationCwt(signer, subject, { ...(expires !== undefined ? { expires } : {}), ...(notBefore !== undefined ? { notBefore } : {}) });
    writeOutputFile(out, cwt);
    const result = { out, bytes: cwt.length, issuerKeyId: signer.kid ? toHex(signer.kid) : null, subjectKeyId: toHex(keyId(subject)), expires: expires?.toString() ?? null, notBefore: notBefore?.toString() ?? null };
    if (optFlag(args, 'json')) printJson(io, result);
    else io.stdout.write(`wrote ${out} (${cwt.length} bytes): key ${result.issuerKeyId ?? '-'} vouches for ${subject.family} key ${result.subjectKeyId}${expires !== undefined ? `, until ${new Date(Number(expires) * 1000).toISOString()}` : ''}\n`);
    return EXIT_OK;
  },
};

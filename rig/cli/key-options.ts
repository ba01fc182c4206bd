/**
 * How commands take keys and the verification policy (DESIGN.md "Command line"; RFC 9019 §7
 * roles): `--key` for signing (manifest create, sign, image create), `--trust [role=]<key>`,
 * `--require ROLES`, `--device`/`--identity <identity.json>`, `--sequence N` and
 * `--decrypt-key <key>` for what a device trusts and holds (verify, update, board virtual), and
 * `--encrypt-for <key>` for whom an author encrypts payloads (manifest create). Bad files are
 * environment errors naming the option; bad values are usage errors.
 */
import { resolve } from 'node:path';
import { AlgorithmError, createSigner, type Signer } from '../../host/cose/index.js';
import {
  HssKeyError, KeyError, loadDecryptionKey, loadEncryptionRecipient, loadSigningKey, parseRequireArg, parseTrustArg,
  type DecryptionKey, type EncryptionRecipient, type SigningKey, type TrustAnchor,
} from '../../host/keys/index.js';
import { IdentityError, loadIdentity, type DeviceIdentity, type Policy } from '../../host/verifier/index.js';
import { EnvironmentError, UsageError, optFlag, optString, optStrings, optUint, requireString, type OptionDef, type ParsedArgs } from './command.js';

/** The private (or HMAC, or HSS-LMS) key of `--key` (or of the option named). */
export function signingKey(keyArg: string, cwd: string, option = 'key'): SigningKey {
  let key: SigningKey;
  try {
    key = loadSigningKey(resolve(cwd, keyArg));
  } catch (e) {
    if (e instanceof KeyError) throw new EnvironmentError(`--${option} ${e.message}`);
    throw e;
  }
  if (key.family !== 'hss-lms') return key;
  // An HSS-LMS key signs through its state file: a busy lock, an exhausted key or a state that
  // cannot be saved is the environment's problem, said as such (and no signature is made).
  const { sign } = key;
  return {
    ...key,
    sign: (message) => {
      try {
        return sign(message);
      } catch (e) {
        if (e instanceof HssKeyError) throw new EnvironmentError(`--${option} ${keyArg}: ${e.message}`);
        const err = e as NodeJS.ErrnoException;
        if (err.code) throw new EnvironmentError(`--${option} ${keyArg}: cannot update the HSS-LMS key state (${err.message}); no signature was made`);
        throw e;
      }
    },
  };
}

/** The options signerFromArgs reads, for the commands that sign envelopes (manifest create, sign). */
export const SIGNER_OPTIONS: Record<string, OptionDef> = {
  key: { type: 'string', value: '<key>', description: 'signing key: PEM private key (PKCS#8 or SEC1), HMAC-256 key (32 raw bytes or COSE_Key), or HSS-LMS key file (.hss, stateful)' },
  'alg-id': { type: 'string', value: '<alg>', description: 'es256, esp256, ed25519, eddsa, hmac256 or hss-lms (default: by key type)' },
  'no-kid': { type: 'boolean', description: 'do not put the key id into the signature header' },
};

/** The signer for `--key` / `--alg-id` / `--no-kid` (SIGNER_OPTIONS), with errors naming the option. */
export function signerFromArgs(args: ParsedArgs, cwd: string): Signer {
  const keyArg = requireString(args, 'key');
  const algArg = optString(args, 'alg-id');
  const key = signingKey(keyArg, cwd);
  try {
    return createSigner(key, { ...(algArg ? { algorithm: algArg } : {}), kid: !optFlag(args, 'no-kid') });
  } catch (e) {
    if (e instanceof AlgorithmError) throw new UsageError(`${e.message} (--key ${keyArg})`);
    throw e;
  }
}

/** `--trust [role=]<key>...`: at least one. */
export function trustAnchors(args: string[], cwd: string): TrustAnchor[] {
  if (args.length === 0) throw new UsageError('--trust is required: the key(s) the device trusts, [role=]<key file>');
  return loadEach(args, 'trust', (a) => parseTrustArg(a, cwd));
}

/** Each key file of a repeated option, loaded; a key that cannot be loaded is named with the option. */
function loadEach<T>(args: string[], option: string, load: (arg: string) => T): T[] {
  return args.map((a) => {
    try {
      return load(a);
    } catch (e) {
      if (e instanceof KeyError) throw new EnvironmentError(`--${option} ${e.message}`);
      throw e;
    }
  });
}

/** `--decrypt-key <key>...`: the device's keys for encrypted payloads (AES KEK or P-256 private key). */
export function decryptionKeys(args: string[], cwd: string): DecryptionKey[] {
  return loadEach(args, 'decrypt-key', (a) => loadDecryptionKey(resolve(cwd, a)));
}

/** `--encrypt-for <key>...`: the recipients an author encrypts payloads for (AES KEK or P-256 public key). */
export function encryptionRecipients(args: string[], cwd: string): EncryptionRecipient[] {
  return loadEach(args, 'encrypt-for', (a) => loadEncryptionRecipient(resolve(cwd, a)));
}

/** The `--decrypt-key` option as the commands that take it declare it. */
export const DECRYPT_KEY_OPTION: OptionDef = {
  type: 'string',
  multiple: true,
  value: '<key>',
  description: 'key for encrypted payloads: an AES key-encryption key (raw 16/24/32 bytes or COSE_Key) or a P-256 private key (PEM or COSE_Key)',
};

/** `--require author,operator`, or undefined when not given. */
export function requiredRoles(arg: string | undefined): string[] | undefined {
  if (arg === undefined) return undefined;
  try {
    return parseRequireArg(arg);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

/** A device identity file ({"vendor-id", "class-id", "device-id"}), or undefined when not given. */
export function identity(file: string | undefined, cwd: string): DeviceIdentity | undefined {
  if (file === undefined) return undefined;
  try {
    return loadIdentity(resolve(cwd, file));
  } catch (e) {
    if (e instanceof IdentityError) throw new EnvironmentError(e.message);
    throw e;
  }
}

/** The policy a device holds: `--trust` (required), `--require`, `--sequence`, `--device`, `--decrypt-key`. */
export function policyFromArgs(args: ParsedArgs, cwd: string): Policy {
  const require = requiredRoles(optString(args, 'require'));
  const storedSequence = optUint(args, 'sequence');
  const trust = trustAnchors(optStrings(args, 'trust'), cwd);
  const device = identity(optString(args, 'device'), cwd);
  const decrypt = decryptionKeys(optStrings(args, 'decrypt-key'), cwd);
  return {
    trust,
    ...(require ? { require } : {}),
    ...(storedSequence !== undefined ? { storedSequence } : {}),
    ...(device ? { device } : {}),
    ...(decrypt.length ? { decrypt } : {}),
  };
}

/**
 * The SUIT_Capability_Report of a device running this verifier core (draft-ietf-suit-report §5
 * "Capability Reporting"): the commands, parameters, COSE algorithms and manifest elements the
 * core processes, and the components of the device it runs on. Extensions' capabilities are
 * listed, as the draft requires; the manifest-37 mandatory ones too, since reporting them costs
 * little and saves an author from guessing. Kept true by test/core/capabilities.test.ts: every
 * listed command and parameter is one the core takes, and unlisted codes are refused.
 */

/** Commands (IANA "SUIT Commands") the core executes: assembly/commands.ts argKind. */
export const COMMAND_CAPABILITIES = [1, 2, 3, 4, 5, 6, 7, 8, 11, 12, 14, 15, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 31, 32, 33, 34, 35] as const;

/**
 * Parameters the core stores and uses (assembly/commands.ts paramType), 19 (encryption-info)
 * included: write, copy and fetch decrypt with it (assembly/decrypt.ts).
 */
export const PARAMETER_CAPABILITIES = [1, 2, 3, 4, 5, 12, 13, 14, 18, 19, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30] as const;

/**
 * The payload encryption of assembly/decrypt.ts (draft-ietf-suit-firmware-encryption): key wrap
 * A128KW..A256KW (-3..-5), ECDH-ES + A128KW..A256KW (-29..-31), content A128GCM..A256GCM (1..3)
 * and A128CTR..A256CTR (-65534..-65532, RFC 9459).
 */
export const ENCRYPTION_ALGORITHM_CAPABILITIES = [-3, -4, -5, -29, -30, -31, 1, 2, 3, -65534, -65533, -65532] as const;

/** COSE algorithms: SHA-256 digests, the signatures / MACs crypto.ts checks, HSS-LMS (-46),
 *  which the core checks itself (assembly/lms.ts), and the encryption algorithms. */
export const ALGORITHM_CAPABILITIES = [-16, -7, -9, -8, -19, 5, -46, ...ENCRYPTION_ALGORITHM_CAPABILITIES] as const;

/** SUIT_Envelope members: delegation, authentication, manifest, severable members. */
const ENVELOPE = [1, 2, 3, 14, 15, 16, 18, 20, 23];
/** SUIT_Manifest members (manifest-37, trust-domains-11, update-management-14). */
const MANIFEST = [1, 2, 3, 4, 5, 6, 7, 8, 9, 14, 15, 16, 18, 20, 23, 24];
/** SUIT_Common members: dependencies, components, shared sequence. */
const COMMON = [1, 2, 4];
/** SUIT_Dependency_Metadata: the dependency prefix. */
const DEPENDENCY = [1];

/**
 * A SUIT_Capability_Report map for a device with `components` (each a component identifier; a
 * trailing `true` is a wildcard: any component under that prefix).
 */
export function capabilityReport(components: readonly (readonly (Uint8Array | true)[])[]): Map<number, unknown> {
  return new Map<number, unknown>([
    [1, components.map((c) => c.map((s) => (s === true ? true : Buffer.from(s))))],
    [2, [...COMMAND_CAPABILITIES]],
    [3, [...PARAMETER_CAPABILITIES]],
    [4, [...ALGORITHM_CAPABILITIES]],
    [5, ENVELOPE],
    [6, MANIFEST],
    [7, COMMON],
    [10, DEPENDENCY],
  ]);
}

/** Reasons that say the manifest used something the processor does not implement: their
 *  reports carry the capability report unasked (report draft §4.2, second case). */
export const CAPABILITY_REASONS: ReadonlySet<number> = new Set([2, 3, 5, 6, 8, 9]);

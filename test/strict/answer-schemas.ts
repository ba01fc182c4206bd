/**
 * Strict schemas of SMP answers: exactly the fields the SMP specification and Zephyr define
 * for each answer and nothing else (as smpclient's strict pydantic models do), so an extra
 * `"rc": 0`, a flag where MCUboot sends none or a misspelt key fails. Sources: Zephyr
 * `smp_group_0.rst` / `smp_group_1.rst`, `smp_protocol.rst` (error forms), MCUboot
 * `boot_serial.c` (serial recovery's answers: `bs_upload`, `bs_rc_rsp`, `bs_list`), notes/smp.md.
 */

type Kind = 'uint' | 'int' | 'text' | 'bytes' | 'bool' | 'hash';
type Field = Kind | Schema | { array: Schema } | { equals: number };

export interface Schema {
  required: Readonly<Record<string, Field>>;
  optional?: Readonly<Record<string, Field>>;
}

function kindError(v: unknown, k: Kind): string | undefined {
  switch (k) {
    case 'uint':
      return (typeof v === 'number' && Number.isInteger(v) && v >= 0) || (typeof v === 'bigint' && v >= 0n) ? undefined : 'not an unsigned integer';
    case 'int':
      return (typeof v === 'number' && Number.isInteger(v)) || typeof v === 'bigint' ? undefined : 'not an integer';
    case 'text':
      return typeof v === 'string' ? undefined : 'not a text string';
    case 'bytes':
      return v instanceof Uint8Array ? undefined : 'not a byte string';
    case 'hash':
      // SHA-256, -384 or -512 of an MCUboot image (its hash TLV).
      return v instanceof Uint8Array && [32, 48, 64].includes(v.length) ? undefined : 'not a 32/48/64-byte hash';
    case 'bool':
      return typeof v === 'boolean' ? undefined : 'not a boolean';
  }
}

function isMap(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array);
}

function fieldErrors(v: unknown, f: Field, path: string): string[] {
  if (typeof f === 'string') {
    const e = kindError(v, f);
    return e ? [`${path}: ${e}`] : [];
  }
  if ('equals' in f) return v === f.equals ? [] : [`${path}: ${JSON.stringify(v)} is not ${f.equals}`];
  if ('array' in f) {
    if (!Array.isArray(v)) return [`${path}: not an array`];
    return v.flatMap((x, i) => schemaErrors(x, f.array, `${path}[${i}]`));
  }
  return schemaErrors(v, f, path);
}

/** Every way `value` departs from `schema` (empty: it matches exactly). */
export function schemaErrors(value: unknown, schema: Schema, path = 'answer'): string[] {
  if (!isMap(value)) return [`${path}: not a map`];
  const out: string[] = [];
  const known = { ...schema.required, ...schema.optional };
  for (const k of Object.keys(value)) if (!(k in known)) out.push(`${path}: unexpected field "${k}"`);
  for (const [k, f] of Object.entries(schema.required)) {
    if (!(k in value)) out.push(`${path}: missing field "${k}"`);
    else out.push(...fieldErrors(value[k], f, `${path}.${k}`));
  }
  for (const [k, f] of Object.entries(schema.optional ?? {})) if (k in value) out.push(...fieldErrors(value[k], f, `${path}.${k}`));
  return out;
}

const slot: Schema = {
  required: { slot: 'uint', version: 'text', hash: 'hash' },
  optional: { image: 'uint', bootable: 'bool', pending: 'bool', confirmed: 'bool', active: 'bool', permanent: 'bool' },
};

/** Success answers, by command. */
export const ANSWERS = {
  echo: { required: { r: 'text' } },
  params: { required: { buf_size: 'uint', buf_count: 'uint' } },
  osInfo: { required: { output: 'text' } },
  bootloaderName: { required: { bootloader: 'text' } },
  bootloaderMode: { required: { mode: 'int' }, optional: { 'no-downgrade': 'bool' } },
  /** Image state read and write (Zephyr img_mgmt_state_read). */
  imageState: { required: { images: { array: slot } }, optional: { splitStatus: 'int' } },
  /** MCUboot serial recovery's image list (bs_list): slot, hash and version, no flags. */
  recoveryImageList: { required: { images: { array: { required: { slot: 'uint', version: 'text', hash: 'hash' }, optional: { image: 'uint' } } } } },
  /** Zephyr img_mgmt upload: the next offset, `match` on the last chunk. */
  upload: { required: { off: 'uint' }, optional: { match: 'bool' } },
  /** Image slot info (Zephyr img_mgmt_slot_info). */
  slotInfo: {
    required: { images: { array: { required: { image: 'uint', slots: { array: { required: { slot: 'uint', size: 'uint' }, optional: { upload_image_id: 'uint' } } } }, optional: { max_image_size: 'uint' } } } },
  },
  /** Image erase. */
  erase: { required: {} },
  /** MCUboot bs_upload: `{"rc": 0, "off": n}` on success. */
  recoveryUpload: { required: { rc: { equals: 0 }, off: 'uint' } },
  reset: { required: {} },
  /** MCUboot bs_reset answers with bs_rc_rsp(0). */
  recoveryReset: { required: { rc: { equals: 0 } } },
} satisfies Record<string, Schema>;

/** Error answers: SMP-level `{rc, rsn?}` and SMP v2 group errors `{err: {group, rc}}`. */
export const ERRORS = {
  rc: { required: { rc: 'uint' }, optional: { rsn: 'text' } },
  group: { required: { err: { required: { group: 'uint', rc: 'uint' } } } },
} satisfies Record<string, Schema>;

/** Which schema an answer matches: the success schema, an error form, or none (the errors of each). */
export function classify(value: unknown, success: Schema): { kind: 'ok' | 'rc' | 'group' } | { kind: 'invalid'; errors: string[] } {
  const ok = schemaErrors(value, success);
  if (ok.length === 0) return { kind: 'ok' };
  // `{"rc": 0, ...}` is no error form: it is a success answer with a field too many.
  if (schemaErrors(value, ERRORS.rc).length === 0 && (value as { rc: unknown }).rc !== 0) return { kind: 'rc' };
  if (schemaErrors(value, ERRORS.group).length === 0) return { kind: 'group' };
  return { kind: 'invalid', errors: ok };
}

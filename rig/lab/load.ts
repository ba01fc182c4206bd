/**
 * Loads and validates the lab file `rig.yaml` (format: rig/lab/README.md). It is read with
 * host/util's YamlSource and checked node by node with its YamlReader, so every mistake is
 * reported with its line, column and field path, and all of them at once (a LabError lists them).
 * Key files, identity files and images named by the lab are checked to exist and parse, so a
 * lab that loads is one the rig can use.
 */
import { existsSync, realpathSync, statSync } from 'node:fs';
import { basename, dirname, isAbsolute, relative, resolve } from 'node:path';
import { isMap, isScalar, isSeq } from 'yaml';
import { FileReadError, readBoundedFile } from '../../host/util/bounded-read.js';
import { closest } from '../../host/util/did-you-mean.js';
import { YamlReader, type Field } from '../../host/util/yaml-reader.js';
import { YamlSource, type SourceIssue } from '../../host/util/yaml-source.js';
import type { SmpVersion } from '../../host/smp/header.js';
import { FRAMINGS, LINE_LENGTH, type SmpLinkSettings } from '../../host/smp/link-settings.js';
import { loadDecryptionKey, loadSigningKey, parseRequireArg, parseTrustArg, type DecryptionKey, type TrustAnchor } from '../../host/keys/index.js';
import { QUIRKS } from '../virtual/bootloader/index.js';
import { DEFAULT_PROFILE, PROFILES } from '../virtual/profiles.js';
import { EnvironmentError } from '../../host/util/errors.js';
import { sameUsbIdentity } from '../ports/locate.js';
import { parseIdentityObject, readIdentityFile } from './identity.js';
import { BOARD_NAME_RE, PortWordError, classifyPort } from './port-url.js';
import type { ConsolePortSpec, DeviceIdentity, EmulatorSpec, ExternalCommand, Lab, LabBoard, NativeSimSpec, PortSpec, PowerControl, QemuImage, QemuSpec, ResetMethod, UsbIdentity, VirtualSpec } from './types.js';
import { LAB_FORMAT_VERSION } from './types.js';

/** One problem in the lab file. */
export type LabIssue = SourceIssue;

/** The lab file is wrong: every problem found, each with line, column and field. */
export class LabError extends EnvironmentError {
  override name = 'LabError';
  constructor(
    readonly file: string,
    readonly issues: LabIssue[],
  ) {
    super(
      `${file}: ${issues.length} problem${issues.length === 1 ? '' : 's'}\n` +
        issues.map((i) => `  ${file}:${i.line}:${i.col}  ${i.path ? i.path + ': ' : ''}${i.message}`).join('\n'),
    );
  }
}

const TOP_FIELDS = ['version', 'defaults', 'boards'] as const;
const SETTING_FIELDS = ['baud', 'smp', 'reset', 'power', 'known-good', 'apps', 'trust', 'require', 'identity', 'keys', 'decrypt-keys'] as const;
const BOARD_FIELDS = ['tags', 'port', 'usb', 'virtual', 'qemu', 'native-sim', 'console', ...SETTING_FIELDS] as const;
const CONSOLE_FIELDS = ['port', 'usb', 'baud'] as const;
const USB_FIELDS = ['by-id', 'serial', 'vid-pid', 'location', 'interface'] as const;
const VIRTUAL_FIELDS = ['profile', 'quirks', 'state'] as const;
const QEMU_FIELDS = ['program', 'machine', 'cpu', 'images', 'args', 'console-uart'] as const;
/** QEMU takes four -serial options; the first is the SMP UART. */
const QEMU_CONSOLE_UART_MAX = 3;
const QEMU_IMAGE_FIELDS = ['file', 'addr'] as const;
const NATIVE_SIM_FIELDS = ['program', 'runner', 'args', 'state'] as const;
/** Port words for boards whose emulator the rig runs, and the block that describes each. */
const EMULATOR_PORTS = ['qemu', 'native-sim'] as const;
const DEFAULT_QEMU_PROGRAM = 'qemu-system-arm';
const RESET_METHODS = ['smp', 'dtr', 'rts', 'command'] as const;
const RESET_FIELDS: Record<(typeof RESET_METHODS)[number], readonly string[]> = {
  smp: ['method'],
  dtr: ['method', 'pulse-ms', 'wait-ms', 'invert'],
  rts: ['method', 'pulse-ms', 'wait-ms', 'invert'],
  command: ['method', 'command', 'timeout-ms', 'wait-ms'],
};
const POWER_FIELDS = ['on', 'off', 'settle-ms', 'timeout-ms'] as const;
const SMP_FIELDS = ['framing', 'version', 'line-length'] as const;

/** Defaults for reset and power timings (documented in README.md). */
export const RESET_DEFAULTS = { pulseMs: 100, waitMs: 500, commandTimeoutMs: 30_000 };
export const POWER_DEFAULTS = { settleMs: 1000, timeoutMs: 30_000 };
export const BAUD_MIN = 300;
export const BAUD_MAX = 12_000_000;
const MS_MAX = 3_600_000;

/** A virtual board profile as the lab names it: exact, or the part's short name (`nrf52840` for `nrf52840-like`); undefined: the default. */
export function virtualProfileName(name: string | undefined): string | undefined {
  if (name === undefined) return DEFAULT_PROFILE;
  if (PROFILES[name]) return name;
  return PROFILES[`${name}-like`] ? `${name}-like` : undefined;
}

/** Settings a board may take from `defaults:`. */
interface Settings {
  baud?: number;
  smp?: Partial<SmpLinkSettings>;
  reset?: ResetMethod;
  power?: PowerControl;
  knownGood?: string;
  apps?: Record<string, string>;
  trust?: TrustAnchor[];
  require?: string[];
  identity?: DeviceIdentity;
  keys?: Record<string, string>;
  decryptKeys?: DecryptionKey[];
}

class LabParser {
  constructor(
    private readonly r: YamlReader,
    private readonly dir: string,
  ) {}

  private file(f: Field, what: string): string | undefined {
    const p = this.r.string(f, `a path to ${what}`);
    if (p === undefined) return undefined;
    const abs = isAbsolute(p) ? p : resolve(this.dir, p);
    if (!existsSync(abs)) {
      this.r.error(f, `${what} '${p}' does not exist (looked for ${abs})`);
      return undefined;
    }
    if (!statSync(abs).isFile()) {
      this.r.error(f, `${what} '${p}' is not a regular file`);
      return undefined;
    }
    return abs;
  }

  private ms(f: Field): number | undefined {
    return this.r.integer(f, 0, MS_MAX, 'a time in milliseconds');
  }

  private command(f: Field): ExternalCommand | undefined {
    if (isSeq(f.node)) {
      const argv = this.r.strings(f, 'a command argument');
      return argv && argv.length > 0 ? { argv, cwd: this.dir } : undefined;
    }
    const shell = this.r.string(f, 'a command (a shell string, or a list of arguments)');
    return shell === undefined ? undefined : { shell, cwd: this.dir };
  }

  private reset(f: Field): ResetMethod | undefined {
    const r = this.r;
    let method: (typeof RESET_METHODS)[number] | undefined;
    let fields: Map<string, Field> | undefined;
    if (isMap(f.node)) {
      fields = r.map(f);
      const m = fields?.get('method');
      if (!fields) return undefined;
      if (!m) {
        r.error(f, `reset needs a method: one of ${RESET_METHODS.join(', ')}`);
        return undefined;
      }
      method = r.oneOf(m, RESET_METHODS);
      if (!method) return undefined;
      fields = r.map(f, RESET_FIELDS[method]);
      if (!fields) return undefined;
    } else {
      method = r.oneOf(f, RESET_METHODS);
      if (!method) return undefined;
      fields = new Map();
    }
    const get = <T>(k: string, read: (x: Field) => T | undefined, dflt: T): T | undefined => {
      const x = fields!.get(k);
      return x ? read(x) : dflt;
    };
    switch (method) {
      case 'smp':
        return { method };
      case 'dtr':
      case 'rts': {
        const pulseMs = get('pulse-ms', (x) => this.ms(x), RESET_DEFAULTS.pulseMs);
        const waitMs = get('wait-ms', (x) => this.ms(x), RESET_DEFAULTS.waitMs);
        const invert = get('invert', (x) => r.boolean(x), false);
        if (pulseMs === undefined || waitMs === undefined || invert === undefined) return undefined;
        return { method, pulseMs, waitMs, invert };
      }
      case 'command': {
        const c = fields.get('command');
        if (!c) {
          r.error(f, 'reset method command needs a command: field');
          return undefined;
        }
        const command = this.command(c);
        const timeoutMs = get('timeout-ms', (x) => this.ms(x), RESET_DEFAULTS.commandTimeoutMs);
        const waitMs = get('wait-ms', (x) => this.ms(x), RESET_DEFAULTS.waitMs);
        if (!command || timeoutMs === undefined || waitMs === undefined) return undefined;
        return { method, command, timeoutMs, waitMs };
      }
    }
  }

  /** `smp: {framing, version, line-length}`: each optional; lines only with console framing. */
  private smp(f: Field): Partial<SmpLinkSettings> | undefined {
    const m = this.r.map(f, SMP_FIELDS);
    if (!m) return undefined;
    const out: Partial<SmpLinkSettings> = {};
    let ok = true;
    const framing = m.get('framing');
    if (framing) {
      const v = this.r.oneOf(framing, FRAMINGS);
      if (v === undefined) ok = false;
      else out.framing = v;
    }
    const version = m.get('version');
    if (version) {
      const v = this.r.integer(version, 1, 2, 'an SMP version (1 or 2)');
      if (v === undefined) ok = false;
      else out.version = v as SmpVersion;
    }
    const line = m.get('line-length');
    if (line) {
      const v = this.r.integer(line, LINE_LENGTH.min, LINE_LENGTH.max, "the longest line the board takes, in bytes (markers and newline included)");
      if (v === undefined) ok = false;
      else if (out.framing === 'raw') {
        this.r.error(line, 'raw framing has no lines: line-length goes with console framing');
        ok = false;
      } else out.lineLength = v;
    }
    return ok ? out : undefined;
  }

  private power(f: Field): PowerControl | undefined {
    const m = this.r.map(f, POWER_FIELDS);
    if (!m) return undefined;
    const on = m.get('on');
    const off = m.get('off');
    if (!on || !off) {
      this.r.error(f, `power needs both on: and off: commands (missing ${!on && !off ? 'both' : !on ? 'on' : 'off'})`);
    }
    const onCmd = on && this.command(on);
    const offCmd = off && this.command(off);
    const settleMs = m.get('settle-ms') ? this.ms(m.get('settle-ms')!) : POWER_DEFAULTS.settleMs;
    const timeoutMs = m.get('timeout-ms') ? this.ms(m.get('timeout-ms')!) : POWER_DEFAULTS.timeoutMs;
    if (!onCmd || !offCmd || settleMs === undefined || timeoutMs === undefined) return undefined;
    return { on: onCmd, off: offCmd, settleMs, timeoutMs };
  }

  /**
   * A `{role: file}` map (`apps:`, `keys:`): each role a name, each file present and, when
   * `check` is given, accepted by it (it throws with the message to report).
   */
  private roleFiles(f: Field, roleKind: string, fileKind: string, check?: (path: string) => void): Record<string, string> | undefined {
    const m = this.r.map(f);
    if (!m) return undefined;
    const out: Record<string, string> = {};
    let ok = true;
    for (const [role, v] of m) {
      if (!BOARD_NAME_RE.test(role)) {
        this.r.error(v, `'${role}' is not ${roleKind} name (letters, digits, . _ -)`);
        ok = false;
        continue;
      }
      const p = this.file(v, `${fileKind} '${role}'`);
      if (p === undefined) {
        ok = false;
        continue;
      }
      try {
        check?.(p);
        out[role] = p;
      } catch (e) {
        this.r.error(v, (e as Error).message);
        ok = false;
      }
    }
    return ok ? out : undefined;
  }

  private trust(f: Field): TrustAnchor[] | undefined {
    const items = isSeq(f.node) ? this.r.list(f) : [f];
    if (!items) return undefined;
    const out: TrustAnchor[] = [];
    let ok = true;
    for (const item of items) {
      const arg = this.r.string(item, 'a trust anchor ([role=]key-file)');
      if (arg === undefined) {
        ok = false;
        continue;
      }
      try {
        out.push(parseTrustArg(arg, this.dir));
      } catch (e) {
        this.r.error(item, (e as Error).message.replace(/^--trust /, ''));
        ok = false;
      }
    }
    return ok ? out : undefined;
  }

  /** `decrypt-keys`: key files as `--decrypt-key` takes them, a string or a list. */
  private decryptKeys(f: Field): DecryptionKey[] | undefined {
    const files = isSeq(f.node) ? this.r.strings(f, 'a decryption key file') : [this.r.string(f, 'a decryption key file')];
    if (!files || files.some((x) => x === undefined)) return undefined;
    const out: DecryptionKey[] = [];
    for (const file of files as string[]) {
      try {
        out.push(loadDecryptionKey(resolve(this.dir, file)));
      } catch (e) {
        this.r.error(f, (e as Error).message);
        return undefined;
      }
    }
    return out;
  }

  private require(f: Field): string[] | undefined {
    const roles = this.r.strings(f, 'a signer role');
    if (!roles) return undefined;
    try {
      return parseRequireArg(roles.join(','));
    } catch (e) {
      this.r.error(f, (e as Error).message.replace(/^--require: /, ''));
      return undefined;
    }
  }

  private identity(f: Field): DeviceIdentity | undefined {
    if (isMap(f.node)) {
      const m = this.r.map(f, ['vendor-id', 'class-id', 'device-id']);
      if (!m) return undefined;
      const obj: Record<string, string | undefined> = {};
      for (const [k, v] of m) obj[k] = this.r.string(v, 'a UUID');
      let ok = true;
      const id = parseIdentityObject(obj, (field, message) => {
        ok = false;
        const at = field ? m.get(field) : undefined;
        if (at) this.r.error(at, message);
        else this.r.error(f, message);
      });
      return ok ? id : undefined;
    }
    const path = this.file(f, 'identity file');
    if (!path) return undefined;
    let ok = true;
    const id = readIdentityFile(path, (message) => {
      ok = false;
      this.r.error(f, message);
    });
    return ok ? id : undefined;
  }

  /** Parses the settings present; `failed` names those present but wrong (already reported). */
  settings(fields: Map<string, Field>): { values: Settings; failed: Set<string> } {
    const values: Settings = {};
    const failed = new Set<string>();
    const read = <K extends keyof Settings>(key: K, name: (typeof SETTING_FIELDS)[number], parse: (f: Field) => Settings[K]) => {
      const f = fields.get(name);
      if (!f) return;
      const v = parse(f);
      if (v === undefined) failed.add(key);
      else values[key] = v;
    };
    read('baud', 'baud', (f) => this.r.integer(f, BAUD_MIN, BAUD_MAX, 'a baud rate'));
    read('smp', 'smp', (f) => this.smp(f));
    read('reset', 'reset', (f) => this.reset(f));
    read('power', 'power', (f) => this.power(f));
    read('knownGood', 'known-good', (f) => this.file(f, 'known-good image'));
    read('apps', 'apps', (f) => this.roleFiles(f, 'an app role', 'app image'));
    read('trust', 'trust', (f) => this.trust(f));
    read('require', 'require', (f) => this.require(f));
    read('identity', 'identity', (f) => this.identity(f));
    // The keys suites sign with for this board: checked to load.
    read('keys', 'keys', (f) => this.roleFiles(f, 'a signer role', 'signing key', (p) => loadSigningKey(p)));
    read('decryptKeys', 'decrypt-keys', (f) => this.decryptKeys(f));
    return { values, failed };
  }

  private usb(f: Field): UsbIdentity | undefined {
    const m = this.r.map(f, USB_FIELDS);
    if (!m) return undefined;
    const id: UsbIdentity = {};
    let ok = true;
    const byId = m.get('by-id');
    if (byId) {
      const v = this.r.string(byId, 'a /dev/serial/by-id name');
      if (v === undefined) ok = false;
      else id.byId = v.replace(/^\/dev\/serial\/by-id\//, '');
      if (id.byId?.includes('/')) {
        this.r.error(byId, `'${v}' is not a /dev/serial/by-id name`);
        ok = false;
      }
    }
    const serial = m.get('serial');
    if (serial) {
      const v = this.r.string(serial, 'a USB serial number');
      if (v === undefined) ok = false;
      else id.serial = v;
    }
    const vidPid = m.get('vid-pid');
    if (vidPid) {
      const v = this.r.string(vidPid, 'VID:PID (4 hex digits each)');
      const mm = v === undefined ? null : /^([0-9a-fA-F]{4}):([0-9a-fA-F]{4})$/.exec(v);
      if (!mm) {
        if (v !== undefined) this.r.error(vidPid, `expected VID:PID as 4 hex digits each (e.g. 1366:1015), got '${v}'`);
        ok = false;
      } else {
        id.vendorId = mm[1]!.toLowerCase();
        id.productId = mm[2]!.toLowerCase();
      }
    }
    const loc = m.get('location');
    if (loc) {
      const v = this.r.string(loc, 'a USB port path such as 1-2.3');
      if (v !== undefined && !/^[0-9]+-[0-9]+(\.[0-9]+)*$/.test(v)) {
        this.r.error(loc, `expected a USB port path such as 1-2.3 (bus-port.port...), got '${v}'`);
        ok = false;
      } else if (v === undefined) ok = false;
      else id.location = v;
    }
    const intf = m.get('interface');
    if (intf) {
      const v = this.r.integer(intf, 0, 255, 'a USB interface number');
      if (v === undefined) ok = false;
      else id.interface = v;
    }
    if (ok && id.byId === undefined && id.serial === undefined && id.vendorId === undefined && id.location === undefined) {
      this.r.error(f, 'usb needs at least one of by-id, serial, vid-pid, location');
      return undefined;
    }
    return ok ? id : undefined;
  }

  private virtual(f: Field | undefined): VirtualSpec | undefined {
    if (!f) return { quirks: [] };
    const m = this.r.map(f, VIRTUAL_FIELDS);
    if (!m) return undefined;
    const spec: VirtualSpec = { quirks: [] };
    let ok = true;
    if (m.get('profile')) {
      const p = this.r.string(m.get('profile')!, 'a profile name');
      const known = p === undefined ? undefined : virtualProfileName(p);
      if (p !== undefined && known === undefined) this.r.error(m.get('profile')!, `unknown virtual board profile '${p}'; known: ${Object.keys(PROFILES).join(', ')}`);
      if (known === undefined) ok = false;
      else spec.profile = known;
    }
    if (m.get('quirks')) {
      const q = this.r.strings(m.get('quirks')!, 'a quirk name');
      const bad = q?.filter((x) => !(QUIRKS as readonly string[]).includes(x)) ?? [];
      for (const b of bad) this.r.error(m.get('quirks')!, `unknown quirk '${b}'${closest(b, QUIRKS) ? ` (did you mean '${closest(b, QUIRKS)}'?)` : ''}; known: ${QUIRKS.join(', ')}`);
      if (q === undefined || bad.length > 0) ok = false;
      else spec.quirks = q;
    }
    if (m.get('state')) {
      const s = this.dirPath(m.get('state')!, 'a state directory');
      if (s === undefined) ok = false;
      else spec.state = s;
    }
    return ok ? spec : undefined;
  }

  /**
   * A state directory (it need not exist yet: boards make theirs when first used). Boards write
   * there, and a lab file may come with a checkout one did not write: it stays under the lab
   * file's folder (symbolic links followed) unless the user lists another place in
   * SUITRIG_STATE_ROOTS — the lab file itself cannot allow it.
   */
  private dirPath(f: Field, what: string): string | undefined {
    const p = this.r.string(f, what);
    if (p === undefined) return undefined;
    const abs = isAbsolute(p) ? p : resolve(this.dir, p);
    if (existsSync(abs) && !statSync(abs).isDirectory()) {
      this.r.error(f, `${what} '${p}' exists and is not a directory`);
      return undefined;
    }
    const roots = [this.dir, ...(process.env['SUITRIG_STATE_ROOTS'] ?? '').split(':').filter(Boolean)];
    if (!roots.some((root) => within(realPrefix(abs), realPrefix(resolve(root))))) {
      this.r.error(f, `${what} '${p}' (${abs}) lies outside the lab file's folder ${this.dir}: a lab file keeps board state only under its own folder; to allow another place, list it in SUITRIG_STATE_ROOTS`);
      return undefined;
    }
    return abs;
  }

  private args(f: Field | undefined): string[] | undefined {
    return f ? this.r.strings(f, 'a command-line argument') : [];
  }

  private qemuImages(f: Field): QemuImage[] | undefined {
    const items = this.r.list(f);
    if (!items) return undefined;
    if (items.length === 0) this.r.error(f, 'images: names no image (QEMU needs at least the firmware to load)');
    const out: QemuImage[] = [];
    let ok = items.length > 0;
    for (const item of items) {
      if (!isMap(item.node)) {
        const file = this.file(item, 'QEMU image');
        if (file === undefined) ok = false;
        else out.push({ file });
        continue;
      }
      const m = this.r.map(item, QEMU_IMAGE_FIELDS);
      const fileField = m?.get('file');
      if (m && !fileField) this.r.error(item, 'an image needs file: (and addr: for a raw binary)');
      const file = fileField && this.file(fileField, 'QEMU image');
      const addrField = m?.get('addr');
      const addr = addrField ? this.r.integer(addrField, 0, 0xffff_ffff, 'a load address such as 0x20050000') : undefined;
      if (!file || (addrField && addr === undefined)) ok = false;
      else out.push({ file, ...(addr !== undefined ? { addr } : {}) });
    }
    return ok ? out : undefined;
  }

  private qemu(f: Field | undefined, at: Field): QemuSpec | undefined {
    if (!f) {
      this.r.error(at, 'port: qemu needs a qemu: block with machine: and images: (rig/lab/README.md)');
      return undefined;
    }
    const m = this.r.map(f, QEMU_FIELDS);
    if (!m) return undefined;
    const machine = m.get('machine');
    const images = m.get('images');
    if (!machine || !images) this.r.error(f, `qemu: needs ${!machine && !images ? 'machine: and images:' : !machine ? 'machine: (e.g. mps2-an385)' : 'images: (the firmware QEMU loads)'}`);
    const program = m.get('program') ? this.r.string(m.get('program')!, 'the QEMU program') : DEFAULT_QEMU_PROGRAM;
    const machineName = machine && this.r.string(machine, 'a QEMU machine name such as mps2-an385');
    const cpu = m.get('cpu') ? this.r.string(m.get('cpu')!, 'a QEMU cpu name such as cortex-m3') : undefined;
    const imgs = images && this.qemuImages(images);
    const args = this.args(m.get('args'));
    const consoleField = m.get('console-uart');
    const consoleUart = consoleField ? this.r.integer(consoleField, 1, QEMU_CONSOLE_UART_MAX, 'the number of the guest UART its console is on (a QEMU -serial index; 0 is the SMP UART)') : undefined;
    if (!program || !machineName || !imgs || !args || (m.get('cpu') && cpu === undefined) || (consoleField && consoleUart === undefined)) return undefined;
    return { kind: 'qemu', program, machine: machineName, ...(cpu !== undefined ? { cpu } : {}), images: imgs, args, ...(consoleUart !== undefined ? { consoleUart } : {}) };
  }

  private nativeSim(f: Field | undefined, at: Field): NativeSimSpec | undefined {
    if (!f) {
      this.r.error(at, 'port: native-sim needs a native-sim: block with program: (the Zephyr native_sim executable)');
      return undefined;
    }
    const m = this.r.map(f, NATIVE_SIM_FIELDS);
    if (!m) return undefined;
    const programField = m.get('program');
    if (!programField) this.r.error(f, 'native-sim: needs program: (the Zephyr native_sim executable, e.g. build/zephyr/zephyr.exe)');
    const program = programField && this.file(programField, 'native_sim executable');
    const runnerField = m.get('runner');
    const runner = !runnerField ? [] : isSeq(runnerField.node) ? this.r.strings(runnerField, 'a runner argument') : this.r.string(runnerField, 'a runner program such as qemu-i386-static')?.split(/\s+/).filter(Boolean);
    if (runnerField && runner?.length === 0) this.r.error(runnerField, 'runner: is empty: leave it out to run the executable directly');
    const args = this.args(m.get('args'));
    const state = m.get('state') ? this.dirPath(m.get('state')!, 'a state directory') : undefined;
    if (!program || !runner || (runnerField && runner.length === 0) || !args || (m.get('state') && state === undefined)) return undefined;
    return { kind: 'native-sim', program, runner, args, ...(state !== undefined ? { state } : {}) };
  }

  private emulator(word: (typeof EMULATOR_PORTS)[number], fields: Map<string, Field>, at: Field): EmulatorSpec | undefined {
    return word === 'qemu' ? this.qemu(fields.get('qemu'), at) : this.nativeSim(fields.get('native-sim'), at);
  }

  private port(fields: Map<string, Field>, at: Field): PortSpec | undefined {
    const port = fields.get('port');
    const usb = fields.get('usb');
    const virtual = fields.get('virtual');
    if (port && usb) {
      this.r.error(usb, 'give either port: or usb:, not both (usb: finds the port by its USB identity)');
      return undefined;
    }
    if (!port && !usb) {
      this.r.error(at, 'a board needs port: (device path, tcp://host:port, virtual, qemu or native-sim) or usb: (stable USB identity)');
      return undefined;
    }
    // Each emulator block belongs to its own port word only.
    const word = port && isScalar(port.node) && typeof port.node.value === 'string' ? port.node.value : undefined;
    for (const block of EMULATOR_PORTS) {
      const f = fields.get(block);
      if (f && word !== block) this.r.error(f, `${block}: applies only to boards with port: ${block}`);
    }
    if (word === 'qemu' || word === 'native-sim') {
      if (virtual) this.r.error(virtual, 'virtual: applies only to boards with port: virtual');
      const emulator = this.emulator(word, fields, port!);
      return emulator && { kind: 'emulator', emulator };
    }
    if (usb) {
      if (virtual) this.r.error(virtual, 'virtual: applies only to boards with port: virtual');
      const id = this.usb(usb);
      return id && { kind: 'usb', usb: id };
    }
    const text = this.r.string(port!, 'a device path, tcp://host:port, virtual, qemu or native-sim');
    if (text === undefined) return undefined;
    let kind;
    try {
      kind = classifyPort(text);
    } catch (e) {
      this.r.error(port!, (e as PortWordError).message);
      return undefined;
    }
    if (kind.kind !== 'virtual' && virtual) this.r.error(virtual, 'virtual: applies only to boards with port: virtual');
    switch (kind.kind) {
      case 'virtual': {
        const v = this.virtual(virtual);
        return v && { kind: 'virtual', virtual: v };
      }
      case 'tcp':
        return kind;
      case 'serial':
        return { kind: 'serial', path: isAbsolute(kind.path) ? kind.path : resolve(this.dir, kind.path) };
      case 'name':
        this.r.error(port!, `'${text}' is not a port: expected a device path such as /dev/ttyACM0, tcp://host:port, virtual, qemu or native-sim`);
        return undefined;
    }
  }

  /**
   * `console:` a port of the board's own for its console: a device path or tcp url, or
   * `{port, baud}`, or `{usb: {...}, baud}` — found by its USB identity as a board's `usb:` is.
   * Only boards on a real port have one: a virtual board prints between SMP frames, an emulated
   * board where its emulator puts it (qemu: console-uart:, native_sim's stdout).
   */
  private consolePort(f: Field, port: PortSpec | undefined): ConsolePortSpec | undefined {
    if (port?.kind === 'virtual') {
      this.r.error(f, 'console: is for boards on a real port; a virtual board prints its console between SMP frames on its link');
      return undefined;
    }
    if (port?.kind === 'emulator') {
      this.r.error(f, port.emulator.kind === 'qemu' ? "console: is for boards on a real port; a QEMU board's console is a guest UART the rig binds itself: qemu: console-uart: N" : 'console: is for boards on a real port; the rig reads a native_sim board\'s console from its stdout');
      return undefined;
    }
    let portField: Field | undefined = f;
    let usbField: Field | undefined;
    let baud: number | undefined;
    if (isMap(f.node)) {
      const m = this.r.map(f, CONSOLE_FIELDS);
      if (!m) return undefined;
      portField = m.get('port');
      usbField = m.get('usb');
      if (portField && usbField) {
        this.r.error(usbField, 'console: give either port: or usb:, not both (usb: finds the console port by its USB identity)');
        return undefined;
      }
      if (!portField && !usbField) {
        this.r.error(f, 'console: needs port: (a device path such as /dev/ttyUSB1, or tcp://host:port) or usb: (the USB identity of its adapter)');
        return undefined;
      }
      const b = m.get('baud');
      if (b) {
        baud = this.r.integer(b, BAUD_MIN, BAUD_MAX, 'a baud rate');
        if (baud === undefined) return undefined;
      }
    }
    const spec = usbField ? this.consoleUsb(usbField, port) : this.consolePath(portField!, port);
    if (!spec || baud === undefined) return spec;
    if (spec.kind === 'tcp') {
      this.r.error(f, `baud: is for a serial console port; ${spec.url} carries no line rate`);
      return undefined;
    }
    return { ...spec, baud };
  }

  /** `console: {usb: ...}`: the console adapter's USB identity, not the SMP port's own. */
  private consoleUsb(f: Field, port: PortSpec | undefined): ConsolePortSpec | undefined {
    const usb = this.usb(f);
    if (!usb) return undefined;
    if (port?.kind === 'usb' && sameUsbIdentity(port.usb, usb)) {
      this.r.error(f, "the console port's USB identity is the board's SMP port's: leave console: out when the console shares the SMP port (its text between SMP frames is read)");
      return undefined;
    }
    return { kind: 'usb', usb };
  }

  /** `console: <path or tcp url>`. */
  private consolePath(f: Field, port: PortSpec | undefined): ConsolePortSpec | undefined {
    const text = this.r.string(f, 'a console port: a device path such as /dev/ttyUSB1, or tcp://host:port');
    if (text === undefined) return undefined;
    let kind;
    try {
      kind = classifyPort(text);
    } catch (e) {
      this.r.error(f, (e as PortWordError).message);
      return undefined;
    }
    let spec: ConsolePortSpec;
    if (kind.kind === 'tcp') spec = kind;
    else if (kind.kind === 'serial') spec = { kind: 'serial', path: isAbsolute(kind.path) ? kind.path : resolve(this.dir, kind.path) };
    else {
      this.r.error(f, `'${text}' is not a console port: expected a device path such as /dev/ttyUSB1, or tcp://host:port`);
      return undefined;
    }
    const same = port?.kind === 'serial' && spec.kind === 'serial' ? port.path === spec.path : port?.kind === 'tcp' && spec.kind === 'tcp' ? port.url === spec.url : false;
    if (same) {
      this.r.error(f, `the console port ${text} is the board's SMP port: leave console: out when the console shares the SMP port (its text between SMP frames is read)`);
      return undefined;
    }
    return spec;
  }

  board(name: string, f: Field, defaults: { values: Settings; failed: Set<string> }, file: string, line: number): LabBoard | undefined {
    const r = this.r;
    if (!BOARD_NAME_RE.test(name) || name === 'virtual') {
      r.error(f, name === 'virtual' ? "'virtual' is reserved (it means a fresh virtual board); name the board otherwise" : `'${name}' is not a valid board name (letters, digits, . _ -; at most 64)`);
    }
    const fields = r.map(f, BOARD_FIELDS);
    if (!fields) return undefined;
    const port = this.port(fields, f);
    let tags: string[] | undefined = [];
    if (fields.get('tags')) {
      tags = r.strings(fields.get('tags')!, 'a tag');
      for (const t of tags ?? []) {
        if (!BOARD_NAME_RE.test(t)) r.error(fields.get('tags')!, `'${t}' is not a valid tag (letters, digits, . _ -)`);
      }
    }
    const own = this.settings(fields);
    const s: Settings = { ...defaults.values, ...own.values };
    const reset = s.reset ?? { method: 'smp' };
    if (port?.kind === 'tcp' && (reset.method === 'dtr' || reset.method === 'rts')) {
      r.error(fields.get('reset') ?? f, `reset method ${reset.method} needs a serial line; a tcp:// port carries no modem lines (use smp or command)`);
    }
    if (port?.kind === 'emulator') {
      const what = port.emulator.kind === 'qemu' ? 'QEMU' : 'native_sim';
      if (reset.method !== 'smp') r.error(fields.get('reset') ?? f, `reset method ${reset.method} is for boards on a real port; the rig resets a ${what} board over SMP (reset: smp)`);
      if (fields.get('power')) r.error(fields.get('power')!, `power: is for real boards; the rig power-cycles a ${what} board by restarting ${what} itself`);
    }
    const trust = s.trust ?? [];
    const require = s.require ?? [];
    // When a trust entry failed to load its error is already reported; checking roles against
    // the remaining anchors would only add a misleading second error.
    const trustFailed = own.failed.has('trust') || (!fields.has('trust') && defaults.failed.has('trust'));
    for (const role of trustFailed ? [] : require) {
      if (!trust.some((a) => a.role === role)) {
        r.error(fields.get('require') ?? fields.get('trust') ?? f, `require names role '${role}' but no trust anchor has that role (trust: ${trust.map((a) => `${a.role}=${a.source}`).join(', ') || 'none'})`);
      }
    }
    if (port?.kind === 'virtual' && s.smp?.framing === 'raw') r.error(fields.get('smp') ?? f, 'a virtual board speaks console framing, not raw');
    const consoleField = fields.get('console');
    const consolePort = consoleField && this.consolePort(consoleField, port);
    if (!port || !tags || (consoleField && !consolePort)) return undefined;
    return {
      name,
      tags,
      port,
      ...(s.baud !== undefined ? { baud: s.baud } : {}),
      ...(consolePort ? { console: consolePort } : {}),
      ...(s.smp ? { smp: s.smp } : {}),
      reset,
      ...(s.power ? { power: s.power } : {}),
      ...(s.knownGood ? { knownGood: s.knownGood } : {}),
      apps: s.apps ?? {},
      trust,
      require,
      ...(s.identity ? { identity: s.identity } : {}),
      keys: s.keys ?? {},
      ...(s.decryptKeys?.length ? { decrypt: s.decryptKeys } : {}),
      source: { file, line },
    };
  }
}

/** Parses and validates lab file text; `file` names it in messages and anchors relative paths. */
export function parseLab(text: string, file: string): Lab {
  const abs = resolve(file);
  const source = YamlSource.parse(text, { what: 'the lab file', merge: true });
  const issues = [...source.issues];
  if (!source.doc && issues.length === 0) issues.push({ line: 1, col: 1, path: '', message: 'the lab file is empty: expected a mapping with boards:' });
  if (issues.length > 0) throw new LabError(file, issues);
  const r = new YamlReader(source);
  const p = new LabParser(r, dirname(abs));
  const boards: LabBoard[] = [];
  const top = r.map(r.root(), TOP_FIELDS);
  if (top) {
    const v = top.get('version');
    if (v) {
      const n = r.integer(v, 1, 1000, 'a format version');
      if (n !== undefined && n !== LAB_FORMAT_VERSION) r.error(v, `format version ${n} is not supported; this suitrig reads version ${LAB_FORMAT_VERSION}`);
    }
    const d = top.get('defaults');
    const dm = d ? r.map(d, SETTING_FIELDS) : undefined;
    const defaults = dm ? p.settings(dm) : { values: {}, failed: new Set<string>() };
    const b = top.get('boards');
    if (!b) r.error(r.root(), 'the lab file needs boards: (a mapping from board name to its settings)');
    const bm = b ? r.map(b) : undefined;
    if (b && bm && bm.size === 0) r.error(b, 'boards: names no board');
    for (const [name, f] of bm ?? []) {
      const board = p.board(name, f, defaults, abs, source.position(f.keyOffset ?? f.offset).line);
      if (board) boards.push(board);
    }
  }
  if (r.issues.length > 0) {
    r.issues.sort((a, b) => a.line - b.line || a.col - b.col);
    throw new LabError(file, r.issues);
  }
  return { file: abs, boards };
}

/** `path` with symbolic links resolved as far as it exists (the rest appended as written). */
function realPrefix(path: string): string {
  const rest: string[] = [];
  let p = path;
  for (;;) {
    try {
      return resolve(realpathSync(p), ...rest.reverse());
    } catch {
      const up = dirname(p);
      if (up === p) return path;
      rest.push(basename(p));
      p = up;
    }
  }
}

function within(path: string, root: string): boolean {
  const r = relative(root, path);
  return r === '' || (!r.startsWith('..') && !isAbsolute(r));
}

export function loadLab(file: string): Lab {
  let text: string;
  try {
    text = Buffer.from(readBoundedFile(file, 'lab')).toString('utf8');
  } catch (e) {
    if (e instanceof FileReadError) throw new EnvironmentError(`lab file ${file}: ${e.reason}`);
    throw e;
  }
  return parseLab(text, file);
}

export const DEFAULT_LAB_FILE = 'rig.yaml';

/** The lab file to use: `--lab` when given (must exist), else `./rig.yaml` when present. */
export function findLabFile(cwd: string, explicit?: string): string | undefined {
  if (explicit !== undefined) return isAbsolute(explicit) ? explicit : resolve(cwd, explicit);
  const dflt = resolve(cwd, DEFAULT_LAB_FILE);
  return existsSync(dflt) ? dflt : undefined;
}

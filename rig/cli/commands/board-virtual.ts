/**
 * `suitrig board virtual [--listen tcp://127.0.0.1:0 | --pty] [--profile NAME] [--state DIR]
 * [--baud B] [--trust [role=]<key>...] [--require ROLES] [--identity <identity.json>] [--quirk Q]...
 * [--report-key <key>] [--test-hooks]` (DESIGN.md "Command line", "Virtual board"): a virtual board in its own
 * process, serving SMP on a TCP port or on one end of a socat pty pair until interrupted. The
 * first stdout line is exactly `listening on <tcp url or pty path>`; what the board is
 * (profile, identity, trust, quirks, test hooks) and its console go to stderr. Rig group 67's
 * test hooks (arm fault, board model) let any client on the port break the board, so they
 * are served only with --test-hooks (the rig's own board processes pass it). Without trust anchors (given, or provisioned earlier in
 * --state) the board refuses every manifest, and says so. Ctrl-C, SIGTERM and SIGHUP all stop it
 * the same way: the socat behind --pty and its temporary folder go with it.
 */
import { resolve } from 'node:path';
import { createPtyPair, PtyUnavailableError, type PtyPair } from '../../../host/transport/pty.js';
import { SerialPortTransport } from '../../../host/transport/serialport.js';
import { PortOpenError } from '../../../host/transport/transport.js';
import { parseBaud } from '../../lab/resolve.js';
import { QUIRKS, type Quirk } from '../../virtual/bootloader/index.js';
import { VirtualBoard, type BoardEvent } from '../../virtual/board/board.js';
import { FlashStateError } from '../../virtual/flash/index.js';
import { DEFAULT_PROFILE, PROFILES } from '../../virtual/profiles.js';
import { EXIT_OK, EnvironmentError, UsageError, optFlag, optString, optStrings, type Command } from '../command.js';
import { DECRYPT_KEY_OPTION, decryptionKeys, identity, requiredRoles, signingKey, trustAnchors } from '../key-options.js';
import { keyId } from '../../../host/keys/index.js';
import { flashScaleOption } from '../virtual-options.js';
import { stopRequest } from '../stop-request.js';
import { toHex } from '../../../host/util/hex.js';
import { formatUuid } from '../../../host/util/uuid.js';

/** `tcp://host:port`, where port 0 asks for any free port. */
function parseListen(url: string): { host: string; port: number } {
  const m = /^tcp:\/\/(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9._-]+):([0-9]{1,5})\/?$/i.exec(url);
  const port = Number(m?.[2]);
  if (!m || port > 65535) throw new UsageError(`--listen: '${url}' is not tcp://host:port (port 0: any free one), e.g. tcp://127.0.0.1:0`);
  return { host: m[1]!.replace(/^\[|\]$/g, ''), port };
}

export const boardVirtualCommand: Command = {
  path: ['board', 'virtual'],
  summary: 'run a virtual SUIT board in this process, serving SMP on a TCP port or a pty',
  usage: '[--listen tcp://127.0.0.1:0 | --pty] [--profile NAME] [--state DIR] [--baud B] [--trust [role=]<key>...] [--decrypt-key <key>...] [--require ROLES] [--identity <identity.json>] [--quirk Q]... [--report-key <key>] [--test-hooks]',
  details: [
    'An emulated device under test: flash of a real part (profiles: ' + Object.keys(PROFILES).join(', ') + '), an',
    'MCUboot-style bootloader with SUIT secure boot, a SUIT firmware consumer, and an SMP server',
    '(OS, image, SUIT 66 and rig 67 groups). The first stdout line is `listening on <url or path>`;',
    'then the board runs until interrupted (Ctrl-C, SIGTERM or SIGHUP), keeping its flash in --state when given.',
    'Trust anchors (and the --decrypt-key keys for encrypted payloads) are provisioned into the',
    'board\'s trust partition (kept in --state); without any anchor',
    'it refuses every manifest. Without --identity it takes vendor and class from the profile and',
    'a random device id (kept in --state). --baud paces what the board sends and reads at that line rate.',
    'SUIT reports are protected with --report-key (a private key: COSE_Sign1; an HMAC key shared with',
    'the operator: COSE_Mac0); without it the board makes a P-256 key, kept in --state as',
    'report-key.pem with report-key.pub.pem for `suitrig report --report-key`.',
    'Quirks (deliberately broken boards): ' + QUIRKS.join(', ') + '.',
    '--test-hooks serves rig group 67\'s commands 8 (arm fault: power cuts, link faults) and 9 (board',
    'model: quirks, application default) to any client on the port, each change logged on the console',
    'and shown by `suitrig status`; without it they are refused (rc 8), so nobody on the port can make',
    'the board skip signature or rollback checks, or drop its link. For a board started for testing only.',
  ].join('\n'),
  options: {
    listen: { type: 'string', value: 'tcp://HOST:PORT', description: 'serve SMP over TCP (default tcp://127.0.0.1:0: any free port)' },
    pty: { type: 'boolean', description: 'serve SMP on a pty pair (socat); prints the path to open' },
    profile: { type: 'string', value: '<name>', description: `flash part and slot layout (default ${DEFAULT_PROFILE})` },
    state: { type: 'string', value: '<dir>', description: 'keep flash, boot record, last report and identity here' },
    baud: { type: 'string', value: '<baud>', description: "pace what the board sends and reads at this line rate" },
    trust: { type: 'string', multiple: true, value: '[role=]<key>', description: 'trust anchor to provision' },
    'decrypt-key': DECRYPT_KEY_OPTION,
    require: { type: 'string', value: 'ROLES', description: 'roles that must all have signed' },
    identity: { type: 'string', value: '<identity.json>', description: 'vendor-id, class-id, device-id of the board' },
    quirk: { type: 'string', multiple: true, value: '<quirk>', description: QUIRKS.join(', ') },
    'flash-scale': { type: 'string', value: '<factor>', description: 'real time per simulated flash time (default 1; 0 instant)' },
    'report-key': { type: 'string', value: '<key>', description: 'the key the board protects its SUIT reports with (PEM private key or HMAC key)' },
    'test-hooks': { type: 'boolean', description: 'serve rig commands 8 (arm fault) and 9 (board model) to any client: a board for testing only' },
  },
  positionals: { min: 0, max: 0 },
  async run(args, io) {
    const usePty = optFlag(args, 'pty');
    const listen = optString(args, 'listen');
    if (usePty && listen !== undefined) throw new UsageError('--listen and --pty exclude each other');
    const tcp = usePty ? undefined : parseListen(listen ?? 'tcp://127.0.0.1:0');
    const profile = optString(args, 'profile') ?? DEFAULT_PROFILE;
    if (!PROFILES[profile]) throw new UsageError(`--profile ${profile}: unknown profile (${Object.keys(PROFILES).join(', ')})`);
    const quirks = optStrings(args, 'quirk').map((q): Quirk => {
      if (!(QUIRKS as readonly string[]).includes(q)) throw new UsageError(`--quirk ${q}: expected one of ${QUIRKS.join(', ')}`);
      return q as Quirk;
    });
    const trustArgs = optStrings(args, 'trust');
    const req = optString(args, 'require');
    if (req !== undefined && trustArgs.length === 0) throw new UsageError('--require needs --trust');
    const require = requiredRoles(req) ?? [];
    const baud = parseBaud(optString(args, 'baud'));
    const scale = flashScaleOption(args);
    const testHooks = optFlag(args, 'test-hooks');
    const stateDir = optString(args, 'state');
    const given = identity(optString(args, 'identity'), io.cwd);
    const reportKeyArg = optString(args, 'report-key');
    const reportKey = reportKeyArg !== undefined ? signingKey(reportKeyArg, io.cwd, 'report-key') : undefined;
    const decrypt = decryptionKeys(optStrings(args, 'decrypt-key'), io.cwd);
    if (decrypt.length > 0 && trustArgs.length === 0) throw new UsageError('--decrypt-key needs --trust (both are provisioned into the trust partition)');
    const trust = trustArgs.length > 0 ? { anchors: trustAnchors(trustArgs, io.cwd), require, ...(decrypt.length ? { decrypt } : {}) } : undefined;
    const say = (s: string): void => void io.stderr.write(`${s}\n`);

    const listener = (e: BoardEvent): void => {
      if (e.kind === 'console') say(`console | ${e.line}`);
      else if (e.kind === 'power-lost') say(`board   | power cut before flash operation #${e.opIndex}`);
      else if (e.kind === 'error') say(`board   | internal error: ${(e.error as Error).stack ?? String(e.error)}`);
    };
    const stop = stopRequest(io.signal);
    try {
      let board: VirtualBoard;
      try {
        board = await VirtualBoard.open({
          listener,
          profile,
          ...(stateDir ? { stateDir: resolve(io.cwd, stateDir) } : {}),
          ...(trust ? { trust } : {}),
          ...(given ? { identity: given } : {}),
          ...(reportKey ? { reportKey } : {}),
          quirks,
          testHooks,
          flashScale: scale,
          ...(baud !== undefined ? { baud } : {}),
        });
      } catch (e) {
        if (e instanceof FlashStateError) throw new EnvironmentError(e.message);
        throw e;
      }

      const fw = board.firmware;
      const id = fw.identity;
      const from = (k: string, what: string): string => (board.defaultedIdentity.includes(k) ? ` (${what})` : '');
      say(`board   | ${board.profile.description}${stateDir ? `, state in ${resolve(io.cwd, stateDir)}` : ', no --state: forgotten at exit'}`);
      say(`board   | identity vendor ${formatUuid(id.vendorId)}${from('vendor-id', 'profile')}, class ${formatUuid(id.classId)}${from('class-id', 'profile')}, device ${formatUuid(id.deviceId)}${from('device-id', 'generated')}`);
      const t = fw.trust;
      if (!t || t.anchors.length === 0) say('board   | no trust anchor: this board refuses every manifest (give --trust [role=]<key>)');
      else say(`board   | trusts ${t.anchors.map((a) => `${a.role} key ${toHex(a.id)}`).join(', ')}${t.require.length ? `; requires ${t.require.join(', ')}` : ''}; stored sequence ${fw.storedSequence()}`);
      const rk = board.reportKey;
      const rkFrom = reportKeyArg !== undefined ? `--report-key ${reportKeyArg}` : stateDir ? `kept in ${resolve(io.cwd, stateDir, 'report-key.pem')}` : 'generated, forgotten at exit';
      say(`board   | reports protected by ${rk.family === 'hmac' ? 'COSE_Mac0 with an HMAC key' : `COSE_Sign1 with ${rk.family} key`} ${toHex(keyId(rk))} (${rkFrom})`);
      if (quirks.length) say(`board   | deliberately broken: ${quirks.join(', ')}`);
      if (testHooks) say('board   | test hooks on: rig commands 8 (arm fault) and 9 (board model) are served to any client on the port; each change is logged here');
      say(`board   | ${board.state.kind === 'running' ? `running ${board.state.image.version}` : board.mode}; SMP buf ${board.appServer.bufSize} x ${board.appServer.bufCount} (serial recovery ${board.bootServer.bufSize} x 1), console lines up to ${board.profile.smp.lineMax} bytes${baud ? `, paced at ${baud} baud` : ''}; fault seed ${board.seed}`);

      let pty: PtyPair | undefined;
      let stopListening: () => Promise<void>;
      try {
        if (usePty) {
          pty = await createPtyPair();
          const t = await SerialPortTransport.open({ path: pty.b, baudRate: baud ?? 115200 });
          board.serve(t);
          stopListening = () => pty!.close();
          io.stdout.write(`listening on ${pty.a}\n`);
        } else {
          const l = await board.listenTcp({ host: tcp!.host, port: tcp!.port });
          stopListening = () => l.close();
          io.stdout.write(`listening on ${l.url}\n`);
        }
      } catch (e) {
        await pty?.close();
        await board.close();
        if (e instanceof PtyUnavailableError || e instanceof PortOpenError) throw new EnvironmentError(e.message);
        throw e;
      }

      const why = await stop.requested;
      say(`board   | stopping (${why})`);
      await stopListening();
      await board.close();
      return EXIT_OK;
    } finally {
      stop.dispose();
    }
  },
};

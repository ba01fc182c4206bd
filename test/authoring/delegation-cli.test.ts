/**
 * Delegation chains from the command line: `suitrig delegate` makes the links (CWTs), `manifest
 * create --delegation` / `sign --delegation` put the chain into the envelope, `inspect` shows it,
 * and `verify` takes the delegated key's signature with the anchor's role only when the chain
 * starts at a trusted anchor and has not expired.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { EXAMPLE_IDENTITY, makeWorkspace, seededBytes } from './support/fixtures.js';

const ws = makeWorkspace('delegation');
const anchor = ws.key('es256', 'anchor');
const mid = ws.key('es256', 'mid');
const leaf = ws.key('ed25519', 'leaf');
const stranger = ws.key('es256', 'stranger');
ws.write('app.bin', seededBytes('app', 1000));
ws.write('app.yaml', `template: secure-boot\nsequence-number: 1\n${EXAMPLE_IDENTITY}components:\n  - {id: [app], image: app.bin}\n`);
const cli = (args: string[]) => runCli(args, { cwd: ws.dir });

describe('suitrig delegate, manifest create / sign --delegation', () => {
  it('a two-link chain from the anchor lets the leaf key sign; inspect shows the links', async () => {
    expect((await cli(['delegate', '--key', anchor.file, '--subject', mid.pub, '--out', 'a-mid.cwt'])).code).toBe(0);
    const l2 = await cli(['delegate', '--key', mid.file, '--subject', leaf.pub, '--expires', '2099-01-01T00:00:00Z', '--out', 'mid-leaf.cwt', '--json']);
    expect(l2.code, l2.stderr).toBe(0);
    expect(JSON.parse(l2.stdout)).toMatchObject({ expires: '4070908800' });
    const c = await cli(['manifest', 'create', 'app.yaml', '--key', leaf.file, '--delegation', 'a-mid.cwt,mid-leaf.cwt', '--out', 'app.suit']);
    expect(c.code, c.stderr).toBe(0);
    expect(c.stdout).toMatch(/with a delegation chain of 2 links/);
    const v = await cli(['verify', 'app.suit', '--trust', anchor.pub]);
    expect(v.code, v.stdout).toBe(0);
    expect(v.stdout).toMatch(/^signature COSE_Sign1 EdDSA: verified by a key delegated by .*anchor\.pub\.pem \(a delegation chain in the envelope; role author\)$/m);
    expect((await cli(['verify', 'app.suit', '--trust', stranger.pub])).code).toBe(1);
    const i = await cli(['inspect', 'app.suit']);
    expect(i.stdout).toMatch(/^delegation chain 1 link 1: ES256 key [0-9a-f]{16} vouches for p256 key [0-9a-f]{16}$/m);
    expect(i.stdout).toMatch(/^delegation chain 1 link 2: ES256 key [0-9a-f]{16} vouches for ed25519 key [0-9a-f]{16} until 2099-01-01T00:00:00\.000Z$/m);
  });

  it('sign --delegation adds a signature by a delegated key next to the author\'s', async () => {
    await cli(['delegate', '--key', anchor.file, '--subject', mid.pub, '--out', 'op.cwt']);
    expect((await cli(['manifest', 'create', 'app.yaml', '--key', stranger.file, '--out', 's.suit'])).code).toBe(0);
    expect((await cli(['verify', 's.suit', '--trust', anchor.pub])).code).toBe(1);
    const s = await cli(['sign', 's.suit', '--key', mid.file, '--delegation', 'op.cwt', '--out', 's2.suit']);
    expect(s.code, s.stderr).toBe(0);
    expect((await cli(['verify', 's2.suit', '--trust', anchor.pub])).code).toBe(0);
  });

  it('refuses an HMAC issuer or subject, and bad times', async () => {
    const mac = ws.key('hmac256', 'mac');
    expect((await cli(['delegate', '--key', mac.file, '--subject', leaf.pub, '--out', 'x.cwt'])).stderr).toMatch(/an HMAC key cannot vouch/);
    expect((await cli(['delegate', '--key', anchor.file, '--subject', mac.pub, '--out', 'x.cwt'])).code).toBe(2);
    const bad = await cli(['delegate', '--key', anchor.file, '--subject', leaf.pub, '--expires', 'tomorrow', '--out', 'x.cwt']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--expires tomorrow: expected seconds since 1970 or an ISO 8601 date-time/);
  });

  it('refuses an HSS-LMS subject: the core takes P-256 and Ed25519 keys from a chain', async () => {
    expect((await cli(['keygen', '--alg', 'hss-lms', '--hss-levels', 'm32-h5-w8', '--out', 'hss'])).code).toBe(0);
    const r = await cli(['delegate', '--key', anchor.file, '--subject', 'hss.pub.cose', '--out', 'x.cwt']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--subject: a delegation vouches for a P-256 or Ed25519 key, not an HSS-LMS key/);
    expect(existsSync(join(ws.dir, 'x.cwt'))).toBe(false);
  });
});

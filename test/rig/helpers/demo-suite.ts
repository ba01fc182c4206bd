/**
 * A small suite in the shape of the rfc9019 suite, over the fake DUT's JSON envelopes:
 * written with the public suite API and step helpers, as a lab would write its own.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { defineCase, defineSuite } from '../../../rig/suites/api.js';
import { deliverEnvelope, imageUntouched, powerCycle, readStatus, reset, supplyPayloads } from '../../../rig/suites/steps.js';
import { envelope, sha256 } from './fake-dut.js';

export interface DemoFixtures {
  app: Uint8Array;
  appFile: string;
}

const payloads = (ctx: { fixtures: DemoFixtures }) => ({ 'app.bin': ctx.fixtures.app });
const digests = (f: DemoFixtures) => ({ 'app.bin': sha256(f.app) });

export const demoSuite = defineSuite<DemoFixtures>({
  name: 'demo',
  title: 'demo suite over the fake board',
  async prepare(ctx) {
    const app = new Uint8Array(256).map(() => ctx.rng.below(256));
    const appFile = join(ctx.workDir, 'app.bin');
    writeFileSync(appFile, app);
    ctx.log(`demo: app image ${app.length} B`);
    return { app, appFile };
  },
  cases: [
    defineCase<DemoFixtures>({
      id: 'trusted-update',
      title: 'trusted author, valid update: installed, booted, confirmed',
      tags: ['trust'],
      steps: [
        deliverEnvelope('deliver envelope', (ctx) => ({ envelope: envelope({ seq: 2, signer: 'author', version: '1.1.0', payloads: digests(ctx.fixtures) }), payloads: payloads(ctx) })),
        supplyPayloads('supply payloads', payloads),
        reset(),
        readStatus(),
      ],
      expect: { decision: 'accept', boot: 'updated' },
    }),
    defineCase<DemoFixtures>({
      id: 'untrusted-signer',
      title: 'untrusted signer refused, image untouched',
      tags: ['trust'],
      needs: ['suit'],
      steps: [
        readStatus('status before'),
        deliverEnvelope('deliver envelope', (ctx) => ({ envelope: envelope({ seq: 5, signer: 'mallory', version: '6.6.6', payloads: digests(ctx.fixtures) }), payloads: payloads(ctx) })),
        imageUntouched(),
      ],
      expect: { decision: { reject: ['unauthorised'] }, boot: 'unchanged' },
    }),
    defineCase<DemoFixtures, { env: Uint8Array }>({
      id: 'rollback-refused',
      title: 'replay of an older manifest refused (rollback)',
      needs: ['suit'],
      async setup(ctx) {
        return { env: envelope({ seq: 1, signer: 'author', version: '0.9.0', payloads: digests(ctx.fixtures) }) };
      },
      steps: [readStatus('status before'), deliverEnvelope('deliver old envelope', (ctx) => ctx.state.env), imageUntouched()],
      expect: { decision: { reject: ['rollback'] }, boot: 'unchanged' },
    }),
    defineCase<DemoFixtures>({
      id: 'crash-reverted',
      title: 'crashing image reverted',
      steps: [
        deliverEnvelope('deliver envelope', (ctx) => envelope({ seq: 3, signer: 'author', version: '1.1.1', behaviour: 'crashes', payloads: digests(ctx.fixtures) })),
        supplyPayloads('supply payloads', payloads),
        reset(),
        readStatus(),
      ],
      expect: { decision: 'accept', boot: 'reverted' },
    }),
    defineCase<DemoFixtures>({
      id: 'corrupt-payload',
      title: 'corrupted image rejected',
      steps: [
        deliverEnvelope('deliver envelope', (ctx) => envelope({ seq: 4, signer: 'author', version: '1.2.0', payloads: digests(ctx.fixtures) })),
        supplyPayloads('supply corrupted payload', (ctx) => ({ 'app.bin': ctx.fixtures.app.map((b, i) => (i === 7 ? b ^ 1 : b)) })),
      ],
      expect: { decision: { reject: ['digest-mismatch'] } },
    }),
    defineCase<DemoFixtures>({
      id: 'power-cycle',
      title: 'power cycle keeps the running image',
      needs: ['power'],
      steps: [powerCycle('power cycle', { offMs: 1 }), readStatus()],
      expect: { boot: 'unchanged' },
    }),
  ],
});

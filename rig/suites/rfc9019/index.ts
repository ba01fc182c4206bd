/**
 * The built-in suite `rfc9019`: RFC 9019 Table 1 (trust, integrity, applicability, rollback,
 * timing, storage, where the update comes from) and recovery from failed updates (interrupted
 * transfer, power cut, images that never confirm or crash), against any board the rig drives.
 * Keys, application images, MCUboot images and envelopes are made per run from the run seed
 * (fixtures.ts); virtual boards are provisioned to trust the run's author and operator keys
 * and start every case from the known-good update (app 1.0.0).
 */
import { defineSuite, type Suite } from '../api.js';
import { rfc9019Cases } from './cases.js';
import { DEFAULT_POWER_CUT_SAMPLES, prepareFixtures, provisionOf, type Rfc9019Fixtures, type Rfc9019Options } from './fixtures.js';

export function createRfc9019Suite(o: Rfc9019Options = {}): Suite<Rfc9019Fixtures> {
  return defineSuite<Rfc9019Fixtures>({
    name: 'rfc9019',
    title: 'RFC 9019 update decisions (Table 1) and recovery from failed updates',
    description: 'trusted and untrusted signers, corrupted manifests and images, other vendor/class/device, rollback replay, timing, storage, payload delivery, interrupted transfers, power cuts, test images that never confirm, crashing images',
    prepare: (ctx) => prepareFixtures(ctx, o),
    provision: provisionOf,
    cases: rfc9019Cases({ powerCutSamples: o.powerCutSamples ?? DEFAULT_POWER_CUT_SAMPLES }),
  });
}

export const rfc9019Suite = createRfc9019Suite();

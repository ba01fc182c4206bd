/**
 * Dependencies in depth (draft-ietf-suit-trust-domains-11 §5-6) on hand-built manifest trees:
 * parameters a dependent sets reach its dependency through the components they share (and what
 * the dependency sets persists in the dependent), dependencies nested three levels below the root
 * with the report's manifest-id path on every record, a fourth level refused, a dependency shared
 * by two dependents processed once per section, dependency prefixes prepended by device policy,
 * and process-dependency's integrity rule.
 */
import { describe, expect, it } from 'vitest';
import { MemoryPlatform, SuitProcessor, runWithPayloads, type FinishedRun, type RunOptions } from '../../host/verifier/index.js';
import { IETF_KEY } from '../vectors/corpus.js';
import { cbor, manifestDigestOf } from './envelope-builder.js';
import { digestParam, makeEnvelope, params, type ManifestSpec } from './manifests.js';

const enc = (s: string): Uint8Array => new Uint8Array(Buffer.from(s));
const id = (...parts: string[]): Uint8Array[] => parts.map(enc);
const text = (b: Uint8Array | undefined): string | undefined => (b ? Buffer.from(b).toString() : undefined);

function run(env: Uint8Array, sequences: RunOptions['sequences'] = ['install'], opts: Partial<RunOptions> = {}, platform = new MemoryPlatform()) {
  const p = new SuitProcessor(platform, { variant: 'checked' });
  const r = runWithPayloads(p, env, { trust: [IETF_KEY], sequences, ...opts }, new Map());
  return { r, platform };
}

const trace = (r: FinishedRun) => r.records.map((x) => `${x.manifest.length ? `[${x.manifest.join(',')}] ` : ''}${x.commandName}[${x.component}] ${x.outcome}`);

/**
 * The commands a dependent uses to take in the dependency integrated as `key`: fetch it into
 * dependency slot `index`, check its integrity, process it.
 */
function takeDependency(index: number, dep: Uint8Array, key: string): unknown[] {
  return [12, index, 20, params({ 3: digestOf(dep), 14: dep.length, 21: key }), 21, 2, 7, 15, 11, 15];
}

/** image-digest naming a dependency: its manifest's SUIT_Digest (trust-domains §5.2.2). */
function digestOf(dep: Uint8Array): Buffer {
  return cbor([-16, manifestDigestOf(dep)]);
}

/** A root with one dependency slot (index 1, prefix `prefix`) after its own components. */
function dependent(dep: Uint8Array, spec: Partial<ManifestSpec> & { before?: unknown[]; after?: unknown[] }, prefix: string[] | null = ['dep.suit']): Uint8Array {
  const components = spec.components ?? [id('fw')];
  const slot = components.length;
  return makeEnvelope({
    components,
    dependencies: { [slot]: prefix },
    sections: { 20: [...(spec.before ?? []), ...takeDependency(slot, dep, '#dep'), ...(spec.after ?? [])] },
    integrated: [['#dep', dep]],
  });
}

describe('parameters across manifests', () => {
  const written = (r: ReturnType<typeof run>) => text(r.platform.content("['fw']"));

  it('what the dependent sets for a shared component reaches the dependency (the dependency only defaults it)', () => {
    const dep = makeEnvelope({ components: [id('fw')], sections: { 20: [12, 0, 19, params({ 18: enc('default of the dependency') }), 18, 15] } });
    const withValue = run(dependent(dep, { before: [12, 0, 19, params({ 18: enc('set by the dependent') })] }));
    expect(withValue.r).toMatchObject({ accepted: true });
    expect(written(withValue)).toBe('set by the dependent');
    expect(trace(withValue.r)).toContain('[0] write[0] passed');
    // Without it, the dependency's default applies.
    const without = run(dependent(dep, {}));
    expect(without.r).toMatchObject({ accepted: true });
    expect(written(without)).toBe('default of the dependency');
  });

  it('override-parameters in the dependency wins over what the dependent set', () => {
    const dep = makeEnvelope({ components: [id('fw')], sections: { 20: [12, 0, 20, params({ 18: enc('enforced by the dependency') }), 18, 15] } });
    const { r, platform } = run(dependent(dep, { before: [12, 0, 19, params({ 18: enc('set by the dependent') })] }));
    expect(r.accepted).toBe(true);
    expect(text(platform.content("['fw']"))).toBe('enforced by the dependency');
  });

  it('parameters of components with other identifiers do not cross (parameter-missing in the dependency)', () => {
    const dep = makeEnvelope({ components: [id('other')], sections: { 20: [12, 0, 18, 15] } });
    const { r } = run(dependent(dep, { before: [12, 0, 20, params({ 18: enc('for fw only') })] }));
    expect(r).toMatchObject({ accepted: false, detail: 'parameter-missing', at: { manifest: [0], sectionName: 'install', component: 0 } });
  });

  it('what the dependency sets persists in the dependent: its image-digest lets the dependent check the image', () => {
    const image = enc('image written by the dependency');
    const dep = makeEnvelope({ components: [id('fw')], shared: [12, 0, 20, params({ 3: digestParam(image), 14: image.length })], sections: { 20: [12, 0, 20, params({ 18: image }), 18, 15] } });
    const { r } = run(dependent(dep, { after: [12, 0, 3, 15] }));
    expect(r).toMatchObject({ accepted: true });
    expect(trace(r).at(-1)).toBe('image-match[0] passed');
    // Without the dependency the dependent has no digest for it: the same check fails.
    const alone = run(makeEnvelope({ components: [id('fw')], sections: { 20: [12, 0, 3, 15] } }));
    expect(alone.r).toMatchObject({ accepted: false, detail: 'image-match' });
  });
});

/** A chain of `depth` manifests below a root: each writes its level number to ['L<n>']. */
function chain(depth: number): Uint8Array {
  let env = makeEnvelope({ components: [id(`L${depth}`)], sections: { 20: [12, 0, 20, params({ 18: enc(String(depth)) }), 18, 15] } });
  for (let level = depth - 1; level >= 0; level--) {
    env = dependent(env, { components: [id(`L${level}`)], after: [12, 0, 20, params({ 18: enc(String(level)) }), 18, 15] }, [`L${level + 1}.suit`]);
  }
  return env;
}

describe('nesting', () => {
  it('three levels below the root: each manifest runs inside its dependent, records carry the manifest-id path', () => {
    const { r, platform } = run(chain(3));
    expect(r).toMatchObject({ accepted: true, reason: 'ok' });
    for (const n of [0, 1, 2, 3]) expect(text(platform.content(`['L${n}']`))).toBe(String(n));
    const writes = r.records.filter((x) => x.commandName === 'write').map((x) => x.manifest);
    // The deepest writes first: every dependency is processed before its dependent's write.
    expect(writes).toEqual([[0, 0, 0], [0, 0], [0], []]);
    expect(r.records.filter((x) => x.commandName === 'process-dependency').map((x) => x.manifest)).toEqual([[], [0], [0, 0]]);
    const report = r.report();
    expect(report.length).toBeGreaterThan(0);
  });

  it('a fourth level is refused (dependency-depth) where the third-level manifest tries it', () => {
    const { r, platform } = run(chain(4));
    expect(r).toMatchObject({ accepted: false, reason: 'command-unsupported', detail: 'dependency-depth', at: { manifest: [0, 0, 0], sectionName: 'install' } });
    expect(platform.content("['L4']")).toBeUndefined();
  });

  it('a dependency that fails aborts every dependent above it, reported where it failed', () => {
    const leaf = makeEnvelope({ components: [id('L2')], sections: { 20: [12, 0, 14, 15] } }); // condition abort
    const mid = dependent(leaf, { components: [id('L1')] }, ['L2.suit']);
    const { r } = run(dependent(mid, { components: [id('L0')] }, ['L1.suit']));
    expect(r).toMatchObject({ accepted: false, reason: 'condition-failed', detail: 'abort', at: { manifest: [0, 0], sectionName: 'install', component: 0 } });
  });
});

describe('shared dependencies', () => {
  it('a dependency of two dependents runs once per section', () => {
    const shared = makeEnvelope({ components: [id('shared')], sections: { 20: [12, 0, 20, params({ 18: enc('once') }), 18, 15] } });
    const a = dependent(shared, { components: [id('a')] }, ['shared.suit']);
    const b = dependent(shared, { components: [id('b')] }, ['shared.suit']);
    const root = makeEnvelope({
      components: [id('root')],
      dependencies: { 1: ['a.suit'], 2: ['b.suit'] },
      sections: { 20: [...takeDependency(1, a, '#a'), ...takeDependency(2, b, '#b')] },
      integrated: [['#a', a], ['#b', b]],
    });
    const { r, platform } = run(root);
    expect(r).toMatchObject({ accepted: true });
    expect(platform.calls.filter((c) => c.op === 'erase' && c.component === "['shared']")).toHaveLength(1);
    // Both dependents asked for it; the second time it is taken as processed.
    const pd = r.records.filter((x) => x.commandName === 'process-dependency');
    expect(pd.map((x) => [x.manifest, x.outcome])).toEqual([[[], 'passed'], [[0], 'passed'], [[], 'passed'], [[1], 'passed']]);
    expect(r.records.filter((x) => x.commandName === 'write').map((x) => x.manifest)).toEqual([[0, 0]]);
    // In another section (a new run here) it runs again.
    expect(run(root).platform.calls.filter((c) => c.op === 'erase' && c.component === "['shared']")).toHaveLength(1);
  });
});

describe('dependency prefixes', () => {
  const dep = makeEnvelope({ components: [id('00')], sections: { 20: [12, 0, 20, params({ 18: enc('x') }), 18, 15] } });

  it('by default the prefix names the dependency\'s storage, and its components keep their identifiers', () => {
    const { r, platform } = run(dependent(dep, {}, ['dep.suit']));
    expect(r.accepted).toBe(true);
    expect(platform.content("['00']")).toBeDefined();
    expect(platform.content("['dep.suit']")).toBeDefined(); // the dependency envelope itself
  });

  it('with dependencyPrefixes "prepend" the dependency\'s components live under its prefix', () => {
    const { r, platform } = run(dependent(dep, {}, ['vendor', 'dep.suit']), ['install'], { dependencyPrefixes: 'prepend' });
    expect(r.accepted).toBe(true);
    expect(platform.content("['00']")).toBeUndefined();
    expect(text(platform.content("['vendor', 'dep.suit', '00']"))).toBe('x');
  });

  it('prefixes accumulate down the tree', () => {
    const { r, platform } = run(chain(2), ['install'], { dependencyPrefixes: 'prepend' });
    expect(r.accepted).toBe(true);
    expect(text(platform.content("['L1.suit', 'L2.suit', 'L2']"))).toBe('2');
    expect(text(platform.content("['L1.suit', 'L1']"))).toBe('1');
  });
});

describe('process-dependency and the integrity check', () => {
  const dep = makeEnvelope({ components: [id('fw')], sections: { 20: [12, 0, 20, params({ 18: enc('x') }), 18, 15] } });

  it('a dependency no condition checked is checked by process-dependency when its image-digest is set', () => {
    const root = makeEnvelope({
      components: [id('fw')],
      dependencies: { 1: ['dep.suit'] },
      sections: { 20: [12, 1, 20, params({ 3: digestOf(dep), 21: '#dep' }), 21, 2, 11, 15] },
      integrated: [['#dep', dep]],
    });
    expect(run(root).r).toMatchObject({ accepted: true });
    // The same with a digest that names another manifest: refused as dependency-integrity.
    const other = makeEnvelope({ components: [id('fw')], sequence: 2, sections: { 20: [12, 0, 20, params({ 18: enc('y') }), 18, 15] } });
    const wrong = makeEnvelope({
      components: [id('fw')],
      dependencies: { 1: ['dep.suit'] },
      sections: { 20: [12, 1, 20, params({ 3: digestOf(other), 21: '#dep' }), 21, 2, 11, 15] },
      integrated: [['#dep', dep]],
    });
    expect(run(wrong).r).toMatchObject({ accepted: false, reason: 'unauthorised', detail: 'dependency-integrity', at: { manifest: [], component: 1 } });
  });

  it('without an image-digest nothing names the dependency: refused (dependency-not-checked), nothing of it runs', () => {
    const root = makeEnvelope({
      components: [id('fw')],
      dependencies: { 1: ['dep.suit'] },
      sections: { 20: [12, 1, 20, params({ 21: '#dep' }), 21, 2, 11, 15] },
      integrated: [['#dep', dep]],
    });
    const { r, platform } = run(root);
    expect(r).toMatchObject({ accepted: false, detail: 'dependency-not-checked', at: { component: 1 } });
    expect(platform.content("['fw']")).toBeUndefined();
  });
});

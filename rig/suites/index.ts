/**
 * The suite registry: built-in suites by name, and suites labs write themselves, loaded from a
 * JavaScript module path (`suitrig run ./lab-suites/smoke.js`, default export or `suite`).
 * The built-in suite is `rfc9019` (RFC 9019 Table 1 and recovery, rfc9019/).
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { EnvironmentError, UsageError } from '../../host/util/errors.js';
import { SuiteDefinitionError, defineSuite, type Suite } from './api.js';
import { rfc9019Suite } from './rfc9019/index.js';

export const DEFAULT_SUITE = 'rfc9019';

export const builtinSuites: readonly Suite[] = [rfc9019Suite as Suite];

function looksLikePath(word: string): boolean {
  return word.includes('/') || /\.(m?js|ts)$/.test(word);
}

/** The suite a `run [suite]` argument names: a registry name or a module path. */
export async function loadSuite(word: string, cwd: string, registry: readonly Suite[] = builtinSuites): Promise<Suite> {
  if (!looksLikePath(word)) {
    const found = registry.find((s) => s.name === word);
    if (found) return found;
    const names = registry.map((s) => s.name);
    throw new UsageError(`unknown suite '${word}'; built-in suites: ${names.length > 0 ? names.join(', ') : 'none yet'}. A suite module is run by its path (./my-suite.js).`);
  }
  const file = resolve(cwd, word);
  if (!existsSync(file)) throw new EnvironmentError(`suite module ${word}: no such file`);
  let mod: { default?: unknown; suite?: unknown };
  try {
    mod = (await import(pathToFileURL(file).href)) as typeof mod;
  } catch (e) {
    throw new EnvironmentError(`suite module ${word} failed to load: ${(e as Error).message}`);
  }
  const suite = mod.default ?? mod.suite;
  if (suite === undefined) throw new EnvironmentError(`suite module ${word} exports no suite (export default defineSuite({...}) or export const suite)`);
  try {
    return defineSuite(suite as Suite);
  } catch (e) {
    if (e instanceof SuiteDefinitionError) throw new EnvironmentError(`suite module ${word}: ${e.message}`);
    throw e;
  }
}

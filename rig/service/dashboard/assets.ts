/**
 * The files the dashboard's browser side is made of (DESIGN.md "Lab service": dashboard at `/`):
 * the plain ES modules, stylesheet and page shell under `client/` — served as they are, no build
 * step — and chart.js's self-contained browser build, found in node_modules at runtime (a runtime
 * dependency). Everything is read once, at start, into an allow-list keyed by URL path: a request
 * names an entry of that list or gets a 404; no request path ever reaches the file system.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, sep } from 'node:path';
import { EnvironmentError } from '../../../host/util/errors.js';
import { packageRoot } from '../../../host/paths.js';

export interface Asset {
  body: Buffer;
  type: string;
  /** Strong validator: the SHA-256 of the bytes. */
  etag: string;
}

/** URL prefix of every asset; the page shell is served at the page URLs instead. */
export const ASSET_PREFIX = '/ui/';
/** Where chart.js's browser build is served. */
export const CHART_JS_PATH = `${ASSET_PREFIX}vendor/chart.umd.min.js`;

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.html': 'text/html; charset=utf-8',
  '.svg': 'image/svg+xml',
};

/** The client's folder: in the package (not compiled: the browser runs these files as they are). */
export function clientDir(): string {
  return join(packageRoot(), 'rig', 'service', 'dashboard', 'client');
}

/** chart.js's UMD build (one file, no imports), next to the module Node resolves for 'chart.js'. */
export function chartJsFile(): string {
  let entry: string;
  try {
    entry = createRequire(import.meta.url).resolve('chart.js');
  } catch {
    throw new EnvironmentError("the dashboard needs the chart.js package, which is not installed: run 'npm ci'");
  }
  const file = join(dirname(entry), 'chart.umd.min.js');
  if (!existsSync(file)) throw new EnvironmentError(`chart.js at ${dirname(entry)} has no chart.umd.min.js: reinstall it ('npm ci')`);
  return file;
}

function asset(body: Buffer, type: string): Asset {
  return { body, type, etag: `"${createHash('sha256').update(body).digest('base64url')}"` };
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

/** Every asset by URL path, and the page shell. */
export function loadAssets(): { assets: Map<string, Asset>; shell: Asset } {
  const dir = clientDir();
  const assets = new Map<string, Asset>();
  let shell: Asset | undefined;
  for (const file of filesUnder(dir)) {
    const ext = file.slice(file.lastIndexOf('.'));
    const type = TYPES[ext];
    if (!type) continue;
    const rel = relative(dir, file).split(sep).join('/');
    const a = asset(readFileSync(file), type);
    if (rel === 'index.html') shell = a;
    else assets.set(`${ASSET_PREFIX}${rel}`, a);
  }
  if (!shell) throw new EnvironmentError(`the dashboard's page shell is missing: ${join(dir, 'index.html')}`);
  assets.set(CHART_JS_PATH, asset(readFileSync(chartJsFile()), TYPES['.js']!));
  return { assets, shell };
}

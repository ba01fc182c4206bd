/**
 * Manifest descriptions: suitrig's own format (native.ts, documented in ../README.md; its
 * explicit form, explicit.ts, is what `manifest parse` writes) or suit-tool's JSON input
 * (suit-tool.ts), told apart by their fields, read into a checked ManifestPlan. Every problem is
 * reported at once, with field path, line and column; warnings (older suit-tool fields migrated)
 * come with the plan.
 */
import { Fields } from './fields.js';
import { IssueList } from './issues.js';
import { isNativeDescription, readNativeDescription } from './native.js';
import { readExplicitDescription } from './explicit.js';
import type { ManifestPlan } from './plan.js';
import { parseDescriptionText, readDescriptionFile, type DescriptionSource } from './source.js';
import { isSuitToolDescription, readSuitToolDescription } from './suit-tool.js';
import { TEMPLATE_NAMES } from './templates.js';

export * from './plan.js';
export { DescriptionError, issueLine, type DescriptionIssue } from './issues.js';
export { TEMPLATES, TEMPLATE_NAMES, type TemplateName } from './templates.js';
export type { DescriptionSource } from './source.js';

export function planFromSource(src: DescriptionSource): ManifestPlan {
  const issues = new IssueList((p) => src.locate(p));
  const f = new Fields(issues, src.dir);
  let plan: ManifestPlan | undefined;
  if (isNativeDescription(src.value) && (src.value as { template?: unknown }).template === 'explicit') plan = readExplicitDescription(src, f);
  else if (isNativeDescription(src.value)) plan = readNativeDescription(src, f);
  else if (isSuitToolDescription(src.value)) plan = readSuitToolDescription(src, f);
  else issues.add([], `not a manifest description: expected a mapping with 'template' (one of ${TEMPLATE_NAMES.join(', ')}, or explicit) or a suit-tool description with 'manifest-sequence-number' and 'components'`);
  issues.throwIfAny(src.file);
  const warnings = issues.warnings();
  return warnings.length ? { ...plan!, warnings } : plan!;
}

/** A plan from description text; relative file names are resolved against `dir`. */
export function parseDescription(text: string, opts: { file?: string; dir?: string } = {}): ManifestPlan {
  return planFromSource(parseDescriptionText(text, opts.file ?? 'description', opts.dir ?? process.cwd()));
}

/** A plan from a description file (JSON or YAML). */
export function loadDescription(path: string): ManifestPlan {
  return planFromSource(readDescriptionFile(path));
}

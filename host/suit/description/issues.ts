/**
 * Problems found in a manifest description, each tied to its place in the file: a field path
 * (`components[0].image`) and, where the source has one, line and column. The description is
 * checked completely before anything is built, so one run reports every problem.
 */
import { formatPath, type FieldPath, type SourcePosition } from '../../util/yaml-source.js';

export interface DescriptionIssue {
  path: string;
  line?: number;
  col?: number;
  message: string;
}

/** The description cannot be turned into a manifest; `issues` lists every reason. */
export class DescriptionError extends Error {
  override name = 'DescriptionError';
  constructor(
    readonly file: string,
    readonly issues: readonly DescriptionIssue[],
  ) {
    super(
      `${file}: ${issues.length} problem${issues.length === 1 ? '' : 's'}\n` +
        issues.map((i) => `  ${issueLine(file, i)}`).join('\n'),
    );
  }
}

/** Collects issues (and warnings: what was changed to build anyway); `locate` turns a path into a line and column of the source. */
export class IssueList {
  private readonly found: { path: FieldPath; message: string }[] = [];
  private readonly warned: { path: FieldPath; message: string }[] = [];

  constructor(private readonly locate: (path: FieldPath) => SourcePosition | undefined = () => undefined) {}

  add(path: FieldPath, message: string): void {
    this.found.push({ path, message });
  }

  warn(path: FieldPath, message: string): void {
    this.warned.push({ path, message });
  }

  /** The warnings, each with its place in the source. */
  warnings(): DescriptionIssue[] {
    return this.warned.map(({ path, message }) => ({ path: formatPath(path), message, ...this.locate(path) }));
  }

  /** The problems found so far, each with its place (for reporting a nested description's problems). */
  list(): DescriptionIssue[] {
    return this.found.map(({ path, message }) => ({ path: formatPath(path), message, ...this.locate(path) }));
  }

  get count(): number {
    return this.found.length;
  }

  /** Throws a DescriptionError if anything was found. */
  throwIfAny(file: string): void {
    if (this.found.length === 0) return;
    const issues = this.list();
    issues.sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.col ?? 0) - (b.col ?? 0));
    throw new DescriptionError(file, issues);
  }
}

/** `file:line:col  path: message`, as problems and warnings are printed. */
export function issueLine(file: string, i: DescriptionIssue): string {
  return `${file}${i.line ? `:${i.line}:${i.col}` : ''}  ${i.path ? `${i.path}: ` : ''}${i.message}`;
}

/**
 * One problem with a site, in the shape every layer reports: where (a field path a person can find in
 * the site file), what value was there, what is wrong and how to fix it.
 */
export interface SiteProblem {
  readonly path: string;
  readonly value?: unknown;
  readonly message: string;
  readonly fix?: string;
}

/** Thrown when a site is invalid; carries every problem found, not just the first. */
export class SiteError extends Error {
  public readonly problems: readonly SiteProblem[];

  constructor(public readonly source: string, problems: readonly SiteProblem[]) {
    super(formatProblems(source, problems));
    this.name = 'SiteError';
    this.problems = problems;
  }
}

/** `a.b[2].c` from ['a', 'b', 2, 'c']. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? String(part) : `.${String(part)}`;
  }
  return out === '' ? '(site)' : out;
}

export function formatValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  if (typeof value === 'string') return JSON.stringify(value);
  const json = JSON.stringify(value);
  if (json === undefined) return String(value);
  return json.length > 80 ? `${json.slice(0, 77)}...` : json;
}

/** More problems than this are counted, not printed: one mistake repeated 100,000 times is still one screen. */
export const MAX_PRINTED_PROBLEMS = 50;

export function formatProblems(source: string, problems: readonly SiteProblem[]): string {
  const lines = [`${source}: ${problems.length} problem${problems.length === 1 ? '' : 's'}`];
  for (const p of problems.slice(0, MAX_PRINTED_PROBLEMS)) {
    const got = 'value' in p ? ` (got ${formatValue(p.value)})` : '';
    lines.push(`  ${p.path}: ${p.message}${got}`);
    if (p.fix) lines.push(`    fix: ${p.fix}`);
  }
  if (problems.length > MAX_PRINTED_PROBLEMS) lines.push(`  … and ${problems.length - MAX_PRINTED_PROBLEMS} more (fix these first; the rest are often the same mistake)`);
  return lines.join('\n');
}

/**
 * Stands for the user's site in hints written where the site's path is not known (a lock, a chart's release) or must
 * not be named (REVIEW.md is the same for a site and its YAML print). The command line fills it in with the --site the
 * user gave (synth/run-synth.ts userHint), so every printed hint works when pasted.
 */
export const SITE_ARG = '--site <site file>';

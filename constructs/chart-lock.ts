import * as fs from 'node:fs';
import * as path from 'node:path';
import { Document, isMap, isSeq } from 'yaml';
import { z } from 'zod';
import { SITE_ARG } from '../site/errors';
import { SiteError, formatPath, type SiteProblem } from '../site/errors';
import { parseData } from '../site/load';
import { ParsedYamlCache } from './parsed-yaml-cache';
import { writeFileAtomically } from '../core/atomic-file';

/**
 * The chart lock: every third-party chart a site uses, pinned by repository, version and the
 * sha256 of its archive. It lives beside the site (`sites/hookprobe.ts` -> `sites/hookprobe.lock.yaml`),
 * is written by `npm run vendor` and is committed with the site, like a package-lock.
 */

export const CHART_LOCK_VERSION = 1;

/** What a command has to say to fix the lock; every message names it. */
export const VENDOR_COMMAND = 'npm run vendor';

export { SITE_ARG } from '../site/errors';

/** The folder of charts an air-gapped site vendors from: only the user knows it. */
export const MIRROR_ARG = '<folder of charts>';

/**
 * The vendor command of one site, as its lock names it: the reference site needs no --site, any other site does, so
 * the lock's own comments work when pasted in the project folder.
 */
export function vendorCommandFor(siteSource: string, defaultSite = 'sites/hookprobe.ts'): string {
  const site = siteSource.split(path.sep).join('/');
  return `npx site-compiler vendor${site === defaultSite ? '' : ` --site ${site}`}`;
}

/** `npx site-compiler vendor <args> --site <site file>`: run in the folder synth ran in, unlike `npm run`. */
export function vendorHint(...args: readonly string[]): string {
  return ['npx site-compiler vendor', ...args, SITE_ARG].join(' ');
}

export interface LockedChart {
  readonly chart: string;
  /** Helm repository URL as the site's release names it. */
  readonly repoUrl: string;
  readonly version: string;
  /**
   * sha256 of the chart archive (.tgz), hex. `null` when the chart has never been vendored: Argo CD
   * delivery fetches by version and does not need it, rendered delivery refuses the chart.
   */
  readonly sha256: string | null;
  /**
   * What sha256 is the digest of: the archive a Helm repository serves (the default), or the content
   * of a chart folder from a local mirror (constructs/chart-measure.ts contentDigest), which no
   * repository publishes and so can only be compared with another copy of the same folder.
   */
  readonly sha256Of?: DigestKind;
  /**
   * Dependency charts the mirror's folder lacked and that were completed into the cache from elsewhere
   * (scripts/complete-chart-deps.ts), each pinned by the content digest of its own folder. A chart-content
   * sha256 is then the digest of the folder without their `charts/<name>/` folders: what the mirror holds.
   * @default - none: the chart is rendered exactly as the mirror holds it
   */
  readonly dependencies?: readonly LockedDependency[];
  /** Components whose releases use this chart, sorted; for review, not for lookup. */
  readonly components: readonly string[];
}

/** A dependency chart completed into a cached chart folder, pinned by the content digest of its folder. */
export interface LockedDependency {
  readonly name: string;
  readonly version: string;
  readonly sha256: string;
}

export interface ChartLock {
  /** The lock file as given; errors name it. */
  readonly file: string;
  /** False when there is no lock file yet: every release is then unlocked. */
  readonly exists: boolean;
  readonly charts: readonly LockedChart[];
}

/** One use of a chart by a component: what a HelmRelease asks for. */
export interface ChartUse {
  readonly component: string;
  readonly repoUrl: string;
  readonly chart: string;
  readonly version: string;
}

const SHA256 = /^[0-9a-f]{64}$/;

export type DigestKind = 'repository-archive' | 'chart-content';

const lockSchema = z.strictObject({
  lockVersion: z.literal(CHART_LOCK_VERSION, { message: `must be ${CHART_LOCK_VERSION} (the only lock format this compiler reads)` }),
  charts: z
    .array(
      z.strictObject({
        chart: z.string().regex(/^[a-z0-9]([-a-z0-9_.]*[a-z0-9])?$/, { message: 'must be a Helm chart name' }),
        repoUrl: z.string().regex(/^(https?|oci):\/\/\S+$/, { message: 'must be an http(s):// or oci:// repository URL' }),
        version: z.string().min(1),
        sha256: z.string().regex(SHA256, { message: 'must be 64 lowercase hex digits, or null when never vendored' }).nullable(),
        sha256Of: z.enum(['repository-archive', 'chart-content']).optional(),
        dependencies: z
          .array(
            z.strictObject({
              name: z.string().min(1),
              version: z.string().min(1),
              sha256: z.string().regex(SHA256, { message: 'must be 64 lowercase hex digits (the content digest of the dependency chart folder)' }),
            }),
          )
          .optional(),
        components: z.array(z.string().min(1)).default([]),
      }),
    )
    .default([]),
});

/** A path for messages: relative to where the user stands when that is shorter, so it can be pasted into a shell. */
export function displayPath(file: string): string {
  const rel = path.relative(process.cwd(), file);
  return rel === '' ? '.' : rel.startsWith('..') ? file : rel;
}

/** `sites/hookprobe.ts` -> `sites/hookprobe.lock.yaml`: the lock sits beside the site it pins. */
export function chartLockFileFor(siteFile: string): string {
  const ext = path.extname(siteFile);
  return path.join(path.dirname(siteFile), `${path.basename(siteFile, ext)}.lock.yaml`);
}

/** Repository URLs compare without a trailing slash: `https://x/` and `https://x` are one repository. */
export function sameRepo(a: string, b: string): boolean {
  return a.replace(/\/+$/, '') === b.replace(/\/+$/, '');
}

/**
 * Reads a lock file. A missing file is an empty lock (a site without charts needs none); a file that
 * is not a valid lock throws a SiteError naming the entry and the fix.
 */
export function readChartLock(file: string): ChartLock {
  if (!fs.existsSync(file)) return { file, exists: false, charts: [] };
  const text = fs.readFileSync(file, 'utf8');
  const kept = parsedLocks.read(text);
  const raw = kept ?? parseData(text, file, `fix the YAML, or delete the file and run ${vendorHint('--lock-only')} to write it again`) ?? {};
  // Without zod's compiled fast path: a lock is parsed once per process, and compiling it costs more than it saves.
  const parsed = lockSchema.safeParse(raw, { jitless: true });
  if (!parsed.success) {
    throw new SiteError(
      file,
      parsed.error.issues.map((i) => ({
        path: formatPath(i.path),
        message: i.message,
        fix: `correct the entry, or run ${vendorHint('--lock-only')} to rewrite the lock from the site`,
      })),
    );
  }
  const problems: SiteProblem[] = [];
  const charts = parsed.data.charts;
  charts.forEach((c, i) => {
    const first = charts.findIndex((o) => o.chart === c.chart && sameRepo(o.repoUrl, c.repoUrl));
    if (first !== i) {
      problems.push({
        path: `charts[${i}]`,
        value: `${c.chart} from ${c.repoUrl}`,
        message: `locks the same chart as charts[${first}]`,
        fix: 'keep one entry per chart and repository; a site uses one version of each chart',
      });
    }
  });
  if (problems.length > 0) throw new SiteError(file, problems);
  if (kept === undefined) parsedLocks.write(text, raw);
  return { file, exists: true, charts };
}

/** Valid locks kept parsed (constructs/parsed-yaml-cache.ts): every compile reads the site's lock. */
const parsedLocks = new ParsedYamlCache<unknown>('chart-lock 1');

/**
 * Parses a lock into .cache/parsed-facts/ ahead of the first synth that reads it (npm's prepare step does this for the
 * sites in sites/). False when it is absent or not a valid lock: synth reports that with its fix.
 */
export function prepareChartLock(file: string): boolean {
  try {
    return readChartLock(file).exists;
  } catch {
    return false;
  }
}

/** The entry for a chart from a repository, if the lock has one. */
export function findLockedChart(lock: ChartLock, repoUrl: string, chart: string): LockedChart | undefined {
  return lock.charts.find((c) => c.chart === chart && sameRepo(c.repoUrl, repoUrl));
}

/**
 * Why a use is not covered by the lock, or undefined when it is. Only repository, chart and version
 * are compared: a missing digest is a problem for rendered delivery only, which checks it itself.
 */
export function lockProblem(lock: ChartLock, use: ChartUse): string | undefined {
  const where = displayPath(lock.file);
  const entry = findLockedChart(lock, use.repoUrl, use.chart);
  const subject = `component ${use.component}: chart ${use.chart} ${use.version} from ${use.repoUrl}`;
  if (!entry) {
    const missing = lock.exists ? `is not in the chart lock ${where}` : `has no chart lock: ${where} does not exist`;
    return `${subject} ${missing}; run \`${vendorHint()}\` to lock it (\`${vendorHint('--lock-only')}\` where the chart repository cannot be reached)`;
  }
  if (entry.version !== use.version) {
    return `${subject} is locked at version ${entry.version} in ${where}; run \`${vendorHint()}\` to lock ${use.version}, or pin ${entry.version} in the site`;
  }
  return undefined;
}

/** Lock entries no release uses: a lock that pins more than the site uses is stale. */
export function unusedLockEntries(lock: ChartLock, uses: readonly ChartUse[]): string[] {
  const where = displayPath(lock.file);
  return lock.charts
    .filter((c) => !uses.some((u) => u.chart === c.chart && sameRepo(u.repoUrl, c.repoUrl)))
    .map((c) => `chart ${c.chart} ${c.version} from ${c.repoUrl} is in the chart lock ${where} but no component uses it; run \`${vendorHint('--lock-only')}\` to drop it`);
}

/**
 * The lock a site's uses call for: one entry per chart, with the digest kept only where repository
 * and version are unchanged (a new version has not been verified yet). Throws when two components
 * want different versions of one chart, which a single cache entry and a single lock entry cannot hold.
 */
export function planChartLock(lock: ChartLock, uses: readonly ChartUse[]): LockedChart[] {
  const byKey = new Map<string, { use: ChartUse; components: Set<string> }>();
  const problems: SiteProblem[] = [];
  for (const use of uses) {
    const key = `${use.repoUrl.replace(/\/+$/, '')} ${use.chart}`;
    const seen = byKey.get(key);
    if (!seen) {
      byKey.set(key, { use, components: new Set([use.component]) });
      continue;
    }
    if (seen.use.version !== use.version) {
      problems.push({
        path: `component ${use.component}`,
        value: use.version,
        message: `uses chart ${use.chart} at a different version than component ${seen.use.component} (${seen.use.version})`,
        fix: 'pin one version of each chart in the site',
      });
    }
    seen.components.add(use.component);
  }
  if (problems.length > 0) throw new SiteError(lock.file, problems);
  return [...byKey.values()]
    .map(({ use, components }) => {
      const old = findLockedChart(lock, use.repoUrl, use.chart);
      const keep = old !== undefined && old.version === use.version && sameRepo(old.repoUrl, use.repoUrl);
      return {
        chart: use.chart,
        repoUrl: use.repoUrl,
        version: use.version,
        sha256: keep ? old.sha256 : null,
        ...(keep && old.sha256Of ? { sha256Of: old.sha256Of } : {}),
        ...(keep && old.dependencies ? { dependencies: old.dependencies } : {}),
        components: [...components].sort(),
      };
    })
    .sort(compareCharts);
}

function compareCharts(a: LockedChart, b: LockedChart): number {
  return a.chart < b.chart ? -1 : a.chart > b.chart ? 1 : a.repoUrl < b.repoUrl ? -1 : a.repoUrl > b.repoUrl ? 1 : 0;
}

/**
 * The lock file's text: sorted, with a comment on every entry that has never been vendored, so a
 * reviewer sees at once which charts rendered delivery would refuse.
 */
export function formatChartLock(charts: readonly LockedChart[], siteName: string, vendorCommand = 'npx site-compiler vendor'): string {
  const sorted = [...charts].sort(compareCharts);
  const doc = new Document({ lockVersion: CHART_LOCK_VERSION, charts: sorted.map(lockEntryText) });
  doc.commentBefore = [
    ` Chart lock for ${siteName}. Written by \`${vendorCommand}\`; commit it with the site.`,
    ' sha256 is the digest of the chart archive (.tgz). null means never vendored: Argo CD delivery',
    ' fetches the chart by version and does not need it; rendered delivery refuses the chart until',
    ` \`${vendorCommand}\` has downloaded and verified it. sha256Of: chart-content marks a digest of a chart`,
    ` folder's files from a local mirror (\`${vendorCommand} --from <folder>\`), not of a repository archive.`,
  ].join('\n');
  const seq = doc.get('charts', true);
  if (isSeq(seq)) {
    seq.items.forEach((item, i) => {
      if (isMap(item) && sorted[i].sha256 === null) {
        item.commentBefore = ` never vendored: run \`${vendorCommand}\` where ${sorted[i].repoUrl} is reachable`;
      } else if (isMap(item) && sorted[i].sha256Of === 'chart-content' && sorted[i].dependencies) {
        item.commentBefore = ' vendored from a local mirror, completed with dependency charts (scripts/complete-chart-deps.ts): sha256 is a content digest of the mirror\'s folder without them, each dependency\'s of its own folder';
      } else if (isMap(item) && sorted[i].sha256Of === 'chart-content') {
        item.commentBefore = ' vendored from a local mirror: sha256 is a content digest of the chart folder, not the repository archive\'s';
      }
    });
  }
  return doc.toString({ lineWidth: 0 });
}

/** One entry with its keys always in the same order, however it was put together. */
function lockEntryText(c: LockedChart): Record<string, unknown> {
  return {
    chart: c.chart,
    repoUrl: c.repoUrl,
    version: c.version,
    sha256: c.sha256,
    ...(c.sha256Of ? { sha256Of: c.sha256Of } : {}),
    ...(c.dependencies ? { dependencies: c.dependencies.map((d) => ({ name: d.name, version: d.version, sha256: d.sha256 })) } : {}),
    components: [...c.components],
  };
}

/** Writes the lock atomically (a reader never sees half a file) and only when its text changes. */
export function writeChartLock(file: string, charts: readonly LockedChart[], siteName: string, vendorCommand?: string): boolean {
  const text = formatChartLock(charts, siteName, vendorCommand);
  if (fs.existsSync(file) && fs.readFileSync(file, 'utf8') === text) return false;
  writeFileAtomically(file, text);
  return true;
}

/**
 * Completes a cached chart folder with the dependency charts its mirror left out (a mirror that copied a
 * chart's git folder has only the dependencies kept in the repository, e.g. kube-prometheus-stack's `crds`).
 * Each dependency comes from a git directory at a pinned commit (`<git dir>@<commit>:<path>`) or from a
 * plain folder, and goes to `<chart>/charts/<name>/` in the chart CACHE only: upstream charts are inputs,
 * so the shared mirror is never written and nothing here is committed. A dependency is taken only when its
 * Chart.yaml name equals the parent's dependency entry and its version satisfies the entry's constraint.
 *
 * With `--site`, the dependencies added are also pinned in that site's chart lock (each by the content digest of its
 * folder, the chart's own digest staying the mirror's), so rendered delivery renders the completed folder and refuses
 * any other; without it the lock pins the mirror's folder as it is and only the facts are measured from the cache.
 *
 * Usage: npx tsx scripts/complete-chart-deps.ts --chart kube-prometheus-stack-88.5.3 \
 *          --dep kube-state-metrics=<git dir>@<commit>:charts/kube-state-metrics [--dep …] [--cache .cache/charts] [--site sites/x.ts …]
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Command } from 'commander';
import * as semver from 'semver';
import { parse } from 'yaml';
import { DEFAULT_CHART_CACHE } from '../constructs/chart-cache';
import { contentDigest } from '../constructs/chart-measure';
import { LockedDependency, chartLockFileFor, displayPath, readChartLock, vendorCommandFor, writeChartLock } from '../constructs/chart-lock';

interface ChartDependency {
  name: string;
  version: string;
}

/** Where one dependency chart is read from. */
export interface DependencySource {
  name: string;
  /** A git directory with commit and path, or a folder holding the chart. */
  from: { gitDir: string; commit: string; path: string } | { folder: string };
}

/** Parses `name=<git dir>@<commit>:<path>` or `name=<folder>`. */
export function parseDependencySource(arg: string): DependencySource {
  const eq = arg.indexOf('=');
  if (eq <= 0) throw new Error(`--dep ${arg}: expected name=<git dir>@<commit>:<path> or name=<folder>`);
  const name = arg.slice(0, eq);
  const rest = arg.slice(eq + 1);
  const git = /^(.+)@([0-9a-f]{7,40}):(.+)$/.exec(rest);
  return git ? { name, from: { gitDir: git[1], commit: git[2], path: git[3] } } : { name, from: { folder: rest } };
}

function readChartYaml(folder: string): { name?: string; version?: string; dependencies?: ChartDependency[] } {
  const file = path.join(folder, 'Chart.yaml');
  if (!fs.existsSync(file)) throw new Error(`${displayPath(folder)} holds no Chart.yaml`);
  return parse(fs.readFileSync(file, 'utf8')) ?? {};
}

/** Brings one source's chart into a fresh temporary folder and returns that chart folder. */
function extract(source: DependencySource, tmp: string): string {
  if ('folder' in source.from) return path.resolve(source.from.folder);
  const { gitDir, commit, path: sub } = source.from;
  const archive = spawnSync('git', ['-C', gitDir, 'archive', '--format=tar', commit, sub], { maxBuffer: 1 << 30 });
  if (archive.status !== 0) throw new Error(`git archive ${commit} ${sub} in ${gitDir} failed: ${archive.stderr.toString().trim()}`);
  const untar = spawnSync('tar', ['-x', '-C', tmp], { input: archive.stdout });
  if (untar.status !== 0) throw new Error(`unpacking ${sub} failed: ${untar.stderr.toString().trim()}`);
  return path.join(tmp, sub);
}

/** Checks a dependency chart against the parent's entry; the problem as a sentence, or undefined. */
export function dependencyMismatch(entry: ChartDependency | undefined, chart: { name?: string; version?: string }, name: string, parent: string): string | undefined {
  if (!entry) return `${parent}'s Chart.yaml lists no dependency ${name}`;
  if (chart.name !== entry.name) return `the chart given for ${name} is named ${chart.name ?? '(none)'}`;
  const ok = chart.version !== undefined && semver.satisfies(chart.version, entry.version);
  return ok ? undefined : `${name} ${chart.version ?? '(no version)'} does not satisfy ${parent}'s dependency version ${entry.version}`;
}

/** Completes `<cache>/<chart>/charts/`; returns the names added. Throws with a sentence on any mismatch. */
export function completeChartDependencies(chartFolder: string, sources: DependencySource[]): string[] {
  const parent = readChartYaml(chartFolder);
  const label = `${parent.name} ${parent.version}`;
  const added: string[] = [];
  for (const source of [...sources].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'chart-dep-'));
    try {
      const folder = extract(source, tmp);
      const entry = (parent.dependencies ?? []).find((d) => d.name === source.name);
      const problem = dependencyMismatch(entry, readChartYaml(folder), source.name, label);
      if (problem) throw new Error(problem);
      const target = path.join(chartFolder, 'charts', source.name);
      fs.rmSync(target, { recursive: true, force: true });
      fs.mkdirSync(path.dirname(target), { recursive: true });
      fs.cpSync(folder, target, { recursive: true });
      added.push(source.name);
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  }
  return added;
}

/**
 * Pins the completed dependencies of `chartFolder` (`<chart>-<version>`) in a site's lock: each by its folder's content
 * digest. Throws when the lock has no content-digest entry of that chart and version. True when the lock changed.
 */
export function pinDependencies(siteFile: string, chartFolder: string, names: readonly string[], cwd = process.cwd()): boolean {
  const lock = readChartLock(chartLockFileFor(siteFile));
  const parent = readChartYaml(chartFolder);
  const entry = lock.charts.find((c) => c.chart === parent.name && c.version === parent.version);
  if (!entry || entry.sha256Of !== 'chart-content') {
    throw new Error(`${displayPath(lock.file)} has no entry of ${parent.name} ${parent.version} vendored from a mirror folder (sha256Of: chart-content); run \`npx site-compiler vendor --from <folder of charts> --site ${path.relative(cwd, siteFile)}\` first`);
  }
  const pinned = new Map((entry.dependencies ?? []).map((d) => [d.name, d]));
  for (const name of names) {
    const folder = path.join(chartFolder, 'charts', name);
    pinned.set(name, { name, version: readChartYaml(folder).version ?? '', sha256: contentDigest(folder) });
  }
  const dependencies: LockedDependency[] = [...pinned.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const charts = lock.charts.map((c) => (c === entry ? { ...c, dependencies } : c));
  const rel = path.relative(cwd, siteFile);
  return writeChartLock(lock.file, charts, path.basename(siteFile), vendorCommandFor(rel));
}

function main(): number {
  const opts = new Command()
    .name('complete-chart-deps')
    .requiredOption('--chart <name-version>', 'the chart folder in the cache, e.g. kube-prometheus-stack-88.5.3')
    .option('--dep <name=source>', 'a dependency: name=<git dir>@<commit>:<path> or name=<folder> (repeatable)', (v: string, acc: string[]) => [...acc, v], [] as string[])
    .option('--cache <folder>', 'chart cache folder', displayPath(DEFAULT_CHART_CACHE))
    .option('--site <file...>', 'sites whose chart lock pins the dependencies added (by content digest)', [] as string[])
    .parse(process.argv)
    .opts<{ chart: string; dep: string[]; cache: string; site: string[] }>();
  const chartFolder = path.resolve(opts.cache, opts.chart);
  try {
    if (!fs.existsSync(chartFolder)) throw new Error(`${displayPath(chartFolder)} does not exist; bring the chart into the cache first (npx site-compiler vendor --from <mirror>)`);
    const added = completeChartDependencies(chartFolder, opts.dep.map(parseDependencySource));
    process.stderr.write(`${displayPath(chartFolder)}: added ${added.join(', ') || 'nothing'}; measure again with \`npx site-compiler vendor --facts-only\`\n`);
    for (const site of opts.site) {
      const changed = pinDependencies(path.resolve(site), chartFolder, added);
      process.stderr.write(`${displayPath(chartLockFileFor(path.resolve(site)))}: ${changed ? 'pins' : 'already pinned'} ${added.join(', ')}\n`);
    }
    return 0;
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`);
    return 1;
  }
}

if (require.main === module) process.exitCode = main();

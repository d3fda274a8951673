import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Document, parseDocument } from 'yaml';
import { byCodePoint } from '../core/order';
import { SiteError } from '../site/errors';
import type { DeliveredChart } from '../model/checks';
import { type ChartLock, vendorHint } from './chart-lock';
import type { MeasuredChart } from './chart-measure';
import { ParsedYamlCache } from './parsed-yaml-cache';
import { writeFileAtomically } from '../core/atomic-file';

/**
 * The chart facts file: what each chart of a site's lock installs with the site's values, measured
 * by rendering it (constructs/chart-measure.ts). It sits beside the lock (`sites/hookprobe.ts` ->
 * `sites/hookprobe.facts.yaml`), is written by `npm run vendor` and reviewed in diffs like the lock.
 * Each entry carries the digest of what it was measured with, so synth can tell, without helm,
 * when a values change has made it stale.
 */

export const CHART_FACTS_VERSION = 1;

/** What a release is, for measuring: the inputs that decide what `helm template` renders. */
export interface ReleaseInputs {
  readonly component: string;
  readonly releaseName: string;
  readonly chart: string;
  readonly version: string;
  readonly namespace: string;
  readonly values: Readonly<Record<string, unknown>>;
}

export interface ReleaseFacts extends MeasuredChart {
  readonly component: string;
  readonly releaseName: string;
  readonly chart: string;
  readonly version: string;
  readonly namespace: string;
  /** inputsDigest of the release and Kubernetes version it was measured with. */
  readonly valuesDigest: string;
  /**
   * The `kubeVersion` constraint of the chart's Chart.yaml (the chart the lock's digest pins); null when it states none.
   * @default - not recorded (facts measured before it was): the chart's constraint is not checked
   */
  readonly chartKubeVersion?: string | null;
}

export interface ChartFactsFile {
  readonly file: string;
  readonly exists: boolean;
  /** Kubernetes version the charts were rendered for. */
  readonly kubeVersion: string;
  /** API versions beyond Kubernetes' own the charts were told exist (the CRDs the site's charts install). */
  readonly apiVersions: readonly string[];
  readonly releases: readonly ReleaseFacts[];
}

/**
 * The command that measures a site's facts again from the chart cache; names the site unless it is
 * the default one, so it works when pasted.
 */
export function factsCommand(siteSource: string, defaultSite = 'sites/hookprobe.ts'): string {
  return `npx site-compiler vendor --facts-only${siteSource === defaultSite ? '' : ` --site ${siteSource}`}`;
}

/** `sites/hookprobe.ts` -> `sites/hookprobe.facts.yaml`. */
export function chartFactsFileFor(siteFile: string): string {
  const ext = path.extname(siteFile);
  return path.join(path.dirname(siteFile), `${path.basename(siteFile, ext)}.facts.yaml`);
}

/** JSON with keys in code-point order at every level: one text per value, whatever built it. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined).sort(([a], [b]) => byCodePoint(a, b));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** sha256 of everything that decides a render but the chart's bytes (which the lock pins). */
export function inputsDigest(release: ReleaseInputs, kubeVersion: string): string {
  const { chart, version, releaseName, namespace, values } = release;
  return createHash('sha256').update(canonicalJson({ chart, version, releaseName, namespace, values, kubeVersion })).digest('hex');
}

/** Reads a facts file; a missing one has no releases. A file that does not parse throws, naming the fix. */
export function readChartFacts(file: string): ChartFactsFile {
  if (!fs.existsSync(file)) return { file, exists: false, kubeVersion: '', apiVersions: [], releases: [] };
  const text = fs.readFileSync(file, 'utf8');
  const cached = readParsedFacts(text);
  if (cached) return { file, exists: true, kubeVersion: String(cached.kubeVersion ?? ''), apiVersions: cached.apiVersions ?? [], releases: cached.releases as ReleaseFacts[] };
  const doc = parseDocument(text, { uniqueKeys: true });
  const data = doc.toJS() as FactsData | null;
  if (doc.errors.length > 0 || !data || data.factsVersion !== CHART_FACTS_VERSION || !Array.isArray(data.releases)) {
    throw new SiteError(file, [
      {
        path: doc.errors[0]?.linePos ? `line ${doc.errors[0].linePos[0].line}` : 'factsVersion',
        value: data?.factsVersion,
        message: doc.errors[0]?.message.split('\n')[0] ?? `is not a chart facts file of version ${CHART_FACTS_VERSION}`,
        fix: `delete the file and measure the charts again: ${vendorHint('--facts-only')}`,
      },
    ]);
  }
  parsedFacts.write(text, data);
  return { file, exists: true, kubeVersion: String(data.kubeVersion ?? ''), apiVersions: data.apiVersions ?? [], releases: data.releases };
}

type FactsData = Partial<{ factsVersion: number; kubeVersion: string; apiVersions: string[]; releases: ReleaseFacts[] }>;

/** Facts files kept parsed (constructs/parsed-yaml-cache.ts), named as before the lock shared the cache. */
const parsedFacts = new ParsedYamlCache<FactsData>(String(CHART_FACTS_VERSION));

/** The file in .cache/parsed-facts/ that keeps the data of a facts file with this text. */
export function parsedFactsFile(text: string): string {
  return parsedFacts.file(text);
}

/**
 * Parses a facts file into .cache/parsed-facts/ ahead of the first synth that reads it (npm's prepare step does this
 * for the sites in sites/). False when it is absent or does not parse: synth reports that with its fix.
 */
export function prepareChartFacts(file: string): boolean {
  try {
    return readChartFacts(file).exists;
  } catch {
    return false;
  }
}

function readParsedFacts(text: string): FactsData | undefined {
  const data = parsedFacts.read(text);
  if (data === undefined || data.factsVersion !== CHART_FACTS_VERSION || !Array.isArray(data.releases)) return undefined;
  return data;
}

/** The facts of one release (by component and release name), if measured. */
export function findReleaseFacts(facts: ChartFactsFile, component: string, releaseName: string): ReleaseFacts | undefined {
  return facts.releases.find((r) => r.component === component && r.releaseName === releaseName);
}

/** Why a release's facts do not describe it (another chart version, other values), or undefined when they do. */
export function staleness(facts: ReleaseFacts | undefined, release: ReleaseInputs, kubeVersion: string): string | undefined {
  if (!facts) return 'were never measured';
  if (facts.chart !== release.chart || facts.version !== release.version) return `were measured for chart ${facts.chart} ${facts.version}`;
  if (facts.valuesDigest !== inputsDigest(release, kubeVersion)) return 'were measured with other values (or another Kubernetes version) than the site now gives';
  return undefined;
}

/** The facts file's text: sorted releases, keys in a fixed order, no timestamps or paths. */
export function formatChartFacts(facts: Omit<ChartFactsFile, 'file' | 'exists'>, siteName: string, refresh: string): string {
  const releases = [...facts.releases].sort((a, b) => byCodePoint(`${a.component} ${a.releaseName}`, `${b.component} ${b.releaseName}`)).map(ordered);
  const doc = new Document({ factsVersion: CHART_FACTS_VERSION, kubeVersion: facts.kubeVersion, apiVersions: [...facts.apiVersions].sort(byCodePoint), releases });
  doc.commentBefore = [
    ` Chart facts for ${siteName}: what each locked chart installs with the values the site gives it,`,
    ` measured with helm template. Written by \`${refresh}\`; commit it with the lock.`,
    ' AppProjects, sync options and CRD ordering are derived from it. valuesDigest names the inputs it was',
    ' measured with: synth warns when the site no longer gives the same ones. chartKubeVersion is the kubeVersion',
    ' constraint of the chart\'s Chart.yaml (null: none); synth refuses a kubernetes.version outside it.',
  ].join('\n');
  return doc.toString({ lineWidth: 0 });
}

function ordered(r: ReleaseFacts): ReleaseFacts {
  return {
    component: r.component,
    releaseName: r.releaseName,
    chart: r.chart,
    version: r.version,
    namespace: r.namespace,
    valuesDigest: r.valuesDigest,
    ...(r.chartKubeVersion !== undefined ? { chartKubeVersion: r.chartKubeVersion } : {}),
    podSecurity: r.podSecurity,
    ...(r.unmeasuredDependencies ? { unmeasuredDependencies: r.unmeasuredDependencies } : {}),
    largestObject: r.largestObject,
    oversized: r.oversized,
    crds: r.crds,
    objects: r.objects,
    workloads: r.workloads,
    ...(r.networkPolicies ? { networkPolicies: r.networkPolicies } : {}),
  };
}

/** Writes the file atomically and only when its text changes; returns whether it changed. */
export function writeChartFacts(file: string, text: string): boolean {
  if (fs.existsSync(file) && fs.readFileSync(file, 'utf8') === text) return false;
  writeFileAtomically(file, text);
  return true;
}

/**
 * The charts the lock delivers, each with the Chart.yaml kubeVersion its facts recorded, for the model's version check.
 * Only facts of the locked chart version count (the constraint belongs to the chart, not to the values, so facts
 * measured with other values still tell it); a chart without such facts is left out, and synth's stale-facts warning
 * names it. Without a lock, the facts' own charts are taken.
 */
export function deliveredCharts(lock: ChartLock, facts: ChartFactsFile): DeliveredChart[] {
  const pinned = lock.exists ? lock.charts : facts.releases.map((r) => ({ chart: r.chart, version: r.version, components: [r.component] }));
  const out = new Map<string, DeliveredChart>();
  for (const c of pinned) {
    const measured = facts.releases.find((r) => r.chart === c.chart && r.version === c.version && r.chartKubeVersion !== undefined);
    if (!measured) continue;
    const key = `${c.chart} ${c.version}`;
    const known = out.get(key);
    const components = [...new Set([...(known?.components ?? []), ...c.components])].sort(byCodePoint);
    out.set(key, { chart: c.chart, version: c.version, components, kubeVersion: measured.chartKubeVersion ?? null });
  }
  return [...out.values()];
}

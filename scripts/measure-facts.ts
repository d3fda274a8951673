/**
 * Measures the chart facts of a site (constructs/chart-facts-file.ts): every release of the site is
 * rendered from a folder of charts (the chart cache, or a mirror) with the values the compiler derives,
 * and reduced to facts. Shared by `npm run vendor` and `npm run verify:upstream`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { App } from 'cdk8s';
import { buildCharts } from '../charts';
import { chartArchivePath } from '../constructs/chart-cache';
import { ReleaseFacts, ReleaseInputs, inputsDigest } from '../constructs/chart-facts-file';
import { chartKubeVersion, renderAndMeasure } from '../constructs/chart-measure';
import { HelmRelease } from '../constructs/helm-release';
import { buildModel } from '../model';
import { byCodePoint } from '../core/order';
import { loadSite } from '../site/load';

export interface SiteReleases {
  readonly siteName: string;
  readonly kubeVersion: string;
  readonly releases: readonly HelmRelease[];
}

/** The releases of a site as the compiler builds them (nothing rendered: no chart sources are given). */
export function siteReleases(siteFile: string, cwd = process.cwd()): SiteReleases {
  const loaded = loadSite(siteFile, cwd);
  const model = buildModel(loaded.site, loaded.source, { siteDir: loaded.dir });
  const app = new App();
  buildCharts(app, model);
  return { siteName: path.basename(loaded.file), kubeVersion: model.kubernetes.version, releases: HelmRelease.releasesIn(app) };
}

export function releaseInputs(r: HelmRelease): ReleaseInputs {
  return { component: r.component, releaseName: r.releaseName, chart: r.chart, version: r.version, namespace: r.namespace, values: r.values };
}

/**
 * Where a chart is in a folder of charts: `<chart>-<version>/` (a chart folder) or
 * `<chart>-<version>.tgz`. Undefined when neither is there.
 */
export function chartIn(dir: string, chart: string, version: string): string | undefined {
  const folder = path.join(dir, `${chart}-${version}`);
  if (fs.existsSync(path.join(folder, 'Chart.yaml'))) return folder;
  const archive = chartArchivePath(dir, chart, version);
  return fs.existsSync(archive) ? archive : undefined;
}

export interface MeasureOptions {
  readonly helm: string;
  readonly kubeVersion: string;
  /** Finds a release's chart (folder or archive); undefined when it is not there. */
  readonly locate: (chart: string, version: string) => string | undefined;
  readonly log?: (line: string) => void;
}

export interface SiteFacts {
  readonly apiVersions: readonly string[];
  readonly releases: readonly ReleaseFacts[];
  /** One message per release that could not be measured. */
  readonly failures: readonly string[];
  /** What each measured release rendered, for checks beyond the facts. */
  readonly rendered: ReadonlyMap<HelmRelease, readonly object[]>;
}

/**
 * Renders every release twice: first with Kubernetes' own APIs only, to learn the CRDs the site's
 * charts install, then with those API versions given (as Argo CD gives a cluster's), so templates
 * gated on `.Capabilities.APIVersions.Has` (ServiceMonitors, for one) render as they will in the
 * cluster. The second render's facts are the ones kept.
 */
export function measureSite(releases: readonly HelmRelease[], options: MeasureOptions): SiteFacts {
  const first = measureAll(releases, options, [], []);
  const apiVersions = [...new Set(first.releases.flatMap((r) => r.crds.flatMap((c) => c.versions.map((v) => `${c.group}/${v}`))))].sort(byCodePoint);
  const clusterKinds = first.releases.flatMap((r) => r.crds.filter((c) => c.scope === 'Cluster').map((c) => `${c.group}/${c.kind}`));
  const second = measureAll(releases, options, apiVersions, clusterKinds, true);
  return { apiVersions, releases: second.releases, failures: [...first.failures], rendered: second.rendered };
}

function measureAll(
  releases: readonly HelmRelease[],
  options: MeasureOptions,
  apiVersions: readonly string[],
  clusterKinds: readonly string[],
  report = false,
): { releases: ReleaseFacts[]; failures: string[]; rendered: Map<HelmRelease, readonly object[]> } {
  const out: ReleaseFacts[] = [];
  const failures: string[] = [];
  const rendered = new Map<HelmRelease, readonly object[]>();
  for (const r of releases) {
    const subject = `component ${r.component}: chart ${r.chart} ${r.version}`;
    const chartPath = options.locate(r.chart, r.version);
    if (!chartPath) {
      failures.push(`${subject} is not in the chart folder`);
      continue;
    }
    try {
      const { facts: measured, objects } = renderAndMeasure({ helm: options.helm, chartPath, releaseName: r.releaseName, namespace: r.namespace, values: r.values, kubeVersion: options.kubeVersion, apiVersions, clusterKinds });
      // Facts keep the digest of the values, not the values: those are in the Application already.
      const { values: _values, ...identity } = releaseInputs(r);
      out.push({ ...identity, valuesDigest: inputsDigest(releaseInputs(r), options.kubeVersion), chartKubeVersion: chartKubeVersion(options.helm, chartPath), ...measured });
      rendered.set(r, objects);
      if (report) {
        options.log?.(`${subject}: ${measured.objects.length} objects, ${measured.crds.length} CRDs, largest ${measured.largestObject.object} ${measured.largestObject.bytes} bytes`);
      }
    } catch (err) {
      failures.push(`${subject}: ${(err as Error).message}`);
    }
  }
  return { releases: out, failures, rendered };
}

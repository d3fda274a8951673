import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { chartFactsFileFor, deliveredCharts, readChartFacts } from '../constructs/chart-facts-file';
import { chartLockFileFor, readChartLock } from '../constructs/chart-lock';
import { type SiteModel, buildModel } from '../model';
import type { DeliveredChart } from '../model/checks';
import { helmRange, releaseLine } from '../model/checks/versions';
import { type Site, parseSite } from '../site';
import { SiteError, type SiteProblem } from '../site/errors';
import { referenceSite, setPath } from './support/sites';

const REFERENCE = path.join(__dirname, '..', 'sites', 'hookprobe.ts');
const referenceCharts = deliveredCharts(readChartLock(chartLockFileFor(REFERENCE)), readChartFacts(chartFactsFileFor(REFERENCE)));

function siteWith(changes: Record<string, unknown>): Site {
  const site = referenceSite();
  for (const [p, v] of Object.entries(changes)) setPath(site, p, v);
  return parseSite(site, 'site');
}

/** The model's problems and warnings for a site and the charts its lock delivers. */
function check(site: Site, charts: readonly DeliveredChart[]): { problems: readonly SiteProblem[]; warnings: readonly string[] } {
  let model: SiteModel;
  try {
    model = buildModel(site, 'site', { charts });
  } catch (err) {
    if (err instanceof SiteError) return { problems: err.problems, warnings: [] };
    throw err;
  }
  return { problems: [], warnings: model.warnings };
}

const argoCd = (kubeVersion: string | null): DeliveredChart => ({ chart: 'argo-cd', version: '10.1.1', components: ['argocd'], kubeVersion });

describe('Kubernetes versions against the charts the lock delivers', () => {
  it('reads the reference site\'s facts: every locked chart with its Chart.yaml kubeVersion, null where it states none', () => {
    expect(referenceCharts.find((c) => c.chart === 'argo-cd')).toEqual(argoCd('>=1.25.0-0'));
    expect(referenceCharts.find((c) => c.chart === 'rook-ceph')?.kubeVersion).toBeNull();
    expect(referenceCharts.length).toBe(readChartLock(chartLockFileFor(REFERENCE)).charts.length);
  });

  it('passes the reference site with its charts', () => {
    expect(check(siteWith({}), referenceCharts).problems).toEqual([]);
  });

  it('fails when kubernetes.version is older than a delivered chart admits, naming the chart, the constraint and the lowest release', () => {
    const { problems } = check(siteWith({ 'kubernetes.version': '1.24.17' }), [argoCd('>=1.25.0-0')]);
    const problem = problems.find((p) => p.message.includes('chart argo-cd 10.1.1'));
    expect(problem?.path).toBe('kubernetes.version');
    expect(problem?.value).toBe('1.24.17');
    expect(problem?.message).toContain('kubeVersion ">=1.25.0-0"');
    expect(problem?.fix).toBe('use Kubernetes 1.25.0 or newer in kubernetes.version, or pin a chart version in platform.addons.argocd whose kubeVersion admits 1.24.17');
  });

  it('fails when kubernetes.version is past an upper bound written with Helm\'s comma, and asks for a release that satisfies it', () => {
    const { problems } = check(siteWith({}), [argoCd('>=1.25.0-0, <1.31.0-0')]);
    expect(problems.map((p) => p.fix)).toContain('use a Kubernetes release that satisfies ">=1.25.0-0, <1.31.0-0" in kubernetes.version, or pin a chart version in platform.addons.argocd whose kubeVersion admits 1.31.13');
  });

  it('ignores a chart of a component the site does not install', () => {
    const longhorn: DeliveredChart = { chart: 'longhorn', version: '1.12.1', components: ['longhorn'], kubeVersion: '>=1.40.0-0' };
    expect(check(siteWith({}), [longhorn]).problems).toEqual([]);
  });

  it('warns, and does not refuse, when a chart states a kubeVersion this compiler cannot read', () => {
    const { problems, warnings } = check(siteWith({}), [argoCd('not a range')]);
    expect(problems).toEqual([]);
    expect(warnings.join('\n')).toContain('chart argo-cd 10.1.1 (argocd): its Chart.yaml states kubeVersion "not a range"');
  });

  it('reads Helm constraints as Helm does: spaces after the operator, commas as "and", "||"', () => {
    expect(helmRange('>= 1.22.0-0')).not.toBeNull();
    expect(helmRange('>=1.25.0-0, <1.34.0-0')).toBe('>=1.25.0-0 <1.34.0-0');
    expect(helmRange('~1.30.0 || >=1.32.0')).not.toBeNull();
    expect(releaseLine('v1.31.13')).toBe('1.31');
  });
});

describe('Kubernetes versions against the add-ons\' upstream ranges', () => {
  it('fails when Kubernetes is outside a supported range (Rook 1.20: 1.31 to 1.36), naming the page and the add-on\'s version field', () => {
    const { problems } = check(siteWith({ 'kubernetes.version': '1.30.14' }), []);
    const rook = problems.find((p) => p.message.includes('Rook 1.20'));
    expect(rook?.message).toBe('is Kubernetes 1.30, outside what Rook 1.20 supports (Kubernetes 1.31 to 1.36; https://rook.io/docs/rook/latest/Getting-Started/maintenance-and-support/)');
    expect(rook?.fix).toBe('use a Kubernetes 1.36.x release in kubernetes.version, or pin a release in platform.addons.rookCeph.chartVersion that supports 1.30');
  });

  it('warns, and does not refuse, when Kubernetes is outside a range upstream calls tested only (Argo CD 3.4: 1.32 to 1.35)', () => {
    const { problems, warnings } = check(siteWith({}), []);
    expect(problems).toEqual([]);
    expect(warnings.filter((w) => w.includes('Argo CD 3.4'))).toHaveLength(1);
    expect(check(siteWith({ 'kubernetes.version': '1.32.9' }), []).warnings.join('\n')).not.toContain('Argo CD 3.4');
  });

  it('compares minors as numbers, not strings (1.9 is older than 1.30)', () => {
    const { problems } = check(siteWith({ 'kubernetes.version': '1.9.11' }), []);
    expect(problems.map((p) => p.message).join('\n')).toContain('is Kubernetes 1.9, outside what Cilium 1.18 supports');
  });

  it('does not check a release line no entry names (Cilium 1.19 with Kubernetes 1.35)', () => {
    const { problems } = check(siteWith({ 'kubernetes.version': '1.35.0', 'platform.addons.cilium.chartVersion': '1.19.0' }), []);
    expect(problems.map((p) => p.message).join('\n')).not.toContain('Cilium');
  });
});

import * as fs from 'node:fs';
import * as path from 'node:path';
import { App } from 'cdk8s';
import { stringify } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { buildArgoCdApps } from '../charts/argocd-apps-chart';
import { podSecurityConflicts } from '../charts/gitops/measured-facts';
import { ComponentChart, HelmRelease } from '../constructs';
import { helmBinary } from '../constructs/chart-cache';
import { ChartFactsFile, ReleaseFacts, formatChartFacts, inputsDigest, readChartFacts, writeChartFacts } from '../constructs/chart-facts-file';
import { CLIENT_SIDE_APPLY_LIMIT, measureChart } from '../constructs/chart-measure';
import { buildModel } from '../model';
import reference from '../sites/hookprobe';
import { explainDiff, formatDiff } from '../synth/output-diff';
import { FIXTURE_CHARTS, FIXTURE_NAMES, FIXTURE_REPO, FIXTURE_VERSION, scratchDir } from './support/chart-fixtures';
import type { Obj } from './support/gitops';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

const model = buildModel(reference);
const KUBE = model.kubernetes.version;
const RELEASE = { component: 'falco', releaseName: 'demo', chart: FIXTURE_NAMES.plain, version: FIXTURE_VERSION, namespace: 'falco', values: { greeting: 'hi' } };

/** The plain fixture chart, copied so a test can add templates to it. */
function fixtureChart(extra: Record<string, string> = {}): string {
  const dir = scratchDir('measured-facts');
  dirs.push(dir);
  const chart = path.join(dir, FIXTURE_NAMES.plain);
  fs.cpSync(path.join(FIXTURE_CHARTS, 'plain'), chart, { recursive: true });
  for (const [file, text] of Object.entries(extra)) fs.writeFileSync(path.join(chart, 'templates', file), text);
  return chart;
}

/** Measures the chart for RELEASE and writes the facts file a site would commit. */
function factsFor(chartPath: string): ChartFactsFile {
  const measured = measureChart({ helm: helmBinary(), chartPath, releaseName: RELEASE.releaseName, namespace: RELEASE.namespace, values: RELEASE.values, kubeVersion: KUBE });
  const { values: _values, ...identity } = RELEASE;
  const release: ReleaseFacts = { ...identity, valuesDigest: inputsDigest(RELEASE, KUBE), ...measured };
  const file = path.join(path.dirname(chartPath), 'site.facts.yaml');
  writeChartFacts(file, formatChartFacts({ kubeVersion: KUBE, apiVersions: [], releases: [release] }, 'site.ts', 'npm run vendor -- --facts-only'));
  return readChartFacts(file);
}

/** The reference site's GitOps layer over one component chart holding the fixture release, with the given facts. */
function build(facts: ChartFactsFile, values: Record<string, unknown> = RELEASE.values): { objects: Obj[]; warnings: string[] } {
  const m = buildModel(reference);
  const app = new App({ outdir: scratchDir('measured-facts-out') });
  dirs.push(app.outdir);
  HelmRelease.useSources(app, { lock: { file: 'site.lock.yaml', exists: false, charts: [] }, kubeVersion: KUBE, facts });
  for (const c of m.components) {
    const chart = new ComponentChart(app, c.name, { component: c.name });
    if (c.name === 'cilium') new HelmRelease(chart, 'cilium', { repoUrl: 'https://helm.cilium.io/', chart: 'cilium', version: '1.18.0', releaseName: 'cilium', namespace: 'kube-system', delivery: 'argocd' });
    if (c.name === 'argocd') new HelmRelease(chart, 'argocd', { repoUrl: 'https://argoproj.github.io/argo-helm', chart: 'argo-cd', version: '10.1.1', releaseName: 'argocd', namespace: 'argocd', delivery: 'argocd' });
    if (c.name === RELEASE.component) new HelmRelease(chart, 'demo', { ...RELEASE, values, repoUrl: FIXTURE_REPO, delivery: 'argocd' });
  }
  buildArgoCdApps(app, m);
  const gitops = app.node.tryFindChild('argocd-apps') as ComponentChart;
  return { objects: gitops.toJson() as Obj[], warnings: m.warnings as string[] };
}

const project = (objects: Obj[]): any => objects.find((o) => o.kind === 'AppProject' && o.metadata.name === RELEASE.component)?.spec;
const syncOptions = (objects: Obj[]): string[] => (objects.find((o) => o.kind === 'Application' && o.metadata.name === RELEASE.component)?.spec as any).syncPolicy.syncOptions;

describe('measured chart facts', () => {
  const plain = factsFor(fixtureChart());
  const grown = factsFor(
    fixtureChart({
      'namespace.yaml': 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: {{ .Release.Name }}-extra\n',
      'role.yaml': 'apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata:\n  name: reader\n  namespace: {{ .Release.Name }}-extra\nrules: []\n',
      'big.yaml': `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: big\ndata:\n  blob: ${'x'.repeat(CLIENT_SIDE_APPLY_LIMIT)}\n`,
    }),
  );

  it('records every object, the CRDs and the largest object of the render', () => {
    const facts = plain.releases[0];
    expect(facts.objects).toEqual(['ConfigMap falco/demo-settings', 'CustomResourceDefinition.apiextensions.k8s.io widgets.fixture.example', 'Deployment.apps falco/demo']);
    expect(facts.crds.map((c) => `${c.group} ${c.kind} ${c.versions.join(',')}`)).toEqual(['fixture.example Widget v1']);
    expect(facts.oversized).toEqual([]);
    expect(facts.workloads.map((w) => w.workload)).toEqual(['Deployment.apps falco/demo']);
    expect(grown.releases[0].oversized).toEqual(['ConfigMap falco/big']);
  });

  it('lets the AppProject, the sync options and npm run diff follow when a chart gains a Namespace and an object past the apply limit', () => {
    const before = build(plain);
    const after = build(grown);
    expect(before.warnings.filter((w) => w.includes(RELEASE.chart))).toEqual([]);
    expect(project(before.objects).clusterResourceWhitelist).not.toContainEqual({ group: '', kind: 'Namespace' });
    expect(project(after.objects).clusterResourceWhitelist).toContainEqual({ group: '', kind: 'Namespace' });
    expect(project(before.objects).destinations.map((d: { namespace: string }) => d.namespace)).toEqual(['falco']);
    expect(project(after.objects).destinations.map((d: { namespace: string }) => d.namespace)).toEqual(['demo-extra', 'falco']);
    expect(syncOptions(before.objects)).not.toContain('ServerSideApply=true');
    expect(syncOptions(after.objects)).toContain('ServerSideApply=true');

    // What `npm run diff` prints between the two trees shows the same changes.
    const dir = scratchDir('measured-facts-diff');
    dirs.push(dir);
    const tree = (objects: Obj[]): Map<string, string> =>
      new Map(objects.map((o) => [`kubernetes/argocd-apps/${o.kind.toLowerCase()}-${o.metadata.name}.yaml`, stringify(o)]));
    for (const [file, text] of tree(before.objects)) {
      fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
      fs.writeFileSync(path.join(dir, file), text);
    }
    const diff = formatDiff(explainDiff(tree(after.objects), dir)).join('\n');
    expect(diff).toMatch(/spec\.clusterResourceWhitelist\[0\]\.kind: "CustomResourceDefinition" -> "Namespace"/);
    expect(diff).toMatch(/spec\.destinations\[0\]\.namespace: "falco" -> "demo-extra"/);
    expect(diff).toMatch(/spec\.syncPolicy\.syncOptions\[\d\]: \(absent\) -> "ServerSideApply=true"/);
  });

  it('fails when a workload needs a Pod Security level its namespace does not allow, naming both', () => {
    const host = factsFor(
      fixtureChart({
        'agent.yaml': 'apiVersion: apps/v1\nkind: DaemonSet\nmetadata:\n  name: agent\nspec:\n  selector:\n    matchLabels: {app: agent}\n  template:\n    metadata:\n      labels: {app: agent}\n    spec:\n      hostNetwork: true\n      containers:\n        - name: agent\n          image: registry.example/agent:1.0.0\n',
      }),
    ).releases[0];
    expect(host.podSecurity).toBe('privileged');
    expect(podSecurityConflicts(host, new Map([['falco', 'privileged']]))).toEqual([]);
    expect(podSecurityConflicts(host, new Map([['falco', 'baseline']]))).toEqual([
      'DaemonSet.apps falco/agent of chart fixture-plain 0.1.0 needs Pod Security level privileged (hostNetwork), but namespace falco enforces baseline',
    ]);
  });

  it('warns, naming the command that measures them again, when the values no longer match the facts', () => {
    const { warnings } = build(plain, { greeting: 'changed' });
    expect(warnings.join('\n')).toMatch(/component falco: the chart facts of fixture-plain 0\.1\.0 \(release demo\) were measured with other values .*npx site-compiler vendor --facts-only --site <site file>/);
  });

  it('applies server-side and allows the common kinds when a chart has no facts, and says so', () => {
    const none = { ...plain, releases: [] };
    const { objects, warnings } = build(none);
    expect(syncOptions(objects)).toContain('ServerSideApply=true');
    expect(warnings.join('\n')).toMatch(/fixture-plain 0\.1\.0 \(release demo\) were never measured/);
  });
});

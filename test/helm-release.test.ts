import * as fs from 'node:fs';
import * as path from 'node:path';
import { ApiObject, App, Chart } from 'cdk8s';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ComponentChart } from '../constructs/component-chart';
import { chartArchivePath, sha256File } from '../constructs/chart-cache';
import { ChartLock } from '../constructs/chart-lock';
import { ChartSources, HelmRelease, HelmReleaseProps } from '../constructs/helm-release';
import { FIXTURE_NAMES, FIXTURE_REPO, FIXTURE_VERSION, FixtureChart, fixtureCacheAndLock, scratchDir, validationErrors } from './support/chart-fixtures';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

let cacheDir: string;
let lock: ChartLock;
beforeAll(() => {
  const dir = scratchDir('helm-release');
  dirs.push(dir);
  ({ cacheDir, lock } = fixtureCacheAndLock(dir));
});

function props(chart: FixtureChart, over: Partial<HelmReleaseProps> = {}): HelmReleaseProps {
  return { repoUrl: FIXTURE_REPO, chart: FIXTURE_NAMES[chart], version: FIXTURE_VERSION, releaseName: 'demo', namespace: 'demo-ns', delivery: 'rendered', ...over };
}

/** The fixture lock with only the entry for one chart (a lock that pins unused charts is refused). */
function lockFor(chart: string, over: Partial<ChartLock['charts'][number]> = {}): ChartLock {
  return { ...lock, charts: lock.charts.filter((c) => c.chart === chart).map((c) => ({ ...c, ...over })) };
}

/**
 * One app with one component chart holding one release, given the fixture lock entry of its chart;
 * `sources` null leaves the app unconfigured.
 */
function build(release: HelmReleaseProps, sources: Partial<ChartSources> | null = {}): { app: App; chart: ComponentChart; release: HelmRelease } {
  const app = new App({ outdir: scratchDir('helm-release-out') });
  dirs.push(app.outdir);
  if (sources) HelmRelease.useSources(app, { lock: lockFor(release.chart), cacheDir, kubeVersion: '1.31.13', ...sources });
  const chart = new ComponentChart(app, 'fixtures', { component: 'fixtures' });
  return { app, chart, release: new HelmRelease(chart, 'release', release) };
}

function yamlOf(chart: Chart): string {
  return chart.toJson().map((o) => stringify(o, { lineWidth: 0 })).join('---\n');
}

describe('HelmRelease rendered delivery', () => {
  it('renders the cached chart into plain objects of its component, byte-identical on every synth', () => {
    const values = { greeting: 'hi there', replicas: 2 };
    const first = build(props('plain', { values }));
    const second = build(props('plain', { values }));
    expect(validationErrors(first.app)).toEqual([]);
    const yaml = yamlOf(first.chart);
    expect(yamlOf(second.chart)).toBe(yaml);

    const objects = first.chart.toJson() as { kind: string; metadata: { name: string; namespace?: string }; data?: Record<string, string>; spec?: any }[];
    // helm's order: CRDs (--include-crds) first, then by kind; the test hook Pod is left out (--skip-tests).
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual(['CustomResourceDefinition/widgets.fixture.example', 'ConfigMap/demo-settings', 'Deployment/demo']);
    expect(first.release.rendered).toHaveLength(3);
    const config = objects[1];
    expect(config.metadata.namespace).toBe('demo-ns');
    // Unquoted scalars mean what they mean to the API server: `no` is false; times and dates stay strings.
    expect(config.data).toEqual({ greeting: 'hi there', kubeVersion: 'v1.31.13', window: '12:30', released: '2024-01-01' });
    expect(objects[2].spec.template.spec.automountServiceAccountToken).toBe(false);
    expect(objects[2].spec.replicas).toBe(2);
    // An empty object is meaningful in Kubernetes (emptyDir: {}): inclusion must keep it.
    expect(objects[2].spec.template.spec.volumes).toEqual([{ name: 'scratch', emptyDir: {} }]);
  });

  it('renders objects a chart gates on an API the site installs only when that API version is given', () => {
    const values = { monitoring: { enabled: true } };
    const without = build(props('plain', { values }));
    const withApi = build(props('plain', { values }), { apiVersions: ['monitoring.coreos.com/v1'] });
    expect(without.chart.toJson().map((o: { kind: string }) => o.kind)).not.toContain('ServiceMonitor');
    expect(withApi.chart.toJson().map((o: { kind: string }) => o.kind)).toContain('ServiceMonitor');
  });

  it('accepts a chart that would generate a password once values point it at an existing secret', () => {
    const { app, chart } = build(props('random', { values: { auth: { existingSecret: 'demo-credentials' } } }));
    expect(validationErrors(app)).toEqual([]);
    const deployment = (chart.toJson() as { kind: string; spec: any }[]).find((o) => o.kind === 'Deployment');
    expect(deployment?.spec.template.spec.containers[0].env[0].valueFrom.secretKeyRef.name).toBe('demo-credentials');
  });

  it('fails when the chart renders random output, naming the object, the field and the value that avoids it', () => {
    const { app, chart, release } = build(props('random'));
    const errors = validationErrors(app);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain('chart fixture-random 0.1.0 renders differently each time');
    expect(errors[0]).toContain('Secret demo-ns/demo-auth: data.password');
    expect(errors[0]).toContain('values.auth.existingSecret');
    expect(release.rendered).toEqual([]);
    expect(chart.node.findAll().filter((c) => ApiObject.isApiObject(c))).toEqual([]);
  });

  it('fails when the cached archive does not match the digest in the lock, naming the chart and the vendor command', () => {
    const dir = scratchDir('helm-release-tampered');
    dirs.push(dir);
    const archive = chartArchivePath(cacheDir, FIXTURE_NAMES.plain, FIXTURE_VERSION);
    const copy = chartArchivePath(dir, FIXTURE_NAMES.plain, FIXTURE_VERSION);
    fs.copyFileSync(archive, copy);
    fs.appendFileSync(copy, 'x');
    const { app, release } = build(props('plain'), { cacheDir: dir });
    const errors = validationErrors(app);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain(`chart fixture-plain 0.1.0: the cached archive`);
    expect(errors[0]).toContain(`has sha256 ${sha256File(copy)}, but`);
    expect(errors[0]).toContain(`pins ${sha256File(archive)}`);
    expect(errors[0]).toContain('`npx site-compiler vendor --site <site file>`');
    expect(release.rendered).toEqual([]);
  });

  it('fails when the chart is missing from the cache, naming it and the vendor command', () => {
    const empty = scratchDir('helm-release-empty');
    dirs.push(empty);
    const errors = validationErrors(build(props('plain'), { cacheDir: empty }).app);
    expect(errors).toEqual([expect.stringMatching(/chart fixture-plain 0\.1\.0 is not in the chart cache \(.*fixture-plain-0\.1\.0\.tgz does not exist\); run `npx site-compiler vendor --site <site file>`/)]);
  });

  it('fails when the lock has no digest for the chart (never vendored)', () => {
    const errors = validationErrors(build(props('plain'), { lock: lockFor('fixture-plain', { sha256: null }) }).app);
    expect(errors).toEqual([expect.stringContaining('chart fixture-plain 0.1.0 has never been vendored')]);
    expect(errors[0]).toContain('run `npx site-compiler vendor --site <site file>`');
  });

  it('fails when the release is locked at another version, naming the component, both versions and the fix', () => {
    const errors = validationErrors(build(props('plain', { version: '0.2.0' })).app);
    expect(errors).toEqual([expect.stringContaining('component fixtures: chart fixture-plain 0.2.0 from https://charts.fixture.example/ is locked at version 0.1.0')]);
    expect(errors[0]).toContain('npx site-compiler vendor --site <site file>');
  });

  it('fails when the chart is not in the lock at all', () => {
    const errors = validationErrors(build(props('plain', { repoUrl: 'https://other.example/charts' })).app);
    expect(errors).toHaveLength(2);
    expect(errors).toEqual(
      expect.arrayContaining([
        expect.stringContaining('component fixtures: chart fixture-plain 0.1.0 from https://other.example/charts is not in the chart lock'),
        expect.stringContaining('chart fixture-plain 0.1.0 from https://charts.fixture.example/ is in the chart lock'),
      ]),
    );
  });

  it('fails when the app was given no chart sources', () => {
    const errors = validationErrors(build(props('plain'), null).app);
    expect(errors).toEqual([expect.stringContaining('HelmRelease.useSources')]);
  });

  it('fails when helm cannot render the chart, with helm\'s own message', () => {
    const errors = validationErrors(build(props('plain', { values: { monitoring: 'yes' } })).app);
    expect(errors).toEqual([expect.stringContaining("component fixtures: chart fixture-plain 0.1.0: helm template exited with 1")]);
    expect(errors[0]).toContain("can't evaluate field enabled");
    expect(errors[0]).toContain('fix the values component fixtures passes to the chart');
  });
});

describe('HelmRelease argocd delivery', () => {
  it('renders nothing: the Application gets the chart as a Helm source', () => {
    const { app, chart, release } = build(props('random', { delivery: 'argocd' }));
    expect(validationErrors(app)).toEqual([]);
    expect(chart.toJson()).toEqual([]);
    expect(release.rendered).toEqual([]);
    expect(release.use).toEqual({ component: 'fixtures', repoUrl: FIXTURE_REPO, chart: 'fixture-random', version: '0.1.0' });
  });

  it('needs no cache and no digest', () => {
    const parent = scratchDir('helm-release-none');
    dirs.push(parent);
    const nowhere = path.join(parent, 'missing');
    const { app } = build(props('plain', { delivery: 'argocd' }), { cacheDir: nowhere, lock: lockFor('fixture-plain', { sha256: null }) });
    expect(validationErrors(app)).toEqual([]);
  });

  it('fails when it is locked at another version', () => {
    const errors = validationErrors(build(props('plain', { delivery: 'argocd', version: '1.0.0' })).app);
    expect(errors).toEqual([expect.stringContaining('is locked at version 0.1.0')]);
  });

  it('is not checked when the app has no chart sources', () => {
    expect(validationErrors(build(props('plain', { delivery: 'argocd', version: '9.9.9' }), null).app)).toEqual([]);
  });
});

describe('HelmRelease.useSources', () => {
  it('fails when the lock pins a chart no release uses', () => {
    // The whole fixture lock pins both fixture charts; only fixture-plain is used here.
    const errors = validationErrors(build(props('plain', { delivery: 'argocd' }), { lock }).app);
    expect(errors).toEqual([expect.stringMatching(/^chart fixture-random 0\.1\.0 from https:\/\/charts\.fixture\.example\/ is in the chart lock .* but no component uses it; run `npx site-compiler vendor --lock-only --site <site file>`/)]);
  });

  it('fails when the Kubernetes version is not a version', () => {
    expect(() => build(props('plain'), { kubeVersion: 'latest' })).toThrow(/kubeVersion "latest" is not a Kubernetes version/);
  });
});

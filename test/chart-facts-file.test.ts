import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ReleaseFacts, canonicalJson, chartFactsFileFor, deliveredCharts, factsCommand, formatChartFacts, inputsDigest, readChartFacts, staleness, writeChartFacts } from '../constructs/chart-facts-file';
import { SiteError } from '../site/errors';
import { scratchDir } from './support/chart-fixtures';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

const release = { component: 'cilium', releaseName: 'cilium', chart: 'cilium', version: '1.18.0', namespace: 'kube-system', values: { b: 1, a: { d: 2, c: 3 } } };
const facts = (over: Partial<ReleaseFacts> = {}): ReleaseFacts => ({
  component: 'cilium',
  releaseName: 'cilium',
  chart: 'cilium',
  version: '1.18.0',
  namespace: 'kube-system',
  valuesDigest: inputsDigest(release, '1.31.13'),
  podSecurity: 'privileged',
  largestObject: { object: 'DaemonSet.apps kube-system/cilium', bytes: 11046 },
  oversized: [],
  crds: [],
  objects: ['Namespace cilium-secrets'],
  workloads: [],
  ...over,
});

describe('chart facts file', () => {
  it('sits beside the lock of its site', () => {
    expect(chartFactsFileFor(path.join('sites', 'homelab.ts'))).toBe(path.join('sites', 'homelab.facts.yaml'));
  });

  it('digests the inputs independently of key order, and differently when a value changes', () => {
    expect(canonicalJson({ b: 1, a: { d: 2, c: 3 } })).toBe('{"a":{"c":3,"d":2},"b":1}');
    const reordered = { ...release, values: { a: { c: 3, d: 2 }, b: 1 } };
    expect(inputsDigest(reordered, '1.31.13')).toBe(inputsDigest(release, '1.31.13'));
    expect(inputsDigest({ ...release, values: { ...release.values, b: 2 } }, '1.31.13')).not.toBe(inputsDigest(release, '1.31.13'));
    expect(inputsDigest(release, '1.32.0')).not.toBe(inputsDigest(release, '1.31.13'));
  });

  it('says why facts do not describe a release: never measured, another version, other values', () => {
    expect(staleness(facts(), release, '1.31.13')).toBeUndefined();
    expect(staleness(undefined, release, '1.31.13')).toBe('were never measured');
    expect(staleness(facts({ version: '1.17.0' }), release, '1.31.13')).toBe('were measured for chart cilium 1.17.0');
    expect(staleness(facts(), { ...release, values: {} }, '1.31.13')).toMatch(/were measured with other values/);
  });

  it('names the refresh command with the site unless it is the reference site', () => {
    expect(factsCommand('sites/hookprobe.ts')).toBe('npx site-compiler vendor --facts-only');
    expect(factsCommand('sites/homelab.ts')).toBe('npx site-compiler vendor --facts-only --site sites/homelab.ts');
  });

  it('writes the same text for the same facts whatever their order, with no paths or times, and reads it back', () => {
    const dir = scratchDir('facts-file');
    dirs.push(dir);
    const other = facts({ component: 'argocd', releaseName: 'argocd', chart: 'argo-cd' });
    const a = formatChartFacts({ kubeVersion: '1.31.13', apiVersions: ['b/v1', 'a/v1'], releases: [facts(), other] }, 'site.ts', 'npm run vendor -- --facts-only');
    const b = formatChartFacts({ kubeVersion: '1.31.13', apiVersions: ['a/v1', 'b/v1'], releases: [other, facts()] }, 'site.ts', 'npm run vendor -- --facts-only');
    expect(a).toBe(b);
    expect(a).not.toContain(dir);
    expect(a).not.toMatch(/\d{4}-\d\d-\d\dT/);
    const file = path.join(dir, 'site.facts.yaml');
    expect(writeChartFacts(file, a)).toBe(true);
    expect(writeChartFacts(file, a)).toBe(false);
    const read = readChartFacts(file);
    expect(read.releases.map((r) => r.component)).toEqual(['argocd', 'cilium']);
    expect(read.apiVersions).toEqual(['a/v1', 'b/v1']);
  });

  it('reads a facts file again from its parsed copy: the same facts, a copy the caller may change, and none for an edited text', () => {
    const dir = scratchDir('facts-file-cache');
    dirs.push(dir);
    const file = path.join(dir, 'site.facts.yaml');
    const text = formatChartFacts({ kubeVersion: '1.31.13', apiVersions: ['a/v1'], releases: [facts()] }, 'site.ts', 'npm run vendor -- --facts-only');
    writeChartFacts(file, text);
    const first = readChartFacts(file);
    const kept = path.join(__dirname, '..', '.cache', 'parsed-facts');
    expect(fs.readdirSync(kept).some((f) => JSON.stringify(first.releases) === JSON.stringify(JSON.parse(fs.readFileSync(path.join(kept, f), 'utf8')).releases))).toBe(true);
    (first.releases as ReleaseFacts[]).pop();
    const again = readChartFacts(file);
    expect(again.releases.map((r) => r.component)).toEqual(['cilium']);
    fs.writeFileSync(file, text.replace("kubeVersion: '1.31.13'", "kubeVersion: '1.31.14'").replace('kubeVersion: 1.31.13', 'kubeVersion: 1.31.14'));
    expect(readChartFacts(file).kubeVersion).toBe('1.31.14');
  });

  it('fails when the file is not a facts file, naming the command that writes it again', () => {
    const dir = scratchDir('facts-file-bad');
    dirs.push(dir);
    const file = path.join(dir, 'site.facts.yaml');
    fs.writeFileSync(file, 'factsVersion: 7\nreleases: []\n');
    expect(() => readChartFacts(file)).toThrow(SiteError);
    expect(() => readChartFacts(file)).toThrow(/npx site-compiler vendor --facts-only --site <site file>/);
  });
});

describe('deliveredCharts', () => {
  const file = { file: 'site.facts.yaml', exists: true, kubeVersion: '1.31.13', apiVersions: [] };
  const lock = (version: string) => ({ file: 'site.lock.yaml', exists: true, charts: [{ chart: 'cilium', repoUrl: 'https://helm.cilium.io/', version, sha256: null, components: ['cilium'] }] });

  it('gives each locked chart the kubeVersion its facts recorded, whatever values they were measured with', () => {
    const measured = { ...file, releases: [facts({ chartKubeVersion: '>= 1.21.0-0', valuesDigest: 'measured-with-other-values' })] };
    expect(deliveredCharts(lock('1.18.0'), measured)).toEqual([{ chart: 'cilium', version: '1.18.0', components: ['cilium'], kubeVersion: '>= 1.21.0-0' }]);
  });

  it('leaves out a chart whose facts are of another version, or were measured before the constraint was recorded', () => {
    expect(deliveredCharts(lock('1.19.0'), { ...file, releases: [facts({ chartKubeVersion: '>= 1.21.0-0' })] })).toEqual([]);
    expect(deliveredCharts(lock('1.18.0'), { ...file, releases: [facts()] })).toEqual([]);
  });

  it('takes the facts\' own charts when the site has no lock', () => {
    const releases = [facts({ chartKubeVersion: null })];
    expect(deliveredCharts({ file: 'site.lock.yaml', exists: false, charts: [] }, { ...file, releases })).toEqual([{ chart: 'cilium', version: '1.18.0', components: ['cilium'], kubeVersion: null }]);
  });
});

import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  ChartLock,
  ChartUse,
  chartLockFileFor,
  formatChartLock,
  lockProblem,
  planChartLock,
  readChartLock,
  unusedLockEntries,
  vendorCommandFor,
  writeChartLock,
} from '../constructs/chart-lock';
import { siteChartUses } from '../scripts/vendor-charts';
import { scratchDir } from './support/chart-fixtures';
import { captureSiteError } from './support/site-error';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));
function dir(): string {
  const d = scratchDir('chart-lock');
  dirs.push(d);
  return d;
}

const DIGEST = 'a'.repeat(64);
const cilium: ChartUse = { component: 'cilium', repoUrl: 'https://helm.cilium.io/', chart: 'cilium', version: '1.18.0' };
const rook: ChartUse = { component: 'rook-ceph', repoUrl: 'https://charts.rook.io/release', chart: 'rook-ceph', version: 'v1.20.6' };

function lockOf(charts: ChartLock['charts'], file = '/nowhere/site.lock.yaml'): ChartLock {
  return { file, exists: true, charts };
}

describe('chart lock file', () => {
  it('sits beside the site, named after it', () => {
    expect(chartLockFileFor('sites/hookprobe.ts')).toBe(path.join('sites', 'hookprobe.lock.yaml'));
    expect(chartLockFileFor('/x/homelab.site.yaml')).toBe('/x/homelab.site.lock.yaml');
  });

  it('is an empty lock when the file does not exist', () => {
    const file = path.join(dir(), 'missing.lock.yaml');
    expect(readChartLock(file)).toEqual({ file, exists: false, charts: [] });
  });

  it('round-trips through write and read, sorted, with a note on every entry that was never vendored', () => {
    const file = path.join(dir(), 'site.lock.yaml');
    const charts = [
      { chart: 'rook-ceph', repoUrl: rook.repoUrl, version: 'v1.20.6', sha256: null, components: ['rook-ceph'] },
      { chart: 'cilium', repoUrl: cilium.repoUrl, version: '1.18.0', sha256: DIGEST, components: ['cilium'] },
    ];
    expect(writeChartLock(file, charts, 'site.ts')).toBe(true);
    expect(writeChartLock(file, [...charts].reverse(), 'site.ts')).toBe(false);
    const text = fs.readFileSync(file, 'utf8');
    expect(text).toContain('# Chart lock for site.ts.');
    expect(text.indexOf('chart: cilium')).toBeLessThan(text.indexOf('chart: rook-ceph'));
    expect(text).toMatch(/# never vendored: run `npx site-compiler vendor` where https:\/\/charts\.rook\.io\/release is reachable\n\s+- chart: rook-ceph/);
    expect(text).not.toContain('/tmp');
    expect(readChartLock(file)).toEqual({ file, exists: true, charts: [charts[1], charts[0]] });
  });

  it('fails when an entry is not a valid lock entry, naming it', () => {
    const file = path.join(dir(), 'bad.lock.yaml');
    fs.writeFileSync(file, 'lockVersion: 1\ncharts:\n  - chart: cilium\n    repoUrl: helm.cilium.io\n    version: 1.18.0\n    sha256: ABC\n');
    const err = captureSiteError(() => readChartLock(file));
    expect(err.problems.map((p) => p.path)).toEqual(['charts[0].repoUrl', 'charts[0].sha256']);
    expect(err.message).toContain('npx site-compiler vendor --lock-only --site <site file>');
  });

  it('fails when two entries lock the same chart from the same repository', () => {
    const file = path.join(dir(), 'dup.lock.yaml');
    const entry = { chart: 'cilium', repoUrl: 'https://helm.cilium.io', version: '1.18.0', sha256: null, components: [] };
    fs.writeFileSync(file, formatChartLock([entry, { ...entry, repoUrl: 'https://helm.cilium.io/', version: '1.17.0' }], 'site.ts'));
    expect(captureSiteError(() => readChartLock(file)).problems).toEqual([expect.objectContaining({ path: 'charts[1]', message: 'locks the same chart as charts[0]' })]);
  });

  it('fails when the file is not YAML', () => {
    const file = path.join(dir(), 'broken.lock.yaml');
    fs.writeFileSync(file, 'lockVersion: 1\ncharts: [\n');
    expect(captureSiteError(() => readChartLock(file)).problems[0].path).toMatch(/^line \d+, column \d+$/);
  });
});

describe('lockProblem', () => {
  const lock = lockOf([{ chart: 'cilium', repoUrl: 'https://helm.cilium.io', version: '1.18.0', sha256: null, components: ['cilium'] }]);

  it('accepts a use locked at its version, with or without a trailing slash on the repository', () => {
    expect(lockProblem(lock, cilium)).toBeUndefined();
  });

  it('fails when the use is locked at another version, naming the component, chart, both versions and the fix', () => {
    expect(lockProblem(lock, { ...cilium, version: '1.19.0' })).toBe(
      'component cilium: chart cilium 1.19.0 from https://helm.cilium.io/ is locked at version 1.18.0 in /nowhere/site.lock.yaml; run `npx site-compiler vendor --site <site file>` to lock 1.19.0, or pin 1.18.0 in the site',
    );
  });

  it('fails when the use is not locked, and says when there is no lock file at all', () => {
    expect(lockProblem(lock, rook)).toMatch(/^component rook-ceph: chart rook-ceph v1\.20\.6 from https:\/\/charts\.rook\.io\/release is not in the chart lock \/nowhere\/site\.lock\.yaml; run `npx site-compiler vendor --site <site file>`/);
    expect(lockProblem({ ...lock, exists: false, charts: [] }, rook)).toContain('has no chart lock: /nowhere/site.lock.yaml does not exist');
  });

  it('reports entries no use needs', () => {
    expect(unusedLockEntries(lock, [cilium])).toEqual([]);
    expect(unusedLockEntries(lock, [rook])).toEqual([expect.stringContaining('chart cilium 1.18.0 from https://helm.cilium.io is in the chart lock')]);
  });
});

describe('planChartLock', () => {
  it('keeps a digest only where chart, repository and version are unchanged, and drops unused entries', () => {
    const lock = lockOf([
      { chart: 'cilium', repoUrl: 'https://helm.cilium.io/', version: '1.17.0', sha256: DIGEST, components: ['cilium'] },
      { chart: 'rook-ceph', repoUrl: rook.repoUrl, version: 'v1.20.6', sha256: DIGEST, components: ['rook-ceph'] },
      { chart: 'falco', repoUrl: 'https://falcosecurity.github.io/charts', version: '9.1.0', sha256: DIGEST, components: ['falco'] },
    ]);
    expect(planChartLock(lock, [rook, cilium, { ...rook, component: 'rook-cluster' }])).toEqual([
      { chart: 'cilium', repoUrl: 'https://helm.cilium.io/', version: '1.18.0', sha256: null, components: ['cilium'] },
      { chart: 'rook-ceph', repoUrl: rook.repoUrl, version: 'v1.20.6', sha256: DIGEST, components: ['rook-ceph', 'rook-cluster'] },
    ]);
  });

  it('fails when two components use one chart at different versions', () => {
    const err = captureSiteError(() => planChartLock(lockOf([]), [rook, { ...rook, component: 'rook-cluster', version: 'v1.19.0' }]));
    expect(err.problems).toEqual([expect.objectContaining({ path: 'component rook-cluster', value: 'v1.19.0', fix: 'pin one version of each chart in the site' })]);
  });
});

describe('the reference site', () => {
  it('locks every chart it uses, at the version it uses, and nothing else', () => {
    const root = path.resolve(__dirname, '..');
    const site = siteChartUses('sites/hookprobe.ts', root);
    expect(path.relative(root, site.lockFile)).toBe(path.join('sites', 'hookprobe.lock.yaml'));
    const lock = readChartLock(site.lockFile);
    expect(site.uses.length).toBeGreaterThan(0);
    expect([...site.uses.map((u) => lockProblem(lock, u)).filter((p) => p !== undefined), ...unusedLockEntries(lock, site.uses)]).toEqual([]);
    // The committed lock is exactly what `npx site-compiler vendor --lock-only` writes for the site.
    expect(fs.readFileSync(site.lockFile, 'utf8')).toBe(formatChartLock(planChartLock(lock, site.uses), site.siteName, site.vendorCommand));
  });
});

describe('vendorCommandFor', () => {
  it('names the site unless it is the reference site, so the lock of another site refreshes that site', () => {
    expect(vendorCommandFor('sites/hookprobe.ts')).toBe('npx site-compiler vendor');
    expect(vendorCommandFor('sites/homelab.ts')).toBe('npx site-compiler vendor --site sites/homelab.ts');
    const text = formatChartLock([], 'homelab.ts', vendorCommandFor('sites/homelab.ts'));
    expect(text).toContain('Written by `npx site-compiler vendor --site sites/homelab.ts`');
    expect(text).toContain('(`npx site-compiler vendor --site sites/homelab.ts --from <folder>`)');
  });
});


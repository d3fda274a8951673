import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { App } from 'cdk8s';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chartArchivePath, helmBinary, runIsolatedHelm, sha256File } from '../constructs/chart-cache';
import { ChartUse, formatChartLock, readChartLock } from '../constructs/chart-lock';
import { contentDigest } from '../constructs/chart-measure';
import { vendorFromMirror } from '../scripts/chart-mirror';
import { ComponentChart } from '../constructs/component-chart';
import { HelmRelease } from '../constructs/helm-release';
import { OFFLINE_ADVICE, vendorCharts } from '../scripts/chart-download';
import { FIXTURE_CHARTS, FIXTURE_NAMES, FIXTURE_VERSION, packageFixture, scratchDir, validationErrors } from './support/chart-fixtures';

const dirs: string[] = [];
let server: http.Server;
let repoUrl: string;
let repoDir: string;
const requests: string[] = [];
/** Paths the server answers with other bytes than the file (a re-published or tampered archive). */
const tampered = new Set<string>();

/** A Helm repository on 127.0.0.1: the packaged fixture charts and the index `helm repo index` writes for them. */
beforeAll(async () => {
  repoDir = scratchDir('vendor-repo');
  dirs.push(repoDir);
  packageFixture('plain', repoDir);
  packageFixture('random', repoDir);
  // No --url: the index names archives relative to the repository, as many real repositories do.
  runIsolatedHelm(helmBinary(), ['repo', 'index', repoDir]);
  server = http.createServer((req, res) => {
    const rel = decodeURIComponent((req.url ?? '/').split('?')[0]).replace(/^\/charts\//, '');
    requests.push(rel);
    const file = path.join(repoDir, rel);
    if (rel.includes('..') || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
      res.writeHead(404).end('not found');
      return;
    }
    const body = tampered.has(rel) ? Buffer.concat([fs.readFileSync(file), Buffer.from('x')]) : fs.readFileSync(file);
    res.writeHead(200, { 'content-length': body.length }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  repoUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/charts/`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true }));
});

function workspace(): { lockFile: string; cacheDir: string } {
  const dir = scratchDir('vendor');
  dirs.push(dir);
  return { lockFile: path.join(dir, 'site.lock.yaml'), cacheDir: path.join(dir, 'cache') };
}

function uses(url = repoUrl): ChartUse[] {
  return [
    { component: 'plain', repoUrl: url, chart: FIXTURE_NAMES.plain, version: FIXTURE_VERSION },
    { component: 'random', repoUrl: url, chart: FIXTURE_NAMES.random, version: FIXTURE_VERSION },
  ];
}

describe('npm run vendor', () => {
  it('downloads every locked chart from the repository index into the cache and records its sha256', async () => {
    const ws = workspace();
    const lines: string[] = [];
    const progress: string[] = [];
    requests.length = 0;
    const result = await vendorCharts({ ...ws, siteName: 'site.ts', uses: uses(), log: (l) => lines.push(l), progress: (l) => progress.push(l) });

    expect(result.failures).toEqual([]);
    expect(result.unreachable).toBe(false);
    expect(result.charts.map((c) => c.status)).toEqual(['downloaded', 'downloaded']);
    expect(result.lockChanged).toBe(true);
    // One index read for the repository, one archive per chart.
    expect(requests).toEqual(['index.yaml', 'fixture-plain-0.1.0.tgz', 'fixture-random-0.1.0.tgz']);
    const lock = readChartLock(ws.lockFile);
    for (const chart of ['plain', 'random'] as const) {
      const cached = chartArchivePath(ws.cacheDir, FIXTURE_NAMES[chart], FIXTURE_VERSION);
      const served = path.join(repoDir, `${FIXTURE_NAMES[chart]}-${FIXTURE_VERSION}.tgz`);
      expect(sha256File(cached)).toBe(sha256File(served));
      expect(lock.charts.find((c) => c.chart === FIXTURE_NAMES[chart])?.sha256).toBe(sha256File(served));
    }
    expect(lines[0]).toBe(`[1/2] fixture-plain 0.1.0: reading ${repoUrl}index.yaml`);
    expect(lines).toContainEqual(expect.stringMatching(/^\[2\/2\] fixture-random 0\.1\.0: downloaded \d+ KiB in \d+ ms, sha256 [0-9a-f]{64}$/));
    expect(progress).toContainEqual(expect.stringMatching(/^\[1\/2\] fixture-plain 0\.1\.0: \d+ KiB of \d+ KiB \(100%\)$/));
    expect(fs.readdirSync(ws.cacheDir).sort()).toEqual(['fixture-plain-0.1.0.tgz', 'fixture-random-0.1.0.tgz']);

    // A second run finds both archives in the cache and asks the repository for nothing.
    requests.length = 0;
    const again = await vendorCharts({ ...ws, siteName: 'site.ts', uses: uses() });
    expect(again.charts.map((c) => c.status)).toEqual(['cached', 'cached']);
    expect(again.lockChanged).toBe(false);
    expect(requests).toEqual([]);
  });

  it('fills the cache and lock that rendered delivery then renders from', async () => {
    const ws = workspace();
    await vendorCharts({ ...ws, siteName: 'site.ts', uses: uses() });
    const app = new App({ outdir: ws.cacheDir });
    HelmRelease.useSources(app, { lock: readChartLock(ws.lockFile), cacheDir: ws.cacheDir, kubeVersion: '1.31.13' });
    const plain = new ComponentChart(app, 'plain', { component: 'plain' });
    const rendered = new HelmRelease(plain, 'release', { repoUrl, chart: FIXTURE_NAMES.plain, version: FIXTURE_VERSION, releaseName: 'demo', namespace: 'demo', delivery: 'rendered' });
    const random = new ComponentChart(app, 'random', { component: 'random' });
    new HelmRelease(random, 'release', { repoUrl, chart: FIXTURE_NAMES.random, version: FIXTURE_VERSION, releaseName: 'demo', namespace: 'demo', delivery: 'argocd' });
    expect(validationErrors(app)).toEqual([]);
    expect(rendered.rendered.map((o) => o.kind)).toEqual(['CustomResourceDefinition', 'ConfigMap', 'Deployment']);
  });

  it('fails when the served archive differs from the digest in the lock, and replaces nothing', async () => {
    const ws = workspace();
    await vendorCharts({ ...ws, siteName: 'site.ts', uses: uses() });
    const cached = chartArchivePath(ws.cacheDir, FIXTURE_NAMES.plain, FIXTURE_VERSION);
    fs.rmSync(cached);
    const before = fs.readFileSync(ws.lockFile, 'utf8');
    // Re-index with the tampered bytes' digest unknown to the index: serve other bytes under the same name.
    tampered.add('fixture-plain-0.1.0.tgz');
    try {
      const result = await vendorCharts({ ...ws, siteName: 'site.ts', uses: uses() });
      expect(result.charts.map((c) => c.status)).toEqual(['failed', 'cached']);
      expect(result.failures).toHaveLength(1);
      // The index carries the published digest, so the damaged download is caught before the lock is consulted.
      expect(result.failures[0]).toMatch(/^chart fixture-plain 0\.1\.0 from http:\/\/127\.0\.0\.1:\d+\/charts\/: .*fixture-plain-0\.1\.0\.tgz has sha256 [0-9a-f]{64}, but the repository index says/);
      expect(fs.existsSync(cached)).toBe(false);
      expect(fs.readFileSync(ws.lockFile, 'utf8')).toBe(before);
    } finally {
      tampered.delete('fixture-plain-0.1.0.tgz');
    }
  });

  it('fails when the archive is not the one the lock pins (re-published under the same version)', async () => {
    const ws = workspace();
    await vendorCharts({ ...ws, siteName: 'site.ts', uses: uses() });
    const locked = fs.readFileSync(ws.lockFile, 'utf8');
    const pinned = readChartLock(ws.lockFile).charts[0].sha256 as string;
    fs.writeFileSync(ws.lockFile, locked.replace(pinned, 'b'.repeat(64)));
    fs.rmSync(chartArchivePath(ws.cacheDir, FIXTURE_NAMES.plain, FIXTURE_VERSION));
    const result = await vendorCharts({ ...ws, siteName: 'site.ts', uses: uses() });
    expect(result.failures).toEqual([expect.stringContaining(`has sha256 ${pinned}, but the lock pins ${'b'.repeat(64)}`)]);
    expect(result.failures[0]).toContain('Nothing was replaced');
    expect(readChartLock(ws.lockFile).charts[0].sha256).toBe('b'.repeat(64));
    expect(fs.existsSync(chartArchivePath(ws.cacheDir, FIXTURE_NAMES.plain, FIXTURE_VERSION))).toBe(false);
  });

  it('fails when the repository has no such version, naming what it has', async () => {
    const ws = workspace();
    const result = await vendorCharts({ ...ws, siteName: 'site.ts', uses: [{ ...uses()[0], version: '9.9.9' }] });
    expect(result.failures).toEqual([expect.stringContaining('the repository has no version 9.9.9 of fixture-plain (newest: 0.1.0)')]);
  });

  it('fails cleanly when the repository cannot be reached, and still writes the lock entries', async () => {
    const ws = workspace();
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const offline = `http://127.0.0.1:${port}/`;

    // A refused connection fails at once; the generous limits only keep a starved worker in a full parallel run
    // (two cores, every test file at once) from turning a slow start of fetch into a timeout instead of the refusal.
    const result = await vendorCharts({ ...ws, siteName: 'site.ts', uses: uses(offline), timeoutMs: 30_000 });
    expect(result.charts.map((c) => c.status)).toEqual(['failed', 'failed']);
    expect(result.failures[0]).toMatch(
      new RegExp(`^chart fixture-plain 0\\.1\\.0 from ${offline.replace(/\./g, '\\.')}: cannot reach ${offline.replace(/\./g, '\\.')}index\\.yaml \\(.*ECONNREFUSED.*\\)$`),
    );
    expect(result.unreachable).toBe(true);
    expect(OFFLINE_ADVICE).toBe('npm run vendor needs network access to the chart repositories; synth with delivery "argocd" (the default) does not need the cache');
    expect(fs.existsSync(ws.cacheDir)).toBe(false);
    expect(readChartLock(ws.lockFile).charts.map((c) => [c.chart, c.sha256])).toEqual([
      ['fixture-plain', null],
      ['fixture-random', null],
    ]);
  }, 60_000);

  it('only locks with download off (--lock-only)', async () => {
    const ws = workspace();
    requests.length = 0;
    const result = await vendorCharts({ ...ws, siteName: 'site.ts', uses: uses(), download: false });
    expect(result.charts.map((c) => c.status)).toEqual(['locked', 'locked']);
    expect(requests).toEqual([]);
    expect(fs.readFileSync(ws.lockFile, 'utf8')).toContain('# never vendored: run `npx site-compiler vendor`');
  });

  it('fails for OCI registries with the delivery that handles them', async () => {
    const ws = workspace();
    const result = await vendorCharts({ ...ws, siteName: 'site.ts', uses: [{ ...uses()[0], repoUrl: 'oci://registry.example/charts' }] });
    expect(result.failures).toEqual([expect.stringContaining('downloads from http(s) Helm repositories only; use delivery "argocd"')]);
  });
});

describe('npm run vendor -- --from <mirror>', () => {
  const uses: ChartUse[] = (['plain', 'random'] as const).map((c) => ({ component: 'fixtures', repoUrl: 'https://charts.fixture.example/', chart: FIXTURE_NAMES[c], version: FIXTURE_VERSION }));

  /** A mirror holding the plain fixture as a chart folder and the random one as an archive. */
  function mirror(): { from: string; archive: string } {
    const from = scratchDir('vendor-mirror');
    dirs.push(from);
    fs.cpSync(path.join(FIXTURE_CHARTS, 'plain'), path.join(from, `${FIXTURE_NAMES.plain}-${FIXTURE_VERSION}`), { recursive: true });
    return { from, archive: packageFixture('random', from) };
  }

  it('fills the cache from a local mirror: an archive keeps its sha256, a folder records a content digest and says so, and rendered delivery renders it', () => {
    const dir = scratchDir('vendor-from');
    dirs.push(dir);
    const { from, archive } = mirror();
    const lockFile = path.join(dir, 'site.lock.yaml');
    const cacheDir = path.join(dir, 'cache');
    const result = vendorFromMirror({ lockFile, siteName: 'site.ts', uses, from, cacheDir });
    expect(result.failures).toEqual([]);
    const lock = readChartLock(lockFile);
    const plain = lock.charts.find((c) => c.chart === FIXTURE_NAMES.plain);
    const random = lock.charts.find((c) => c.chart === FIXTURE_NAMES.random);
    expect(plain?.sha256Of).toBe('chart-content');
    expect(plain?.sha256).toBe(contentDigest(path.join(FIXTURE_CHARTS, 'plain')));
    expect(random?.sha256Of).toBeUndefined();
    expect(random?.sha256).toBe(sha256File(archive));
    expect(fs.readFileSync(lockFile, 'utf8')).toContain('content digest of the chart folder');

    const app = new App({ outdir: dir });
    HelmRelease.useSources(app, { lock: { ...lock, charts: lock.charts.filter((c) => c === plain) }, cacheDir, kubeVersion: '1.31.13' });
    const chart = new ComponentChart(app, 'fixtures', { component: 'fixtures' });
    const release = new HelmRelease(chart, 'plain', { repoUrl: 'https://charts.fixture.example/', chart: FIXTURE_NAMES.plain, version: FIXTURE_VERSION, releaseName: 'demo', namespace: 'demo', delivery: 'rendered' });
    expect(validationErrors(app)).toEqual([]);
    expect(release.rendered.map((o) => o.kind)).toEqual(['CustomResourceDefinition', 'ConfigMap', 'Deployment']);
  });

  it('fails when the lock pins a repository archive and the mirror has only a chart folder, replacing nothing', () => {
    const dir = scratchDir('vendor-from-pinned');
    dirs.push(dir);
    const { from } = mirror();
    const lockFile = path.join(dir, 'site.lock.yaml');
    const pinned = 'a'.repeat(64);
    fs.writeFileSync(lockFile, formatChartLock([{ chart: FIXTURE_NAMES.plain, repoUrl: 'https://charts.fixture.example/', version: FIXTURE_VERSION, sha256: pinned, components: ['fixtures'] }], 'site.ts'));
    const result = vendorFromMirror({ lockFile, siteName: 'site.ts', uses: uses.slice(0, 1), from, cacheDir: path.join(dir, 'cache') });
    expect(result.failures.join('\n')).toMatch(/the lock pins the repository archive's sha256 a{64}, but .* is a chart folder.*put the repository's fixture-plain-0\.1\.0\.tgz in the mirror/);
    expect(readChartLock(lockFile).charts[0].sha256).toBe(pinned);
  });
});

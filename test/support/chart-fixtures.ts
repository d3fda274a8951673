import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App } from 'cdk8s';
import { IConstruct } from 'constructs';
import { chartArchiveName, helmBinary, runIsolatedHelm, sha256File } from '../../constructs/chart-cache';
import { LockedChart, formatChartLock, readChartLock, type ChartLock } from '../../constructs/chart-lock';

/** The fixture charts under test/fixtures/charts, by folder. */
export const FIXTURE_CHARTS = path.join(__dirname, '..', 'fixtures', 'charts');
export type FixtureChart = 'plain' | 'random';
export const FIXTURE_NAMES: Readonly<Record<FixtureChart, string>> = { plain: 'fixture-plain', random: 'fixture-random' };
export const FIXTURE_VERSION = '0.1.0';
export const FIXTURE_REPO = 'https://charts.fixture.example/';

/** A scratch folder removed by the returned cleanup. */
export function scratchDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `site-compiler-${prefix}-`));
}

/** `helm package` of a fixture chart into dir; returns the archive path. Archives differ per run (helm stamps times). */
export function packageFixture(chart: FixtureChart, dir: string): string {
  fs.mkdirSync(dir, { recursive: true });
  runIsolatedHelm(helmBinary(), ['package', path.join(FIXTURE_CHARTS, chart), '--destination', dir]);
  const archive = path.join(dir, chartArchiveName(FIXTURE_NAMES[chart], FIXTURE_VERSION));
  if (!fs.existsSync(archive)) throw new Error(`helm package did not write ${archive}`);
  return archive;
}

/** A cache folder holding the packaged fixtures, and a lock file pinning their real digests. */
export function fixtureCacheAndLock(dir: string, charts: readonly FixtureChart[] = ['plain', 'random']): { cacheDir: string; lock: ChartLock } {
  const cacheDir = path.join(dir, 'cache');
  const entries: LockedChart[] = charts.map((c) => ({
    chart: FIXTURE_NAMES[c],
    repoUrl: FIXTURE_REPO,
    version: FIXTURE_VERSION,
    sha256: sha256File(packageFixture(c, cacheDir)),
    components: ['fixtures'],
  }));
  const file = path.join(dir, 'site.lock.yaml');
  fs.writeFileSync(file, formatChartLock(entries, 'site.ts'));
  return { cacheDir, lock: readChartLock(file) };
}

/** Every validation error in an app, as synth would report them. */
export function validationErrors(app: App | IConstruct): string[] {
  return app.node.findAll().flatMap((c) => c.node.validate());
}

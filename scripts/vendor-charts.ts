/**
 * `npm run vendor`: fills the chart cache and the chart lock for a site. Writes the lock entries the
 * site's releases call for (sites/<site>.lock.yaml beside the site), downloads each locked chart from
 * its Helm repository into .cache/charts/<chart>-<version>.tgz and records or verifies its sha256.
 *
 * Usage: npm run vendor [-- --site sites/hookprobe.ts] [--cache <dir>] [--lock-only]
 */
import * as path from 'node:path';
import { App } from 'cdk8s';
import { Command } from 'commander';
import { buildCharts } from '../charts';
import { DEFAULT_CHART_CACHE } from '../constructs/chart-cache';
import { ChartUse, VENDOR_COMMAND, chartLockFileFor, displayPath } from '../constructs/chart-lock';
import { HelmRelease } from '../constructs/helm-release';
import { buildModel } from '../model';
import { SiteError } from '../site';
import { loadSite } from '../site/load';
import { OFFLINE_ADVICE, VendorStatus, vendorCharts } from './chart-download';

const DEFAULT_SITE = 'sites/hookprobe.ts';

/** The chart uses of a site: its charts are built (nothing rendered, nothing written) and their releases read. */
export function siteChartUses(siteFile: string, cwd = process.cwd()): { uses: ChartUse[]; lockFile: string; siteName: string } {
  const loaded = loadSite(siteFile, cwd);
  const model = buildModel(loaded.site, loaded.source);
  const app = new App();
  buildCharts(app, model);
  const abs = path.resolve(cwd, siteFile);
  return { uses: HelmRelease.releasesIn(app).map((r) => r.use), lockFile: chartLockFileFor(abs), siteName: path.basename(abs) };
}

async function main(): Promise<number> {
  const opts = new Command()
    .name('npm run vendor --')
    .description('Lock the charts a site uses and download them into the chart cache, verifying each sha256.')
    .option('--site <file>', 'site file (.ts, .yaml, .yml or .json)', DEFAULT_SITE)
    .option('--cache <folder>', 'chart cache folder', displayPath(DEFAULT_CHART_CACHE))
    .option('--lock-only', 'write the lock entries the site calls for and download nothing (new charts get sha256: null)')
    .showHelpAfterError()
    .parse(process.argv)
    .opts<{ site: string; cache: string; lockOnly?: boolean }>();
  const started = performance.now();
  const root = path.resolve(__dirname, '..');
  try {
    const site = opts.site === DEFAULT_SITE ? siteChartUses(path.join(root, DEFAULT_SITE), root) : siteChartUses(opts.site);
    const tty = process.stderr.isTTY;
    const result = await vendorCharts({
      ...site,
      cacheDir: path.resolve(opts.cache),
      download: !opts.lockOnly,
      log: (line) => process.stderr.write(`${tty ? '\r\x1b[K' : ''}${line}\n`),
      progress: tty ? (line) => process.stderr.write(`\r\x1b[K${line}`) : undefined,
    });
    const count = (s: VendorStatus): number => result.charts.filter((c) => c.status === s).length;
    process.stderr.write(
      `${result.charts.length} chart${result.charts.length === 1 ? '' : 's'}: ${count('downloaded')} downloaded, ${count('cached')} cached, ${count('locked')} locked only, ${count('failed')} failed in ${Math.round(performance.now() - started)} ms\n`,
    );
    if (result.failures.length > 0) {
      const failed = result.charts.filter((c) => c.status === 'failed').map((c) => `${c.chart} ${c.version}`);
      process.stderr.write(`${VENDOR_COMMAND} failed for ${failed.join(', ')} (reasons above)${result.unreachable ? `: ${OFFLINE_ADVICE}` : ''}\n`);
      return 1;
    }
    return 0;
  } catch (err) {
    if (err instanceof SiteError) {
      process.stderr.write(`${err.message}\n`);
      return 1;
    }
    throw err;
  }
}

if (require.main === module) {
  void main().then((code) => {
    process.exitCode = code;
  });
}

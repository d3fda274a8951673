/**
 * `npm run vendor`: fills the chart cache and the chart lock for a site, then measures the chart facts.
 * Writes the lock entries the site's releases call for (sites/<site>.lock.yaml beside the site),
 * downloads each locked chart from its Helm repository into .cache/charts/<chart>-<version>.tgz (or
 * copies it from a local mirror with --from) and records or verifies its sha256; then renders every
 * release from the cache and writes what each installs to sites/<site>.facts.yaml.
 *
 * Usage: npm run vendor [-- --site sites/hookprobe.ts] [--cache <dir>] [--lock-only | --from <dir> | --facts-only]
 */
import * as path from 'node:path';
import { App } from 'cdk8s';
import { Command } from 'commander';
import { buildCharts } from '../charts';
import { DEFAULT_CHART_CACHE } from '../constructs/chart-cache';
import { ChartUse, MIRROR_ARG, VENDOR_COMMAND, chartLockFileFor, displayPath, vendorCommandFor } from '../constructs/chart-lock';
import { HelmRelease } from '../constructs/helm-release';
import { buildModel } from '../model';
import { SiteError } from '../site';
import { loadSite } from '../site/load';
import { helmBinary } from '../constructs/chart-cache';
import { chartFactsFileFor, factsCommand, formatChartFacts, writeChartFacts } from '../constructs/chart-facts-file';
import { OFFLINE_ADVICE, VendorResult, VendorStatus, vendorCharts } from './chart-download';
import { vendorFromMirror } from './chart-mirror';
import { chartIn, measureSite, siteReleases } from './measure-facts';

const DEFAULT_SITE = 'sites/hookprobe.ts';

/** The chart uses of a site: its charts are built (nothing rendered, nothing written) and their releases read. */
export function siteChartUses(siteFile: string, cwd = process.cwd()): { uses: ChartUse[]; lockFile: string; siteName: string; vendorCommand: string } {
  const loaded = loadSite(siteFile, cwd);
  const model = buildModel(loaded.site, loaded.source);
  const app = new App();
  buildCharts(app, model);
  const abs = path.resolve(cwd, siteFile);
  return { uses: HelmRelease.releasesIn(app).map((r) => r.use), lockFile: chartLockFileFor(abs), siteName: path.basename(abs), vendorCommand: vendorCommandFor(path.relative(cwd, abs)) };
}

interface VendorCliOptions {
  site: string;
  cache: string;
  lockOnly?: boolean;
  from?: string;
  factsOnly?: boolean;
}

/** vendor's argument parser; tests parse the commands hints print with it. */
export function vendorProgram(): Command {
  return new Command()
    .name('site-compiler vendor')
    .description('Lock the charts a site uses, bring them into the chart cache verifying each sha256, and measure what each installs.')
    .option('--site <file>', 'site file (.ts, .yaml, .yml or .json)', DEFAULT_SITE)
    .option('--cache <folder>', 'chart cache folder', displayPath(DEFAULT_CHART_CACHE))
    .option('--lock-only', 'write the lock entries the site calls for and download nothing (new charts get sha256: null)')
    .option('--from <folder>', 'copy the charts from a local mirror (<chart>-<version>/ folders or .tgz archives) instead of downloading them')
    .option('--facts-only', 'download nothing: measure the chart facts again from the charts already in the cache')
    .showHelpAfterError();
}

async function main(): Promise<number> {
  const opts = vendorProgram().parse(process.argv).opts<VendorCliOptions>();
  const started = performance.now();
  const root = path.resolve(__dirname, '..');
  const log = (line: string): void => {
    process.stderr.write(`${process.stderr.isTTY ? '\r\x1b[K' : ''}${line}\n`);
  };
  try {
    const siteFile = opts.site === DEFAULT_SITE ? path.join(root, DEFAULT_SITE) : path.resolve(opts.site);
    const site = opts.site === DEFAULT_SITE ? siteChartUses(siteFile, root) : siteChartUses(opts.site);
    const cacheDir = path.resolve(opts.cache);
    if (!opts.factsOnly) {
      const result = opts.from
        ? vendorFromMirror({ ...site, cacheDir, from: path.resolve(opts.from), log })
        : await vendorCharts({ ...site, cacheDir, download: !opts.lockOnly, log, progress: process.stderr.isTTY ? (line) => process.stderr.write(`\r\x1b[K${line}`) : undefined });
      if (!reportVendoring(result, started)) return 1;
      if (opts.lockOnly) return 0;
    }
    return refreshFacts(siteFile, opts, cacheDir, log) ? 0 : 1;
  } catch (err) {
    if (err instanceof SiteError) {
      process.stderr.write(`${err.message}\n`);
      return 1;
    }
    throw err;
  }
}

/** Prints the summary; false when any chart failed. */
function reportVendoring(result: VendorResult, started: number): boolean {
  const count = (s: VendorStatus): number => result.charts.filter((c) => c.status === s).length;
  process.stderr.write(
    `${result.charts.length} chart${result.charts.length === 1 ? '' : 's'}: ${count('downloaded')} fetched, ${count('cached')} cached, ${count('locked')} locked only, ${count('failed')} failed in ${Math.round(performance.now() - started)} ms\n`,
  );
  if (result.failures.length === 0) return true;
  const failed = result.charts.filter((c) => c.status === 'failed').map((c) => `${c.chart} ${c.version}`);
  process.stderr.write(`${VENDOR_COMMAND} failed for ${failed.join(', ')} (reasons above)${result.unreachable ? `: ${OFFLINE_ADVICE}` : ''}\n`);
  return false;
}

/** Measures every release of the site from the cache and writes the facts file; false when one could not be measured. */
function refreshFacts(siteFile: string, opts: VendorCliOptions, cacheDir: string, log: (line: string) => void): boolean {
  const site = siteReleases(siteFile);
  const measured = measureSite(site.releases, { helm: helmBinary(), kubeVersion: site.kubeVersion, locate: (chart, version) => chartIn(cacheDir, chart, version), log });
  for (const f of measured.failures) log(`FAILED: ${f}`);
  for (const r of measured.releases.filter((x) => x.unmeasuredDependencies)) {
    log(`warning: component ${r.component}: chart ${r.chart} ${r.version} was measured without its dependencies ${r.unmeasuredDependencies?.join(', ')}, which the values enable but the chart folder does not hold`);
  }
  if (measured.failures.length > 0) {
    const site = opts.site === DEFAULT_SITE ? '' : ` --site ${opts.site}`;
    log(`the facts were not written; put the charts in the cache (\`npx site-compiler vendor${site}\`, or \`npx site-compiler vendor --from ${MIRROR_ARG}${site}\` air-gapped) and run \`${factsCommand(opts.site)}\``);
    return false;
  }
  const file = chartFactsFileFor(siteFile);
  const text = formatChartFacts({ kubeVersion: site.kubeVersion, apiVersions: measured.apiVersions, releases: measured.releases }, site.siteName, factsCommand(opts.site));
  log(`${displayPath(file)}: ${writeChartFacts(file, text) ? 'written' : 'unchanged'} (${measured.releases.length} release${measured.releases.length === 1 ? '' : 's'} measured)`);
  return true;
}

if (require.main === module) {
  void main().then((code) => {
    process.exitCode = code;
  });
}

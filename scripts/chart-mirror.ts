/**
 * `npm run vendor -- --from <folder>`: fills the chart cache from a local mirror, as an air-gapped
 * site does. The mirror holds `<chart>-<version>/` chart folders or `<chart>-<version>.tgz` archives.
 *
 * An archive is what a Helm repository serves: its sha256 is the repository's, so a digest already in
 * the lock must match it and a new one is recorded as such. A folder has no repository digest: the
 * lock records a digest of its content and says so (sha256Of: chart-content). A digest in the lock is
 * never replaced by one of another kind or value; the message says how to accept the new chart.
 */
import * as fs from 'node:fs';
import { DEFAULT_CHART_CACHE, chartArchivePath, chartFolderPath, sha256File } from '../constructs/chart-cache';
import { ChartUse, LockedChart, VENDOR_COMMAND, displayPath, planChartLock, readChartLock, writeChartLock } from '../constructs/chart-lock';
import { contentDigest, makeWritable } from '../constructs/chart-measure';
import type { VendorResult, VendorStatus } from './chart-download';
import { chartIn } from './measure-facts';

export interface MirrorOptions {
  readonly lockFile: string;
  readonly siteName: string;
  /** The site's vendor command, for the lock's comments. @default - the reference site's (no --site) */
  readonly vendorCommand?: string;
  readonly uses: readonly ChartUse[];
  /** The mirror folder. */
  readonly from: string;
  /** @default - .cache/charts in the project */
  readonly cacheDir?: string;
  /** @default - nothing is printed */
  readonly log?: (line: string) => void;
}

export function vendorFromMirror(options: MirrorOptions): VendorResult {
  const log = options.log ?? (() => undefined);
  const cacheDir = options.cacheDir ?? DEFAULT_CHART_CACHE;
  const planned = planChartLock(readChartLock(options.lockFile), options.uses);
  const results: { chart: string; version: string; status: VendorStatus }[] = [];
  const failures: string[] = [];
  const updated: LockedChart[] = [];
  for (const [i, entry] of planned.entries()) {
    const step = `[${i + 1}/${planned.length}] ${entry.chart} ${entry.version}`;
    try {
      const next = copyFromMirror(entry, options.from, cacheDir);
      log(`${step}: copied from ${displayPath(options.from)}, ${next.sha256Of === 'chart-content' ? 'content ' : ''}sha256 ${next.sha256}`);
      results.push({ chart: entry.chart, version: entry.version, status: 'downloaded' });
      updated.push(next);
    } catch (err) {
      log(`${step}: FAILED: ${(err as Error).message}`);
      failures.push(`chart ${entry.chart} ${entry.version}: ${(err as Error).message}`);
      results.push({ chart: entry.chart, version: entry.version, status: 'failed' });
      updated.push(entry);
    }
  }
  const lockChanged = writeChartLock(options.lockFile, updated, options.siteName, options.vendorCommand);
  log(`${displayPath(options.lockFile)}: ${lockChanged ? 'written' : 'unchanged'} (${updated.length} chart${updated.length === 1 ? '' : 's'})`);
  return { charts: results, failures, unreachable: false, lockChanged };
}

/** Copies one chart into the cache and returns its lock entry with the digest of what was copied. */
function copyFromMirror(entry: LockedChart, from: string, cacheDir: string): LockedChart {
  const source = chartIn(from, entry.chart, entry.version);
  if (!source) {
    throw new Error(`${displayPath(from)} has neither ${entry.chart}-${entry.version}/ (a chart folder) nor ${entry.chart}-${entry.version}.tgz; add it to the mirror`);
  }
  const accept = `if you trust the mirror's chart, set sha256 of this entry to null in the lock and run \`${VENDOR_COMMAND} -- --from ${displayPath(from)}\` again`;
  fs.mkdirSync(cacheDir, { recursive: true });
  if (source.endsWith('.tgz')) {
    const sha256 = sha256File(source);
    if (entry.sha256 !== null && (entry.sha256Of === 'chart-content' || entry.sha256 !== sha256)) {
      throw new Error(`${displayPath(source)} has sha256 ${sha256}, but the lock pins ${entry.sha256Of === 'chart-content' ? 'the content digest' : ''} ${entry.sha256}; nothing was replaced; ${accept}`);
    }
    const target = chartArchivePath(cacheDir, entry.chart, entry.version);
    const tmp = `${target}.${process.pid}.tmp`;
    fs.copyFileSync(source, tmp);
    fs.renameSync(tmp, target);
    return withDigest(entry, sha256, undefined);
  }
  // Dependency charts the lock pins as completed from elsewhere are not the mirror's: its digest leaves them out.
  const digest = contentDigest(source, (entry.dependencies ?? []).map((d) => `charts/${d.name}`));
  if (entry.sha256 !== null && entry.sha256Of !== 'chart-content') {
    throw new Error(
      `the lock pins the repository archive's sha256 ${entry.sha256}, but ${displayPath(source)} is a chart folder, which cannot be checked against it; ` +
        `put the repository's ${entry.chart}-${entry.version}.tgz in the mirror instead, or ${accept}`,
    );
  }
  if (entry.sha256 !== null && entry.sha256 !== digest) {
    throw new Error(`${displayPath(source)} has content sha256 ${digest}, but the lock pins ${entry.sha256}: the chart changed under the same version; nothing was replaced; ${accept}`);
  }
  const target = chartFolderPath(cacheDir, entry.chart, entry.version);
  const tmp = `${target}.${process.pid}.tmp`;
  fs.rmSync(tmp, { recursive: true, force: true });
  fs.cpSync(source, tmp, { recursive: true });
  makeWritable(tmp);
  fs.rmSync(target, { recursive: true, force: true });
  fs.renameSync(tmp, target);
  return withDigest(entry, digest, 'chart-content');
}

/** The entry with a digest, keys in the lock's order. */
function withDigest(entry: LockedChart, sha256: string, kind: 'chart-content' | undefined): LockedChart {
  const dependencies = kind && entry.dependencies ? { dependencies: entry.dependencies } : {};
  return { chart: entry.chart, repoUrl: entry.repoUrl, version: entry.version, sha256, ...(kind ? { sha256Of: kind } : {}), ...dependencies, components: entry.components };
}

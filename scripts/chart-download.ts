/**
 * The download side of `npm run vendor` (scripts/vendor-charts.ts): given a site's chart uses, writes
 * the lock entries they call for, downloads each locked chart from its Helm repository (index.yaml ->
 * archive URL) into the cache and records or verifies its sha256. Kept apart from the CLI so it can
 * be tested without building a site.
 *
 * A digest already in the lock is never replaced: an archive that does not match it is refused (the
 * chart was re-published under the same version, or the download was tampered with).
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { DEFAULT_CHART_CACHE, chartArchivePath, chartFolderPath, sha256File } from '../constructs/chart-cache';
import { contentMismatch } from '../constructs/chart-measure';
import { ChartUse, LockedChart, VENDOR_COMMAND, displayPath, planChartLock, readChartLock, writeChartLock } from '../constructs/chart-lock';
import { writeFileAtomically } from '../core/atomic-file';

export interface VendorOptions {
  /** The lock file to write (chartLockFileFor(siteFile)). */
  readonly lockFile: string;
  /** Names the site in the lock's header, e.g. "hookprobe.ts"; no absolute path, the lock is committed. */
  readonly siteName: string;
  /** The site's vendor command, for the lock's comments. @default - the reference site's (no --site) */
  readonly vendorCommand?: string;
  /** Every chart use of the site (HelmRelease#use of each release). */
  readonly uses: readonly ChartUse[];
  /**
   * Folder of chart archives.
   * @default - .cache/charts in the project
   */
  readonly cacheDir?: string;
  /**
   * Whether to download; false only writes the lock entries (without digests for new charts).
   * @default true
   */
  readonly download?: boolean;
  /**
   * Gives up on one request after this long.
   * @default 60000
   */
  readonly timeoutMs?: number;
  /**
   * Receives every finished line of progress.
   * @default - nothing is printed
   */
  readonly log?: (line: string) => void;
  /**
   * Receives in-place progress while an archive downloads (a terminal shows it with \r).
   * @default - no in-place progress
   */
  readonly progress?: (line: string) => void;
}

export type VendorStatus = 'cached' | 'downloaded' | 'locked' | 'failed';

export interface VendorResult {
  readonly charts: readonly { readonly chart: string; readonly version: string; readonly status: VendorStatus }[];
  /** One message per chart that could not be vendored, naming it, the reason and what to do. */
  readonly failures: readonly string[];
  /** Whether any failure was a repository that could not be reached (no network, DNS, refused). */
  readonly unreachable: boolean;
  readonly lockChanged: boolean;
}

/** Said once, however many repositories could not be reached. */
export const OFFLINE_ADVICE = `${VENDOR_COMMAND} needs network access to the chart repositories; synth with delivery "argocd" (the default) does not need the cache`;

class UnreachableError extends Error {}

interface IndexEntry {
  readonly version?: unknown;
  readonly urls?: unknown;
  readonly digest?: unknown;
}

/**
 * Brings the lock in line with the site's uses, then (unless `download` is false) makes sure every
 * locked chart is in the cache with the locked digest. Failures are collected per chart, the lock
 * is written with whatever did succeed, and nothing half-downloaded is left in the cache.
 */
export async function vendorCharts(options: VendorOptions): Promise<VendorResult> {
  const log = options.log ?? (() => undefined);
  const cacheDir = options.cacheDir ?? DEFAULT_CHART_CACHE;
  const lock = readChartLock(options.lockFile);
  const planned = planChartLock(lock, options.uses);
  const indexes = new Map<string, Promise<Record<string, IndexEntry[]>>>();
  const results: { chart: string; version: string; status: VendorStatus }[] = [];
  const failures: string[] = [];
  let unreachable = false;
  const updated: LockedChart[] = [];

  for (const [i, entry] of planned.entries()) {
    const step = `[${i + 1}/${planned.length}] ${entry.chart} ${entry.version}`;
    if (options.download === false) {
      log(`${step}: locked${entry.sha256 === null ? ' (no digest: never vendored)' : ''}`);
      results.push({ chart: entry.chart, version: entry.version, status: 'locked' });
      updated.push(entry);
      continue;
    }
    if (entry.sha256Of === 'chart-content') {
      // No repository serves this digest: only the mirror it came from can fill the cache again.
      const folder = chartFolderPath(cacheDir, entry.chart, entry.version);
      const cached = fs.existsSync(folder) && contentMismatch(folder, entry.sha256 ?? '', entry.dependencies) === undefined;
      log(`${step}: ${cached ? `cached, content sha256 ${entry.sha256}` : `FAILED: vendored from a local mirror (content digest); run \`${VENDOR_COMMAND} -- --from <mirror folder>\``}`);
      if (!cached) failures.push(`chart ${entry.chart} ${entry.version}: its lock digest is a content digest from a local mirror, and the cache does not hold that folder; run \`${VENDOR_COMMAND} -- --from <mirror folder>\`, or set sha256 of the entry to null to download the repository archive`);
      results.push({ chart: entry.chart, version: entry.version, status: cached ? 'cached' : 'failed' });
      updated.push(entry);
      continue;
    }
    const archive = chartArchivePath(cacheDir, entry.chart, entry.version);
    if (entry.sha256 !== null && fs.existsSync(archive) && sha256File(archive) === entry.sha256) {
      log(`${step}: cached, sha256 ${entry.sha256}`);
      results.push({ chart: entry.chart, version: entry.version, status: 'cached' });
      updated.push(entry);
      continue;
    }
    try {
      const started = performance.now();
      const sha256 = await fetchChart(entry, archive, indexes, options, step);
      const kib = Math.round(fs.statSync(archive).size / 1024);
      log(`${step}: downloaded ${kib} KiB in ${Math.round(performance.now() - started)} ms, sha256 ${sha256}`);
      results.push({ chart: entry.chart, version: entry.version, status: 'downloaded' });
      updated.push({ ...entry, sha256 });
    } catch (err) {
      const message = `chart ${entry.chart} ${entry.version} from ${entry.repoUrl}: ${(err as Error).message}`;
      log(`${step}: FAILED: ${(err as Error).message}`);
      failures.push(message);
      if (err instanceof UnreachableError) unreachable = true;
      results.push({ chart: entry.chart, version: entry.version, status: 'failed' });
      updated.push(entry);
    }
  }

  fs.mkdirSync(path.dirname(options.lockFile), { recursive: true });
  const lockChanged = writeChartLock(options.lockFile, updated, options.siteName, options.vendorCommand);
  log(`${displayPath(options.lockFile)}: ${lockChanged ? 'written' : 'unchanged'} (${updated.length} chart${updated.length === 1 ? '' : 's'})`);
  return { charts: results, failures, unreachable, lockChanged };
}

async function fetchChart(
  entry: LockedChart,
  archive: string,
  indexes: Map<string, Promise<Record<string, IndexEntry[]>>>,
  options: VendorOptions,
  step: string,
): Promise<string> {
  if (!/^https?:\/\//.test(entry.repoUrl)) {
    throw new Error(`${VENDOR_COMMAND} downloads from http(s) Helm repositories only; use delivery "argocd" for charts from ${entry.repoUrl.split('://')[0]}:// registries`);
  }
  const base = entry.repoUrl.endsWith('/') ? entry.repoUrl : `${entry.repoUrl}/`;
  let index = indexes.get(base);
  if (!index) {
    options.log?.(`${step}: reading ${base}index.yaml`);
    index = readIndex(base, options);
    indexes.set(base, index);
  }
  const versions = (await index)[entry.chart];
  if (!Array.isArray(versions) || versions.length === 0) {
    throw new Error(`the repository has no chart named ${entry.chart}; check the chart name and repoUrl in the component`);
  }
  const found = versions.find((v) => String(v.version) === entry.version);
  const urls = found?.urls;
  if (!found || !Array.isArray(urls) || typeof urls[0] !== 'string') {
    const known = versions.slice(0, 5).map((v) => String(v.version)).join(', ');
    throw new Error(`the repository has no version ${entry.version} of ${entry.chart} (newest: ${known}); pin a published version in the site`);
  }
  const url = new URL(urls[0], base).toString();
  const body = await download(url, options, step);
  const sha256 = createHash('sha256').update(body).digest('hex');
  if (typeof found.digest === 'string' && found.digest !== '' && found.digest.toLowerCase() !== sha256) {
    throw new Error(`${url} has sha256 ${sha256}, but the repository index says ${found.digest}: the download is damaged; run ${VENDOR_COMMAND} again`);
  }
  if (entry.sha256 !== null && entry.sha256 !== sha256) {
    throw new Error(
      `${url} has sha256 ${sha256}, but the lock pins ${entry.sha256}: the chart was re-published under the same version, or the download was tampered with. ` +
        `Nothing was replaced. If you trust the new archive, set sha256 of this entry to null in the lock and run ${VENDOR_COMMAND} again`,
    );
  }
  fs.mkdirSync(path.dirname(archive), { recursive: true });
  writeFileAtomically(archive, body);
  return sha256;
}

async function readIndex(base: string, options: VendorOptions): Promise<Record<string, IndexEntry[]>> {
  const text = (await download(`${base}index.yaml`, options)).toString('utf8');
  let parsed: unknown;
  try {
    parsed = parseYaml(text, { maxAliasCount: -1 });
  } catch (err) {
    throw new Error(`${base}index.yaml is not YAML (${(err as Error).message.split('\n')[0]}); is ${base} a Helm repository?`);
  }
  const entries = (parsed as { entries?: unknown } | null)?.entries;
  if (!entries || typeof entries !== 'object') throw new Error(`${base}index.yaml has no entries; is ${base} a Helm repository?`);
  return entries as Record<string, IndexEntry[]>;
}

/** GET into memory (charts are small), reporting progress against Content-Length when there is one. */
async function download(url: string, options: VendorOptions, step?: string): Promise<Buffer> {
  let response: Response;
  try {
    response = await fetch(url, { signal: AbortSignal.timeout(options.timeoutMs ?? 60_000), redirect: 'follow' });
  } catch (err) {
    throw new UnreachableError(`cannot reach ${url} (${reason(err)})`);
  }
  if (!response.ok || !response.body) throw new Error(`GET ${url} answered ${response.status} ${response.statusText}`);
  const total = Number(response.headers.get('content-length') ?? 0);
  const chunks: Buffer[] = [];
  let received = 0;
  try {
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      chunks.push(Buffer.from(chunk));
      received += chunk.length;
      if (step && options.progress) {
        const of = total > 0 ? ` of ${Math.round(total / 1024)} KiB (${Math.floor((received / total) * 100)}%)` : '';
        options.progress(`${step}: ${Math.round(received / 1024)} KiB${of}`);
      }
    }
  } catch (err) {
    throw new Error(`the download of ${url} broke off after ${received} bytes (${reason(err)}); run ${VENDOR_COMMAND} again`);
  }
  if (total > 0 && received !== total) throw new Error(`the download of ${url} ended after ${received} of ${total} bytes; run ${VENDOR_COMMAND} again`);
  return Buffer.concat(chunks);
}

/** fetch hides the socket error in `cause`; that is the part a person can act on. */
function reason(err: unknown): string {
  const e = err as Error & { cause?: { code?: string; message?: string } };
  if (e.name === 'TimeoutError') return 'timed out';
  return e.cause?.message ?? e.cause?.code ?? e.message;
}

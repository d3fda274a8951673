/**
 * `npm run verify:upstream -- --charts <folder>`: checks the compiler's beliefs about third-party
 * charts against the real charts in a mirror folder (`<chart>-<version>/` or `.tgz`). For every
 * release of every site it renders the chart with the compiler's values and checks that
 *   - every values key the compiler sets exists in the chart (helm ignores unknown keys silently);
 *   - the render validates strictly against the Kubernetes and CRD schemas the compiler uses;
 *   - the committed facts (sites/<site>.facts.yaml) equal the measured ones;
 *   - no pin has a newer patch release of its minor version in the mirror;
 *   - the site compiles in rendered delivery from these charts with every check passing (verify-rendered.ts).
 * Exit 0 when every check passes, 1 otherwise, 2 for bad arguments.
 *
 * Usage: npm run verify:upstream -- --charts ../shared/charts [--site sites/hookprobe.ts ...]
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Command } from 'commander';
import { helmBinary } from '../constructs/chart-cache';
import { canonicalJson, chartFactsFileFor, factsCommand, readChartFacts } from '../constructs/chart-facts-file';
import { displayPath } from '../constructs/chart-lock';
import { validateManifests } from '../validate/kubernetes-schema';
import { crdValidator } from './chart-crd-validation';
import { compareWithoutDependencies } from './facts-without-dependencies';
import { chartIn, measureSite, siteReleases } from './measure-facts';
import { unknownValuesKeys } from './values-keys';
import { verifyRendered } from './verify-rendered';

const ROOT = path.resolve(__dirname, '..');
export const UPSTREAM_SITES = ['sites/hookprobe.ts', 'sites/homelab.ts'];

export interface VerifyReport {
  readonly lines: readonly string[];
  readonly failures: readonly string[];
}

/** Verifies one site against the charts folder; every finding is collected, nothing is thrown. */
export function verifySite(site: string, chartsDir: string, log: (line: string) => void = () => undefined): VerifyReport {
  const lines: string[] = [];
  const failures: string[] = [];
  const siteFile = path.resolve(ROOT, site);
  const { releases, kubeVersion } = siteReleases(siteFile, ROOT);
  const measured = measureSite(releases, { helm: helmBinary(), kubeVersion, locate: (chart, version) => chartIn(chartsDir, chart, version), log });
  failures.push(...measured.failures.map((f) => `${site}: ${f}`));
  const committed = readChartFacts(chartFactsFileFor(siteFile));
  const crds = crdValidator([...measured.rendered.values()].flat());
  const refresh = `${factsCommand(site)} (after \`npx site-compiler vendor --from ${displayPath(chartsDir)}${site === UPSTREAM_SITES[0] ? '' : ` --site ${site}`}\`)`;
  for (const r of releases) {
    const subject = `${site}: component ${r.component}: chart ${r.chart} ${r.version}`;
    const facts = measured.releases.find((f) => f.component === r.component && f.releaseName === r.releaseName);
    if (!facts) continue;
    const chartPath = chartIn(chartsDir, r.chart, r.version) ?? '';
    const unknown = fs.statSync(chartPath).isDirectory() ? unknownValuesKeys(chartPath, r.values, facts.unmeasuredDependencies) : [];
    for (const key of unknown) failures.push(`${subject}: values key ${key} is neither in the chart's values nor named by its templates; helm ignores it, so it configures nothing: fix the key in charts/${r.component}-chart.ts`);
    const all = validateManifests(measured.rendered.get(r) ?? []);
    // Custom resources of kinds the compiler has no schema for (it imports only the CRDs its own objects use).
    // Those are checked against the CRD one of the site's charts installs.
    const objects = (measured.rendered.get(r) ?? []) as { apiVersion: string; kind: string; metadata: { name: string; namespace?: string } }[];
    const byCrd = new Map(objects.map((o) => [`${o.kind}/${o.metadata.namespace ?? '-'}/${o.metadata.name}`, o]));
    const unschemed: string[] = [];
    const findings = all.filter((f) => f.rule !== 'unknown-kind').map((f) => `${f.object}: ${f.path}: ${f.rule}: ${f.message}`);
    for (const f of all.filter((x) => x.rule === 'unknown-kind')) {
      const o = byCrd.get(f.object);
      const result = o ? crds.validate(o) : undefined;
      if (result === undefined) unschemed.push(f.object);
      else findings.push(...result.map((m) => `${f.object}: ${m} (schema of the CRD the site's charts install)`));
    }
    for (const f of findings.slice(0, 10)) failures.push(`${subject}: ${f}`);
    const mine = committed.releases.find((f) => f.component === r.component && f.releaseName === r.releaseName);
    // Facts measured with dependency charts this mirror lacks: only the parent's part can be verified here.
    const partial = mine !== undefined && !mine.unmeasuredDependencies && facts.unmeasuredDependencies ? compareWithoutDependencies(mine, facts) : undefined;
    const same = partial ? partial.differences.length === 0 : mine !== undefined && canonicalJson(mine) === canonicalJson(facts);
    for (const d of partial?.differences ?? []) failures.push(`${subject}: ${d}; run ${refresh} and commit the facts`);
    if (!same && !partial) failures.push(`${subject}: the committed facts in ${displayPath(committed.file)} ${mine ? 'differ from' : 'lack'} what the chart installs; run ${refresh} and commit the facts`);
    const notVerified = facts.unmeasuredDependencies?.join(', ');
    const incomplete =
      (partial
        ? `; NOT VERIFIED: dependencies ${notVerified} (missing from the mirror; the parent chart's part was compared, ${partial.unverifiedObjects} committed objects of those dependencies unchecked, their values keys unchecked)`
        : facts.unmeasuredDependencies
          ? `; NOT MEASURED: dependencies ${notVerified} (missing from the mirror; their values keys unchecked)`
          : '') +
      (unschemed.length > 0 ? `; NOT VALIDATED (no CRD in imports/ or in the site's charts): ${unschemed.join(', ')}` : '');
    lines.push(`${subject}: ${facts.objects.length} objects, largest ${facts.largestObject.bytes} bytes, ${unknown.length} unknown values keys, ${findings.length} schema findings, facts ${same ? 'equal' : 'DIFFER'}${incomplete}`);
  }
  for (const r of releases) {
    const newer = newerPatches(chartsDir, r.chart, r.version);
    if (newer.length > 0) failures.push(`${site}: component ${r.component}: chart ${r.chart} is pinned at ${r.version}, but ${displayPath(chartsDir)} has the newer patch release ${newer.join(', ')}; bump the pin in the site (and vendor and measure it), or say in the site why it stays`);
  }
  if (canonicalJson([...committed.apiVersions]) !== canonicalJson(measured.apiVersions)) {
    failures.push(`${site}: the committed apiVersions in ${displayPath(committed.file)} differ from the CRDs the charts install; run ${refresh}`);
  }
  return { lines, failures };
}

/** Releases of the same chart and minor version with a higher patch number in the mirror (`<chart>-<version>/` or `.tgz`). */
export function newerPatches(chartsDir: string, chart: string, version: string): string[] {
  const semver = (v: string): [string, number, number, number] | undefined => {
    const m = /^(v?)(\d+)\.(\d+)\.(\d+)$/.exec(v);
    return m ? [m[1], Number(m[2]), Number(m[3]), Number(m[4])] : undefined;
  };
  const pinned = semver(version);
  if (!pinned) return [];
  return fs
    .readdirSync(chartsDir)
    .map((name) => name.replace(/\.tgz$/, ''))
    .filter((name) => name.startsWith(`${chart}-`))
    .map((name) => name.slice(chart.length + 1))
    .filter((v) => {
      const other = semver(v);
      return other !== undefined && other[0] === pinned[0] && other[1] === pinned[1] && other[2] === pinned[2] && other[3] > pinned[3];
    })
    .sort((a, b) => (semver(a)?.[3] ?? 0) - (semver(b)?.[3] ?? 0));
}

function main(): number {
  const program = new Command()
    .name('npm run verify:upstream --')
    .description('Render every chart of the sites from a mirror folder and check values keys, schemas and the committed chart facts.')
    .requiredOption('--charts <folder>', 'folder of upstream charts: <chart>-<version>/ folders or .tgz archives')
    .option('--site <file...>', 'sites to verify', UPSTREAM_SITES)
    .showHelpAfterError();
  const opts = program.parse(process.argv).opts<{ charts: string; site: string[] }>();
  const charts = path.resolve(opts.charts);
  if (!fs.existsSync(charts)) {
    process.stderr.write(`--charts ${opts.charts}: no such folder; pass the mirror of upstream charts, e.g. --charts ../shared/charts\n`);
    return 2;
  }
  let failed = 0;
  for (const site of opts.site) {
    const report = verifySite(site, charts, (line) => process.stderr.write(`  ${line}\n`));
    for (const line of report.lines) process.stdout.write(`${line}\n`);
    for (const f of report.failures) process.stdout.write(`FAIL ${f}\n`);
    failed += report.failures.length;
    // The same charts in rendered delivery: the site compiled as synth does, every check on the upstream objects.
    const rendered = verifyRendered(site, charts, ROOT);
    for (const line of rendered.lines) process.stdout.write(`${line}\n`);
    for (const f of rendered.failures) process.stdout.write(`FAIL ${f}\n`);
    failed += rendered.failures.length;
  }
  process.stdout.write(failed === 0 ? `verify:upstream: every check passed for ${opts.site.join(', ')}\n` : `verify:upstream: ${failed} failure${failed === 1 ? '' : 's'}\n`);
  return failed === 0 ? 0 : 1;
}

if (require.main === module) process.exitCode = main();

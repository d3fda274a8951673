/**
 * `npm run bench`: how long a synth takes and how much memory it needs, for the reference site and for
 * the reference site with an edge fleet of 0, 1,000 and 10,000 SBCs (TEST FIXTURE inventories from
 * scripts/gen-edge-inventory.ts). Each measurement runs in a fresh child process, so one size's heap
 * never inflates the next one's peak; times exclude loading the modules, which is reported apart.
 *
 * Prints a table and checks the fleet's budget: 10,000 edges at most 12 times as long as 1,000, and a
 * peak resident set under 1 GiB. Exits 1 when either is missed.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Command } from 'commander';

const ROOT = path.resolve(__dirname, '..');
const MARK = 'BENCH-RESULT ';
const GIB = 1024 ** 3;
/** The edge network of the bench site: room for 16,381 edges besides the hub. */
const BENCH_EDGE_CIDR = '172.16.0.0/18';
const MAX_RATIO = 12;

interface ChildResult {
  /** Milliseconds to load the compiler's modules (before the first synth). */
  readonly loadMs: number;
  /** Milliseconds of each synth in this process: model + synthesize with the checks `npm run synth` runs. */
  readonly synthMs: readonly number[];
  /** Peak resident set of the process, bytes. */
  readonly maxRssBytes: number;
  readonly files: number;
  readonly bytes: number;
  readonly largestObjectBytes: number;
  /** Findings of the checks when they refused the output (the time still covers the whole synth). */
  readonly refused?: number;
}

function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function timeProcess(command: string, args: readonly string[]): { ms: number; status: number | null; stderr: string } {
  const started = performance.now();
  const r = spawnSync(command, [...args], { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  return { ms: performance.now() - started, status: r.status, stderr: r.stderr ?? '' };
}

/** Runs one measurement in a child: `edges` undefined = the reference site as it is. */
function measure(edges: number | undefined, repeats: number): ChildResult {
  const args = ['--import', 'tsx', path.join(ROOT, 'cli', 'bench.ts'), '--child', edges === undefined ? 'reference' : String(edges), '--repeats', String(repeats)];
  const r = spawnSync(process.execPath, args, { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const line = (r.stdout ?? '').split('\n').find((l) => l.startsWith(MARK));
  if (r.status !== 0 || !line) {
    throw new Error(`bench child (${edges === undefined ? 'reference site' : `${edges} edges`}) failed with status ${r.status}:\n${(r.stderr ?? '').trim()}`);
  }
  return JSON.parse(line.slice(MARK.length)) as ChildResult;
}

/** In the child: load the compiler, then synthesize the site `repeats` times. */
function child(which: string, repeats: number): void {
  const t0 = performance.now();
  /* eslint-disable @typescript-eslint/no-require-imports -- loading is what is being timed */
  const { buildModel } = require('../model') as typeof import('../model');
  const { parseSite } = require('../site') as typeof import('../site');
  const { SynthError, synthesize } = require('../synth/synthesize') as typeof import('../synth/synthesize');
  const { DEFAULT_CHECKS } = require('../synth/checks') as typeof import('../synth/checks');
  const { fixtureEdges, inventoryYaml } = require('../scripts/gen-edge-inventory') as typeof import('../scripts/gen-edge-inventory');
  const { chartLockFileFor, readChartLock } = require('../constructs/chart-lock') as typeof import('../constructs/chart-lock');
  const reference = (require('../sites/hookprobe') as { default: import('../site').Site }).default;
  /* eslint-enable @typescript-eslint/no-require-imports */
  const loadMs = performance.now() - t0;

  let site = reference;
  let siteDir = path.join(ROOT, 'sites');
  let dir: string | undefined;
  if (which !== 'reference') {
    const count = Number(which);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'site-compiler-bench-'));
    const edgeVlan = reference.network.vlans.find((v) => v.name === reference.edge?.vlan);
    if (!reference.edge || !edgeVlan) throw new Error('the reference site has no edge section to bench');
    const reserved = [reference.edge.wireguard.hubAddress, ...(edgeVlan.gateway ? [edgeVlan.gateway] : [])];
    fs.writeFileSync(path.join(dir, 'edges.yaml'), inventoryYaml(fixtureEdges(count, { cidr: BENCH_EDGE_CIDR, reserved })));
    const input = JSON.parse(JSON.stringify(reference)) as { network: { vlans: { name: string; cidr: string }[] }; edge: { inventory?: string; vlan: string } };
    const vlan = input.network.vlans.find((v) => v.name === input.edge.vlan);
    if (vlan) vlan.cidr = BENCH_EDGE_CIDR;
    input.edge.inventory = 'edges.yaml';
    site = parseSite(input, 'sites/bench.ts');
    siteDir = dir;
  }

  // As npm run synth does: the reference site's chart lock checks every release.
  const lock = readChartLock(chartLockFileFor(path.join(ROOT, 'sites', 'hookprobe.ts')));
  const synthMs: number[] = [];
  let files = 0;
  let bytes = 0;
  let largest = 0;
  let refused: number | undefined;
  for (let i = 0; i < repeats; i++) {
    const started = performance.now();
    const model = buildModel(site, 'sites/bench.ts', { siteDir });
    const chartSources = { lock, kubeVersion: model.kubernetes.version };
    let result: ReturnType<typeof synthesize>;
    try {
      result = synthesize(model, DEFAULT_CHECKS, { chartSources });
      synthMs.push(performance.now() - started);
    } catch (err) {
      // The checks run last, on the finished output: a refusal still timed the whole synth.
      if (!(err instanceof SynthError)) throw err;
      synthMs.push(performance.now() - started);
      refused = err.findings.length;
      result = synthesize(model, [], { chartSources });
    }
    files = result.files.size;
    bytes = [...result.files.values()].reduce((n, c) => n + Buffer.byteLength(c), 0);
    largest = Math.max(...[...result.manifests.values()].flat().map((o) => Buffer.byteLength(JSON.stringify(o))));
  }
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
  const out: ChildResult = { loadMs, synthMs, maxRssBytes: process.resourceUsage().maxRSS * 1024, files, bytes, largestObjectBytes: largest, refused };
  process.stdout.write(`${MARK}${JSON.stringify(out)}\n`);
}

function refusal(r: ChildResult): string {
  return r.refused === undefined ? '' : `  (checks refused the output: ${r.refused} findings)`;
}

function parent(opts: { runs: number; repeats: number; sizes: number[] }): number {
  const ms = (n: number): string => `${Math.round(n)} ms`;
  const mib = (n: number): string => `${Math.round(n / 1024 ** 2)} MiB`;
  const say = (line: string): void => void process.stdout.write(`${line}\n`);
  say(`site-compiler bench: node ${process.version}, ${os.cpus().length} CPUs, ${opts.runs} run(s) per size`);

  const nodeStart = median(Array.from({ length: 5 }, () => timeProcess(process.execPath, ['-e', '0']).ms));
  say(`  node -e 0                        ${ms(nodeStart)}`);
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'site-compiler-bench-out-'));
  const cold = Array.from({ length: opts.runs }, () => timeProcess(process.execPath, ['--import', 'tsx', 'cli/synth.ts', '--out', out, '--quiet']));
  fs.rmSync(out, { recursive: true, force: true });
  const coldFailed = cold.find((c) => c.status !== 0);
  say(`  npm run synth, cold process      ${coldFailed ? `failed: ${coldFailed.stderr.trim().split('\n').slice(0, 3).join(' / ')}` : ms(median(cold.map((c) => c.ms)))}`);
  try {
    const ref = measure(undefined, Math.max(opts.repeats, 3));
    say(`  reference site, in process       module load ${ms(ref.loadMs)}; first synth ${ms(ref.synthMs[0])}; median of next ${ref.synthMs.length - 1} ${ms(median(ref.synthMs.slice(1)))}; peak RSS ${mib(ref.maxRssBytes)}${refusal(ref)}`);
  } catch (err) {
    say(`  reference site, in process       failed: ${(err as Error).message.split('\n').slice(0, 4).join(' / ')}`);
  }

  // The first synth of a process also compiles the validation schemas and warms the JIT: it is what one
  // `npm run synth` costs. Later synths in the same process show what the fleet itself adds.
  say('  edges   first synth   later synths   peak RSS    files   dist bytes   largest object');
  const rows = new Map<number, { first: number; warm?: number; rss: number }>();
  for (const size of opts.sizes) {
    const results = Array.from({ length: opts.runs }, () => measure(size, opts.repeats));
    const first = median(results.map((r) => r.synthMs[0]));
    const warm = opts.repeats > 1 ? median(results.flatMap((r) => r.synthMs.slice(1))) : undefined;
    const rss = Math.max(...results.map((r) => r.maxRssBytes));
    rows.set(size, { first, warm, rss });
    const r = results[0];
    say(`  ${String(size).padStart(6)}   ${ms(first).padStart(11)}   ${(warm === undefined ? '-' : ms(warm)).padStart(12)}   ${mib(rss).padStart(8)}   ${String(r.files).padStart(6)}   ${String(r.bytes).padStart(10)}   ${String(r.largestObjectBytes).padStart(14)}${refusal(r)}`);
  }

  let ok = true;
  const k1 = rows.get(1000);
  const k10 = rows.get(10000);
  if (k1 && k10) {
    const ratio = k10.first / k1.first;
    const pass = ratio <= MAX_RATIO;
    ok &&= pass;
    const warmRatio = k1.warm && k10.warm ? `; later synths ${(k10.warm / k1.warm).toFixed(2)}x` : '';
    say(`  10,000 / 1,000 edges: ${ratio.toFixed(2)}x the time of a first synth (budget ${MAX_RATIO}x): ${pass ? 'ok' : 'OVER BUDGET'}${warmRatio}`);
  }
  const peak = Math.max(...[...rows.values()].map((r) => r.rss));
  const memOk = peak < GIB;
  ok &&= memOk;
  say(`  peak RSS ${mib(peak)} (budget 1 GiB): ${memOk ? 'ok' : 'OVER BUDGET'}`);
  return ok ? 0 : 1;
}

function main(): number {
  const opts = new Command()
    .name('npm run bench --')
    .description('Synth time and peak memory for the reference site and for edge fleets of several sizes.')
    .option('--runs <n>', 'child processes per size (the median is reported)', '3')
    .option('--repeats <n>', 'synths per child process (the first is reported apart)', '2')
    .option('--sizes <list>', 'edge fleet sizes', '0,1000,10000')
    .option('--child <which>', 'internal: measure in this process ("reference" or an edge count)')
    .parse(process.argv)
    .opts<{ runs: string; repeats: string; sizes: string; child?: string }>();
  const repeats = Number(opts.repeats);
  if (opts.child !== undefined) {
    child(opts.child, repeats);
    return 0;
  }
  return parent({ runs: Number(opts.runs), repeats, sizes: opts.sizes.split(',').map(Number) });
}

process.exitCode = main();

/**
 * `npm run bench`: how fast site-compiler starts and synthesizes, side by side with `node -e 0` and the
 * CLIs of cdk8s and cdktf on trivial apps, and how the edge fleet scales. Every figure is the median of
 * interleaved runs (one of each command per round, so a busy moment hits all of them alike) and is
 * printed with its ratios to `node -e 0` and to the peer CLIs. Everything runs through the public commands in child processes.
 *
 *   npm run bench [-- --runs 5] [--sizes 1000,10000,100000] [--only start,watch,fleet] [--install-tools]
 *
 * cdktf-cli (about 420 MB) is not a dependency: `--install-tools` puts it into .cache/bench-tools once.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Command } from 'commander';
import { stringify } from 'yaml';
import reference from '../sites/hookprobe';
import { fixtureEdges, inventoryYaml } from '../scripts/gen-edge-inventory';

const ROOT = path.resolve(__dirname, '..');
const BIN = path.join(ROOT, 'bin', 'site-compiler.js');
const TOOLS = path.join(ROOT, '.cache', 'bench-tools');
const CDKTF_CLI = path.join(TOOLS, 'node_modules', '.bin', 'cdktf');
/** Room for 131,068 edges besides the hub: the 100,000-edge fleet fits. */
const BENCH_EDGE_CIDR = '172.16.0.0/15';

interface Timed {
  readonly ms: number;
  readonly ok: boolean;
  readonly detail: string;
  readonly stdout: string;
  /** Peak resident set of the child, bytes (from the executable's bench hook), when it reported one. */
  readonly rssBytes?: number;
}

function run(command: string, args: readonly string[], cwd = ROOT, env: NodeJS.ProcessEnv = {}): Timed {
  const started = performance.now();
  const r = spawnSync(command, [...args], { cwd, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, env: { ...process.env, CHECKPOINT_DISABLE: '1', ...env } });
  const ms = performance.now() - started;
  const rss = /SITE_COMPILER_MAX_RSS=(\d+)/.exec(r.stderr ?? '');
  return { ms, ok: r.status === 0, detail: (r.stderr ?? '').trim().split('\n').slice(-3).join(' / '), stdout: r.stdout ?? '', rssBytes: rss ? Number(rss[1]) : undefined };
}

function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** A one-Deployment cdk8s app and a one-output cdktf app, as the peer CLIs' floor. */
function trivialApps(dir: string): { cdk8s: string; cdktf: string } {
  const cdk8s = path.join(dir, 'cdk8s-app');
  fs.mkdirSync(cdk8s, { recursive: true });
  fs.writeFileSync(path.join(cdk8s, 'cdk8s.yaml'), 'language: typescript\napp: node main.js\n');
  fs.writeFileSync(
    path.join(cdk8s, 'main.js'),
    `const { App, Chart, ApiObject } = require(${JSON.stringify(path.join(ROOT, 'node_modules', 'cdk8s'))});\nconst app = new App();\nconst chart = new Chart(app, 'one');\nnew ApiObject(chart, 'web', { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' }, spec: { selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'nginx:1.27.3' }] } } } });\napp.synth();\n`,
  );
  const cdktf = path.join(dir, 'cdktf-app');
  fs.mkdirSync(cdktf, { recursive: true });
  fs.writeFileSync(path.join(cdktf, 'cdktf.json'), JSON.stringify({ language: 'typescript', app: 'node main.js', terraformProviders: [], terraformModules: [] }));
  fs.writeFileSync(
    path.join(cdktf, 'main.js'),
    `const { App, TerraformStack, TerraformOutput } = require(${JSON.stringify(path.join(ROOT, 'node_modules', 'cdktf'))});\nconst app = new App();\nconst stack = new TerraformStack(app, 'one');\nnew TerraformOutput(stack, 'hello', { value: 'world' });\napp.synth();\n`,
  );
  return { cdk8s, cdktf };
}

/** A package whose one script runs `node -e 0`: what `npm run` costs before any script of its own runs. */
function npmFloorPackage(dir: string): string {
  const pkg = path.join(dir, 'npm-floor');
  fs.mkdirSync(pkg, { recursive: true });
  fs.writeFileSync(path.join(pkg, 'package.json'), JSON.stringify({ name: 'npm-floor', version: '0.0.0', private: true, scripts: { floor: 'node -e 0' } }));
  return pkg;
}

/** The reference site as YAML with an edge inventory of `count` fixture SBCs, its chart lock beside it. */
function fleetSite(dir: string, count: number): string {
  const siteDir = path.join(dir, `fleet-${count}`);
  fs.mkdirSync(siteDir, { recursive: true });
  const site = JSON.parse(JSON.stringify(reference)) as { network: { vlans: { name: string; cidr: string }[] }; edge: { vlan: string; inventory?: string; wireguard: { hubAddress: string } } };
  const vlan = site.network.vlans.find((v) => v.name === site.edge.vlan);
  if (!vlan) throw new Error('the reference site has no edge VLAN to bench');
  vlan.cidr = BENCH_EDGE_CIDR;
  site.edge.inventory = 'edges.yaml';
  fs.writeFileSync(path.join(siteDir, 'edges.yaml'), inventoryYaml(fixtureEdges(count, { cidr: BENCH_EDGE_CIDR, reserved: [site.edge.wireguard.hubAddress, '172.16.0.1'] })));
  fs.writeFileSync(path.join(siteDir, 'site.yaml'), stringify(site, { lineWidth: 0, aliasDuplicateObjects: false }));
  fs.copyFileSync(path.join(ROOT, 'sites', 'hookprobe.lock.yaml'), path.join(siteDir, 'site.lock.yaml'));
  return path.join(siteDir, 'site.yaml');
}

const CDK8S_ROW = 'npx cdk8s synth (one Deployment)';
const SYNTH_ROW = 'npm run synth';
const FIRST_RUN_ROW = 'npm run synth, first run after npm ci';
const NPM_FLOOR_ROW = 'npm run of a script `node -e 0`';
/** Compiled sites kept by their inputs (synth/result-cache.ts): rows that measure a compile start without them. */
const RESULTS = path.join(ROOT, '.cache', 'synth-results');
const CDKTF_ROW = 'cdktf synth (one output)';

interface Row {
  readonly label: string;
  readonly command: () => Timed;
  /** Compared with the reference synth in the summary (the peers' floor). */
  readonly peer?: boolean;
}

function rows(dir: string, withCdktf: boolean): Row[] {
  const apps = trivialApps(dir);
  const npmFloor = npmFloorPackage(dir);
  const out = (name: string): string => path.join(dir, `out-${name}-${Math.random().toString(36).slice(2)}`);
  const cache = path.join(ROOT, '.cache', 'bundle', 'site-compiler.cjs.v8cache');
  const list: Row[] = [
    { label: 'node -e 0', command: () => run(process.execPath, ['-e', '0']) },
    // npm's own start and its shell, which every `npm run synth` row pays before site-compiler starts.
    { label: NPM_FLOOR_ROW, command: () => run('npm', ['run', '-s', 'floor'], npmFloor) },
    // What a CI job runs on a fresh runner after npm ci: everything the last run left in .cache/ is removed, then
    // npm's prepare step is repeated untimed (its bundle build gives the same bytes, so only its warm-up runs: the V8
    // code caches, the transpiled sites and parsed chart facts and locks of sites/, the editor schema): no kept result,
    // so the site compiles. Its output folder is a copy of the committed dist/, made untimed, as a fresh clone has it.
    {
      label: FIRST_RUN_ROW,
      command: () => {
        fs.rmSync(cache, { force: true });
        fs.rmSync(path.join(ROOT, '.cache', 'bundle', 'synth-cached.cjs.v8cache'), { force: true });
        fs.rmSync(RESULTS, { recursive: true, force: true });
        fs.rmSync(path.join(ROOT, '.cache', 'bundle', 'validators'), { recursive: true, force: true });
        fs.rmSync(path.join(ROOT, '.cache', 'parsed-facts'), { recursive: true, force: true });
        fs.rmSync(path.join(ROOT, '.cache', 'sites'), { recursive: true, force: true });
        // The kept editor schema too: the warm-up makes it again, as npm's prepare does on a fresh install.
        for (const name of fs.readdirSync(path.join(ROOT, '.cache', 'bundle'))) if (/^site\.schema\..*\.json$/.test(name)) fs.rmSync(path.join(ROOT, '.cache', 'bundle', name), { force: true });
        const prepare = run(process.execPath, [path.join(ROOT, 'bin', 'bundle.js'), '--warm-up']);
        if (!prepare.ok) return prepare;
        const committed = out('first');
        fs.cpSync(path.join(ROOT, 'dist'), committed, { recursive: true });
        return run('npm', ['run', '-s', 'synth', '--', '--out', committed, '--quiet']);
      },
    },
    // What a synth after an edit costs: no kept result to take, so the site compiles (with warm code caches).
    {
      label: 'npm run synth, compiling (no kept result)',
      command: () => {
        fs.rmSync(RESULTS, { recursive: true, force: true });
        return run('npm', ['run', '-s', 'synth', '--', '--out', out('edited'), '--quiet']);
      },
    },
    // Inputs unchanged since the last synth: the kept result is written into a new folder (the folder's checks still run).
    { label: SYNTH_ROW, command: () => run('npm', ['run', '-s', 'synth', '--', '--out', out('npm'), '--quiet']) },
    { label: 'site-compiler synth (no npm)', command: () => run(process.execPath, [BIN, 'synth', '--out', out('bin'), '--quiet']) },
    { label: 'site-compiler synth --check', command: () => run(process.execPath, [BIN, 'synth', '--check', '--quiet']) },
    { label: CDK8S_ROW, peer: true, command: () => run('npx', ['--offline', '--prefix', ROOT, 'cdk8s', 'synth'], apps.cdk8s) },
  ];
  if (withCdktf) list.push({ label: CDKTF_ROW, peer: true, command: () => run(CDKTF_CLI, ['synth'], apps.cdktf) });
  return list;
}

/** The floors every figure is compared with: medians of `node -e 0` and of the peer CLIs on trivial apps. */
interface Floors {
  readonly node: number;
  readonly cdk8s: number;
  readonly cdktf?: number;
}

function ratios(ms: number, floors: Floors): string {
  const peers = [`${(ms / floors.cdk8s).toFixed(2)}x cdk8s`, floors.cdktf === undefined ? undefined : `${(ms / floors.cdktf).toFixed(2)}x cdktf`].filter(Boolean);
  return `${(ms / floors.node).toFixed(1).padStart(6)}x node -e 0, ${peers.join(', ')}`;
}

function benchStart(runs: number, dir: string, say: (l: string) => void): Floors {
  const withCdktf = fs.existsSync(CDKTF_CLI);
  const list = rows(dir, withCdktf);
  list.find((r) => r.label === FIRST_RUN_ROW)?.command(); // warm the file-system cache for every row alike; not counted
  const times = new Map<string, number[]>(list.map((r) => [r.label, []]));
  for (let round = 0; round < runs; round += 1) {
    for (const r of list) {
      const t = r.command();
      if (!t.ok) throw new Error(`${r.label} failed: ${t.detail}`);
      times.get(r.label)?.push(t.ms);
    }
  }
  const med = (label: string): number => median(times.get(label) ?? []);
  const floors: Floors = { node: med('node -e 0'), cdk8s: med(CDK8S_ROW), cdktf: withCdktf ? med(CDKTF_ROW) : undefined };
  const synth = med(SYNTH_ROW);
  // The target compares the first run (a compile) with the peers; the kept result is the everyday rerun.
  const first = med(FIRST_RUN_ROW);
  say(`start and synth of the reference site, median of ${runs} interleaved runs:`);
  for (const r of list) {
    const m = med(r.label);
    say(`  ${r.label.padEnd(42)} ${String(Math.round(m)).padStart(7)} ms  ${ratios(m, floors)}${r.peer ? `; npm run synth is ${(m / first).toFixed(1)}x faster on its first run, ${(m / synth).toFixed(1)}x with a kept result` : ''}`);
  }
  // Where the first run's time goes, against what three times faster than cdk8s would allow.
  const npmFloor = med(NPM_FLOOR_ROW);
  say(`  first run: ${Math.round(npmFloor)} ms npm run and node's start (the \`node -e 0\` script), ${Math.round(first - npmFloor)} ms site-compiler's own; a third of cdk8s is ${Math.round(floors.cdk8s / 3)} ms`);
  if (!withCdktf) say(`  ${CDKTF_ROW.padEnd(42)} skipped: cdktf-cli is not installed; npm run bench -- --install-tools puts it into .cache/bench-tools`);
  return floors;
}

function benchWatch(dir: string, runs: number, floors: Floors, say: (l: string) => void): void {
  // The real synth --watch in a child process: from writing the site to the diff's first line on its stdout.
  const site = fleetSite(dir, 0);
  const r = run(process.execPath, ['--import', 'tsx', path.join(ROOT, 'scripts', 'bench-watch.ts'), site, String(runs)]);
  const figure = (name: string): number | undefined => {
    const m = new RegExp(`^${name}=([\\d.,]+)$`, 'm').exec(r.stdout);
    return m ? median(m[1].split(',').map(Number)) : undefined;
  };
  const [watch, resynth, cpu] = [figure('WATCH_MS'), figure('RESYNTH_MS'), figure('WATCH_CPU_MS')];
  say(`synth --watch, median of ${runs} edits of the reference site:`);
  if (watch === undefined || resynth === undefined) {
    say(`  failed: ${r.detail}`);
    return;
  }
  say(`  ${'edit -> per-component diff printed'.padEnd(42)} ${String(Math.round(watch)).padStart(7)} ms  ${ratios(watch, floors)}${cpu === undefined ? '' : ` (CPU ${Math.round(cpu)} ms)`}`);
  say(`  ${'edit -> re-synth written'.padEnd(42)} ${String(Math.round(resynth)).padStart(7)} ms  ${ratios(resynth, floors)}`);
}

function benchFleet(dir: string, sizes: readonly number[], runs: number, floors: Floors, say: (l: string) => void): void {
  // Sizes take turns, round by round, so a busy moment of the machine falls on every size alike.
  const sites = new Map(sizes.map((size) => [size, fleetSite(dir, size)]));
  const results = new Map<number, Timed[]>(sizes.map((size) => [size, []]));
  for (let round = 0; round < runs; round += 1) {
    for (const size of sizes) {
      const out = path.join(dir, `fleet-out-${size}`);
      // A compile each time: the figures are about the fleet's size, not the result cache.
      fs.rmSync(RESULTS, { recursive: true, force: true });
      results.get(size)?.push(run(process.execPath, [BIN, 'synth', '--site', sites.get(size) as string, '--out', out, '--quiet'], ROOT, { SITE_COMPILER_BENCH_RSS: '1' }));
      fs.rmSync(out, { recursive: true, force: true });
    }
  }
  say(`edge fleet, one synth per process into a new folder, median of ${runs} interleaved runs (peak RSS: the largest):`);
  let previous: { size: number; ms: number } | undefined;
  for (const size of sizes) {
    const all = results.get(size) ?? [];
    const failed = all.find((r) => !r.ok);
    if (failed) {
      say(`  ${String(size).padStart(7)} edges  failed: ${failed.detail}`);
      continue;
    }
    const ms = median(all.map((r) => r.ms));
    const rss = Math.max(...all.map((r) => r.rssBytes ?? 0));
    const growth = previous ? `; ${(ms / previous.ms).toFixed(2)}x the time of ${previous.size}` : '';
    say(`  ${`${size} edges`.padEnd(42)} ${String(Math.round(ms)).padStart(7)} ms  ${ratios(ms, floors)}; peak RSS ${Math.round(rss / 1024 ** 2)} MiB${growth}`);
    previous = { size, ms };
  }
}

function installTools(): void {
  process.stderr.write('installing cdktf-cli 0.21.0 into .cache/bench-tools (about 420 MB, once) …\n');
  fs.mkdirSync(TOOLS, { recursive: true });
  const r = spawnSync('npm', ['install', '--prefix', TOOLS, '--no-audit', '--no-fund', 'cdktf-cli@0.21.0'], { stdio: 'inherit' });
  if (r.status !== 0) throw new Error('npm install of cdktf-cli failed (the npm registry must be reachable)');
}

function main(): number {
  const opts = new Command()
    .name('npm run bench --')
    .description('Start, synth and edge-fleet figures, each a median of interleaved runs with its ratio to node -e 0.')
    .option('--runs <n>', 'interleaved rounds (medians)', '5')
    .option('--sizes <list>', 'edge fleet sizes', '1000,10000,100000')
    .option('--only <parts>', 'the parts to run, of start, watch and fleet (comma-separated)', 'start,watch,fleet')
    .option('--install-tools', 'install cdktf-cli into .cache/bench-tools first')
    .parse(process.argv)
    .opts<{ runs: string; sizes: string; only: string; installTools?: boolean }>();
  const parts = new Set(opts.only.split(','));
  const unknown = [...parts].filter((p) => !['start', 'watch', 'fleet'].includes(p));
  if (unknown.length > 0 || !parts.has('start')) {
    // The watch and fleet figures are given as ratios to the start part's floors, so it always runs.
    process.stderr.write(`npm run bench: --only ${opts.only}: ${unknown.length > 0 ? `unknown part ${unknown.join(', ')}` : 'start is needed by the others'}; use start, start,watch or start,fleet (the default: start,watch,fleet)\n`);
    return 2;
  }
  const say = (line: string): void => void process.stdout.write(`${line}\n`);
  const runs = Number(opts.runs);
  if (opts.installTools) installTools();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'site-compiler-bench-'));
  try {
    say(`site-compiler bench: node ${process.version}, ${os.cpus().length} CPUs, load average ${os.loadavg()[0].toFixed(2)}`);
    const floors = benchStart(runs, dir, say);
    if (parts.has('watch')) benchWatch(dir, runs, floors, say);
    if (parts.has('fleet')) benchFleet(dir, opts.sizes.split(',').map(Number), runs, floors, say);
    return 0;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

process.exitCode = main();

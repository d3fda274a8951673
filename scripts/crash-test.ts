/**
 * Kills `npm run synth` with SIGKILL at random moments while it changes a tree, many times over, and
 * checks after every kill that the output folder is exactly the old tree or the new one (restoring it
 * with the compiler's own recovery when the kill fell between the two renames of the swap), and that
 * the next synth leaves no staging folder, old tree or lock behind. CI runs it (`.ci/run`); it is too
 * slow for `npm test` (each trial starts the real CLI in a fresh process).
 *
 *   npm run test:crash -- --trials 100 [--seed 42]
 */
import { spawn } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Command } from 'commander';
import { stringify } from 'yaml';
import reference from '../sites/hookprobe';
import { lockFileFor } from '../synth/output-lock';
import { leftoverSiblings, listTree, recoverInterrupted } from '../synth/write-tree';

const ROOT = path.resolve(__dirname, '..');
// One process: node with tsx's loader. (The tsx CLI runs the script in a child process, which a SIGKILL of the CLI would not reach.)
const NODE_ARGS = ['--import', 'tsx'];

type Hashes = Record<string, string>;

function hashTree(dir: string): Hashes {
  const out: Hashes = {};
  for (const rel of listTree(dir)) out[rel] = crypto.createHash('sha256').update(fs.readFileSync(path.join(dir, rel))).digest('hex');
  return out;
}

function same(a: Hashes, b: Hashes): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** A small seeded generator, so a failing run can be repeated with --seed. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Run {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly err: string;
  /** ms from the staging folder's appearance to the process's end, when it appeared. */
  readonly writeMs?: number;
}

/**
 * Runs the CLI; with `killAt`, kills it that many ms after start (`from: 'start'`) or after the staging
 * folder appears (`from: 'write'`), whichever the trial chose.
 */
function synth(site: string, out: string, kill?: { from: 'start' | 'write'; ms: number }): Promise<Run> {
  return new Promise((resolve) => {
    const parent = path.dirname(out);
    const child = spawn(process.execPath, [...NODE_ARGS, path.join(ROOT, 'cli/synth.ts'), '--site', site, '--out', out, '--quiet'], { cwd: ROOT });
    let err = '';
    let stagedAt: number | undefined;
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const killNow = (): void => {
      child.kill('SIGKILL');
    };
    const watcher = fs.watch(parent, (_event, name) => {
      if (stagedAt !== undefined || !name || !/^\.dist\.site-compiler-.*\.tmp$/.test(name)) return;
      stagedAt = performance.now();
      if (kill?.from === 'write') setTimeout(killNow, kill.ms);
    });
    if (kill?.from === 'start') setTimeout(killNow, kill.ms);
    child.on('close', (code, signal) => {
      watcher.close();
      resolve({ code, signal, err, writeMs: stagedAt === undefined ? undefined : performance.now() - stagedAt });
    });
  });
}

function writeSites(dir: string): { a: string; b: string } {
  const a = path.join(dir, 'site-a.yaml');
  const b = path.join(dir, 'site-b.yaml');
  fs.writeFileSync(a, stringify(reference, { lineWidth: 0, aliasDuplicateObjects: false }));
  // Another name changes every file's header: the two trees differ everywhere.
  fs.writeFileSync(b, stringify({ ...reference, name: 'hookprobe-b' }, { lineWidth: 0, aliasDuplicateObjects: false }));
  return { a, b };
}

function fail(message: string): never {
  process.stderr.write(`crash test FAILED: ${message}\n`);
  process.exit(1);
}

/** After a complete synth: the tree is exactly `expected`, and nothing is left beside it. */
function expectClean(out: string, expected: Hashes, what: string): void {
  if (!same(hashTree(out), expected)) fail(`${what}: the tree is not the one the synth produced`);
  const left = leftoverSiblings(out).map((l) => l.name);
  if (left.length > 0) fail(`${what}: staging or old folders survived: ${left.join(', ')}`);
  if (fs.existsSync(lockFileFor(out))) fail(`${what}: the lock survived a finished synth`);
}

async function main(): Promise<void> {
  const opts = new Command().option('--trials <n>', 'kills', '100').option('--seed <n>', 'random seed (printed, to repeat a run)', String(Date.now() % 1_000_000_000)).parse(process.argv).opts<{ trials: string; seed: string }>();
  const trials = Number(opts.trials);
  const rand = random(Number(opts.seed));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'site-compiler-crash-'));
  const sites = writeSites(dir);
  const out = path.join(dir, 'dist');

  // Calibration: both trees in full, how long a whole run takes and how long its write phase lasts.
  const t0 = performance.now();
  const first = await synth(sites.b, out);
  if (first.code !== 0) fail(`calibration synth failed: ${first.err}`);
  const treeB = hashTree(out);
  const second = await synth(sites.a, out);
  const runMs = performance.now() - t0;
  if (second.code !== 0 || second.writeMs === undefined) fail(`calibration synth failed: ${second.err}`);
  const treeA = hashTree(out);
  expectClean(out, treeA, 'calibration');
  const writeMs = second.writeMs;
  process.stdout.write(`calibration: two synths ${Math.round(runMs)} ms, write phase ${writeMs.toFixed(1)} ms; ${trials} trials, seed ${opts.seed}\n`);

  const counts = { old: 0, new: 0, swapWindowRecoveredNew: 0, swapWindowRecoveredOld: 0, finishedBeforeKill: 0 };
  let current = treeA;
  for (let i = 1; i <= trials; i += 1) {
    const [site, target] = current === treeA ? [sites.b, treeB] : [sites.a, treeA];
    // Half the kills anywhere in the run (loading, lock, recovery, compile), half inside the write phase.
    const kill = i % 2 === 0 ? { from: 'start' as const, ms: rand() * (runMs / 2) * 1.1 } : { from: 'write' as const, ms: rand() * writeMs * 1.5 };
    const run = await synth(site, out, kill);
    if (run.signal !== 'SIGKILL') {
      if (run.code !== 0) fail(`trial ${i}: synth failed instead of being killed: ${run.err}`);
      counts.finishedBeforeKill += 1;
    }
    if (!fs.existsSync(out)) {
      // Killed between the two renames: both trees are beside the folder; the recovery every synth runs first restores one.
      recoverInterrupted(out);
      const now = hashTree(out);
      if (same(now, target)) counts.swapWindowRecoveredNew += 1;
      else if (same(now, current)) counts.swapWindowRecoveredOld += 1;
      else fail(`trial ${i}: after recovery the folder is neither the old nor the new tree`);
    } else {
      const now = hashTree(out);
      if (same(now, target)) counts.new += 1;
      else if (same(now, current)) counts.old += 1;
      else fail(`trial ${i} (kill ${kill.from} + ${kill.ms.toFixed(1)} ms): the folder is neither the old nor the new tree (${Object.keys(now).length} files)`);
    }
    current = same(hashTree(out), treeA) ? treeA : treeB;
    if (i % 10 === 0 || i === trials) {
      // The next synth takes over the dead process's lock, removes what it left and writes a whole tree.
      const [nextSite, nextTree] = current === treeA ? [sites.b, treeB] : [sites.a, treeA];
      const next = await synth(nextSite, out);
      if (next.code !== 0) fail(`synth after trial ${i} failed: ${next.err}`);
      expectClean(out, nextTree, `synth after trial ${i}`);
      current = nextTree;
    }
  }
  fs.rmSync(dir, { recursive: true, force: true });
  process.stdout.write(
    `crash test: ${trials} kills; folder was the old tree ${counts.old}, the new tree ${counts.new}; killed between the swap's renames ${counts.swapWindowRecoveredNew + counts.swapWindowRecoveredOld} (recovered to new ${counts.swapWindowRecoveredNew}, old ${counts.swapWindowRecoveredOld}); finished before its kill ${counts.finishedBeforeKill}; no staging folder, old tree or lock survived the next synth\n`,
  );
  process.stdout.write(`${trials} passed, 0 failed\n`);
}

main().catch((err: unknown) => fail(err instanceof Error ? (err.stack ?? err.message) : String(err)));

import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { LockTimeoutError, acquireOutputLock, lockFileFor } from '../synth/output-lock';
import { PROJECT_ROOT, runSynth } from '../synth/run-synth';
import { MANIFEST_FILE, parseManifest } from '../synth/tree-manifest';
import { tempDir, validFixtureFiles } from './support/sites';
import { hashTree } from './support/tree';

/** The pid of a process that has exited: its lock is one a killed synth left. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
  return Number(child.stdout.toString());
}

describe('acquireOutputLock', () => {
  it('fails when another live process holds the lock past the wait, naming it', () => {
    const dir = path.join(tempDir(), 'dist');
    const release = acquireOutputLock(dir, 'synth (test holder)');
    let waitedFor: string | undefined;
    try {
      acquireOutputLock(dir, 'second', { waitMs: 150, onWait: (h) => (waitedFor = h?.command) });
      expect.unreachable('the second lock must not be granted');
    } catch (err) {
      expect(err).toBeInstanceOf(LockTimeoutError);
      expect((err as LockTimeoutError).holder?.pid).toBe(process.pid);
      expect((err as LockTimeoutError).waitedMs).toBeGreaterThanOrEqual(150);
    } finally {
      release();
    }
    expect(waitedFor).toBe('synth (test holder)');
    expect(fs.existsSync(lockFileFor(dir))).toBe(false);
  });

  it('takes over a lock left by a killed process', () => {
    const dir = path.join(tempDir(), 'dist');
    const pid = deadPid();
    fs.writeFileSync(lockFileFor(dir), JSON.stringify({ pid, host: os.hostname(), since: '2026-01-01T00:00:00.000Z', command: 'synth' }));
    let tookOver: number | undefined;
    const release = acquireOutputLock(dir, 'synth', { waitMs: 0, onTakeOver: (h) => (tookOver = h?.pid) });
    expect(tookOver).toBe(pid);
    expect(JSON.parse(fs.readFileSync(lockFileFor(dir), 'utf8')).pid).toBe(process.pid);
    release();
    expect(fs.existsSync(lockFileFor(dir))).toBe(false);
  });

  it('fails when synth cannot get the lock in time: exit 1, the holder named, the folder unchanged', () => {
    const site = validFixtureFiles().find((f) => f.endsWith('single-node.yaml')) as string;
    const parent = tempDir();
    const release = acquireOutputLock(path.join(parent, 'dist'), 'synth --out dist (test)');
    const err: string[] = [];
    try {
      const code = runSynth(['--site', site, '--out', 'dist', '--wait', '0.2'], { out: () => undefined, err: (l) => err.push(l), cwd: parent });
      expect(code).toBe(1);
    } finally {
      release();
    }
    expect(err.join('\n')).toContain(`refused: another synth is writing this output folder: pid ${process.pid} on ${os.hostname()} (synth --out dist (test)`);
    expect(err.join('\n')).toContain('fix: run again when it has finished');
    expect(fs.readdirSync(parent)).toEqual([]);
  });
});

interface Finished {
  readonly site: string;
  readonly code: number;
  readonly at: bigint;
  readonly err: string;
}

/** The executable in a child process, as two CI jobs would run it. */
function synthProcess(site: string, out: string): Promise<Finished> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(PROJECT_ROOT, 'bin', 'site-compiler.js'), 'synth', '--site', site, '--out', out, '--quiet'], { cwd: PROJECT_ROOT });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('close', (code) => resolve({ site, code: code ?? -1, at: process.hrtime.bigint(), err }));
  });
}

describe('two synths into one folder', () => {
  it('serialises them: both succeed, and the final tree is whole and the one that finished last', async () => {
    const a = validFixtureFiles().find((f) => f.endsWith('single-node.yaml')) as string;
    // The same site under another name: the two trees differ, so the final one says which run wrote it.
    const b = path.join(tempDir(), 'lab2.yaml');
    fs.writeFileSync(b, fs.readFileSync(a, 'utf8').replace(/^name: lab$/m, 'name: lab2'));
    const out = path.join(tempDir(), 'dist');
    const runs = await Promise.all([synthProcess(a, out), synthProcess(b, out)]);
    for (const r of runs) expect(r.code, r.err).toBe(0);
    const last = runs[0].at > runs[1].at ? runs[0] : runs[1];
    const manifest = parseManifest(fs.readFileSync(path.join(out, MANIFEST_FILE), 'utf8'));
    expect(manifest?.site).toBe(last.site === a ? 'lab' : 'lab2');
    const onDisk = hashTree(out);
    delete onDisk[MANIFEST_FILE];
    expect(onDisk).toEqual(manifest?.files);
    expect(fs.readdirSync(path.dirname(out))).toEqual(['dist']);
  });
});

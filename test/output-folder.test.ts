import * as fs from 'node:fs';
import * as path from 'node:path';
import { createRequire, syncBuiltinESMExports } from 'node:module';
import { beforeAll, describe, expect, it, onTestFinished, vi } from 'vitest';
import { PROJECT_ROOT, runSynth } from '../synth/run-synth';
import { MANIFEST_FILE, parseManifest, sha256 } from '../synth/tree-manifest';
import { tempDir, validFixtureFiles } from './support/sites';
import { hashTree } from './support/tree';

interface Run {
  readonly code: number;
  readonly out: string;
  readonly err: string;
}

function synth(args: string[], cwd: string, home?: string): Run {
  const out: string[] = [];
  const err: string[] = [];
  const code = runSynth(args, { out: (l) => out.push(l), err: (l) => err.push(l), cwd, home: home ?? path.join(tempDir(), 'home') });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

/** A user's project: a site file, a .git folder and a file of their own, in a fresh temporary folder. */
function userProject(): { root: string; site: string } {
  const root = tempDir('site-compiler-user-');
  fs.mkdirSync(path.join(root, '.git', 'objects'), { recursive: true });
  fs.writeFileSync(path.join(root, '.git', 'HEAD'), 'ref: refs/heads/main\n');
  fs.mkdirSync(path.join(root, 'sites'));
  fs.copyFileSync(SMALL_SITE, path.join(root, 'sites', 'site.yaml'));
  fs.writeFileSync(path.join(root, 'notes.md'), 'uncommitted work\n');
  return { root, site: 'sites/site.yaml' };
}

const SMALL_SITE = validFixtureFiles().find((f) => f.endsWith('single-node.yaml')) as string;

/** Asserts a refusal that left every file below `root` byte-identical. */
function expectRefusedUntouched(root: string, args: string[], cwd: string, reason: RegExp, home?: string): Run {
  const before = hashTree(root);
  const run = synth(args, cwd, home);
  expect(run.code, run.err).toBe(1);
  expect(run.err).toMatch(reason);
  expect(run.err).not.toMatch(/\n\s+at .*\(.*:\d+:\d+\)/);
  expect(hashTree(root)).toEqual(before);
  return run;
}


describe('output folder: refused by path, before anything is read or written', () => {
  /**
   * Spies prove the refusal walked nothing and wrote nothing. Every fs function stays real; the spies only record
   * calls, until the test ends. They sit on node:fs's CommonJS object, which `import fs` reads, and
   * syncBuiltinESMExports hands them to `import * as fs` too: no module mock, so this file shares its worker's modules.
   */
  function spyOnFs(): { walked: () => string[]; wrote: () => number } {
    const real = createRequire(__filename)('node:fs') as typeof fs;
    const [readdir, ...writes] = (['readdirSync', 'writeFileSync', 'renameSync', 'rmSync', 'mkdirSync'] as const).map((name) => vi.spyOn(real, name));
    syncBuiltinESMExports();
    onTestFinished(() => {
      for (const spy of [readdir, ...writes]) spy.mockRestore();
      syncBuiltinESMExports();
    });
    return {
      walked: () => readdir.mock.calls.map((c) => String(c[0])),
      wrote: () => writes.reduce((n, spy) => n + spy.mock.calls.length, 0),
    };
  }

  it('records the walks and writes of a synth that does write (the spies themselves)', () => {
    const { root, site } = userProject();
    const fsSpy = spyOnFs();
    expect(synth(['--site', site, '--out', 'dist'], root).code).toBe(0);
    expect(fsSpy.walked().length).toBeGreaterThan(0);
    expect(fsSpy.wrote()).toBeGreaterThan(0);
  });

  it('fails when --out is . in the project root, without walking or writing', () => {
    const fsSpy = spyOnFs();
    const run = synth(['--out', '.'], PROJECT_ROOT);
    expect(run.code).toBe(1);
    expect(run.err).toContain("refused: ./ cannot be the output folder: it holds the compiler's own project");
    expect(run.err).toContain('nothing was read or written');
    expect(fsSpy.walked()).toEqual([]);
    expect(fsSpy.wrote()).toBe(0);
  });

  it('fails when --out is the project root given as an absolute path, or a folder above it', () => {
    const fsSpy = spyOnFs();
    for (const out of [PROJECT_ROOT, path.dirname(PROJECT_ROOT)]) {
      const run = synth(['--out', out], tempDir());
      expect(run.code).toBe(1);
      expect(run.err).toContain("holds the compiler's own project");
    }
    expect(fsSpy.walked()).toEqual([]);
    expect(fsSpy.wrote()).toBe(0);
  });

  it('fails when --out is /, without walking the file system', () => {
    const fsSpy = spyOnFs();
    const run = synth(['--out', '/'], tempDir());
    expect(run.code).toBe(1);
    expect(run.err).toContain('refused: / cannot be the output folder: it is the root of the file system');
    expect(fsSpy.walked()).toEqual([]);
    expect(fsSpy.wrote()).toBe(0);
  });

  it("fails when --out is the user's project root (the working directory), leaving it byte-identical", () => {
    const { root, site } = userProject();
    expectRefusedUntouched(root, ['--site', site, '--out', '.'], root, /it is the working directory or a folder above it/);
  });

  it("fails when --out is the site file's folder or a folder above it", () => {
    const { root, site } = userProject();
    expectRefusedUntouched(root, ['--site', site, '--out', 'sites'], root, /it holds the site file/);
    const elsewhere = tempDir();
    expectRefusedUntouched(root, ['--site', path.join(root, site), '--out', root], elsewhere, /it holds the site file/);
  });

  it('fails when --out is the home directory or a folder above it', () => {
    const { root, site } = userProject();
    expectRefusedUntouched(root, ['--site', site, '--out', root], tempDir(), /it is your home directory/, root);
    expectRefusedUntouched(root, ['--site', path.join(root, site), '--out', path.dirname(root)], tempDir(), /home directory or a folder above it/, root);
  });

  it('fails when --out is inside .git or node_modules', () => {
    const { root, site } = userProject();
    expectRefusedUntouched(root, ['--site', site, '--out', '.git/dist'], root, /inside a \.git folder/);
    expectRefusedUntouched(root, ['--site', site, '--out', 'node_modules/dist'], root, /inside a node_modules folder/);
  });

  it('fails when --out is a file or a symbolic link', () => {
    const { root, site } = userProject();
    expectRefusedUntouched(root, ['--site', site, '--out', 'notes.md'], root, /is a file, not a folder/);
    const elsewhere = tempDir();
    fs.symlinkSync(root, path.join(elsewhere, 'link'));
    expectRefusedUntouched(root, ['--site', path.join(root, site), '--out', 'link'], elsewhere, /is a symbolic link/);
  });
});

describe('output folder: only a tree the compiler wrote is replaced', () => {
  it('fails when the folder holds files the compiler did not write (a GitOps checkout), leaving it byte-identical', () => {
    const { root, site } = userProject();
    const gitops = path.join(root, 'gitops');
    fs.mkdirSync(path.join(gitops, '.git'), { recursive: true });
    fs.writeFileSync(path.join(gitops, 'README.md'), '# our GitOps repo\n');
    fs.mkdirSync(path.join(gitops, 'kubernetes'));
    fs.writeFileSync(path.join(gitops, 'kubernetes', 'ours.yaml'), 'kind: ConfigMap\n');
    const run = expectRefusedUntouched(root, ['--site', site, '--out', 'gitops'], root, /is not a tree site-compiler wrote/);
    expect(run.err).toContain('.git, README.md');
  });

  it('fails when the folder holds a manifest another tool wrote', () => {
    const { root, site } = userProject();
    fs.mkdirSync(path.join(root, 'out', '.site-compiler'), { recursive: true });
    fs.writeFileSync(path.join(root, 'out', MANIFEST_FILE), '{"generator":"someone-else","files":{}}');
    expectRefusedUntouched(root, ['--site', site, '--out', 'out'], root, /manifest.json is not one site-compiler wrote/);
  });

  it('writes into a missing or empty folder, with a manifest of every file', () => {
    const { root, site } = userProject();
    fs.mkdirSync(path.join(root, 'empty'));
    for (const out of ['missing/dist', 'empty']) {
      const run = synth(['--site', site, '--out', out], root);
      expect(run.code, run.err).toBe(0);
      const manifest = parseManifest(fs.readFileSync(path.join(root, out, MANIFEST_FILE), 'utf8'));
      const onDisk = hashTree(path.join(root, out));
      delete onDisk[MANIFEST_FILE];
      expect(manifest?.files).toEqual(onDisk);
    }
    expect(fs.readFileSync(path.join(root, 'notes.md'), 'utf8')).toBe('uncommitted work\n');
  });

  it('recognises a tree written before manifests and gives it one', () => {
    const { root, site } = userProject();
    expect(synth(['--site', site, '--out', 'dist'], root).code).toBe(0);
    fs.rmSync(path.join(root, 'dist', '.site-compiler'), { recursive: true });
    const run = synth(['--site', site, '--out', 'dist'], root);
    expect(run.code, run.err).toBe(0);
    expect(run.out).toMatch(/\(1 added, 0 changed, 0 removed\)/);
  });

  it('recognises the committed dist/ of the reference site as its own', () => {
    const copy = path.join(tempDir(), 'dist');
    fs.cpSync(path.join(PROJECT_ROOT, 'dist'), copy, { recursive: true });
    fs.rmSync(path.join(copy, '.site-compiler'), { recursive: true, force: true });
    const run = synth(['--out', copy, '--quiet'], PROJECT_ROOT);
    expect(run.code, run.err).toBe(0);
    expect(hashTree(copy)).toEqual(hashTree(path.join(PROJECT_ROOT, 'dist')));
  });
});

describe('output folder: files a person added or edited', () => {
  let root: string;
  let site: string;
  let dist: string;

  beforeAll(() => {
    ({ root, site } = userProject());
    dist = path.join(root, 'dist');
    expect(synth(['--site', site, '--out', 'dist'], root).code).toBe(0);
  });

  function handEdited(): string {
    const copy = path.join(tempDir(), 'dist');
    fs.cpSync(dist, copy, { recursive: true });
    fs.appendFileSync(path.join(copy, 'REVIEW.md'), '\nmy note\n');
    fs.writeFileSync(path.join(copy, 'kubernetes', 'mine.yaml'), 'kind: ConfigMap\n');
    return copy;
  }

  it('fails when a file was edited or added by hand, listing both and the --force command', () => {
    const copy = handEdited();
    const run = expectRefusedUntouched(path.dirname(copy), ['--site', path.join(root, site), '--out', copy], tempDir(), /2 files in .* were added or edited by hand/);
    expect(run.err).toMatch(/edited by hand\s+.*REVIEW\.md/);
    expect(run.err).toMatch(/added by hand\s+.*kubernetes\/mine\.yaml/);
    expect(run.err).toContain(`run: npx site-compiler synth --site ${path.join(root, site)} --out ${copy} --force`);
  });

  it('--check names the hand-edited files', () => {
    const copy = handEdited();
    const run = synth(['--site', path.join(root, site), '--out', copy, '--check'], tempDir());
    expect(run.code).toBe(1);
    expect(run.err).toMatch(/added or edited by hand since the last synth[^\n]*\n\s+edited by hand\s+\S*REVIEW\.md [^\n]*\n\s+added by hand\s+\S*mine\.yaml/);
  });

  it('--force replaces them, saying which were discarded', () => {
    const copy = handEdited();
    const run = synth(['--site', path.join(root, site), '--out', copy, '--force'], tempDir());
    expect(run.code, run.err).toBe(0);
    expect(run.err).toMatch(/--force: discarding .*kubernetes\/mine\.yaml/);
    expect(hashTree(copy)).toEqual(hashTree(dist));
  });

  it('keeps no staging folder or lock beside the output folder', () => {
    expect(fs.readdirSync(root).sort()).toEqual(['.git', 'dist', 'notes.md', 'sites']);
  });

  it('the manifest is deterministic: the same site in another folder gives the same bytes', () => {
    const other = path.join(tempDir(), 'elsewhere');
    expect(synth(['--site', path.join(root, site), '--out', other], tempDir()).code).toBe(0);
    const a = fs.readFileSync(path.join(dist, MANIFEST_FILE));
    expect(fs.readFileSync(path.join(other, MANIFEST_FILE)).equals(a)).toBe(true);
    expect(sha256(a)).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('--site that is not a site file', () => {
  it.each([
    ['a folder', (dir: string) => dir, /is a folder, not a site file[\s\S]*fix: name the site file in it, e.g. --site/],
    ['missing', (dir: string) => path.join(dir, 'nope.yaml'), /nope\.yaml: 1 problem\n\s+\(file\): does not exist/],
    ['empty', (dir: string) => { fs.writeFileSync(path.join(dir, 'empty.yaml'), '\n'); return path.join(dir, 'empty.yaml'); }, /empty\.yaml: 1 problem\n\s+\(file\): is empty/],
  ])('fails when --site is %s, naming it', (_name, make, message) => {
    const dir = tempDir();
    fs.copyFileSync(SMALL_SITE, path.join(dir, 'site.yaml'));
    const run = synth(['--site', make(dir), '--out', path.join(tempDir(), 'dist')], dir);
    expect(run.code).toBe(1);
    expect(run.err).toMatch(message);
  });

  it('fails when a TypeScript site throws or does not compile, naming file and line', () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'throws.ts'), "const n: number = 1;\nthrow new Error('no site today');\nexport default n;\n");
    fs.writeFileSync(path.join(dir, 'broken.ts'), 'export default {\n  name: "x",,\n};\n');
    const threw = synth(['--site', 'throws.ts', '--out', 'dist'], dir);
    expect(threw.code).toBe(1);
    expect(threw.err).toMatch(/^throws\.ts: 1 problem\n\s+line 2, column \d+: threw while loading: no site today/);
    const broken = synth(['--site', 'broken.ts', '--out', 'dist'], dir);
    expect(broken.code).toBe(1);
    expect(broken.err).toMatch(/^broken\.ts: 1 problem\n\s+line 2, column \d+: does not compile: /);
    expect(fs.existsSync(path.join(dir, 'dist'))).toBe(false);
  });
});

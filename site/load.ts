import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseDocument } from 'yaml';
import { parseSite } from './define-site';
import { SiteError, SiteProblem } from './errors';
import { Site } from './spec';

/** A site plus where it came from (for error messages and for files it names relative to itself). */
export interface LoadedSite {
  readonly site: Site;
  readonly source: string;
  /** Absolute path of the site file (files beside it, such as its chart lock, are found from here). */
  readonly file: string;
  readonly dir: string;
  /**
   * The site file's path from its project root (the nearest folder above it with a `.git` or `package.json`),
   * the folder its commands run in. Text that reaches the output names the site this way, so the tree is the
   * same bytes whatever folder synth ran from.
   */
  readonly projectPath: string;
}

/** The site path from the nearest folder above it that holds `.git` or `package.json`; its base name if none. */
export function projectPathOf(abs: string): string {
  for (let dir = path.dirname(abs); ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, '.git')) || fs.existsSync(path.join(dir, 'package.json'))) return path.relative(dir, abs).split(path.sep).join('/');
    if (path.dirname(dir) === dir) return path.basename(abs);
  }
}

/**
 * Loads a site from a `.ts`/`.js` module (its default export, made with defineSite) or from a
 * `.yaml`/`.yml`/`.json` file of the same shape. `source` in errors is the path as the user gave it.
 */
export function loadSite(file: string, cwd = process.cwd()): LoadedSite {
  const abs = path.resolve(cwd, file);
  const source = path.relative(cwd, abs) || file;
  checkSiteFile(abs, source);
  const ext = path.extname(abs).toLowerCase();
  if (ext === '.ts' || ext === '.js' || ext === '.mts' || ext === '.cts') {
    const mod = requireSite(abs, source);
    if (!mod.default) {
      throw new SiteError(source, [{ path: '(module)', message: 'has no default export', fix: 'end the file with `export default defineSite({...})`' }]);
    }
    // Re-validate: a TS site could bypass defineSite, and parsing a parsed site is a no-op.
    return { site: parseSite(mod.default, source), source, file: abs, dir: path.dirname(abs), projectPath: projectPathOf(abs) };
  }
  if (ext === '.yaml' || ext === '.yml' || ext === '.json') {
    return { site: parseSite(readData(abs, source), source), source, file: abs, dir: path.dirname(abs), projectPath: projectPathOf(abs) };
  }
  throw new SiteError(source, [{ path: '(file)', message: `has an unknown extension "${ext}"`, fix: 'use .ts, .yaml, .yml or .json' }]);
}

/** A site path that is missing, a folder, unreadable or empty is named as such, not as a parse error. */
function checkSiteFile(abs: string, source: string): void {
  const fail = (message: string, fix: string): never => {
    throw new SiteError(source, [{ path: '(file)', message, fix }]);
  };
  let stat: fs.Stats;
  try {
    stat = fs.statSync(abs);
  } catch {
    return fail('does not exist', 'pass an existing .ts, .yaml or .json site file to --site');
  }
  if (stat.isDirectory()) {
    const sites = fs.readdirSync(abs).filter((f) => /\.(ts|ya?ml|json)$/.test(f) && !f.endsWith('.lock.yaml')).sort();
    fail('is a folder, not a site file', sites.length > 0 ? `name the site file in it, e.g. --site ${path.join(source, sites[0])}` : 'pass a .ts, .yaml or .json site file to --site');
  }
  try {
    fs.accessSync(abs, fs.constants.R_OK);
  } catch {
    fail('cannot be read (permission denied)', `make it readable for this user, e.g. chmod u+r ${source}`);
  }
  if (stat.size === 0 || fs.readFileSync(abs, 'utf8').trim() === '') {
    fail('is empty', 'write a site into it; `npx site-compiler init --file <path>` writes a starter site that compiles');
  }
}

/**
 * One tsx namespace for the whole process, with a fixed name: tsx keys its transform cache by the
 * namespace, and the per-call default (a timestamp) made it transform the site file again on every run.
 */
let siteRequire: ((id: string, fromFile: string) => unknown) | undefined;

/** How a TypeScript site is loaded: tsx, unless the executable's bundle provides its own loader. */
let typeScriptLoader: ((abs: string) => unknown) | undefined;

/**
 * The executable (bin/site-compiler.js) runs from a bundle and loads TypeScript sites without tsx: it strips
 * the types with esbuild and answers the site's import of this folder with the bundle's own module.
 */
export function setTypeScriptLoader(loader: (abs: string) => unknown): void {
  typeScriptLoader = loader;
}

/** Loads a TypeScript site; an exception or a syntax error in it becomes a problem with its file and line. */
function requireSite(abs: string, source: string): { default?: unknown } {
  try {
    if (typeScriptLoader) return typeScriptLoader(abs) as { default?: unknown };
    // Required here, not imported: the executable never needs tsx for a site, and loading it was a tenth of its start.
    siteRequire ??= (require('tsx/cjs/api') as typeof import('tsx/cjs/api')).register({ namespace: 'site-compiler-site' }).require;
    return siteRequire(abs, __filename) as { default?: unknown };
  } catch (err) {
    if (err instanceof SiteError) throw err;
    // The site's own copy of this module may define another SiteError class: keep its problems.
    const problems = (err as { problems?: SiteError['problems'] }).problems;
    if ((err as Error).name === 'SiteError' && Array.isArray(problems)) throw new SiteError(source, problems);
    throw new SiteError(source, [moduleProblem(err, abs)]);
  }
}

function moduleProblem(err: unknown, abs: string): SiteProblem {
  const message = err instanceof Error ? err.message : String(err);
  const syntax = /^Transform failed[^\n]*\n[^\n]*?:(\d+):(\d+): ERROR: (.*)$/m.exec(message);
  if (syntax) return { path: `line ${syntax[1]}, column ${syntax[2]}`, message: `does not compile: ${syntax[3]}`, fix: 'fix the TypeScript syntax at that position' };
  const at = err instanceof Error ? new RegExp(`${abs.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:(\\d+):(\\d+)`).exec(err.stack ?? '') : null;
  return {
    path: at ? `line ${at[1]}, column ${at[2]}` : '(module)',
    message: `threw while loading: ${message.split('\n')[0]}`,
    fix: 'fix the code of the site file (it must only build and export the site with defineSite)',
  };
}

/** Reads YAML or JSON (JSON is YAML) with line numbers in syntax errors and no duplicate keys. */
export function readData(abs: string, source: string): unknown {
  return parseData(fs.readFileSync(abs, 'utf8'), source, 'fix the YAML/JSON syntax at that position');
}

/** YAML or JSON text as data; a syntax error or duplicate key throws a SiteError of `source` with its line and column, and `fix`. */
export function parseData(text: string, source: string, fix: string): unknown {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new SiteError(
      source,
      doc.errors.map((e) => ({
        path: e.linePos ? `line ${e.linePos[0].line}, column ${e.linePos[0].col}` : '(file)',
        message: e.message.split('\n')[0],
        fix,
      })),
    );
  }
  return doc.toJS();
}

import * as fs from 'node:fs';
import * as path from 'node:path';
import { require as tsxRequire } from 'tsx/cjs/api';
import { parseDocument } from 'yaml';
import { parseSite } from './define-site';
import { SiteError } from './errors';
import { Site } from './spec';

/** A site plus where it came from (for error messages and for files it names relative to itself). */
export interface LoadedSite {
  readonly site: Site;
  readonly source: string;
  /** Absolute path of the site file (files beside it, such as its chart lock, are found from here). */
  readonly file: string;
  readonly dir: string;
}

/**
 * Loads a site from a `.ts`/`.js` module (its default export, made with defineSite) or from a
 * `.yaml`/`.yml`/`.json` file of the same shape. `source` in errors is the path as the user gave it.
 */
export function loadSite(file: string, cwd = process.cwd()): LoadedSite {
  const abs = path.resolve(cwd, file);
  const source = path.relative(cwd, abs) || file;
  if (!fs.existsSync(abs)) {
    throw new SiteError(source, [{ path: '(file)', message: 'does not exist', fix: 'pass an existing .ts, .yaml or .json site file to --site' }]);
  }
  const ext = path.extname(abs).toLowerCase();
  if (ext === '.ts' || ext === '.js' || ext === '.mts' || ext === '.cts') {
    // tsx compiles the site module whatever runs us (the tsx CLI, plain node, or a test runner).
    const mod = tsxRequire(abs, __filename) as { default?: unknown };
    if (!mod.default) {
      throw new SiteError(source, [{ path: '(module)', message: 'has no default export', fix: 'end the file with `export default defineSite({...})`' }]);
    }
    // Re-validate: a TS site could bypass defineSite, and parsing a parsed site is a no-op.
    return { site: parseSite(mod.default, source), source, file: abs, dir: path.dirname(abs) };
  }
  if (ext === '.yaml' || ext === '.yml' || ext === '.json') {
    return { site: parseSite(readData(abs, source), source), source, file: abs, dir: path.dirname(abs) };
  }
  throw new SiteError(source, [{ path: '(file)', message: `has an unknown extension "${ext}"`, fix: 'use .ts, .yaml, .yml or .json' }]);
}

/** Reads YAML or JSON (JSON is YAML) with line numbers in syntax errors and no duplicate keys. */
export function readData(abs: string, source: string): unknown {
  const text = fs.readFileSync(abs, 'utf8');
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new SiteError(
      source,
      doc.errors.map((e) => ({
        path: e.linePos ? `line ${e.linePos[0].line}, column ${e.linePos[0].col}` : '(file)',
        message: e.message.split('\n')[0],
        fix: 'fix the YAML/JSON syntax at that position',
      })),
    );
  }
  return doc.toJS();
}

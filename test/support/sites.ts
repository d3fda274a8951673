import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse, stringify } from 'yaml';
import homelab from '../../sites/homelab';
import reference from '../../sites/hookprobe';

/** A fresh, mutable copy of the reference site (validated form: every default filled in). */
export function referenceSite(): Record<string, unknown> {
  return JSON.parse(JSON.stringify(reference)) as Record<string, unknown>;
}

type Key = string | number;

/** `a.b[2].c` -> ['a', 'b', 2, 'c'] */
export function parsePath(p: string): Key[] {
  const keys: Key[] = [];
  for (const part of p.split('.')) {
    const m = /^([^[]*)((?:\[\d+\])*)$/.exec(part);
    if (!m) throw new Error(`bad path ${p}`);
    if (m[1]) keys.push(m[1]);
    for (const idx of m[2].matchAll(/\[(\d+)\]/g)) keys.push(Number(idx[1]));
  }
  return keys;
}

export function setPath(root: Record<string, unknown>, p: string, value: unknown): void {
  const keys = parsePath(p);
  let cur = root as Record<Key, unknown>;
  for (const k of keys.slice(0, -1)) cur = cur[k] as Record<Key, unknown>;
  cur[keys[keys.length - 1]] = value;
}

export function unsetPath(root: Record<string, unknown>, p: string): void {
  const keys = parsePath(p);
  let cur = root as Record<Key, unknown>;
  for (const k of keys.slice(0, -1)) cur = cur[k] as Record<Key, unknown>;
  const last = keys[keys.length - 1];
  if (Array.isArray(cur) && typeof last === 'number') cur.splice(last, 1);
  else delete cur[last];
}

export interface InvalidFixture {
  readonly file: string;
  /** The folder the fixture sits in: the class of mistake (schema, addressing, references, scheduling, ...). */
  readonly kind: string;
  readonly name: string;
  readonly description: string;
  readonly base: FixtureBase;
  readonly site: Record<string, unknown>;
  readonly expect: { readonly path: string; readonly message: string; readonly fix?: string };
}

export type FixtureBase = 'hookprobe' | 'homelab';

/** The committed sites a fixture may patch, in validated form (every default filled in). */
export function baseSite(base: FixtureBase): Record<string, unknown> {
  return base === 'hookprobe' ? referenceSite() : (JSON.parse(JSON.stringify(homelab)) as Record<string, unknown>);
}

/** The chart lock beside a base site: a patched copy is compiled with it, as the base itself is. */
export function baseLockFile(base: FixtureBase): string {
  return path.join(__dirname, '..', '..', 'sites', `${base}.lock.yaml`);
}

/** The chart facts beside a base site: a user's copy of the site keeps them beside its lock, and so does a fixture. */
export function baseFactsFile(base: FixtureBase): string {
  return path.join(__dirname, '..', '..', 'sites', `${base}.facts.yaml`);
}

const FIXTURES = path.join(__dirname, '..', 'fixtures', 'sites');

interface FixtureDoc {
  description: string;
  base: string;
  unset?: string[];
  set?: Record<string, unknown>;
  /** Entries added at the end of a list (a new app, a second pool). */
  append?: Record<string, unknown[]>;
  expect: { path: string; message: string; fix?: string };
}

/**
 * The invalid-site fixtures, one folder per class of mistake: a patch on a base site (unset, then set, then append)
 * and the problem it must produce.
 */
export function invalidFixtures(): InvalidFixture[] {
  const root = path.join(FIXTURES, 'invalid');
  const fixtures: InvalidFixture[] = [];
  for (const kind of fs.readdirSync(root).sort()) {
    const dir = path.join(root, kind);
    if (!fs.statSync(dir).isDirectory()) throw new Error(`${dir}: invalid fixtures live in a folder per class`);
    for (const f of fs.readdirSync(dir).filter((n) => n.endsWith('.yaml')).sort()) {
      const doc = parse(fs.readFileSync(path.join(dir, f), 'utf8')) as FixtureDoc;
      if (doc.base !== 'hookprobe' && doc.base !== 'homelab') throw new Error(`${kind}/${f}: unknown base ${doc.base}`);
      const site = baseSite(doc.base);
      for (const p of doc.unset ?? []) unsetPath(site, p);
      for (const [p, v] of Object.entries(doc.set ?? {})) setPath(site, p, v);
      for (const [p, entries] of Object.entries(doc.append ?? {})) appendPath(site, p, entries);
      fixtures.push({ file: path.join(dir, f), kind, name: `${kind}/${f.replace(/\.yaml$/, '')}`, description: doc.description, base: doc.base, site, expect: doc.expect });
    }
  }
  return fixtures;
}

export function appendPath(root: Record<string, unknown>, p: string, entries: readonly unknown[]): void {
  const keys = parsePath(p);
  let cur = root as Record<Key, unknown>;
  for (const k of keys.slice(0, -1)) cur = cur[k] as Record<Key, unknown>;
  const last = keys[keys.length - 1];
  const list = (cur[last] ??= []) as unknown[];
  list.push(...entries);
}

export function validFixtureFiles(): string[] {
  const dir = path.join(FIXTURES, 'valid');
  return fs.readdirSync(dir).sort().map((f) => path.join(dir, f));
}

/** Writes a site object as YAML into a new temp folder; returns the file path. */
export function writeSiteYaml(site: unknown, name = 'site.yaml'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'site-compiler-test-'));
  const file = path.join(dir, name);
  fs.writeFileSync(file, stringify(site, { lineWidth: 0, aliasDuplicateObjects: false }));
  return file;
}

export function tempDir(prefix = 'site-compiler-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse, stringify } from 'yaml';
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
  readonly name: string;
  readonly description: string;
  readonly site: Record<string, unknown>;
  readonly expect: { readonly path: string; readonly message: string };
}

const FIXTURES = path.join(__dirname, '..', 'fixtures', 'sites');

/** The invalid-site fixtures: a patch on the reference site and the problem it must produce. */
export function invalidFixtures(): InvalidFixture[] {
  const dir = path.join(FIXTURES, 'invalid');
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((f) => {
      const doc = parse(fs.readFileSync(path.join(dir, f), 'utf8')) as {
        description: string;
        base: string;
        set?: Record<string, unknown>;
        unset?: string[];
        expect: { path: string; message: string };
      };
      if (doc.base !== 'hookprobe') throw new Error(`${f}: unknown base ${doc.base}`);
      const site = referenceSite();
      for (const p of doc.unset ?? []) unsetPath(site, p);
      for (const [p, v] of Object.entries(doc.set ?? {})) setPath(site, p, v);
      return { file: path.join(dir, f), name: f.replace(/\.yaml$/, ''), description: doc.description, site, expect: doc.expect };
    });
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

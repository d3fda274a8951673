/**
 * Whether every values key the compiler sets exists in its chart: helm ignores an unknown key silently,
 * so a misspelt or renamed key would configure nothing. A key exists when the chart's values (its own
 * values.yaml, and a dependency's under the dependency's name or alias) have it, when it sits under a
 * free-form map (a default of `{}`, null or a scalar the templates read as a whole), or when a template
 * names it (values a chart documents only in its templates).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse as parseYaml } from 'yaml';

interface ChartSource {
  readonly defaults: Record<string, unknown>;
  /** Every template and helper of the chart and its dependencies, concatenated. */
  readonly templates: string;
}

/**
 * Values paths (`a.b.c`) of `values` that the chart folder at `chartDir` does not know. Keys under a
 * dependency in `skip` (one the folder lacks) cannot be checked and are left out.
 */
export function unknownValuesKeys(chartDir: string, values: Readonly<Record<string, unknown>>, skip: readonly string[] = []): string[] {
  const source = readChart(chartDir);
  return leafPaths(values)
    .filter((keys) => !skip.includes(keys[0]))
    .filter((keys) => !known(source, keys))
    .map((keys) => keys.join('.'));
}

function readChart(chartDir: string): ChartSource {
  const defaults = readValues(chartDir);
  // values.yaml may hold templates too (rendered with tpl), which read values as well.
  const texts: string[] = [fs.existsSync(path.join(chartDir, 'values.yaml')) ? fs.readFileSync(path.join(chartDir, 'values.yaml'), 'utf8') : ''];
  collectTemplates(chartDir, texts);
  const deps = path.join(chartDir, 'charts');
  if (fs.existsSync(deps)) {
    for (const entry of fs.readdirSync(deps, { withFileTypes: true })) {
      if (!entry.isDirectory()) continue;
      const dir = path.join(deps, entry.name);
      const name = (parseYaml(fs.readFileSync(path.join(dir, 'Chart.yaml'), 'utf8')) as { name: string }).name;
      const aliases = dependencyAliases(chartDir, name);
      for (const key of aliases) defaults[key] = merge(readValues(dir), defaults[key]);
      const nested = readChart(dir);
      texts.push(nested.templates);
    }
  }
  return { defaults, templates: texts.join('\n') };
}

function readValues(dir: string): Record<string, unknown> {
  const file = path.join(dir, 'values.yaml');
  if (!fs.existsSync(file)) return {};
  return ((parseYaml(fs.readFileSync(file, 'utf8'), { maxAliasCount: -1 }) as Record<string, unknown> | null) ?? {});
}

/** A dependency's values live under its alias when Chart.yaml gives one, else under its name. */
function dependencyAliases(chartDir: string, name: string): string[] {
  const chart = parseYaml(fs.readFileSync(path.join(chartDir, 'Chart.yaml'), 'utf8')) as { dependencies?: { name: string; alias?: string }[] };
  const deps = (chart.dependencies ?? []).filter((d) => d.name === name);
  return deps.length === 0 ? [name] : deps.map((d) => d.alias ?? d.name);
}

function collectTemplates(dir: string, out: string[]): void {
  const templates = path.join(dir, 'templates');
  if (!fs.existsSync(templates)) return;
  const walk = (d: string): void => {
    for (const entry of fs.readdirSync(d, { withFileTypes: true })) {
      const abs = path.join(d, entry.name);
      if (entry.isDirectory()) walk(abs);
      else out.push(fs.readFileSync(abs, 'utf8'));
    }
  };
  walk(templates);
}

function merge(base: Record<string, unknown>, over: unknown): Record<string, unknown> {
  if (!over || typeof over !== 'object' || Array.isArray(over)) return base;
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) out[k] = isMap(out[k]) && isMap(v) ? merge(out[k] as Record<string, unknown>, v) : v;
  return out;
}

function isMap(v: unknown): v is Record<string, unknown> {
  return !!v && typeof v === 'object' && !Array.isArray(v);
}

/** Every path to a leaf (a scalar, a list or an empty map); lists are not entered. */
function leafPaths(values: unknown, at: string[] = []): string[][] {
  if (!isMap(values) || (Object.keys(values).length === 0 && at.length > 0)) return at.length > 0 ? [at] : [];
  return Object.entries(values).flatMap(([k, v]) => leafPaths(v, [...at, k]));
}

function known(source: ChartSource, keys: readonly string[]): boolean {
  let at: unknown = source.defaults;
  for (const [i, key] of keys.entries()) {
    if (i > 0 && readWhole(source.templates, keys.slice(0, i))) return true; // the map is rendered as it is (toYaml, with, range)
    if (!isMap(at)) return true; // under a scalar, list or null default: the template reads the whole value
    if (Object.keys(at).length === 0 && i > 0) return true; // a free-form map such as podAnnotations: {}
    if (!(key in at)) return namedInTemplates(source.templates, keys.slice(0, i + 1));
    at = at[key];
  }
  return true;
}

/** `.Values.a.b` or `.b` / `"b"` after a values lookup: the last key as a template names it. */
function namedInTemplates(templates: string, keys: readonly string[]): boolean {
  const last = keys[keys.length - 1];
  const escaped = last.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`\\.${escaped}\\b|"${escaped}"`).test(templates);
}

/** Whether a template renders the map at `keys` as a whole (`toYaml .Values.a.b`, `with .Values.a.b`, `omit .Values.a.b ...`). */
function readWhole(templates: string, keys: readonly string[]): boolean {
  const dotted = keys.map((k) => k.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('\\.');
  return new RegExp(`(toYaml|with|range|omit|merge\\w*|tpl|include)\\b[^\\n}]*\\.Values\\.${dotted}(?![\\w.])`).test(templates);
}

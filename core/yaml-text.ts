import { Document, stringify } from 'yaml';
import { YAML_OPTIONS } from './yaml-options';

/**
 * `stringify(value, YAML_OPTIONS)`, byte for byte, several times faster for the plain JSON the charts
 * render. The YAML library builds a node for every scalar before it writes any of them; for an edge
 * fleet's ScrapeConfigs (100,000 targets) that was most of the synth's time and its peak memory.
 *
 * This writer lays out the block maps and sequences itself and decides one thing on its own: that a
 * string of letters, digits and a few punctuation marks is written plain. Whether such a string would
 * read back as something else (`on`, `0x1F`, `2024-01-01`) is asked of the 1.1 schema's own tag
 * tests. Every other scalar (a multi-line text, a string that needs quotes, a number, a boolean) is
 * written by the YAML library and only indented here; a value it cannot place that way makes the
 * whole value go through the library.
 */
export function toYamlText(value: unknown): string {
  if (!isPlainObject(value) || Object.keys(value).length === 0) return stringify(value, YAML_OPTIONS);
  const lines: string[] = [];
  try {
    writeMap(value, '', lines);
  } catch (err) {
    if (err === NOT_HERE) return stringify(value, YAML_OPTIONS);
    throw err;
  }
  return `${lines.join('\n')}\n`;
}

/** Thrown inside the writer when the library has to write the whole value. */
const NOT_HERE = Symbol('not written here');

/** No indicator first, no space, `#`, quote or bracket anywhere: written plain unless a tag reads it as another type. */
const SIMPLE = /^[A-Za-z0-9_/][A-Za-z0-9_/.:@+=-]*$/;

/** The 1.1 schema's tests for plain scalars that are not strings (null, bool, int, float, timestamp, merge). */
const NON_STRING_TESTS: readonly RegExp[] = (() => {
  const schema = new Document(null, YAML_OPTIONS).schema as unknown as { tags: readonly SchemaTag[]; compat?: readonly SchemaTag[] | null };
  return [...schema.tags, ...(schema.compat ?? [])].filter((t) => t.default && t.tag !== 'tag:yaml.org,2002:str' && t.test).map((t) => t.test as RegExp);
})();

interface SchemaTag {
  readonly tag: string;
  readonly default?: boolean | 'key';
  readonly test?: RegExp;
}

/** Rendered scalars and keys: fleet objects repeat the same keys and labels thousands of times. */
const renderedValues = new Map<unknown, string[]>();
const renderedKeys = new Map<string, string>();
/**
 * Whether a string is written plain, by string: the same keys and values recur in every object, and asking the
 * pattern and every tag test again for each was a third of writing the reference site's objects.
 */
const simpleStrings = new Map<string, boolean>();
const CACHE_LIMIT = 20_000;

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

function isSimple(s: string): boolean {
  if (s.length > 1000) return false;
  const known = simpleStrings.get(s);
  return known ?? remember(simpleStrings, s, isPlainScalar(s));
}

function isPlainScalar(s: string): boolean {
  if (!SIMPLE.test(s) || s.endsWith(':')) return false;
  for (const test of NON_STRING_TESTS) if (test.test(s)) return false;
  return true;
}

function remember<K, V>(cache: Map<K, V>, key: K, value: V): V {
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(key, value);
  return value;
}

/**
 * A key as written before `: `. The library quotes a key that would start a line with a document marker
 * (`...`) only at the top level, so keys are rendered in their place: at the top or nested.
 */
function keyText(key: string, nested: boolean): string {
  if (isSimple(key)) return key;
  const cacheKey = `${nested ? 1 : 0}${key}`;
  const known = renderedKeys.get(cacheKey);
  if (known !== undefined) return known;
  const prefix = nested ? 'k:\n  ' : '';
  const text = stringify(nested ? { k: { [key]: 0 } } : { [key]: 0 }, YAML_OPTIONS);
  if (!text.startsWith(prefix) || !text.endsWith(': 0\n') || text.startsWith('? ', prefix.length) || text.indexOf('\n', prefix.length) !== text.length - 1) throw NOT_HERE;
  return remember(renderedKeys, cacheKey, text.slice(prefix.length, -4));
}

/** A scalar's lines as the library writes it after `key: `, the later ones indented for column 0. */
function scalarLines(value: unknown): readonly string[] {
  if (typeof value === 'string' && isSimple(value)) return [value];
  // What the library writes for these (its 1.1 int, bool and null tags), without building a document for each.
  if (typeof value === 'number' && Number.isSafeInteger(value) && !Object.is(value, -0)) return [String(value)];
  if (typeof value === 'boolean') return [value ? 'true' : 'false'];
  if (value === null) return ['null'];
  if (!(typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' || value === null)) throw NOT_HERE;
  // Kept trailing line breaks (`|+`) depend on what follows the scalar: only the library places them.
  if (typeof value === 'string' && /\n[ \t]*\n\s*$/.test(value)) throw NOT_HERE;
  // A Map holds -0 and 0 as one key, yet the library writes them differently.
  const known = Object.is(value, -0) ? undefined : renderedValues.get(value);
  if (known !== undefined) return known;
  const text = stringify({ x: value }, YAML_OPTIONS);
  if (!text.startsWith('x: ') || !text.endsWith('\n')) throw NOT_HERE;
  const lines = text.slice(3, -1).split('\n');
  if (/[|>][0-9]*\+$/.test(lines[0])) throw NOT_HERE;
  return Object.is(value, -0) ? lines : remember(renderedValues, value, lines);
}

function pushScalar(first: string, value: unknown, indent: string, lines: string[]): void {
  const parts = scalarLines(value);
  lines.push(first + parts[0]);
  for (let i = 1; i < parts.length; i += 1) lines.push(parts[i] === '' ? '' : indent + parts[i]);
}

/** A collection's line after `key:` or `-`: inline when empty, else written below. Its keys are listed once, here. */
function writeValue(head: string, value: unknown, indent: string, lines: string[]): boolean {
  if (Array.isArray(value)) {
    if (value.length === 0) lines.push(`${head} []`);
    else {
      lines.push(head);
      writeSeq(value, `${indent}  `, lines);
    }
    return true;
  }
  if (!isPlainObject(value)) return false;
  const keys = Object.keys(value);
  if (keys.length === 0) lines.push(`${head} {}`);
  else {
    lines.push(head);
    writeMap(value, `${indent}  `, lines, keys);
  }
  return true;
}

function writeMap(map: Record<string, unknown>, indent: string, lines: string[], keys: readonly string[] = Object.keys(map)): void {
  for (const key of keys) {
    const value = map[key];
    if (value === undefined) throw NOT_HERE;
    const head = `${indent}${keyText(key, indent !== '')}:`;
    if (!writeValue(head, value, indent, lines)) pushScalar(`${head} `, value, indent, lines);
  }
}

function writeSeq(seq: readonly unknown[], indent: string, lines: string[]): void {
  for (const item of seq) {
    const list = Array.isArray(item);
    const keys = !list && isPlainObject(item) ? Object.keys(item) : undefined;
    if (!list && keys === undefined) pushScalar(`${indent}- `, item, indent, lines);
    else if ((list ? item.length : (keys?.length ?? 0)) === 0) lines.push(`${indent}- ${list ? '[]' : '{}'}`);
    else {
      // The item's first line goes after the dash: written two columns in, then the dash takes their place.
      const at = lines.length;
      if (list) writeSeq(item, `${indent}  `, lines);
      else writeMap(item as Record<string, unknown>, `${indent}  `, lines, keys);
      lines[at] = `${indent}- ${lines[at].slice(indent.length + 2)}`;
    }
  }
}

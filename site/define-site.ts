import { distance } from 'fastest-levenshtein';
import { z } from 'zod';
import { SiteError, SiteProblem, formatPath } from './errors';
import { Site, SiteInput, siteSchema } from './spec';

/**
 * Validates a site written in TypeScript. Returns the site with defaults filled in; throws a
 * SiteError listing every problem (field path, value, fix) otherwise.
 */
export function defineSite(input: SiteInput, source = 'site'): Site {
  return parseSite(input, source);
}

/**
 * Validates a site read from a file (or any value).
 * @param schema the site schema to validate against (a test passes one with a fixture add-on)
 */
export function parseSite(input: unknown, source: string, schema: z.ZodType<Site> = siteSchema): Site {
  // jitless: zod's fast path for objects compiles a function per object schema (new Function) on its first parse, and a
  // site is parsed once per process: compiling them cost three times the parse they speed up (18 of 26 ms of CPU).
  // The same checks run either way, in the same order, with the same issues.
  const result = schema.safeParse(input, { reportInput: true, jitless: true });
  if (result.success) return result.data;
  throw new SiteError(source, result.error.issues.flatMap((issue) => toProblems(issue, input, schema)));
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let cur: unknown = root;
  for (const key of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[key];
  }
  return cur;
}

function toProblems(issue: z.core.$ZodIssue, root: unknown, schema: z.ZodType): SiteProblem[] {
  if (issue.code === 'unrecognized_keys') {
    const parent = valueAt(root, issue.path);
    const known = knownKeysAt(issue.path, root, schema);
    return issue.keys.map((key) => {
      const suggestion = closest(key, known);
      return {
        path: formatPath([...issue.path, key]),
        value: (parent as Record<string, unknown>)[key],
        message: 'is not a known field',
        fix: suggestion
          ? `did you mean "${suggestion}"? Remove or rename it`
          : `remove it; the fields allowed here are: ${known.join(', ') || '(none)'}`,
      };
    });
  }
  const value = valueAt(root, issue.path);
  const missing = value === undefined && issue.code === 'invalid_type';
  if (missing) return [{ path: formatPath(issue.path), value, message: 'is required', fix: `add it: ${describeType(issue.expected)}` }];
  const plain = plainWords(issue, schemaAt(issue.path, root));
  // Our own refinements phrase the rule with an example ("must be ... e.g. ..."): that is the fix.
  if (plain === undefined) return [{ path: formatPath(issue.path), value, message: 'is not valid', fix: cleanMessage(issue.message) }];
  // A message the schema's author wrote names the rule; the plain-words fix says what to give.
  if (!ZOD_DEFAULT.test(issue.message)) return [{ path: formatPath(issue.path), value, message: issue.message, fix: plain.fix }];
  return [{ path: formatPath(issue.path), value, ...plain }];
}

function cleanMessage(message: string): string {
  return message.replace(/^Invalid input: /, '');
}

/** What a value of each JSON type is called in a site file, in words a YAML author uses. */
const TYPE_WORDS: Readonly<Record<string, string>> = {
  object: 'a mapping of fields (key: value lines)',
  array: 'a list (lines starting with -)',
  string: 'text',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  bigint: 'a whole number',
  null: 'nothing (null)',
};

function describeType(expected: string): string {
  return `give ${TYPE_WORDS[expected] ?? expected}`;
}

function received(issue: z.core.$ZodIssue & { received?: string; input?: unknown }, value: unknown): string {
  if (typeof value === 'number' && !Number.isFinite(value)) return `${String(value)}, a number too large to store`;
  if (Array.isArray(value)) return 'a list';
  if (value === null) return 'nothing (null, or an empty value)';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return 'text';
  return issue.received ?? typeof value;
}

/** A number's allowed range as the schema's checks declare it, e.g. "a whole number from 1 to 4094". */
function range(schema: z.ZodType | undefined): string | undefined {
  if (!(schema instanceof z.ZodNumber)) return undefined;
  const checks = ((schema.def as { checks?: { _zod: { def: { check: string; value?: number; inclusive?: boolean; format?: string } } }[] }).checks ?? []).map((c) => c._zod.def);
  const int = checks.some((c) => c.format === 'safeint' || c.format === 'int32' || c.format === 'uint32');
  let lo: number | undefined;
  let hi: number | undefined;
  for (const c of checks) {
    // An exclusive bound of a whole number is the next whole number in.
    if (c.check === 'greater_than' && c.value !== undefined) lo = c.inclusive || !int ? c.value : c.value + 1;
    if (c.check === 'less_than' && c.value !== undefined) hi = c.inclusive || !int ? c.value : c.value - 1;
  }
  const what = int ? 'a whole number' : 'a number';
  if (lo !== undefined && hi !== undefined) return `${what} from ${lo} to ${hi}`;
  if (lo !== undefined) return `${what} of at least ${lo}`;
  if (hi !== undefined) return `${what} of at most ${hi}`;
  return undefined;
}

/** zod's own wording starts so; any other message is the schema author's, which says the rule better. */
const ZOD_DEFAULT = /^(Invalid|Too small|Too big|Unrecognized)/;

/** Every issue kind zod reports, as a message and a fix in plain words; undefined for our own refinements. */
function plainWords(issue: z.core.$ZodIssue, schema: z.ZodType | undefined): { message: string; fix: string } | undefined {
  switch (issue.code) {
    case 'invalid_type':
      return {
        message: `is ${received(issue as never, (issue as { input?: unknown }).input)}, not ${TYPE_WORDS[issue.expected] ?? issue.expected}`,
        fix: issue.expected === 'number' && range(schema) ? `give ${range(schema)}` : describeType(issue.expected),
      };
    case 'invalid_value':
      return { message: 'is not one of the allowed values', fix: `use one of: ${issue.values.map((v) => JSON.stringify(v)).join(', ')}` };
    case 'too_small':
    case 'too_big':
      return sizeWords(issue, schema);
    case 'not_multiple_of':
      return { message: `is not a multiple of ${String(issue.divisor)}`, fix: `give a multiple of ${String(issue.divisor)}` };
    case 'invalid_union':
      return { message: 'matches none of the shapes this field takes', fix: 'match one of the allowed shapes for this field (see the JSON Schema, site.schema.json, or the README)' };
    case 'invalid_key':
      return { message: 'has a key that is not allowed', fix: cleanMessage(issue.message) };
    case 'invalid_element':
      return { message: 'has an entry that is not valid', fix: cleanMessage(issue.message) };
    case 'invalid_format':
      // Our formats carry their own message ("must be an IPv4 address like 10.0.0.1"); zod's built-in ones say "Invalid …".
      return issue.message.startsWith('Invalid') ? { message: `is not a valid ${issue.format}`, fix: `give a valid ${issue.format}` } : undefined;
    default:
      return undefined;
  }
}

function sizeWords(issue: z.core.$ZodIssue & { code: 'too_small' | 'too_big' }, schema: z.ZodType | undefined): { message: string; fix: string } {
  const small = issue.code === 'too_small';
  const bound = String(small ? (issue as { minimum: unknown }).minimum : (issue as { maximum: unknown }).maximum);
  if (issue.origin === 'array' || issue.origin === 'set') {
    return { message: `has too ${small ? 'few' : 'many'} entries`, fix: `list ${small ? 'at least' : 'at most'} ${bound} entr${bound === '1' ? 'y' : 'ies'}` };
  }
  if (issue.origin === 'string') return { message: `is too ${small ? 'short' : 'long'}`, fix: `give ${small ? 'at least' : 'at most'} ${bound} character${bound === '1' ? '' : 's'}` };
  const allowed = range(schema) ?? `a value of ${small ? 'at least' : 'at most'} ${bound}`;
  return { message: `is out of range (${allowed})`, fix: `give ${allowed}` };
}

/** The schema of the field at a path (for its declared range), or undefined where it cannot be followed. */
function schemaAt(path: readonly PropertyKey[], root: unknown): z.ZodType | undefined {
  let schema: z.ZodType | undefined = siteSchema;
  for (let i = 0; i < path.length && schema; i += 1) {
    const s = unwrap(schema);
    if (s instanceof z.ZodObject) schema = (s.shape as Record<string, z.ZodType>)[String(path[i])];
    else if (s instanceof z.ZodArray) schema = s.element as z.ZodType;
    else if (s instanceof z.ZodRecord) schema = s.valueType as z.ZodType;
    else if (s instanceof z.ZodDiscriminatedUnion || s instanceof z.ZodUnion) schema = unionOptionFor(s, valueAt(root, path.slice(0, i)))?.shape[String(path[i])] as z.ZodType | undefined;
    else schema = undefined;
  }
  return schema ? unwrap(schema) : undefined;
}

function unionOptionFor(s: z.ZodType, here: unknown): z.ZodObject | undefined {
  const options = ((s as unknown as { options: z.ZodType[] }).options ?? []).map(unwrap).filter((o): o is z.ZodObject => o instanceof z.ZodObject);
  return options.find((o) => {
    const t = (o.shape as Record<string, z.ZodType>).type;
    return t instanceof z.ZodLiteral && here !== null && typeof here === 'object' && t.value === (here as { type?: unknown }).type;
  }) ?? options[0];
}

/** The keys the schema allows at a path, for "did you mean" hints. */
function knownKeysAt(path: readonly PropertyKey[], root: unknown, siteSchemaUsed: z.ZodType): string[] {
  let schema: z.ZodType = siteSchemaUsed;
  for (const key of path) {
    schema = unwrap(schema);
    if (schema instanceof z.ZodObject) schema = (schema.shape as Record<string, z.ZodType>)[String(key)];
    else if (schema instanceof z.ZodArray) schema = schema.element as z.ZodType;
    else if (schema instanceof z.ZodRecord) schema = schema.valueType as z.ZodType;
    else return [];
    if (!schema) return [];
  }
  schema = unwrap(schema);
  if (schema instanceof z.ZodDiscriminatedUnion || schema instanceof z.ZodUnion) {
    const here = valueAt(root, path) as Record<string, unknown> | undefined;
    const options = (schema.options as z.ZodType[]).map(unwrap).filter((o): o is z.ZodObject => o instanceof z.ZodObject);
    const match = options.find((o) => {
      const t = (o.shape as Record<string, z.ZodType>).type;
      return t instanceof z.ZodLiteral && here && t.value === here.type;
    });
    return Object.keys((match ?? options[0])?.shape ?? {}).sort();
  }
  return schema instanceof z.ZodObject ? Object.keys(schema.shape).sort() : [];
}

function unwrap(schema: z.ZodType): z.ZodType {
  let s: z.ZodType = schema;
  for (;;) {
    if (s instanceof z.ZodOptional || s instanceof z.ZodDefault || s instanceof z.ZodPrefault || s instanceof z.ZodNullable) {
      s = s.unwrap() as z.ZodType;
    } else return s;
  }
}

function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const d = distance(word.toLowerCase(), c.toLowerCase());
    if (d < bestDistance) {
      bestDistance = d;
      best = c;
    }
  }
  return bestDistance <= Math.max(2, Math.floor(word.length / 4)) ? best : undefined;
}


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
  const result = schema.safeParse(input, { reportInput: true });
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
  if (missing) return [{ path: formatPath(issue.path), value, message: 'is required', fix: `add it (${expected(issue)})` }];
  const fix = fixFor(issue);
  // Our own refinements phrase the rule with an example ("must be ... e.g. ..."): that is the fix.
  if (fix === undefined) return [{ path: formatPath(issue.path), value, message: 'is not valid', fix: cleanMessage(issue.message) }];
  return [{ path: formatPath(issue.path), value, message: cleanMessage(issue.message), fix }];
}

function expected(issue: z.core.$ZodIssue): string {
  return issue.code === 'invalid_type' ? `expected ${issue.expected}` : issue.message;
}

function cleanMessage(message: string): string {
  return message.replace(/^Invalid input: /, '');
}

function fixFor(issue: z.core.$ZodIssue): string | undefined {
  switch (issue.code) {
    case 'invalid_type':
      return `give a ${issue.expected}`;
    case 'invalid_value':
      return `use one of: ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'too_small':
      return issue.origin === 'array' ? `list at least ${String(issue.minimum)} item(s)` : `use a value of at least ${String(issue.minimum)}`;
    case 'too_big':
      return issue.origin === 'array' ? `list at most ${String(issue.maximum)} item(s)` : `use a value of at most ${String(issue.maximum)}`;
    case 'invalid_union':
      return 'match one of the allowed shapes for this field (see the JSON Schema, site.schema.json)';
    default:
      return undefined; // our own refinements already say what a valid value looks like
  }
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


/**
 * Splits the large object subschemas of a custom-resource schema into `definitions` that it references, for the
 * precompiled validators only (scripts/gen-k8s-validators.ts). ajv compiles each schema it reaches through a `$ref` it
 * does not inline into a function of its own, and everything else into its caller; a CRD schema with few repeats is
 * therefore one function of up to 600 KB of code (postgresql.cnpg.io Cluster, external-secrets ClusterSecretStore).
 * V8 compiles a function whole on its first call and its code cache (bin/bundle.js) holds every function compiled,
 * so validating one small Cluster compiled, cached and deserialized the code for every field it could have. Split,
 * V8 compiles and caches only the functions of the fields an object has.
 *
 * The findings stay the same: a referenced subschema validates the same data at the same instancePath with the same
 * keywords in the same order, and its errors carry the same schema and parentSchema objects (keyword `schemaPath`s
 * become relative to the definition, which is why nothing below anyOf/oneOf/allOf/not is split: a combinator's
 * error is matched with its branches' errors by schemaPath, and its branches are read as schemas). Run-time compiled
 * validators (validate/kubernetes-schema.ts) use the schemas as committed; test/kubernetes-ajv.test.ts compares the
 * two.
 */
import { JsonSchema, isObject } from './k8s-kinds';

/** Serialized size from which an object subschema gets a function of its own (small ones cost more in calls). */
export const SPLIT_MIN_BYTES = 300;

/** Definition names of split subschemas start with this, so they cannot meet the names of repeated subtrees. */
const PREFIX = '@';

/**
 * The schema with every object subschema (one with `properties`) of at least `minBytes` of JSON, outside
 * combinators, moved into `definitions` and referenced; the input is not modified.
 */
export function splitLargeSubschemas(schema: JsonSchema, minBytes: number = SPLIT_MIN_BYTES): JsonSchema {
  const existing = isObject(schema.definitions) ? schema.definitions : {};
  const split: Record<string, JsonSchema> = {};
  // Bottom-up: a split subschema's own large children are split first, so each function holds one object's fields.
  const visit = (node: JsonSchema, at: string, isRoot: boolean): JsonSchema => {
    const out = walkChildren(node, at);
    if (isRoot || !isObject(node.properties) || JSON.stringify(node).length < minBytes) return out;
    // Property names may contain dots, so two paths can read alike: the later one is numbered.
    let name = `${PREFIX}${at}`;
    for (let n = 2; has(split, name) || has(existing, name); n++) name = `${PREFIX}${at}#${n}`;
    split[name] = out;
    return { $ref: `#/definitions/${pointerSegment(name)}` };
  };
  const walkChildren = (node: JsonSchema, at: string): JsonSchema => {
    const out: JsonSchema = {};
    for (const [keyword, value] of Object.entries(node)) {
      if (keyword === 'properties' && isObject(value)) {
        out[keyword] = Object.fromEntries(Object.entries(value).map(([name, sub]) => [name, isObject(sub) ? visit(sub, at ? `${at}.${name}` : name, false) : sub]));
      } else if ((keyword === 'items' || keyword === 'additionalProperties') && isObject(value)) {
        out[keyword] = visit(value, `${at}${keyword === 'items' ? '[]' : '.*'}`, false);
      } else {
        out[keyword] = value;
      }
    }
    return out;
  };
  const root = visit(schema, '', true);
  // A definition is already a function of its own: only its subschemas are split.
  const definitions: Record<string, unknown> = Object.fromEntries(Object.entries(existing).map(([name, def]) => [name, isObject(def) ? walkChildren(def, name) : def]));
  Object.assign(definitions, split);
  return Object.keys(definitions).length > 0 ? { ...root, definitions } : root;
}

function has(record: object, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(record, key);
}

/** A definition name as one segment of a `$ref` fragment: JSON-pointer escaped, then URI-encoded. */
function pointerSegment(name: string): string {
  return encodeURIComponent(name.replace(/~/g, '~0').replace(/\//g, '~1'));
}

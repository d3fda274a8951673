/**
 * How a CRD's openAPIV3Schema becomes a strict validation schema (see scripts/gen-k8s-schemas.ts for the
 * quirks fixed): shared by the schema generator and by `npm run verify:upstream`, which validates the
 * custom resources a chart renders against the CRDs the site's charts install.
 */
import { JsonSchema, isObject, mapSchema } from './k8s-kinds';

/** $id of the core Kubernetes definitions document. */
export const CORE_ID = 'k8s-core.json';
export const OBJECT_META = 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta';

/** Keywords dropped everywhere: prose, hints for clients/codegen, and rules no JSON-schema validator evaluates. */
export const DROPPED_KEYWORDS = [
  'description', 'example', 'default', 'title', 'x-kubernetes-validations', 'x-kubernetes-map-type',
  'x-kubernetes-patch-strategy', 'x-kubernetes-patch-merge-key', 'x-kubernetes-unions', 'x-kubernetes-int-or-string',
  'x-kubernetes-group-version-kind',
];

const objectMetaRef = (): JsonSchema => ({ $ref: `${CORE_ID}#/definitions/${OBJECT_META}` });

export function closeObject(s: JsonSchema, inCombinator: boolean): void {
  if (inCombinator || !isObject(s.properties)) return;
  if ('additionalProperties' in s || s['x-kubernetes-preserve-unknown-fields'] === true) return;
  s.additionalProperties = false;
}

export function transformCrd(schema: JsonSchema, where: string): JsonSchema {
  const out = mapSchema(schema, (s, ctx) => {
    for (const k of DROPPED_KEYWORDS) delete s[k];
    if (s.nullable === true && !('type' in s)) {
      delete s.nullable;
      if (Array.isArray(s.anyOf)) s.anyOf = [...s.anyOf, { type: 'null' }];
    }
    if (s['x-kubernetes-embedded-resource'] === true && isObject(s.properties)) {
      const { apiVersion, kind, metadata, ...rest } = s.properties;
      s.properties = {
        apiVersion: apiVersion ?? { type: 'string' },
        kind: kind ?? { type: 'string' },
        metadata: withObjectMeta(metadata),
        ...rest,
      };
    }
    const listType = s['x-kubernetes-list-type'];
    if (listType === 'set') s.uniqueItems = true;
    if (listType !== 'map') delete s['x-kubernetes-list-map-keys'];
    closeObject(s, ctx.inCombinator);
    delete s['x-kubernetes-list-type'];
    delete s['x-kubernetes-embedded-resource'];
    delete s['x-kubernetes-preserve-unknown-fields'];
    return s;
  });
  if (out.type !== 'object' || !isObject(out.properties)) throw new Error(`${where}: root schema is not an object with properties`);
  const { apiVersion: _a, kind: _k, metadata, ...rest } = out.properties;
  const open = schema['x-kubernetes-preserve-unknown-fields'] === true;
  return {
    ...out,
    properties: { apiVersion: { type: 'string' }, kind: { type: 'string' }, metadata: withObjectMeta(metadata), ...rest },
    ...(open ? {} : { additionalProperties: false }),
  };
}

/** Core ObjectMeta, plus whatever extra constraints the CRD put on metadata (e.g. a name length). */
function withObjectMeta(metadata: unknown): JsonSchema {
  if (!isObject(metadata) || !isObject(metadata.properties)) return objectMetaRef();
  const { additionalProperties: _closed, ...constraints } = metadata;
  return { allOf: [objectMetaRef(), constraints] };
}

/** Subtrees at least this large (bytes of JSON) that occur twice or more in one schema are hoisted. */

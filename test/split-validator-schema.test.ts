import { describe, expect, it } from 'vitest';
import type { ErrorObject } from 'ajv';
import standaloneCode from 'ajv/dist/standalone';
import { splitLargeSubschemas } from '../scripts/split-validator-schema';
import { createKubernetesAjv } from '../validate/kubernetes-ajv';

const leaf = (fields: readonly string[]): Record<string, unknown> => ({
  type: 'object',
  additionalProperties: false,
  required: [fields[0]],
  properties: Object.fromEntries(fields.map((f) => [f, { type: 'string', maxLength: 5 }])),
});

/** Nested objects under properties, items and additionalProperties, one combinator, one repeat by $ref. */
const SCHEMA = {
  type: 'object',
  additionalProperties: false,
  properties: {
    spec: {
      type: 'object',
      additionalProperties: false,
      properties: {
        backup: leaf(['target', 'schedule', 'retention']),
        'with.dot': leaf(['a', 'b']),
        with: { type: 'object', additionalProperties: false, properties: { dot: leaf(['c', 'd']) } },
        volumes: { type: 'array', items: leaf(['name', 'path', 'size']) },
        labels: { type: 'object', additionalProperties: leaf(['value', 'owner']) },
        source: { oneOf: [{ required: ['git'], properties: { git: leaf(['url', 'ref']) } }, { required: ['oci'], properties: { oci: leaf(['image']) } }] },
        again: { $ref: '#/definitions/shared' },
      },
    },
  },
  definitions: { shared: { type: 'object', additionalProperties: false, properties: { inner: leaf(['x', 'y']) } } },
};

const BAD = {
  spec: {
    unknown: true,
    backup: { schedule: 'too long', extra: 1 },
    'with.dot': { a: 'ok', b: 7 },
    with: { dot: { d: 'x' } },
    volumes: [{ name: 'a' }, { name: 'b', path: 'abcdefgh' }],
    labels: { team: { owner: 'me' } },
    source: { git: { url: 'u', ref: 'r' }, oci: { image: 'i' } },
    again: { inner: { y: 'abcdefg' } },
  },
};

/**
 * What validate/kubernetes-schema.ts turns into findings: all but the schemaPath, and of the parentSchema the
 * field names (the hint of an unknown field); a split parent lists its split fields as $refs.
 */
function findingsOf(schema: object): unknown[] {
  const validate = createKubernetesAjv().compile(schema);
  expect(validate(structuredClone(BAD))).toBe(false);
  return (validate.errors ?? []).map((e: ErrorObject) => ({
    ...e,
    schemaPath: undefined,
    parentSchema: Object.keys((e.parentSchema?.properties as object | undefined) ?? {}),
  }));
}

describe('splitLargeSubschemas', () => {
  it('moves large object subschemas outside combinators into definitions, leaving the input as it was', () => {
    const before = JSON.stringify(SCHEMA);
    const split = splitLargeSubschemas(SCHEMA, 100);
    expect(JSON.stringify(SCHEMA)).toBe(before);
    const definitions = split.definitions as Record<string, unknown>;
    expect(Object.keys(definitions)).toEqual([
      'shared', '@spec.backup', '@spec.with.dot', '@spec.with.dot#2', '@spec.with', '@spec.volumes[]', '@spec.labels.*', '@spec', '@shared.inner',
    ]);
    const spec = definitions['@spec'] as { properties: Record<string, unknown> };
    expect(spec.properties['with.dot']).toEqual({ $ref: '#/definitions/%40spec.with.dot' });
    expect(spec.properties.source).toEqual(SCHEMA.properties.spec.properties.source);
    expect(spec.properties.again).toEqual({ $ref: '#/definitions/shared' });
  });

  it('gives the same errors as the schema it was made from, in the same order, but for their schemaPath', () => {
    const findings = findingsOf(SCHEMA);
    expect(findings.length).toBeGreaterThan(8);
    expect(findingsOf(splitLargeSubschemas(SCHEMA, 100))).toEqual(findings);
  });

  it('makes each split subschema a function of its own in the generated code', () => {
    const functions = (schema: object): number => {
      const ajv = createKubernetesAjv({ source: true });
      ajv.addSchema(schema, 'test');
      return standaloneCode(ajv, { test: 'test' }).match(/^function validate\d+/gm)?.length ?? 0;
    };
    expect(functions(splitLargeSubschemas(SCHEMA, 100)) - functions(SCHEMA)).toBeGreaterThanOrEqual(7);
  });

  it('leaves a schema without large object subschemas as it is', () => {
    expect(splitLargeSubschemas(leaf(['a']))).toEqual(leaf(['a']));
  });
});

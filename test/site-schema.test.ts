import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { siteSchema } from '../site';
import { baseSite, invalidFixtures } from './support/sites';

type JsonSchema = { [k: string]: unknown; properties?: Record<string, JsonSchema>; required?: string[] };

/** Every object property in a JSON Schema, with its path, wherever it sits (arrays, unions, records). */
function properties(node: unknown, at: string): { path: string; schema: JsonSchema; required: boolean }[] {
  if (Array.isArray(node)) return node.flatMap((n) => properties(n, at));
  if (!node || typeof node !== 'object') return [];
  const schema = node as JsonSchema;
  const own = Object.entries(schema.properties ?? {}).map(([key, p]) => ({ path: `${at}.${key}`, schema: p, required: (schema.required ?? []).includes(key) }));
  const nested = Object.entries(schema).flatMap(([key, value]) =>
    key === 'properties' ? Object.entries(value as Record<string, JsonSchema>).flatMap(([k, p]) => properties(p, `${at}.${k}`)) : properties(value, key === 'items' ? `${at}[]` : at),
  );
  return [...own, ...nested];
}

const jsonSchema = z.toJSONSchema(siteSchema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
const all = properties(jsonSchema, 'site');

describe('site.schema.json documents every field', () => {
  it('walks the whole schema', () => {
    expect(all.length).toBeGreaterThan(150);
    expect(all.map((p) => p.path)).toContain('site.platform.addons.certManager.acmeServer');
    expect(all.map((p) => p.path)).toContain('site.apps[].env[].secret.remoteProperty');
  });

  it('gives every field a description, so editors show hover docs', () => {
    expect(typeof jsonSchema.description).toBe('string');
    expect(all.filter((p) => typeof p.schema.description !== 'string' || p.schema.description.length < 3).map((p) => p.path)).toEqual([]);
  });

  it('says the default of every field a site may leave out, as behaviour ("Default: …")', () => {
    expect(all.filter((p) => !p.required && !/Default: \S/.test(String(p.schema.description))).map((p) => p.path)).toEqual([]);
  });

  it('carries the default value itself where the schema fills one in', () => {
    const bridge = all.find((p) => p.path === 'site.network.bridge');
    expect(bridge?.schema.default).toBe('vmbr0');
  });
});

/** Every number in a JSON Schema (wherever it sits), with its path. */
function numbers(node: unknown, at: string): { path: string; schema: JsonSchema }[] {
  if (Array.isArray(node)) return node.flatMap((n) => numbers(n, at));
  if (!node || typeof node !== 'object') return [];
  const schema = node as JsonSchema;
  const own = schema.type === 'number' || schema.type === 'integer' ? [{ path: at, schema }] : [];
  return [
    ...own,
    ...Object.entries(schema).flatMap(([key, value]) =>
      key === 'properties' ? Object.entries(value as Record<string, JsonSchema>).flatMap(([k, p]) => numbers(p, `${at}.${k}`)) : numbers(value, key === 'items' ? `${at}[]` : at),
    ),
  ];
}

describe('site.schema.json bounds every number', () => {
  const all = numbers(jsonSchema, 'site');

  it('finds the numbers (counts, ids, ports, sizes)', () => {
    expect(all.map((n) => n.path)).toEqual(expect.arrayContaining(['site.kubernetes.nodePools[].count', 'site.apps[].replicas', 'site.network.vlans[].id']));
  });

  it('gives every number a lower and an upper bound, so a huge value is refused by the schema before any work', () => {
    const unbounded = all.filter((n) => typeof n.schema.maximum !== 'number' && typeof n.schema.exclusiveMaximum !== 'number');
    expect(unbounded.map((n) => n.path)).toEqual([]);
    const noFloor = all.filter((n) => typeof n.schema.minimum !== 'number' && typeof n.schema.exclusiveMinimum !== 'number');
    expect(noFloor.map((n) => n.path)).toEqual([]);
  });
});

describe('parsing a site without zod\'s compiled fast path (parseSite passes jitless)', () => {
  const strip = (r: ReturnType<typeof siteSchema.safeParse>): unknown => JSON.parse(JSON.stringify(r.success ? r.data : r.error.issues, (k, v) => (k === 'inst' ? undefined : v)));
  it('gives the same issues as the fast path for every invalid fixture, and the same site for both committed sites', () => {
    const inputs = [...invalidFixtures().map((f) => f.site), baseSite('hookprobe'), baseSite('homelab')];
    let issues = 0;
    for (const input of inputs) {
      const fast = siteSchema.safeParse(input, { reportInput: true, jitless: false });
      const jitless = siteSchema.safeParse(input, { reportInput: true, jitless: true });
      if (!fast.success) issues += fast.error.issues.length;
      expect(strip(jitless)).toEqual(strip(fast));
    }
    expect(issues).toBeGreaterThan(10);
  });
});

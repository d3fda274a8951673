/**
 * The custom-resource kinds this project uses, read from `cdk8s.yaml` (`imports` + the project key `x-kinds`),
 * and the helpers both Kubernetes generators share: selecting those kinds/versions out of the upstream CRD files and
 * dropping schema prose. Used by scripts/gen-k8s-imports.ts, scripts/gen-k8s-schemas.ts and
 * scripts/gen-k8s-validators.ts; never at synth time, and tests use nothing that reads the upstream files (they
 * are not part of a clone).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as YAML from 'yaml';
import { z } from 'zod';
import { byCodePoint } from '../core/order';

export const REPO_ROOT = path.resolve(__dirname, '..');
export const CDK8S_CONFIG = 'cdk8s.yaml';

/**
 * Built-in kinds (`apiVersion/Kind`) whose validators scripts/gen-k8s-validators.ts precompiles, besides every
 * custom-resource kind of `x-kinds`: what the charts and their third-party manifests render. A kind missing here
 * still validates; its schema is compiled at run time, which costs synth tens to hundreds of milliseconds per kind.
 */
export const PRECOMPILED_CORE_KINDS: readonly string[] = [
  'v1/ConfigMap', 'v1/Endpoints', 'v1/LimitRange', 'v1/Namespace', 'v1/PersistentVolumeClaim', 'v1/Pod',
  'v1/ResourceQuota', 'v1/Secret', 'v1/Service', 'v1/ServiceAccount',
  'admissionregistration.k8s.io/v1/MutatingWebhookConfiguration',
  'admissionregistration.k8s.io/v1/ValidatingWebhookConfiguration',
  'apiextensions.k8s.io/v1/CustomResourceDefinition',
  'apps/v1/DaemonSet', 'apps/v1/Deployment', 'apps/v1/StatefulSet',
  'autoscaling/v2/HorizontalPodAutoscaler',
  'batch/v1/CronJob', 'batch/v1/Job',
  'networking.k8s.io/v1/Ingress', 'networking.k8s.io/v1/IngressClass', 'networking.k8s.io/v1/NetworkPolicy',
  'node.k8s.io/v1/RuntimeClass',
  'policy/v1/PodDisruptionBudget',
  'rbac.authorization.k8s.io/v1/ClusterRole', 'rbac.authorization.k8s.io/v1/ClusterRoleBinding',
  'rbac.authorization.k8s.io/v1/Role', 'rbac.authorization.k8s.io/v1/RoleBinding',
  'scheduling.k8s.io/v1/PriorityClass',
  'storage.k8s.io/v1/StorageClass',
];

export interface Gvk {
  readonly group: string;
  readonly version: string;
  readonly kind: string;
}

export interface CrdSource {
  /** The entry of `imports` in cdk8s.yaml, relative to the repo root. */
  readonly source: string;
  readonly gvks: readonly Gvk[];
  /** `x-untyped`: per `group/version/Kind`, the schema paths the TS bindings leave as `any`. */
  readonly untyped: ReadonlyMap<string, readonly string[]>;
}

const GVK_PATTERN = /^([a-z0-9.-]+\.[a-z]+)\/(v[0-9]+(?:(?:alpha|beta)[0-9]+)?)\/([A-Z][A-Za-z0-9]*)$/;

const configSchema = z.object({
  imports: z.array(z.string()).min(1),
  'x-kinds': z.record(z.string(), z.array(z.string().regex(GVK_PATTERN, 'expected group/version/Kind')).min(1)),
  'x-untyped': z.record(z.string().regex(GVK_PATTERN, 'expected group/version/Kind'), z.array(z.string()).min(1)).optional(),
});

export function gvkKey(gvk: Gvk): string {
  return `${gvk.group}/${gvk.version}/${gvk.kind}`;
}

/** Reads the kind selection from cdk8s.yaml; every `imports` entry must have an `x-kinds` entry and vice versa. */
export function loadKindSelection(repoRoot: string = REPO_ROOT): CrdSource[] {
  const file = path.join(repoRoot, CDK8S_CONFIG);
  const parsed = configSchema.safeParse(YAML.parse(fs.readFileSync(file, 'utf8')));
  if (!parsed.success) {
    throw new Error(`${file}: ${z.prettifyError(parsed.error)}\nfix: list the CRD files under "imports" and their kinds under "x-kinds"`);
  }
  const { imports, 'x-kinds': kinds, 'x-untyped': untyped = {} } = parsed.data;
  const unlisted = imports.filter((source) => !(source in kinds));
  const orphans = Object.keys(kinds).filter((source) => !imports.includes(source));
  if (unlisted.length > 0 || orphans.length > 0) {
    throw new Error(
      `${file}: imports without x-kinds: [${unlisted.join(', ')}], x-kinds without imports: [${orphans.join(', ')}]; ` +
        'fix: keep both keys naming the same files',
    );
  }
  const seen = new Set<string>();
  const selection = imports.map((source) => ({
    source,
    gvks: kinds[source].map((entry) => {
      if (seen.has(entry)) throw new Error(`${file}: x-kinds lists ${entry} twice; fix: keep one entry`);
      seen.add(entry);
      const [, group, version, kind] = GVK_PATTERN.exec(entry)!;
      return { group, version, kind };
    }),
    untyped: new Map(Object.entries(untyped).filter(([gvk]) => kinds[source].includes(gvk))),
  }));
  const stray = Object.keys(untyped).filter((gvk) => !seen.has(gvk));
  if (stray.length > 0) throw new Error(`${file}: x-untyped names kinds not in x-kinds: [${stray.join(', ')}]; fix: remove them`);
  return selection;
}

export interface CrdVersion {
  readonly name: string;
  readonly served: boolean;
  readonly deprecated?: boolean;
  readonly schema?: { readonly openAPIV3Schema?: JsonSchema };
  readonly [key: string]: unknown;
}

export interface Crd {
  readonly apiVersion: string;
  readonly kind: 'CustomResourceDefinition';
  readonly metadata: { readonly name: string };
  readonly spec: {
    readonly group: string;
    readonly scope: 'Namespaced' | 'Cluster';
    readonly names: { readonly kind: string; readonly [key: string]: unknown };
    readonly versions: readonly CrdVersion[];
    readonly [key: string]: unknown;
  };
}

export type JsonSchema = { [keyword: string]: unknown };

/**
 * Returns the CRDs of one upstream file that the selection names, each cut down to the selected versions (in the
 * order the CRD lists them). Throws if a selected kind or version is missing or not served.
 */
export function readSelectedCrds(repoRoot: string, source: CrdSource): Crd[] {
  const file = path.resolve(repoRoot, source.source);
  const docs = YAML.parseAllDocuments(fs.readFileSync(file, 'utf8')).map((doc) => {
    if (doc.errors.length > 0) throw new Error(`${file}: ${doc.errors[0].message}`);
    return doc.toJS() as Crd | null;
  });
  const crds = docs.filter((doc): doc is Crd => doc?.kind === 'CustomResourceDefinition');
  const selected: Crd[] = [];
  for (const crd of crds) {
    const wanted = source.gvks.filter((g) => g.group === crd.spec.group && g.kind === crd.spec.names.kind);
    if (wanted.length === 0) continue;
    const versions = crd.spec.versions.filter((v) => wanted.some((g) => g.version === v.name));
    selected.push({ ...crd, spec: { ...crd.spec, versions } });
  }
  for (const gvk of source.gvks) {
    const crd = selected.find((c) => c.spec.group === gvk.group && c.spec.names.kind === gvk.kind);
    const version = crd?.spec.versions.find((v) => v.name === gvk.version);
    if (!crd || !version) {
      const offered = crds.filter((c) => c.spec.names.kind === gvk.kind).flatMap((c) => c.spec.versions.map((v) => `${c.spec.group}/${v.name}`));
      throw new Error(`${source.source}: no CRD version ${gvkKey(gvk)}; the file offers [${offered.join(', ')}]; fix: correct x-kinds in ${CDK8S_CONFIG}`);
    }
    if (!version.served) {
      throw new Error(`${source.source}: ${gvkKey(gvk)} is not served by the API server; fix: pick a served version in ${CDK8S_CONFIG}`);
    }
  }
  return selected;
}

/** Keywords whose value is a single subschema. */
const SCHEMA_KEYWORDS = ['items', 'additionalProperties', 'not', 'additionalItems', 'contains', 'propertyNames'];
/** Keywords whose value is a list of subschemas. */
const SCHEMA_LIST_KEYWORDS = ['anyOf', 'oneOf', 'allOf'];
/** Keywords whose value maps names to subschemas (the names are data, not keywords). */
const SCHEMA_MAP_KEYWORDS = ['properties', 'patternProperties', 'definitions', '$defs', 'dependencies'];

export type SchemaVisitor = (schema: JsonSchema, context: SchemaContext) => JsonSchema;

export interface SchemaContext {
  /** True below anyOf/oneOf/allOf/not, where structural schemas restate properties only to express constraints. */
  readonly inCombinator: boolean;
  /** True for the root of a schema tree handed to mapSchema. */
  readonly isRoot: boolean;
}

/**
 * Rebuilds a schema tree bottom-up, calling `visit` on every subschema after its children were mapped. Only real
 * subschema positions are walked, so a property *named* `description` or `default` data are never mistaken for
 * keywords.
 */
export function mapSchema(schema: JsonSchema, visit: SchemaVisitor, context: SchemaContext = { inCombinator: false, isRoot: true }): JsonSchema {
  const child: SchemaContext = { inCombinator: context.inCombinator, isRoot: false };
  const combinatorChild: SchemaContext = { inCombinator: true, isRoot: false };
  const out: JsonSchema = {};
  for (const [keyword, value] of Object.entries(schema)) {
    if (SCHEMA_KEYWORDS.includes(keyword) && isObject(value)) {
      out[keyword] = mapSchema(value, visit, keyword === 'not' ? combinatorChild : child);
    } else if (SCHEMA_KEYWORDS.includes(keyword) && Array.isArray(value)) {
      out[keyword] = value.map((s: JsonSchema) => mapSchema(s, visit, child));
    } else if (SCHEMA_LIST_KEYWORDS.includes(keyword) && Array.isArray(value)) {
      out[keyword] = value.map((s: JsonSchema) => mapSchema(s, visit, combinatorChild));
    } else if (SCHEMA_MAP_KEYWORDS.includes(keyword) && isObject(value)) {
      out[keyword] = Object.fromEntries(
        Object.entries(value).map(([name, s]) => [name, isObject(s) ? mapSchema(s, visit, child) : s]),
      );
    } else {
      out[keyword] = value;
    }
  }
  return visit(out, context);
}

/** Drops the given keywords everywhere in a schema tree. */
export function dropKeywords(schema: JsonSchema, keywords: readonly string[]): JsonSchema {
  return mapSchema(schema, (s) => {
    for (const k of keywords) delete s[k];
    return s;
  });
}

/**
 * Replaces the subschemas at `schemaPath` with an open object (`any` in the generated bindings). Path syntax: property
 * names separated by dots, `*` for every property, `[]` after a name for its array items, e.g.
 * `spec.generators[].*.template`. Throws if the path matches nothing, so a stale entry cannot go unnoticed.
 */
export function openSubtrees(schema: JsonSchema, schemaPath: string): JsonSchema {
  const steps = schemaPath.split('.').flatMap((segment) => {
    const m = /^(\*|[A-Za-z0-9_$-]+)((?:\[\])*)$/.exec(segment);
    if (!m) throw new Error(`bad x-untyped path "${schemaPath}" at "${segment}"; fix: use name, *, or name[]`);
    return [m[1], ...Array<string>(m[2].length / 2).fill('[]')];
  });
  let hits = 0;
  const open = (node: JsonSchema, i: number): JsonSchema => {
    if (i === steps.length) {
      hits++;
      return { type: 'object', 'x-kubernetes-preserve-unknown-fields': true };
    }
    const step = steps[i];
    if (step === '[]') {
      return isObject(node.items) ? { ...node, items: open(node.items, i + 1) } : node;
    }
    if (!isObject(node.properties)) return node;
    const props = node.properties;
    return {
      ...node,
      properties: Object.fromEntries(
        Object.entries(props).map(([name, sub]) => [name, (step === '*' || step === name) && isObject(sub) ? open(sub, i + 1) : sub]),
      ),
    };
  };
  const result = open(schema, 0);
  if (hits === 0) throw new Error(`x-untyped path "${schemaPath}" matches nothing; fix: correct or remove it`);
  return result;
}

export function isObject(value: unknown): value is JsonSchema {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Writes `files` (relative path -> content) into a fresh `targetDir`, replacing it in one rename. */
export function replaceDirAtomically(targetDir: string, files: ReadonlyMap<string, string>): void {
  const parent = path.dirname(targetDir);
  const base = path.basename(targetDir);
  const staging = path.join(parent, `.${base}.${process.pid}.tmp`);
  const old = path.join(parent, `.${base}.${process.pid}.old`);
  fs.rmSync(staging, { recursive: true, force: true });
  try {
    for (const [rel, content] of [...files].sort(([a], [b]) => byCodePoint(a, b))) {
      const file = path.join(staging, rel);
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, content);
    }
    if (fs.existsSync(targetDir)) fs.renameSync(targetDir, old);
    fs.renameSync(staging, targetDir);
    fs.rmSync(old, { recursive: true, force: true });
  } catch (err) {
    fs.rmSync(staging, { recursive: true, force: true });
    if (!fs.existsSync(targetDir) && fs.existsSync(old)) fs.renameSync(old, targetDir);
    throw err;
  }
}

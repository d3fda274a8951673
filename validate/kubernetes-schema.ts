/**
 * Validates rendered Kubernetes objects against the committed schemas in imports/schemas/kubernetes (core 1.31 plus
 * the custom-resource kinds listed in cdk8s.yaml), strictly: an unknown field is an error, as it is for the API
 * server with strict field validation. The schemas were already made strict and ajv-compatible by
 * scripts/gen-k8s-schemas.ts; this module only adds what a schema cannot say (unknown apiVersion/kind, resource
 * scope, a missing name), Go-regex and Kubernetes formats, and readable findings.
 *
 * Not checked (the API server does): CEL rules, object-name syntax, admission webhooks.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import Ajv, { ErrorObject, ValidateFunction } from 'ajv';
import type { RegExpEngine } from 'ajv/dist/types';
import addFormats from 'ajv-formats';
import * as ipaddr from 'ipaddr.js';
import { RE2 } from 're2-wasm';

export const KUBERNETES_SCHEMA_DIR = path.resolve(__dirname, '..', 'imports', 'schemas', 'kubernetes');

export type K8sRule =
  | 'object-shape'
  | 'unknown-kind'
  | 'cluster-scoped-namespace'
  | 'unknown-field'
  | 'required-field'
  | 'type'
  | 'enum'
  | 'format'
  | 'pattern'
  | 'one-of'
  | 'range'
  | 'duplicate-item'
  | 'schema';

export interface K8sFinding {
  /** `kind/namespace/name`; `-` stands for an absent namespace or name. */
  readonly object: string;
  /** Where in the object, e.g. `spec.template.spec.containers[0].imagePullPolicy`; `.` is the object itself. */
  readonly path: string;
  readonly rule: K8sRule;
  readonly message: string;
  readonly hint: string;
}

/**
 * Cluster-scoped kinds of the core API (group/Kind, core group empty). `_definitions.json` carries no scope, so this
 * list is kept by hand for Kubernetes 1.31; custom-resource scope comes from each CRD's `spec.scope`.
 */
const CLUSTER_SCOPED_CORE = new Set([
  '/Namespace', '/Node', '/PersistentVolume', '/ComponentStatus',
  'rbac.authorization.k8s.io/ClusterRole', 'rbac.authorization.k8s.io/ClusterRoleBinding',
  'storage.k8s.io/StorageClass', 'storage.k8s.io/CSIDriver', 'storage.k8s.io/CSINode',
  'storage.k8s.io/VolumeAttachment', 'storage.k8s.io/VolumeAttributesClass',
  'apiextensions.k8s.io/CustomResourceDefinition', 'apiregistration.k8s.io/APIService',
  'admissionregistration.k8s.io/MutatingWebhookConfiguration',
  'admissionregistration.k8s.io/ValidatingWebhookConfiguration',
  'admissionregistration.k8s.io/ValidatingAdmissionPolicy',
  'admissionregistration.k8s.io/ValidatingAdmissionPolicyBinding',
  'scheduling.k8s.io/PriorityClass', 'node.k8s.io/RuntimeClass', 'networking.k8s.io/IngressClass',
  'networking.k8s.io/IPAddress', 'networking.k8s.io/ServiceCIDR', 'certificates.k8s.io/CertificateSigningRequest',
  'certificates.k8s.io/ClusterTrustBundle', 'flowcontrol.apiserver.k8s.io/FlowSchema',
  'flowcontrol.apiserver.k8s.io/PriorityLevelConfiguration', 'resource.k8s.io/DeviceClass',
  'resource.k8s.io/ResourceSlice', 'internal.apiserver.k8s.io/StorageVersion',
  'storagemigration.k8s.io/StorageVersionMigration', 'authentication.k8s.io/TokenReview',
  'authentication.k8s.io/SelfSubjectReview', 'authorization.k8s.io/SubjectAccessReview',
  'authorization.k8s.io/SelfSubjectAccessReview', 'authorization.k8s.io/SelfSubjectRulesReview',
]);

interface SchemaIndex {
  readonly kubernetesVersion: string;
  readonly coreFile: string;
  readonly coreId: string;
  readonly formats: readonly string[];
  readonly kinds: Readonly<Record<string, { readonly file: string; readonly definition?: string; readonly scope?: 'Namespaced' | 'Cluster' }>>;
}

/** Go's regexp (RE2) syntax, which CRD patterns are written in; JS RegExp rejects e.g. `(?i)` and `\PC`. */
const re2Engine: RegExpEngine = Object.assign(
  (pattern: string, flags: string) => new RE2(pattern, flags.includes('u') ? flags : `${flags}u`),
  { code: 'new RE2' },
);

/** Formats the schemas use beyond ajv-formats (index.json lists every format in use; unknown ones fail loudly). */
const EXTRA_FORMATS: Record<string, (value: string) => boolean> = {
  cidr: (value) => {
    try {
      ipaddr.parseCIDR(value);
      return true;
    } catch {
      return false;
    }
  },
  // Kubernetes does not check it either (the apiextensions format registry has no idn-hostname).
  'idn-hostname': () => true,
};

class SchemaStore {
  private readonly ajv: Ajv;
  private readonly index: SchemaIndex;
  private readonly validators = new Map<string, ValidateFunction>();
  private coreLoaded = false;

  constructor(private readonly dir: string) {
    this.index = readJson(path.join(dir, 'index.json')) as SchemaIndex;
    this.ajv = new Ajv({
      allErrors: true,
      verbose: true,
      strictSchema: true,
      strictNumbers: true,
      strictTypes: false,
      strictTuples: false,
      strictRequired: false,
      code: { regExp: re2Engine },
      // Large shared definitions (PodSpec, ObjectMeta) are compiled once and called, not pasted into every caller.
      inlineRefs: 8,
    });
    addFormats(this.ajv);
    for (const [name, validate] of Object.entries(EXTRA_FORMATS)) this.ajv.addFormat(name, { type: 'string', validate });
    for (const format of this.index.formats) {
      if (!this.ajv.formats[format]) throw new Error(`${dir}/index.json: schema format "${format}" has no validator; add it to EXTRA_FORMATS`);
    }
    this.ajv.addKeyword(listMapKeysKeyword);
  }

  kind(apiVersion: string, kind: string): SchemaIndex['kinds'][string] | undefined {
    return Object.prototype.hasOwnProperty.call(this.index.kinds, `${apiVersion}/${kind}`) ? this.index.kinds[`${apiVersion}/${kind}`] : undefined;
  }

  /** apiVersions under which `kind` is known, for the hint of an unknown-kind finding. */
  apiVersionsOf(kind: string): string[] {
    return Object.keys(this.index.kinds)
      .filter((key) => key.endsWith(`/${kind}`))
      .map((key) => key.slice(0, -kind.length - 1));
  }

  get kindCount(): number {
    return Object.keys(this.index.kinds).length;
  }

  validator(apiVersion: string, kind: string): ValidateFunction {
    const key = `${apiVersion}/${kind}`;
    let validate = this.validators.get(key);
    if (validate) return validate;
    const entry = this.kind(apiVersion, kind)!;
    this.loadCore();
    if (entry.definition) {
      validate = this.ajv.getSchema(`${this.index.coreId}#/definitions/${entry.definition}`);
      if (!validate) throw new Error(`${this.index.coreFile}: no definition ${entry.definition}`);
    } else {
      validate = this.ajv.compile(readJson(path.join(this.dir, entry.file)) as object);
    }
    this.validators.set(key, validate);
    return validate;
  }

  private loadCore(): void {
    if (this.coreLoaded) return;
    this.ajv.addSchema(readJson(path.join(this.dir, this.index.coreFile)) as object);
    this.coreLoaded = true;
  }
}

const listMapKeysKeyword = {
  keyword: 'x-kubernetes-list-map-keys',
  type: 'array' as const,
  schemaType: 'array' as const,
  errors: true as const,
  validate: function validate(this: unknown, keys: string[], data: unknown[]): boolean {
    const seen = new Set<string>();
    for (const item of data) {
      if (typeof item !== 'object' || item === null) continue;
      const tuple = JSON.stringify(keys.map((k) => (item as Record<string, unknown>)[k] ?? null));
      if (seen.has(tuple)) {
        (validate as unknown as { errors: Partial<ErrorObject>[] }).errors = [
          { keyword: 'x-kubernetes-list-map-keys', message: `has two items with the same ${keys.join('+')} (${tuple})`, params: { keys } },
        ];
        return false;
      }
      seen.add(tuple);
    }
    return true;
  },
};

let defaultStore: SchemaStore | undefined;

/**
 * Validates each object (as rendered, e.g. `Testing.synth(chart)` or parsed YAML) and returns every finding; an
 * empty list means all objects are valid. Schemas are compiled on first use of a kind and cached for the process.
 */
export function validateManifests(objects: readonly object[]): K8sFinding[] {
  defaultStore ??= new SchemaStore(KUBERNETES_SCHEMA_DIR);
  return objects.flatMap((obj) => validateOne(defaultStore!, obj));
}

function validateOne(store: SchemaStore, obj: object): K8sFinding[] {
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) {
    return [{ object: '-/-/-', path: '.', rule: 'object-shape', message: `is ${describe(obj)}, not an object`, hint: 'pass Kubernetes objects (apiVersion, kind, metadata, ...)' }];
  }
  const o = obj as Record<string, unknown>;
  const meta = (typeof o.metadata === 'object' && o.metadata !== null ? o.metadata : {}) as Record<string, unknown>;
  const kind = typeof o.kind === 'string' ? o.kind : undefined;
  const apiVersion = typeof o.apiVersion === 'string' ? o.apiVersion : undefined;
  const label = `${kind ?? '-'}/${str(meta.namespace) ?? '-'}/${str(meta.name) ?? '-'}`;
  const finding = (p: string, rule: K8sRule, message: string, hint: string): K8sFinding => ({ object: label, path: p, rule, message, hint });

  if (!apiVersion || !kind) {
    return [finding(apiVersion ? 'kind' : 'apiVersion', 'object-shape', 'apiVersion and kind must be strings', 'set both, e.g. apiVersion: apps/v1, kind: Deployment')];
  }
  const entry = store.kind(apiVersion, kind);
  if (!entry) {
    const known = store.apiVersionsOf(kind);
    const hint = known.length > 0
      ? `${kind} is known as apiVersion ${known.join(' or ')}; use that`
      : `no schema for ${apiVersion}/${kind} among ${store.kindCount} known kinds; fix the spelling, or list the kind under x-kinds in cdk8s.yaml and run npm run imports:schemas`;
    return [finding('.', 'unknown-kind', `unknown apiVersion/kind ${apiVersion}/${kind}`, hint)];
  }

  const findings: K8sFinding[] = [];
  const group = apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.indexOf('/')) : '';
  const clusterScoped = entry.scope ? entry.scope === 'Cluster' : CLUSTER_SCOPED_CORE.has(`${group}/${kind}`);
  if (clusterScoped && str(meta.namespace) !== undefined) {
    findings.push(
      finding(
        'metadata.namespace',
        'cluster-scoped-namespace',
        `${kind} is cluster-scoped but has metadata.namespace "${String(meta.namespace)}"`,
        'remove metadata.namespace (a cdk8s Chart with a namespace stamps it on every object: put cluster-scoped objects in a chart without one)',
      ),
    );
  }
  if (!kind.endsWith('List') && str(meta.name) === undefined && str(meta.generateName) === undefined) {
    findings.push(finding('metadata.name', 'required-field', 'has no metadata.name', 'set metadata.name'));
  }

  const validate = store.validator(apiVersion, kind);
  if (!validate(withoutNulls(obj))) {
    for (const error of collapse(validate.errors ?? [])) findings.push(toFinding(error, finding));
  }
  return dedupe(findings);
}

/** Drops the per-branch errors of a failed anyOf/oneOf; the combinator's own error summarises them. */
function collapse(errors: readonly ErrorObject[]): ErrorObject[] {
  const combinators = errors.filter((e) => e.keyword === 'anyOf' || e.keyword === 'oneOf').map((e) => `${e.schemaPath}/`);
  return errors.filter((e) => !combinators.some((prefix) => e.schemaPath.startsWith(prefix)));
}

function toFinding(e: ErrorObject, finding: (p: string, rule: K8sRule, message: string, hint: string) => K8sFinding): K8sFinding {
  const at = pointerToPath(e.instancePath);
  const data = e.data;
  switch (e.keyword) {
    case 'additionalProperties': {
      const field = String(e.params.additionalProperty);
      const allowed = Object.keys((e.parentSchema?.properties as object | undefined) ?? {});
      const close = closest(field, allowed);
      const hint = close
        ? `did you mean "${close}"? Otherwise remove "${field}"`
        : `remove "${field}"; allowed here: ${allowed.length > 0 ? list(allowed, 15) : 'no fields'}`;
      return finding(join(at, field), 'unknown-field', `unknown field "${field}"`, hint);
    }
    case 'required': {
      const field = String(e.params.missingProperty);
      return finding(join(at, field), 'required-field', `required field "${field}" is missing`, `add "${field}"`);
    }
    case 'type': {
      const want = String(e.params.type);
      return finding(at, 'type', `must be ${want}, got ${describe(data)}`, typeHint(want.split(','), data));
    }
    case 'enum': {
      const allowed = (e.params.allowedValues as unknown[]).map((v) => JSON.stringify(v));
      return finding(at, 'enum', `${JSON.stringify(data)} is not an allowed value`, `use one of: ${list(allowed, 20)}`);
    }
    case 'format':
      return finding(at, 'format', `must be a valid ${e.params.format}, got ${JSON.stringify(data)}`, formatHint(String(e.params.format)));
    case 'pattern':
      return finding(at, 'pattern', `${JSON.stringify(data)} does not match ${e.params.pattern}`, `write a value matching ${e.params.pattern}`);
    case 'anyOf':
    case 'oneOf':
      return oneOfFinding(e, at, finding);
    case 'uniqueItems':
      return finding(at, 'duplicate-item', `items ${e.params.j} and ${e.params.i} are equal`, 'remove the duplicate item');
    case 'x-kubernetes-list-map-keys':
      return finding(at, 'duplicate-item', e.message ?? 'duplicate list key', 'give every item a distinct key or merge the duplicates');
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
    case 'minLength':
    case 'maxLength':
    case 'minItems':
    case 'maxItems':
    case 'minProperties':
    case 'maxProperties':
      return finding(at, 'range', `${e.message}, got ${describe(data)}`, `change the value so it ${e.message}`);
    default:
      return finding(at, 'schema', `${e.keyword}: ${e.message}`, 'change the value to satisfy the schema');
  }
}

function oneOfFinding(e: ErrorObject, at: string, finding: (p: string, rule: K8sRule, message: string, hint: string) => K8sFinding): K8sFinding {
  const branches = ((e.schema as unknown[]) ?? []) as Record<string, unknown>[];
  const exactlyOne = e.keyword === 'oneOf';
  const requiredOnly = branches.every((b) => Array.isArray(b.required) && Object.keys(b).every((k) => k === 'required' || k === 'properties'));
  if (requiredOnly && branches.length > 0) {
    const fields = branches.map((b) => (b.required as string[]).join('+'));
    const passing = (e.params as { passingSchemas?: number[] | null }).passingSchemas;
    const message = passing ? `sets more than one of: ${fields.join(', ')}` : `sets none of: ${fields.join(', ')}`;
    return finding(at, 'one-of', message, exactlyOne ? `set exactly one of: ${fields.join(', ')}` : `set at least one of: ${fields.join(', ')}`);
  }
  const types = branches.map((b) => b.type).filter((t): t is string => typeof t === 'string');
  if (types.length === branches.length && types.length > 0) {
    return finding(at, 'type', `must be ${types.join(' or ')}, got ${describe(e.data)}`, typeHint(types, e.data));
  }
  return finding(at, 'one-of', `${e.message}`, `make the value match ${exactlyOne ? 'exactly one' : 'at least one'} of the ${branches.length} allowed shapes`);
}

function typeHint(want: readonly string[], data: unknown): string {
  const numeric = want.includes('integer') || want.includes('number');
  if (want.includes('string') && (typeof data === 'number' || (typeof data === 'boolean' && !numeric))) return `quote it: "${String(data)}"`;
  if (numeric && typeof data === 'string' && /^-?\d+(\.\d+)?$/.test(data)) {
    return `write ${data} without quotes`;
  }
  if (want.includes('boolean') && typeof data === 'string') return 'write true or false without quotes';
  if (want.includes('array') && !Array.isArray(data)) return 'wrap the value in a list';
  return `give ${want.map((w) => (w === 'object' || w === 'array' || w === 'integer' ? `an ${w}` : `a ${w}`)).join(' or ')}`;
}

function formatHint(format: string): string {
  switch (format) {
    case 'byte':
      return 'base64-encode the value (for a Secret, or put plain text under stringData)';
    case 'cidr':
      return 'write an address/prefix, e.g. 10.0.0.0/24 or fd00::/64';
    case 'date-time':
      return 'write an RFC 3339 timestamp, e.g. 2025-01-31T12:00:00Z';
    case 'int32':
    case 'int64':
      return `use a whole number within the ${format} range`;
    default:
      return `write a valid ${format}`;
  }
}

/** `/spec/containers/0/image` -> `spec.containers[0].image` */
function pointerToPath(pointer: string): string {
  if (pointer === '') return '.';
  return pointer
    .slice(1)
    .split('/')
    .map((seg) => seg.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((acc, seg) => join(acc, seg), '.');
}

function join(base: string, seg: string): string {
  const part = /^\d+$/.test(seg) ? `[${seg}]` : /^[A-Za-z_$][\w$-]*$/.test(seg) ? `.${seg}` : `[${JSON.stringify(seg)}]`;
  if (base === '.') return part.startsWith('.') ? part.slice(1) : part;
  return base + part;
}

/** The allowed name within a small edit distance of `name`, for "did you mean" hints. */
function closest(name: string, candidates: readonly string[]): string | undefined {
  const limit = Math.max(1, Math.floor(name.length / 4));
  let best: { c: string; d: number } | undefined;
  for (const c of candidates) {
    const d = levenshtein(name.toLowerCase(), c.toLowerCase());
    if (d <= limit && (!best || d < best.d)) best = { c, d };
  }
  return best?.c;
}

function levenshtein(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length];
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${JSON.stringify(value)}`;
}

function list(items: readonly string[], max: number): string {
  return items.length <= max ? items.join(', ') : `${items.slice(0, max).join(', ')}, ... (${items.length} in all)`;
}

/**
 * The API server reads a null field as absent (native types decode it to the zero value; CRD pruning drops nulls
 * that are not `nullable`), and rendered charts often carry e.g. `creationTimestamp: null`, so nulls in objects are
 * removed before validation rather than reported as type errors.
 */
function withoutNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutNulls);
  if (typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) if (v !== null) out[k] = withoutNulls(v);
  return out;
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function dedupe(findings: readonly K8sFinding[]): K8sFinding[] {
  const seen = new Set<string>();
  return findings.filter((f) => {
    const key = `${f.path}\u0000${f.rule}\u0000${f.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function readJson(file: string): unknown {
  return JSON.parse(fs.readFileSync(file, 'utf8'));
}

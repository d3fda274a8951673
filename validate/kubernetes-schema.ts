/**
 * Validates rendered Kubernetes objects against the committed schemas in imports/schemas/kubernetes (core 1.31 plus
 * the custom-resource kinds listed in cdk8s.yaml), strictly: an unknown field is an error, as it is for the API
 * server with strict field validation. The schemas were already made strict and ajv-compatible by
 * scripts/gen-k8s-schemas.ts; this module only adds what a schema cannot say (unknown apiVersion/kind, resource
 * scope, a missing name) and readable findings. Kinds the project renders have validators precompiled by
 * scripts/gen-k8s-validators.ts (compiling them here cost synth about a second); any other kind is compiled on first
 * use, with the same ajv configuration (validate/kubernetes-ajv.ts), so both paths report the same findings.
 *
 * Not checked (the API server does): CEL rules, object-name syntax, admission webhooks.
 */
import { distance } from 'fastest-levenshtein';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type Ajv from 'ajv';
import type { ErrorObject, ValidateFunction } from 'ajv';
import * as precompiled from '../imports/schemas/kubernetes/validators';
import { VALIDATOR_RUNTIME, createKubernetesAjv } from './kubernetes-ajv';
import { objectId } from '../core/kube-object';

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

/** How the validator of a kind was obtained: precompiled by scripts/gen-k8s-validators.ts, or compiled at run time. */
export type ValidatorPath = 'precompiled' | 'compiled';

class SchemaStore {
  /** Created on the first kind without a precompiled validator: building it costs time a synth need not spend. */
  private runtimeAjv: Ajv | undefined;
  private readonly index: SchemaIndex;
  private readonly validators = new Map<string, ValidateFunction>();
  private readonly paths = new Map<string, ValidatorPath>();
  private readonly modules = new Map<string, Readonly<Record<string, ValidateFunction>>>();
  private coreLoaded = false;

  constructor(
    private readonly dir: string,
    private readonly usePrecompiled: boolean,
  ) {
    this.index = readJson(path.join(dir, 'index.json')) as SchemaIndex;
    for (const format of this.index.formats) {
      if (!Object.prototype.hasOwnProperty.call(VALIDATOR_RUNTIME.formats, format)) {
        throw new Error(`${dir}/index.json: schema format "${format}" has no validator; add it to EXTRA_FORMATS in validate/kubernetes-ajv.ts`);
      }
    }
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
    validate = this.precompiled(key);
    if (validate) {
      this.paths.set(key, 'precompiled');
    } else {
      validate = this.compile(key, this.kind(apiVersion, kind)!);
      this.paths.set(key, 'compiled');
    }
    this.validators.set(key, validate);
    return validate;
  }

  pathOf(apiVersion: string, kind: string): ValidatorPath | undefined {
    return this.paths.get(`${apiVersion}/${kind}`);
  }

  private precompiled(key: string): ValidateFunction | undefined {
    if (!this.usePrecompiled || !Object.prototype.hasOwnProperty.call(precompiled.kinds, key)) return undefined;
    const name = precompiled.kinds[key];
    let validators = this.modules.get(name);
    if (!validators) {
      validators = precompiled.load(name)(VALIDATOR_RUNTIME);
      this.modules.set(name, validators);
    }
    const validate = validators[key];
    if (!validate) throw new Error(`imports/schemas/kubernetes/validators/${name}.js has no validator for ${key}; fix: run npm run imports:validators`);
    return validate;
  }

  private compile(key: string, entry: SchemaIndex['kinds'][string]): ValidateFunction {
    const ajv = this.ajv();
    if (entry.definition) {
      const validate = ajv.getSchema(`${this.index.coreId}#/definitions/${entry.definition}`);
      if (!validate) throw new Error(`${this.index.coreFile}: no definition ${entry.definition} for ${key}`);
      return validate;
    }
    return ajv.compile(readJson(path.join(this.dir, entry.file)) as object);
  }

  private ajv(): Ajv {
    this.runtimeAjv ??= createKubernetesAjv();
    if (!this.coreLoaded) {
      this.runtimeAjv.addSchema(readJson(path.join(this.dir, this.index.coreFile)) as object);
      this.coreLoaded = true;
    }
    return this.runtimeAjv;
  }
}

export interface ManifestValidatorOptions {
  /**
   * Use the validators precompiled by scripts/gen-k8s-validators.ts where a kind has one; false compiles every
   * schema at run time (what the precompiled validators are checked against).
   * @default true
   */
  readonly precompiled?: boolean;
}

export interface ManifestValidator {
  /** Validates each object and returns every finding; an empty list means all objects are valid. */
  validate(objects: readonly object[]): K8sFinding[];
  /** How this validator got the validator of a kind, once it validated an object of that kind. */
  pathOf(apiVersion: string, kind: string): ValidatorPath | undefined;
}

/** A validator with its own cache of loaded and compiled schemas; validateManifests shares one per process. */
export function createManifestValidator(options: ManifestValidatorOptions = {}): ManifestValidator {
  const store = new SchemaStore(KUBERNETES_SCHEMA_DIR, options.precompiled ?? true);
  return {
    validate: (objects) => objects.flatMap((obj) => validateOne(store, obj)),
    pathOf: (apiVersion, kind) => store.pathOf(apiVersion, kind),
  };
}

let defaultValidator: ManifestValidator | undefined;

/**
 * Validates each object (as rendered, e.g. `Testing.synth(chart)` or parsed YAML) and returns every finding; an
 * empty list means all objects are valid. A kind's validator is loaded (precompiled) or compiled on first use and
 * cached for the process.
 */
export function validateManifests(objects: readonly object[]): K8sFinding[] {
  defaultValidator ??= createManifestValidator();
  return defaultValidator.validate(objects);
}

/** How validateManifests got the validator of a kind in this process; undefined until it validated one. */
export function validatorPathOf(apiVersion: string, kind: string): ValidatorPath | undefined {
  return defaultValidator?.pathOf(apiVersion, kind);
}

function validateOne(store: SchemaStore, obj: object): K8sFinding[] {
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) {
    return [{ object: '-/-/-', path: '.', rule: 'object-shape', message: `is ${describe(obj)}, not an object`, hint: 'pass Kubernetes objects (apiVersion, kind, metadata, ...)' }];
  }
  const o = obj as Record<string, unknown>;
  const meta = (typeof o.metadata === 'object' && o.metadata !== null ? o.metadata : {}) as Record<string, unknown>;
  const kind = typeof o.kind === 'string' ? o.kind : undefined;
  const apiVersion = typeof o.apiVersion === 'string' ? o.apiVersion : undefined;
  const label = objectId({ kind, metadata: meta });
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
    const d = distance(name.toLowerCase(), c.toLowerCase());
    if (d <= limit && (!best || d < best.d)) best = { c, d };
  }
  return best?.c;
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

/**
 * Offline schema check for synthesized cdktf documents (the object `TerraformStack.toTerraform()` returns).
 *
 * cdktf's generated bindings type-check the common path, but several things only fail at `terraform plan`:
 * raw overrides, partial objects in object-typed attributes (JSON syntax has no optional object fields),
 * read-only attributes, block counts, and references to things that were never declared. This checker applies
 * the same rules against the structure-only schema in imports/schemas/terraform/, with no terraform binary,
 * provider download or network access.
 */
import { distance } from 'fastest-levenshtein';
import * as fs from 'node:fs';
import * as path from 'node:path';

export type TerraformType =
  | 'string'
  | 'number'
  | 'bool'
  | 'dynamic'
  | readonly ['list' | 'set' | 'map', TerraformType]
  | ObjectType
  | readonly ['tuple', readonly TerraformType[]];

/** Object type: field types, plus (optionally) the fields that may be omitted. */
export type ObjectType = readonly ['object', { readonly [field: string]: TerraformType }, (readonly string[])?];

export interface SchemaAttribute {
  readonly type?: TerraformType;
  readonly nested_type?: SchemaNestedType;
  readonly required?: boolean;
  readonly optional?: boolean;
  readonly computed?: boolean;
  readonly deprecated?: boolean;
  readonly sensitive?: boolean;
  readonly write_only?: boolean;
}

export interface SchemaNestedType {
  readonly nesting_mode: 'single' | 'list' | 'set' | 'map';
  readonly attributes: { readonly [name: string]: SchemaAttribute };
  readonly min_items?: number;
  readonly max_items?: number;
}

export interface SchemaBlock {
  readonly attributes?: { readonly [name: string]: SchemaAttribute };
  readonly block_types?: { readonly [name: string]: SchemaBlockType };
  readonly deprecated?: boolean;
}

export interface SchemaBlockType {
  readonly nesting_mode: 'single' | 'group' | 'list' | 'set' | 'map';
  readonly block: SchemaBlock;
  readonly min_items?: number;
  readonly max_items?: number;
}

/** `terraform providers schema -json` format, plus cdktf's `provider_versions` pin. */
export interface TerraformSchemaFile {
  readonly format_version?: string;
  readonly provider_schemas: {
    readonly [fqpn: string]: {
      readonly provider?: { readonly block: SchemaBlock };
      readonly resource_schemas?: { readonly [type: string]: { readonly block: SchemaBlock } };
      readonly data_source_schemas?: { readonly [type: string]: { readonly block: SchemaBlock } };
    };
  };
  readonly provider_versions?: { readonly [fqpn: string]: string };
}

export interface TerraformFinding {
  /** Where in the document, e.g. `resource.proxmox_virtual_environment_vm.k8s-control-1.cpu[0].cores`. */
  readonly path: string;
  /** `error`: terraform validate/plan would reject it. `warning`: accepted but deprecated. */
  readonly severity: 'error' | 'warning';
  readonly problem: string;
  readonly fix: string;
}

/** The committed, generated schema this checker uses unless given another one. */
export const PROXMOX_SCHEMA_FILE = path.join(__dirname, '..', 'imports', 'schemas', 'terraform', 'bpg-proxmox-0.111.1.json');

let defaultSchema: TerraformSchemaFile | undefined;

export function loadProxmoxSchema(): TerraformSchemaFile {
  defaultSchema ??= JSON.parse(fs.readFileSync(PROXMOX_SCHEMA_FILE, 'utf8')) as TerraformSchemaFile;
  return defaultSchema;
}

/** Checks a synthesized Terraform JSON document; returns every finding (empty when valid). */
export function checkTerraformDocument(doc: object, schema: TerraformSchemaFile = loadProxmoxSchema()): TerraformFinding[] {
  return new DocumentChecker(doc, indexSchema(schema)).run();
}

export class TerraformSchemaError extends Error {
  constructor(readonly findings: readonly TerraformFinding[]) {
    super(
      `Terraform document failed the schema check (${findings.length} error${findings.length === 1 ? '' : 's'}):\n` +
        findings.map((f) => `  ${f.path}: ${f.problem} Fix: ${f.fix}`).join('\n'),
    );
    this.name = 'TerraformSchemaError';
  }
}

/** Throws TerraformSchemaError listing every error; returns the warnings (deprecations) for the caller to print. */
export function assertTerraformDocument(doc: object, schema?: TerraformSchemaFile): TerraformFinding[] {
  const findings = checkTerraformDocument(doc, schema);
  const errors = findings.filter((f) => f.severity === 'error');
  if (errors.length > 0) throw new TerraformSchemaError(errors);
  return findings;
}

// ---------------------------------------------------------------------------------------------------------------
// Schema index

interface TypeEntry {
  readonly fqpn: string;
  readonly block: SchemaBlock;
}

interface SchemaIndex {
  readonly resources: ReadonlyMap<string, TypeEntry>;
  readonly dataSources: ReadonlyMap<string, TypeEntry>;
  readonly providers: ReadonlyMap<string, { readonly block: SchemaBlock; readonly version?: string }>;
}

const indexCache = new WeakMap<TerraformSchemaFile, SchemaIndex>();

function indexSchema(schema: TerraformSchemaFile): SchemaIndex {
  const cached = indexCache.get(schema);
  if (cached) return cached;
  const resources = new Map<string, TypeEntry>();
  const dataSources = new Map<string, TypeEntry>();
  const providers = new Map<string, { block: SchemaBlock; version?: string }>();
  for (const [fqpn, p] of Object.entries(schema.provider_schemas)) {
    const key = normalizeSource(fqpn);
    providers.set(key, { block: p.provider?.block ?? {}, version: schema.provider_versions?.[fqpn] });
    for (const [type, s] of Object.entries(p.resource_schemas ?? {})) resources.set(type, { fqpn: key, block: s.block });
    for (const [type, s] of Object.entries(p.data_source_schemas ?? {})) dataSources.set(type, { fqpn: key, block: s.block });
  }
  const index = { resources, dataSources, providers };
  indexCache.set(schema, index);
  return index;
}

/** `bpg/proxmox` and `registry.terraform.io/bpg/proxmox` name the same provider. */
function normalizeSource(source: string): string {
  const parts = source.trim().toLowerCase().split('/');
  return parts.length === 2 ? `registry.terraform.io/${parts.join('/')}` : parts.join('/');
}

// Terraform's own schemas for things that are not provider types (terraform_data, provisioners, connection).
const TERRAFORM_DATA: SchemaBlock = {
  attributes: {
    id: { type: 'string', computed: true },
    input: { type: 'dynamic', optional: true },
    output: { type: 'dynamic', computed: true },
    triggers_replace: { type: 'dynamic', optional: true },
  },
};

const CONNECTION: SchemaBlock = {
  attributes: {
    type: { type: 'string', optional: true },
    host: { type: 'string', required: true },
    user: { type: 'string', optional: true },
    password: { type: 'string', optional: true },
    port: { type: 'number', optional: true },
    timeout: { type: 'string', optional: true },
    script_path: { type: 'string', optional: true },
    private_key: { type: 'string', optional: true },
    certificate: { type: 'string', optional: true },
    agent: { type: 'bool', optional: true },
    agent_identity: { type: 'string', optional: true },
    host_key: { type: 'string', optional: true },
    target_platform: { type: 'string', optional: true },
    bastion_host: { type: 'string', optional: true },
    bastion_host_key: { type: 'string', optional: true },
    bastion_port: { type: 'number', optional: true },
    bastion_user: { type: 'string', optional: true },
    bastion_password: { type: 'string', optional: true },
    bastion_private_key: { type: 'string', optional: true },
    bastion_certificate: { type: 'string', optional: true },
    proxy_scheme: { type: 'string', optional: true },
    proxy_host: { type: 'string', optional: true },
    proxy_port: { type: 'number', optional: true },
    proxy_user_name: { type: 'string', optional: true },
    proxy_user_password: { type: 'string', optional: true },
    https: { type: 'bool', optional: true },
    insecure: { type: 'bool', optional: true },
    use_ntlm: { type: 'bool', optional: true },
    cacert: { type: 'string', optional: true },
  },
};

const PROVISIONER_COMMON: { [name: string]: SchemaAttribute } = {
  when: { type: 'string', optional: true },
  on_failure: { type: 'string', optional: true },
};

const PROVISIONERS: { [type: string]: SchemaBlock } = {
  'local-exec': {
    attributes: {
      ...PROVISIONER_COMMON,
      command: { type: 'string', required: true },
      working_dir: { type: 'string', optional: true },
      interpreter: { type: ['list', 'string'], optional: true },
      environment: { type: ['map', 'string'], optional: true },
      quiet: { type: 'bool', optional: true },
    },
  },
  'remote-exec': {
    attributes: {
      ...PROVISIONER_COMMON,
      inline: { type: ['list', 'string'], optional: true },
      script: { type: 'string', optional: true },
      scripts: { type: ['list', 'string'], optional: true },
    },
    block_types: { connection: { nesting_mode: 'single', block: CONNECTION } },
  },
  file: {
    attributes: {
      ...PROVISIONER_COMMON,
      source: { type: 'string', optional: true },
      content: { type: 'string', optional: true },
      destination: { type: 'string', required: true },
    },
    block_types: { connection: { nesting_mode: 'single', block: CONNECTION } },
  },
};

const ROOT_KEYS = new Set(['//', 'terraform', 'provider', 'resource', 'data', 'variable', 'output', 'locals', 'module', 'moved', 'import', 'removed', 'check']);
const TERRAFORM_BLOCK_KEYS = new Set(['required_providers', 'required_version', 'backend', 'cloud', 'experiments', 'provider_meta']);
const RESOURCE_META = new Set(['count', 'for_each', 'depends_on', 'provider', 'lifecycle', 'provisioner', 'connection']);
const DATA_META = new Set(['count', 'for_each', 'depends_on', 'provider', 'lifecycle']);
const RESOURCE_LIFECYCLE = new Set(['create_before_destroy', 'prevent_destroy', 'ignore_changes', 'replace_triggered_by', 'precondition', 'postcondition']);
const DATA_LIFECYCLE = new Set(['precondition', 'postcondition']);
const VARIABLE_KEYS = new Set(['type', 'default', 'description', 'sensitive', 'nullable', 'validation', 'ephemeral']);
const OUTPUT_KEYS = new Set(['value', 'description', 'sensitive', 'depends_on', 'precondition', 'ephemeral']);
/** Reference roots that are not resource types; their validity depends on context Terraform checks itself. */
const PASSIVE_ROOTS = new Set(['path', 'terraform', 'self', 'ephemeral']);

// ---------------------------------------------------------------------------------------------------------------
// Expression scanning (just enough HCL to find references inside `${...}` / `%{...}` templates)

interface Traversal {
  readonly root: string;
  readonly steps: readonly Step[];
}
type Step = { readonly kind: 'attr'; readonly name: string } | { readonly kind: 'index' } | { readonly kind: 'splat' };

function hasTemplate(s: string): boolean {
  return s.includes('${') || s.includes('%{');
}

/** Index of the `}` that closes a template sequence whose body starts at `start`; -1 if unterminated. */
function templateEnd(s: string, start: number): number {
  let depth = 0;
  for (let i = start; i < s.length; i++) {
    const c = s[i];
    if (c === '"') {
      i = quotedEnd(s, i + 1, () => undefined);
      if (i < 0) return -1;
    } else if (c === '{') depth++;
    else if (c === '}') {
      if (depth === 0) return i;
      depth--;
    }
  }
  return -1;
}

/** From just after an opening quote, the index of the closing quote; nested template bodies go to `onBody`. */
function quotedEnd(s: string, start: number, onBody: (body: string) => void): number {
  for (let i = start; i < s.length; i++) {
    const c = s[i];
    if (c === '\\') i++;
    else if (c === '"') return i;
    else if ((c === '$' || c === '%') && s[i + 1] === c && s[i + 2] === '{') i += 2;
    else if ((c === '$' || c === '%') && s[i + 1] === '{') {
      const end = templateEnd(s, i + 2);
      if (end < 0) return -1;
      onBody(s.slice(i + 2, end));
      i = end;
    }
  }
  return -1;
}

/** Bodies of the top-level template sequences of a JSON string value; null when one is unterminated. */
function templateBodies(s: string): string[] | null {
  const bodies: string[] = [];
  // From one `$` or `%` to the next: the characters between start nothing, and a cloud-init snippet is tens of
  // kilobytes that a character-by-character loop crossed slowly while the code is still cold.
  for (let i = nextMarker(s, 0); i < s.length; i = nextMarker(s, i + 1)) {
    const c = s[i];
    if ((c === '$' || c === '%') && s[i + 1] === c && s[i + 2] === '{') i += 2;
    else if ((c === '$' || c === '%') && s[i + 1] === '{') {
      const end = templateEnd(s, i + 2);
      if (end < 0) return null;
      bodies.push(s.slice(i + 2, end));
      i = end;
    }
  }
  return bodies;
}

const MARKER = /[$%]/g;

/** Index of the first `$` or `%` at or after `from`; the length of `s` when there is none. */
function nextMarker(s: string, from: number): number {
  MARKER.lastIndex = from;
  return MARKER.exec(s)?.index ?? s.length;
}

/** Expression code with string literals blanked; templates nested in those literals become separate fragments. */
function codeFragments(body: string, out: string[]): void {
  let code = '';
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (c === '"') {
      const end = quotedEnd(body, i + 1, (inner) => codeFragments(inner, out));
      code += '""';
      if (end < 0) break;
      i = end;
    } else code += c;
  }
  out.push(code);
}

const IDENT_START = /[A-Za-z_]/;
const IDENT_PART = /[A-Za-z0-9_-]/;

function skipSpace(code: string, i: number): number {
  while (i < code.length && /\s/.test(code[i])) i++;
  return i;
}

function traversals(code: string): Traversal[] {
  const out: Traversal[] = [];
  let i = 0;
  while (i < code.length) {
    const c = code[i];
    if (/[0-9]/.test(c)) {
      while (i < code.length && /[0-9.eE]/.test(code[i])) i++;
      continue;
    }
    if (!IDENT_START.test(c)) {
      i++;
      continue;
    }
    let j = i + 1;
    while (j < code.length && IDENT_PART.test(code[j])) j++;
    const root = code.slice(i, j);
    let p = i - 1;
    while (p >= 0 && /\s/.test(code[p])) p--;
    const afterDot = p >= 0 && code[p] === '.';
    const afterNamespace = p >= 1 && code[p] === ':' && code[p - 1] === ':';
    const next = skipSpace(code, j);
    const isCall = code[next] === '(' || code.startsWith('::', next);
    if (!afterDot && !afterNamespace && !isCall) {
      const steps: Step[] = [];
      let k = j;
      for (;;) {
        const s = skipSpace(code, k);
        if (code[s] === '.') {
          const t = skipSpace(code, s + 1);
          if (IDENT_START.test(code[t] ?? '')) {
            let e = t + 1;
            while (e < code.length && IDENT_PART.test(code[e])) e++;
            steps.push({ kind: 'attr', name: code.slice(t, e) });
            k = e;
          } else if (/[0-9]/.test(code[t] ?? '')) {
            let e = t + 1;
            while (e < code.length && /[0-9]/.test(code[e])) e++;
            steps.push({ kind: 'index' });
            k = e;
          } else if (code[t] === '*') {
            steps.push({ kind: 'splat' });
            k = t + 1;
          } else break;
        } else if (code[s] === '[') {
          let depth = 0;
          let e = s;
          for (; e < code.length; e++) {
            if (code[e] === '[') depth++;
            else if (code[e] === ']' && --depth === 0) break;
          }
          steps.push(code.slice(s + 1, e).trim() === '*' ? { kind: 'splat' } : { kind: 'index' });
          k = e + 1;
        } else break;
      }
      if (steps.length > 0) out.push({ root, steps });
    }
    i = j;
  }
  return out;
}

const FOR_VARS = /\bfor\s+([A-Za-z_][A-Za-z0-9_-]*)(?:\s*,\s*([A-Za-z_][A-Za-z0-9_-]*))?\s+in\b/g;

// ---------------------------------------------------------------------------------------------------------------
// Helpers

type Obj = { [key: string]: unknown };

function isObject(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function child(pathSoFar: string, key: string): string {
  return /^[A-Za-z_][A-Za-z0-9_-]*$/.test(key) ? `${pathSoFar}.${key}` : `${pathSoFar}[${JSON.stringify(key)}]`;
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return `a list of ${v.length}`;
  if (typeof v === 'object') return 'an object';
  if (typeof v === 'string') return `string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 37)}...` : v)}`;
  return `${typeof v === 'boolean' ? 'bool' : typeof v} ${String(v)}`;
}

function typeName(t: TerraformType): string {
  if (typeof t === 'string') return t;
  if (t[0] === 'object') return `object({${Object.keys(t[1]).join(', ')}})`;
  if (t[0] === 'tuple') return `tuple([${t[1].map(typeName).join(', ')}])`;
  return `${t[0]}(${typeName(t[1])})`;
}

/** "did you mean" for a misspelt or camelCase name, else the list of valid names. */
function suggest(name: string, candidates: Iterable<string>, what: string): string {
  const all = [...candidates].sort();
  const snake = name.replace(/[A-Z]/g, (m) => `_${m.toLowerCase()}`);
  if (snake !== name && all.includes(snake)) return `use the Terraform name "${snake}" (snake_case), not "${name}"`;
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of all) {
    const d = distance(name, c);
    if (d < bestDistance) [best, bestDistance] = [c, d];
  }
  if (best !== undefined && bestDistance <= Math.max(2, Math.floor(name.length / 3))) return `did you mean "${best}"?`;
  if (all.length === 0) return `remove "${name}"; no ${what} is declared`;
  const listed = all.length > 15 ? `${all.slice(0, 15).join(', ')}, ...` : all.join(', ');
  return `remove it or use one of the valid ${what}s: ${listed}`;
}

const NULL_HINT = 'cdktf: Token.nullValue(), or addOverride(path, null)';

// ---------------------------------------------------------------------------------------------------------------
// The checker

interface Scope {
  /** `each.*` is valid (resource has for_each, or inside a dynamic block iterating as "each"). */
  readonly each: boolean;
  /** `count.index` is valid. */
  readonly count: boolean;
  /** Local symbols: for-expression variables and dynamic block iterators. */
  readonly symbols: ReadonlySet<string>;
}

const NO_SCOPE: Scope = { each: false, count: false, symbols: new Set() };

class DocumentChecker {
  private readonly findings: TerraformFinding[] = [];
  private readonly doc: Obj;
  private readonly resources: Map<string, Map<string, Obj>> = new Map();
  private readonly dataSources: Map<string, Map<string, Obj>> = new Map();
  private readonly variables: Set<string>;
  private readonly locals: Set<string>;
  private readonly modules: Set<string>;
  private readonly requiredProviders: Obj;
  /** Local provider names already checked against required_providers, so each problem is reported once. */
  private readonly checkedLocals = new Set<string>();

  constructor(
    doc: object,
    private readonly index: SchemaIndex,
  ) {
    this.doc = isObject(doc) ? doc : {};
    const names = (v: unknown) => new Set(isObject(v) ? Object.keys(v) : []);
    for (const [kind, target] of [
      ['resource', this.resources],
      ['data', this.dataSources],
    ] as const) {
      const section = this.doc[kind];
      if (!isObject(section)) continue;
      for (const [type, instances] of Object.entries(section)) {
        if (isObject(instances)) target.set(type, new Map(Object.entries(instances).map(([n, b]) => [n, isObject(b) ? b : {}])));
      }
    }
    this.variables = names(this.doc.variable);
    this.locals = names(this.doc.locals);
    this.modules = names(this.doc.module);
    const tf = this.doc.terraform;
    this.requiredProviders = isObject(tf) && isObject(tf.required_providers) ? tf.required_providers : {};
  }

  run(): TerraformFinding[] {
    for (const key of Object.keys(this.doc)) {
      if (!ROOT_KEYS.has(key)) this.error(key, `unknown top-level key "${key}".`, suggest(key, ROOT_KEYS, 'top-level key'));
    }
    this.checkTerraformBlock();
    this.checkProviders();
    for (const [kind, map] of [
      ['resource', this.resources],
      ['data', this.dataSources],
    ] as const) {
      const section = this.doc[kind];
      if (section !== undefined && !isObject(section)) this.error(kind, `"${kind}" must be an object keyed by type.`, 'emit { type: { name: {...} } }');
      if (isObject(section)) {
        for (const [type, instances] of Object.entries(section)) {
          if (!isObject(instances)) this.error(`${kind}.${type}`, `must be an object keyed by ${kind} name, got ${describe(instances)}.`, 'emit { name: {...} }');
        }
      }
      for (const [type, instances] of map) {
        for (const [name, body] of instances) this.checkInstance(kind, type, name, body);
      }
    }
    this.checkVariables();
    this.checkOutputs();
    if (isObject(this.doc.locals)) {
      for (const [name, value] of Object.entries(this.doc.locals)) this.walkRefs(value, child('locals', name), NO_SCOPE);
    }
    for (const key of ['module', 'moved', 'import', 'removed', 'check']) {
      if (this.doc[key] !== undefined) this.walkRefs(this.doc[key], key, NO_SCOPE);
    }
    return this.findings;
  }

  private error(at: string, problem: string, fix: string): void {
    this.findings.push({ path: at, severity: 'error', problem, fix });
  }

  private warn(at: string, problem: string, fix: string): void {
    this.findings.push({ path: at, severity: 'warning', problem, fix });
  }

  // --- terraform { required_providers } and provider configs -----------------------------------------------

  private checkTerraformBlock(): void {
    const tf = this.doc.terraform;
    if (tf === undefined) return;
    if (!isObject(tf)) {
      this.error('terraform', `must be an object, got ${describe(tf)}.`, 'emit { required_providers: {...} }');
      return;
    }
    for (const key of Object.keys(tf)) {
      if (!TERRAFORM_BLOCK_KEYS.has(key)) this.error(child('terraform', key), `unknown terraform setting "${key}".`, suggest(key, TERRAFORM_BLOCK_KEYS, 'terraform setting'));
    }
    for (const [local, req] of Object.entries(this.requiredProviders)) {
      const at = child('terraform.required_providers', local);
      if (!isObject(req) || typeof req.source !== 'string') {
        this.error(at, 'has no "source"; Terraform would assume hashicorp/' + local + '.', `set { source: "<namespace>/${local}", version: "<exact version>" }`);
        continue;
      }
      const fqpn = normalizeSource(req.source);
      const provider = this.index.providers.get(fqpn);
      if (!provider?.version) continue;
      const version = typeof req.version === 'string' ? req.version.replace(/^\s*=\s*/, '').trim() : undefined;
      if (version !== provider.version) {
        this.error(
          child(at, 'version'),
          `pins ${req.source} to ${version === undefined ? 'no version' : JSON.stringify(req.version)}, but the schema and generated bindings are for ${provider.version}.`,
          `pin version "${provider.version}", or regenerate imports/ for the other version (scripts/gen-proxmox-imports.ts)`,
        );
      }
    }
  }

  /** The provider a local name resolves to, as Terraform would resolve it. */
  private resolveLocal(local: string): string {
    const req = this.requiredProviders[local];
    return isObject(req) && typeof req.source === 'string' ? normalizeSource(req.source) : `registry.terraform.io/hashicorp/${local}`;
  }

  /** Reports (once per local name) when a local provider name does not resolve to the provider that owns a type. */
  private checkLocalResolves(local: string, expectedFqpn: string, at: string): void {
    const key = `${local}\u0000${expectedFqpn}`;
    if (this.checkedLocals.has(key)) return;
    this.checkedLocals.add(key);
    const actual = this.resolveLocal(local);
    if (actual === expectedFqpn) return;
    const short = expectedFqpn.replace(/^registry\.terraform\.io\//, '');
    const version = this.index.providers.get(expectedFqpn)?.version;
    this.error(
      at,
      `provider name "${local}" resolves to ${actual.replace(/^registry\.terraform\.io\//, '')}, not ${short} (the provider the schema describes).`,
      `declare terraform.required_providers.${local} = { source: "${short}"${version ? `, version: "${version}"` : ''} } (instantiate the generated ProxmoxProvider in the stack)`,
    );
  }

  private checkProviders(): void {
    const section = this.doc.provider;
    if (section === undefined) return;
    if (!isObject(section)) {
      this.error('provider', `must be an object keyed by provider name, got ${describe(section)}.`, 'emit { proxmox: [{...}] }');
      return;
    }
    const known = [...this.index.providers.keys()].map((f) => f.split('/').pop() ?? f);
    for (const [local, value] of Object.entries(section)) {
      const at = child('provider', local);
      const fqpn = this.resolveLocal(local);
      const provider = this.index.providers.get(fqpn);
      if (!provider) {
        const sameName = [...this.index.providers.keys()].find((f) => f.split('/').pop() === local);
        if (sameName) this.checkLocalResolves(local, sameName, at);
        else this.error(at, `no schema for provider "${local}" (${fqpn}).`, suggest(local, known, 'provider'));
        continue;
      }
      const configs = Array.isArray(value) ? value : [value];
      const aliases = new Set<string>();
      configs.forEach((config, i) => {
        const cat = `${at}[${i}]`;
        if (!isObject(config)) {
          this.error(cat, `provider configuration must be an object, got ${describe(config)}.`, 'emit { proxmox: [{ endpoint: ... }] }');
          return;
        }
        const alias = typeof config.alias === 'string' ? config.alias : '';
        if (aliases.has(alias)) {
          this.error(cat, alias ? `duplicate provider alias "${alias}".` : 'more than one default (unaliased) configuration.', 'give every extra configuration a unique alias');
        }
        aliases.add(alias);
        this.checkBlockBody(config, provider.block, cat, NO_SCOPE, new Set(['alias', 'version']));
      });
    }
  }

  private providerAliases(local: string): Set<string> {
    const section = this.doc.provider;
    const value = isObject(section) ? section[local] : undefined;
    const configs = value === undefined ? [] : Array.isArray(value) ? value : [value];
    return new Set(configs.filter(isObject).map((c) => (typeof c.alias === 'string' ? c.alias : '')));
  }

  // --- resources and data sources ------------------------------------------------------------------------------

  private checkInstance(kind: 'resource' | 'data', type: string, name: string, body: Obj): void {
    const at = child(child(kind, type), name);
    const isBuiltin = kind === 'resource' && type === 'terraform_data';
    const entry = isBuiltin ? undefined : (kind === 'resource' ? this.index.resources : this.index.dataSources).get(type);
    const meta = kind === 'resource' ? RESOURCE_META : DATA_META;
    const scope: Scope = { each: body.for_each !== undefined, count: body.count !== undefined, symbols: new Set() };

    if (body.count !== undefined && body.for_each !== undefined) {
      this.error(at, 'sets both "count" and "for_each".', 'keep one of them');
    }
    if (body.count !== undefined) this.checkValue(body.count, 'number', `${at}.count`, NO_SCOPE);
    if (body.for_each !== undefined) {
      const fe = body.for_each;
      if (Array.isArray(fe)) this.error(`${at}.for_each`, 'is a list; for_each takes a map or a set of strings.', 'wrap it: "${toset([...])}" (cdktf: TerraformIterator.fromList)');
      else if (typeof fe === 'string' && hasTemplate(fe)) this.checkRefs(fe, `${at}.for_each`, NO_SCOPE);
      else if (!isObject(fe)) this.error(`${at}.for_each`, `must be a map or set, got ${describe(fe)}.`, 'use a map or "${toset([...])}"');
    }
    if (body.depends_on !== undefined) this.checkDependsOn(body.depends_on, `${at}.depends_on`);

    let local = type.split('_')[0];
    if (body.provider !== undefined) {
      const pat = `${at}.provider`;
      if (typeof body.provider !== 'string' || !/^[A-Za-z_][A-Za-z0-9_-]*(\.[A-Za-z_][A-Za-z0-9_-]*)?$/.test(body.provider)) {
        this.error(pat, `must be "<provider>" or "<provider>.<alias>", got ${describe(body.provider)}.`, 'pass the provider construct (cdktf sets its fqn)');
      } else {
        const [l, alias] = body.provider.split('.');
        local = l;
        if (alias !== undefined && !this.providerAliases(l).has(alias)) {
          this.error(pat, `refers to provider configuration "${l}.${alias}", which is not declared.`, `declare a ${l} provider with alias "${alias}" or drop the alias`);
        }
      }
    }

    if (isBuiltin) {
      this.checkBlockBody(body, TERRAFORM_DATA, at, scope, meta);
    } else if (!entry) {
      const types = kind === 'resource' ? [...this.index.resources.keys(), 'terraform_data'] : [...this.index.dataSources.keys()];
      this.error(
        at,
        `unknown ${kind === 'data' ? 'data source' : 'resource'} type "${type}" (not in imports/schemas/terraform).`,
        `${suggest(type, types, `${kind === 'data' ? 'data source' : 'resource'} type`)}; to use a new bpg/proxmox type, add it to PROXMOX_TYPES in scripts/gen-proxmox-imports.ts and regenerate`,
      );
      for (const [key, value] of Object.entries(body)) if (key !== '//') this.walkRefs(value, child(at, key), scope);
    } else {
      this.checkLocalResolves(local, entry.fqpn, at);
      if (entry.block.deprecated) this.warn(at, `${kind} type "${type}" is deprecated by the provider.`, 'switch to its replacement type');
      this.checkBlockBody(body, entry.block, at, scope, meta);
    }

    const block = isBuiltin ? TERRAFORM_DATA : entry?.block;
    if (body.lifecycle !== undefined) this.checkLifecycle(body.lifecycle, kind, block, `${at}.lifecycle`, scope);
    if (kind === 'resource') {
      const selfScope: Scope = { ...scope, symbols: new Set([...scope.symbols, 'self']) };
      if (body.connection !== undefined) this.checkBlockBody(body.connection, CONNECTION, `${at}.connection`, selfScope);
      if (body.provisioner !== undefined) this.checkProvisioners(body.provisioner, `${at}.provisioner`, selfScope);
    }
  }

  private checkDependsOn(value: unknown, at: string): void {
    if (!Array.isArray(value)) {
      this.error(at, `must be a list of references, got ${describe(value)}.`, 'emit ["<type>.<name>", ...] (cdktf: dependsOn: [construct])');
      return;
    }
    value.forEach((ref, i) => {
      const eat = `${at}[${i}]`;
      if (typeof ref === 'string' && hasTemplate(ref)) {
        // Terraform parses these strings as static references, not templates.
        this.error(eat, `must be a bare reference; ${describe(ref)} is a template, which Terraform rejects here.`, `write "${ref.replace(/^\$\{(.*)\}$/s, '$1')}"`);
        return;
      }
      const expr = typeof ref === 'string' ? ref.trim() : undefined;
      const [t] = expr === undefined ? [] : traversals(expr);
      if (!t || !/^[A-Za-z_]/.test(expr ?? '')) {
        this.error(eat, `must be a reference like "proxmox_virtual_environment_vm.name", got ${describe(ref)}.`, 'reference a declared resource, data source or module');
        return;
      }
      if (t.root === 'var' || t.root === 'local' || t.root === 'each' || t.root === 'count') {
        this.error(eat, `depends_on cannot name ${t.root}.*; it takes resources, data sources and modules.`, 'depend on the resource that produces the value instead');
        return;
      }
      this.checkTraversal(t, eat, NO_SCOPE);
    });
  }

  private checkLifecycle(value: unknown, kind: 'resource' | 'data', block: SchemaBlock | undefined, at: string, scope: Scope): void {
    if (!isObject(value)) {
      this.error(at, `must be an object, got ${describe(value)}.`, 'emit { ignore_changes: [...] } etc.');
      return;
    }
    const allowed = kind === 'resource' ? RESOURCE_LIFECYCLE : DATA_LIFECYCLE;
    for (const [key, v] of Object.entries(value)) {
      const kat = child(at, key);
      if (!allowed.has(key)) {
        this.error(kat, `unknown lifecycle setting "${key}".`, suggest(key, allowed, 'lifecycle setting'));
      } else if (key === 'create_before_destroy' || key === 'prevent_destroy') {
        this.checkValue(v, 'bool', kat, NO_SCOPE);
      } else if (key === 'ignore_changes') {
        if (v === 'all') continue;
        if (!Array.isArray(v)) {
          this.error(kat, `must be "all" or a list of attribute names, got ${describe(v)}.`, 'emit ["attr", ...]');
          continue;
        }
        const names = new Set([...Object.keys(block?.attributes ?? {}), ...Object.keys(block?.block_types ?? {})]);
        v.forEach((entry, i) => {
          const first = typeof entry === 'string' && !hasTemplate(entry) ? entry.split(/[.[]/)[0] : undefined;
          if (first === undefined) this.error(`${kat}[${i}]`, `must be an attribute name, got ${describe(entry)}.`, 'use the snake_case attribute name');
          else if (block && first !== 'all' && !names.has(first)) {
            this.error(`${kat}[${i}]`, `ignores "${first}", which this type does not have.`, suggest(first, names, 'attribute'));
          }
        });
      } else if (key === 'replace_triggered_by') {
        this.checkDependsOn(v, kat);
      } else {
        const conditions = Array.isArray(v) ? v : [v];
        const condScope: Scope = key === 'postcondition' ? { ...scope, symbols: new Set([...scope.symbols, 'self']) } : scope;
        conditions.forEach((c, i) => {
          const cat = `${kat}[${i}]`;
          if (!isObject(c) || c.condition === undefined || c.error_message === undefined) {
            this.error(cat, 'needs "condition" and "error_message".', 'emit { condition: "${...}", error_message: "..." }');
            return;
          }
          this.walkRefs(c, cat, condScope);
        });
      }
    }
  }

  private checkProvisioners(value: unknown, at: string, scope: Scope): void {
    const list = Array.isArray(value) ? value : [value];
    list.forEach((p, i) => {
      const pat = `${at}[${i}]`;
      if (!isObject(p) || Object.keys(p).length !== 1) {
        this.error(pat, 'each provisioner must be an object with exactly one key, its type.', 'emit [{ "local-exec": { command: "..." } }]');
        return;
      }
      const [type, body] = Object.entries(p)[0];
      const schema = PROVISIONERS[type];
      if (!schema) {
        this.error(child(pat, type), `unknown provisioner "${type}".`, suggest(type, Object.keys(PROVISIONERS), 'provisioner'));
        return;
      }
      this.checkBlockBody(body, schema, child(pat, type), scope);
    });
  }

  // --- block bodies, attributes and values -----------------------------------------------------------------

  private checkBlockBody(body: unknown, block: SchemaBlock, at: string, scope: Scope, skip?: ReadonlySet<string>): void {
    if (!isObject(body)) {
      this.error(at, `must be an object (a block body), got ${describe(body)}.`, 'emit the block as a JSON object');
      return;
    }
    const attributes = block.attributes ?? {};
    const blockTypes = block.block_types ?? {};
    const dynamicNames = new Set<string>();
    for (const [key, value] of Object.entries(body)) {
      if (key === '//' || skip?.has(key)) continue;
      const kat = child(at, key);
      const attr = attributes[key];
      const bt = blockTypes[key];
      if (attr) this.checkAttribute(key, value, attr, kat, scope);
      else if (bt) continue; // after the loop, once dynamic blocks are known
      else if (key === 'dynamic') this.checkDynamic(value, blockTypes, attributes, kat, scope, dynamicNames);
      else this.error(kat, `unknown attribute or block "${key}".`, suggest(key, [...Object.keys(attributes), ...Object.keys(blockTypes)], 'attribute/block'));
    }
    for (const [name, bt] of Object.entries(blockTypes)) {
      if (body[name] !== undefined && body[name] !== null) this.checkBlocks(body[name], bt, child(at, name), scope, dynamicNames.has(name));
      else if ((bt.min_items ?? 0) > 0 && !dynamicNames.has(name)) {
        this.error(child(at, name), `block "${name}" is required (at least ${bt.min_items}).`, `add ${bt.min_items === 1 ? 'a' : bt.min_items} "${name}" block${bt.min_items === 1 ? '' : 's'}`);
      }
    }
    for (const [name, attr] of Object.entries(attributes)) {
      if (attr.required && (body[name] === undefined || body[name] === null)) {
        this.error(child(at, name), `required attribute "${name}" is ${body[name] === null ? 'null' : 'missing'}.`, `set "${name}"${attr.type ? ` (${typeName(attr.type)})` : ''}`);
      }
    }
  }

  private checkDynamic(
    value: unknown,
    blockTypes: { readonly [name: string]: SchemaBlockType },
    attributes: { readonly [name: string]: SchemaAttribute },
    at: string,
    scope: Scope,
    names: Set<string>,
  ): void {
    if (!isObject(value)) {
      this.error(at, `"dynamic" must be an object keyed by block type, got ${describe(value)}.`, 'emit { dynamic: { <block>: { for_each, content } } }');
      return;
    }
    for (const [name, specs] of Object.entries(value)) {
      const dat = child(at, name);
      const bt = blockTypes[name];
      if (!bt) {
        this.error(
          dat,
          attributes[name] ? `"${name}" is an attribute, not a block; dynamic blocks only generate blocks.` : `unknown block type "${name}" in dynamic block.`,
          attributes[name] ? `set "${name}" to an expression (e.g. a for expression) instead` : suggest(name, Object.keys(blockTypes), 'block'),
        );
        continue;
      }
      names.add(name);
      for (const spec of Array.isArray(specs) ? specs : [specs]) {
        if (!isObject(spec) || spec.for_each === undefined || !isObject(spec.content)) {
          this.error(dat, 'dynamic block needs "for_each" and a "content" object.', 'use TerraformIterator.dynamic({...})');
          continue;
        }
        for (const key of Object.keys(spec)) {
          if (!['for_each', 'iterator', 'labels', 'content'].includes(key)) this.error(child(dat, key), `unknown dynamic block setting "${key}".`, 'use for_each, iterator, labels, content');
        }
        this.walkRefs(spec.for_each, `${dat}.for_each`, scope);
        const iterator = typeof spec.iterator === 'string' ? spec.iterator : name;
        const inner: Scope = {
          each: scope.each || iterator === 'each',
          count: scope.count,
          symbols: new Set([...scope.symbols, iterator]),
        };
        this.checkBlockBody(spec.content, bt.block, `${dat}.content`, inner);
      }
    }
  }

  private checkBlocks(value: unknown, bt: SchemaBlockType, at: string, scope: Scope, hasDynamic: boolean): void {
    if (typeof value === 'string') {
      this.error(at, `a block cannot be set from ${hasTemplate(value) ? 'an expression' : 'a string'}.`, 'write the block literally, or generate it with a dynamic block (TerraformIterator.dynamic)');
      return;
    }
    if (bt.nesting_mode === 'map') {
      if (!isObject(value)) {
        this.error(at, `must be an object keyed by block label, got ${describe(value)}.`, 'emit { <label>: {...} }');
        return;
      }
      for (const [label, body] of Object.entries(value)) this.checkBlockBody(body, bt.block, child(at, label), scope);
      return;
    }
    const items = Array.isArray(value) ? value : [value];
    const single = bt.nesting_mode === 'single' || bt.nesting_mode === 'group';
    items.forEach((body, i) => this.checkBlockBody(body, bt.block, single ? at : `${at}[${i}]`, scope));
    const max = single ? 1 : bt.max_items;
    if (!hasDynamic && max !== undefined && max > 0 && items.length > max) {
      this.error(at, `has ${items.length} blocks; at most ${max} allowed.`, `remove ${items.length - max} of them`);
    }
    if (!hasDynamic && bt.min_items !== undefined && items.length < bt.min_items) {
      this.error(at, `has ${items.length} blocks; at least ${bt.min_items} required.`, `add ${bt.min_items - items.length} more`);
    }
  }

  private checkAttribute(name: string, value: unknown, attr: SchemaAttribute, at: string, scope: Scope): void {
    if (value === null || value === undefined) return;
    if (attr.computed && !attr.optional && !attr.required) {
      this.error(at, `"${name}" is read-only (computed by the provider) and cannot be set.`, `remove "${name}"; read it from the resource instead`);
      return;
    }
    if (attr.deprecated) this.warn(at, `"${name}" is deprecated by the provider.`, 'stop setting it; see the provider changelog for the replacement');
    if (attr.nested_type) this.checkNested(value, attr.nested_type, at, scope);
    else if (attr.type !== undefined) this.checkValue(value, attr.type, at, scope);
  }

  private checkNested(value: unknown, nt: SchemaNestedType, at: string, scope: Scope): void {
    if (typeof value === 'string' && hasTemplate(value)) {
      this.checkRefs(value, at, scope);
      return;
    }
    const body = (v: unknown, vat: string) => {
      if (typeof v === 'string' && hasTemplate(v)) this.checkRefs(v, vat, scope);
      else if (!isObject(v)) this.error(vat, `expected an object, got ${describe(v)}.`, `set an object with: ${Object.keys(nt.attributes).join(', ')}`);
      else this.checkNestedBody(v, nt.attributes, vat, scope);
    };
    if (nt.nesting_mode === 'single') body(value, at);
    else if (nt.nesting_mode === 'map') {
      if (!isObject(value)) this.error(at, `expected a map of objects, got ${describe(value)}.`, 'emit { <key>: {...} }');
      else for (const [k, v] of Object.entries(value)) body(v, child(at, k));
    } else {
      if (!Array.isArray(value)) {
        this.error(at, `expected a ${nt.nesting_mode} of objects, got ${describe(value)}.`, 'emit a JSON array of objects');
        return;
      }
      value.forEach((v, i) => body(v, `${at}[${i}]`));
      if (nt.max_items !== undefined && nt.max_items > 0 && value.length > nt.max_items) {
        this.error(at, `has ${value.length} elements; at most ${nt.max_items} allowed.`, `remove ${value.length - nt.max_items}`);
      }
      if (nt.min_items !== undefined && value.length < nt.min_items) {
        this.error(at, `has ${value.length} elements; at least ${nt.min_items} required.`, `add ${nt.min_items - value.length}`);
      }
    }
  }

  /** Nested attributes: unlike object-typed attributes, optional fields may be omitted. */
  private checkNestedBody(obj: Obj, attributes: { readonly [name: string]: SchemaAttribute }, at: string, scope: Scope): void {
    for (const [key, value] of Object.entries(obj)) {
      const attr = attributes[key];
      if (attr) this.checkAttribute(key, value, attr, child(at, key), scope);
      else this.error(child(at, key), `unknown attribute "${key}".`, suggest(key, Object.keys(attributes), 'attribute'));
    }
    for (const [name, attr] of Object.entries(attributes)) {
      if (attr.required && (obj[name] === undefined || obj[name] === null)) {
        this.error(child(at, name), `required attribute "${name}" is ${obj[name] === null ? 'null' : 'missing'}.`, `set "${name}"`);
      }
    }
  }

  private checkValue(value: unknown, type: TerraformType, at: string, scope: Scope): void {
    if (value === null || value === undefined) return;
    if (typeof value === 'string' && hasTemplate(value)) {
      // Any type can come from an expression; Terraform converts the result at plan time.
      this.checkRefs(value, at, scope);
      return;
    }
    const mismatch = () => this.error(at, `expected ${typeName(type)}, got ${describe(value)}.`, `set a ${typeName(type)} value`);
    if (type === 'dynamic') {
      this.walkRefs(value, at, scope);
    } else if (type === 'string') {
      if (typeof value === 'object') mismatch();
    } else if (type === 'number') {
      // Terraform converts a numeric string; anything else is rejected.
      if (!(typeof value === 'number' || (typeof value === 'string' && /^\s*-?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$/.test(value)))) mismatch();
    } else if (type === 'bool') {
      if (!(typeof value === 'boolean' || value === 'true' || value === 'false')) mismatch();
    } else if (type[0] === 'list' || type[0] === 'set') {
      if (!Array.isArray(value)) mismatch();
      else value.forEach((v, i) => this.checkValue(v, type[1], `${at}[${i}]`, scope));
    } else if (type[0] === 'map') {
      if (!isObject(value)) mismatch();
      else for (const [k, v] of Object.entries(value)) this.checkValue(v, type[1], child(at, k), scope);
    } else if (type[0] === 'tuple') {
      if (!Array.isArray(value) || value.length !== type[1].length) mismatch();
      else value.forEach((v, i) => this.checkValue(v, type[1][i], `${at}[${i}]`, scope));
    } else {
      if (!isObject(value)) {
        mismatch();
        return;
      }
      const [, fields, optionalFields] = type as ObjectType;
      const optional = new Set(optionalFields ?? []);
      const missing = Object.keys(fields).filter((f) => !(f in value) && !optional.has(f));
      if (missing.length > 0) {
        this.error(
          at,
          `object is missing ${missing.map((m) => `"${m}"`).join(', ')}; Terraform's JSON syntax needs every field of an object-typed attribute.`,
          `set the missing field${missing.length === 1 ? '' : 's'} to null (${NULL_HINT})`,
        );
      }
      for (const [k, v] of Object.entries(value)) {
        const ft = fields[k];
        if (ft === undefined) this.error(child(at, k), `unknown field "${k}"; Terraform drops it silently.`, suggest(k, Object.keys(fields), 'field'));
        else this.checkValue(v, ft, child(at, k), scope);
      }
    }
  }

  // --- references ----------------------------------------------------------------------------------------

  /** Checks references in every string inside an arbitrary value (locals, outputs, dynamic values, ...). */
  private walkRefs(value: unknown, at: string, scope: Scope): void {
    if (typeof value === 'string') this.checkRefs(value, at, scope);
    else if (Array.isArray(value)) value.forEach((v, i) => this.walkRefs(v, `${at}[${i}]`, scope));
    else if (isObject(value)) for (const [k, v] of Object.entries(value)) if (k !== '//') this.walkRefs(v, child(at, k), scope);
  }

  private checkRefs(value: string, at: string, scope: Scope): void {
    if (!hasTemplate(value)) return;
    const bodies = templateBodies(value);
    if (bodies === null) {
      this.error(at, `unterminated "\${" in ${describe(value)}.`, 'close the interpolation with "}" or escape a literal "${" as "$${"');
      return;
    }
    const fragments: string[] = [];
    for (const body of bodies) codeFragments(body, fragments);
    const symbols = new Set(scope.symbols);
    for (const code of fragments) {
      for (const m of code.matchAll(FOR_VARS)) {
        symbols.add(m[1]);
        if (m[2]) symbols.add(m[2]);
      }
    }
    const inner: Scope = { ...scope, symbols };
    for (const code of fragments) for (const t of traversals(code)) this.checkTraversal(t, at, inner);
  }

  private checkTraversal(t: Traversal, at: string, scope: Scope): void {
    const { root, steps } = t;
    if (scope.symbols.has(root) || PASSIVE_ROOTS.has(root)) return;
    const attr = (i: number) => {
      const s = steps[i];
      return s?.kind === 'attr' ? s.name : undefined;
    };
    const expr = [root, ...steps.map((s) => (s.kind === 'attr' ? `.${s.name}` : s.kind === 'splat' ? '[*]' : '[...]'))].join('');
    switch (root) {
      case 'var': {
        const name = attr(0);
        if (name !== undefined && !this.variables.has(name)) {
          this.error(at, `references var.${name}, which is not declared.`, `declare it (new TerraformVariable(stack, "${name}", {...})) or ${suggest(name, this.variables, 'variable')}`);
        }
        return;
      }
      case 'local': {
        const name = attr(0);
        if (name !== undefined && !this.locals.has(name)) this.error(at, `references local.${name}, which is not declared.`, suggest(name, this.locals, 'local'));
        return;
      }
      case 'module': {
        const name = attr(0);
        if (name !== undefined && !this.modules.has(name)) this.error(at, `references module.${name}, which is not declared.`, suggest(name, this.modules, 'module'));
        return;
      }
      case 'each':
        if (!scope.each) this.error(at, `uses ${expr} outside a for_each resource or dynamic block.`, 'set for_each on the resource, or reference a concrete value');
        return;
      case 'count':
        if (!scope.count) this.error(at, `uses ${expr} in a resource without count.`, 'set count on the resource, or reference a concrete value');
        return;
      case 'data': {
        const type = attr(0);
        const name = attr(1);
        if (type === undefined || name === undefined) {
          this.error(at, `incomplete data source reference "${expr}".`, 'write data.<type>.<name>.<attribute>');
          return;
        }
        const declared = this.dataSources.get(type);
        if (!declared?.has(name)) {
          this.error(at, `references data.${type}.${name}, which is not declared.`, declared ? suggest(name, declared.keys(), `data.${type} name`) : `declare the data source; declared data sources: ${[...this.dataSources.keys()].join(', ') || 'none'}`);
          return;
        }
        this.checkReferencedAttribute(this.index.dataSources.get(type)?.block, steps.slice(2), `data.${type}.${name}`, at);
        return;
      }
      default: {
        const name = attr(0);
        if (name === undefined) return; // `x[0]` on a for-expression value etc.; not a resource reference
        const declared = this.resources.get(root);
        if (!declared?.has(name)) {
          this.error(
            at,
            `references ${root}.${name}, which is not declared.`,
            declared ? suggest(name, declared.keys(), `${root} name`) : `declare the resource${this.index.resources.has(root) || root === 'terraform_data' ? '' : ` (and note "${root}" is not a known resource type)`}`,
          );
          return;
        }
        const block = root === 'terraform_data' ? TERRAFORM_DATA : this.index.resources.get(root)?.block;
        this.checkReferencedAttribute(block, steps.slice(1), `${root}.${name}`, at);
      }
    }
  }

  private checkReferencedAttribute(block: SchemaBlock | undefined, rest: readonly Step[], address: string, at: string): void {
    if (!block) return;
    const first = rest[0]?.kind === 'index' || rest[0]?.kind === 'splat' ? rest[1] : rest[0];
    if (first?.kind !== 'attr') return;
    const names = [...Object.keys(block.attributes ?? {}), ...Object.keys(block.block_types ?? {})];
    if (!names.includes(first.name)) {
      this.error(at, `references ${address}.${first.name}, but that type has no attribute "${first.name}".`, suggest(first.name, names, 'attribute'));
    }
  }

  // --- variables and outputs -----------------------------------------------------------------------------

  private checkVariables(): void {
    const section = this.doc.variable;
    if (!isObject(section)) return;
    for (const [name, body] of Object.entries(section)) {
      const at = child('variable', name);
      if (!isObject(body)) {
        this.error(at, `must be an object, got ${describe(body)}.`, 'emit { type, default, ... }');
        continue;
      }
      for (const key of Object.keys(body)) {
        if (!VARIABLE_KEYS.has(key)) this.error(child(at, key), `unknown variable setting "${key}".`, suggest(key, VARIABLE_KEYS, 'variable setting'));
      }
      if (body.validation !== undefined) this.walkRefs(body.validation, `${at}.validation`, NO_SCOPE);
    }
  }

  private checkOutputs(): void {
    const section = this.doc.output;
    if (!isObject(section)) return;
    for (const [name, body] of Object.entries(section)) {
      const at = child('output', name);
      if (!isObject(body)) {
        this.error(at, `must be an object, got ${describe(body)}.`, 'emit { value: ... }');
        continue;
      }
      for (const key of Object.keys(body)) {
        if (key !== '//' && !OUTPUT_KEYS.has(key)) this.error(child(at, key), `unknown output setting "${key}".`, suggest(key, OUTPUT_KEYS, 'output setting'));
      }
      if (!('value' in body)) this.error(`${at}.value`, 'output has no "value".', 'set value');
      this.walkRefs(body.value, `${at}.value`, NO_SCOPE);
      if (body.depends_on !== undefined) this.checkDependsOn(body.depends_on, `${at}.depends_on`);
      if (body.precondition !== undefined) this.walkRefs(body.precondition, `${at}.precondition`, NO_SCOPE);
    }
  }
}

/**
 * The one ajv configuration for the Kubernetes schemas, shared by the run-time compiler in
 * validate/kubernetes-schema.ts and the precompiled validators that scripts/gen-k8s-validators.ts writes into
 * imports/schemas/kubernetes/validators/: both must generate the same checks, or a kind would validate differently
 * depending on which path it took (the generator splits custom-resource schemas into more functions first, which
 * changes the code's shape, not what it checks).
 *
 * Everything the generated code calls back into (Go-regex engine, formats, the list-map-keys check, ajv's string
 * length) is handed to the precompiled modules as one `runtime` object instead of being `require`d by them: the
 * modules live under imports/ and cannot `require` this TypeScript file under plain Node, and injecting it keeps a
 * single definition of each function for both paths.
 */
import Ajv, { CodeKeywordDefinition, KeywordCxt, Name, ValidateFunction, _, str } from 'ajv';
import type { RegExpEngine } from 'ajv/dist/types';
import { fullFormats } from 'ajv-formats/dist/formats';
import ucs2length from 'ajv/dist/runtime/ucs2length';
import * as ipaddr from 'ipaddr.js';
import type { RE2 } from 're2-wasm';
import { goRegExpAsJs } from './go-regexp';

/** What a precompiled validator module needs from its caller; see {@link VALIDATOR_RUNTIME}. */
export interface KubernetesValidatorRuntime {
  /** A schema `pattern` in Go's regexp syntax (RE2), compiled on its first test. */
  readonly re2: (pattern: string, flags: string) => { test(value: string): boolean };
  /** Every format the schemas may name, as registered with ajv (same object shapes, as the code depends on them). */
  readonly formats: Readonly<Record<string, unknown>>;
  /** The first repeated key tuple of an `x-kubernetes-list-map-keys` list, or undefined when the keys are unique. */
  readonly listMapDuplicate: (keys: readonly string[], items: readonly unknown[]) => string | undefined;
  /**
   * ajv's own string length (code points, as `minLength`/`maxLength` count them). ajv's code `require`s it from its
   * package, which from a module under imports/ costs a module resolution and an uncached compile: milliseconds.
   */
  readonly ucs2length: (value: string) => number;
}

/** ajv's run-time helpers its standalone code `require`s, by that code, as the generator replaces them. */
export const AJV_RUNTIME_REQUIRES: Readonly<Record<string, keyof KubernetesValidatorRuntime>> = {
  [ucs2length.code as string]: 'ucs2length',
};

/** A module under imports/schemas/kubernetes/validators/: a factory of one validate function per apiVersion/kind. */
export type ValidatorModuleFactory = (runtime: KubernetesValidatorRuntime) => Readonly<Record<string, ValidateFunction>>;

/** The free variable the generated code reads the injected {@link KubernetesValidatorRuntime} from. */
export const RUNTIME_NAME = 'runtime';
const RUNTIME = new Name(RUNTIME_NAME);

let re2Class: typeof RE2 | undefined;

/** Go's regexp (RE2) syntax, which CRD patterns are written in; JS RegExp rejects e.g. `(?i)` and `\PC`. */
function re2(pattern: string, flags: string): RE2 {
  // Loaded on first use: instantiating the WebAssembly module costs tens of milliseconds a synth may not need.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  re2Class ??= (require('re2-wasm') as typeof import('re2-wasm')).RE2;
  // re2-wasm only accepts unicode-mode expressions.
  return new re2Class(pattern, flags.includes('u') ? flags : `${flags}u`);
}

/** Compiled patterns by flags + source: the modules of different kinds repeat the same ones (DNS labels, quantities). */
const re2Cache = new Map<string, RE2>();

/** The same patterns as JavaScript RegExps where goRegExpAsJs can translate them (null: it cannot). */
const jsCache = new Map<string, RegExp | null>();

/**
 * Values up to this length are tested with the translated JavaScript RegExp. Translation rules out exponential
 * backtracking, not a polynomial one (`.*@.*\.iam\.gserviceaccount\.com`), so a longer value goes to RE2, which
 * is linear in it. Kubernetes names are at most 253 characters.
 */
export const JS_VALUE_LIMIT = 1000;

/** A lone UTF-16 surrogate: re2-wasm reads the value as UTF-8, where it has no code point of its own. */
const LONE_SURROGATE = /\p{Cs}/u;

/**
 * The precompiled modules create every pattern of their schema when they load; compiling one with RE2 takes
 * milliseconds, and most are never reached by the objects a synth renders, so each compiles on its first test.
 * Pattern syntax is still checked up front: the generator compiles every pattern eagerly (createKubernetesAjv).
 * Most patterns are plain enough for a JavaScript RegExp that accepts exactly the same strings (validate/go-regexp.ts):
 * those are tested without RE2, so a synth whose objects reach only such patterns never instantiates re2-wasm.
 * Sharing compiled patterns is safe: without the g or y flag, `test` keeps no state between calls.
 */
class LazyRe2 {
  private compiled: RE2 | undefined;
  private js: RegExp | null | undefined;

  constructor(
    private readonly pattern: string,
    private readonly flags: string,
  ) {}

  test(value: string): boolean {
    if (this.js === undefined) {
      const key = this.key();
      if (!jsCache.has(key)) jsCache.set(key, goRegExpAsJs(this.pattern, this.flags) ?? null);
      this.js = jsCache.get(key) ?? null;
    }
    if (this.js !== null && value.length <= JS_VALUE_LIMIT && !LONE_SURROGATE.test(value)) return this.js.test(value);
    if (!this.compiled) {
      const key = this.key();
      this.compiled = re2Cache.get(key) ?? re2(this.pattern, this.flags);
      re2Cache.set(key, this.compiled);
    }
    return this.compiled.test(value);
  }

  /** The caches' key: made when a cache is first consulted, not on every test. */
  private key(): string {
    return `${this.flags}/${this.pattern}`;
  }
}

/** Formats the schemas use beyond ajv-formats (index.json lists every format in use; unknown ones fail loudly). */
const EXTRA_FORMATS = {
  cidr: {
    type: 'string' as const,
    validate: (value: string): boolean => {
      try {
        ipaddr.parseCIDR(value);
        return true;
      } catch {
        return false;
      }
    },
  },
  // Kubernetes does not check it either (the apiextensions format registry has no idn-hostname).
  'idn-hostname': { type: 'string' as const, validate: (): boolean => true },
};

function listMapDuplicate(keys: readonly string[], items: readonly unknown[]): string | undefined {
  const seen = new Set<string>();
  for (const item of items) {
    if (typeof item !== 'object' || item === null) continue;
    const tuple = JSON.stringify(keys.map((k) => (item as Record<string, unknown>)[k] ?? null));
    if (seen.has(tuple)) return tuple;
    seen.add(tuple);
  }
  return undefined;
}

export const VALIDATOR_RUNTIME: KubernetesValidatorRuntime = {
  re2: (pattern, flags) => new LazyRe2(pattern, flags),
  formats: { ...fullFormats, ...EXTRA_FORMATS },
  listMapDuplicate,
  ucs2length,
};

/**
 * The engine ajv compiles patterns with: eager, so a pattern RE2 rejects fails the compile (at generation time for the
 * precompiled modules); standalone code calls `runtime.re2` instead (ajv emits `code` verbatim as the engine).
 */
const COMPILE_TIME_RE2: RegExpEngine = Object.assign((pattern: string, flags: string) => re2(pattern, flags), { code: `${RUNTIME_NAME}.re2` });

/**
 * CRD `x-kubernetes-list-type: map`: no two items may share the values of the key fields. A code-generating keyword,
 * as ajv's standalone output cannot contain keywords defined by a `validate` function.
 */
const listMapKeysKeyword: CodeKeywordDefinition = {
  keyword: 'x-kubernetes-list-map-keys',
  type: 'array',
  schemaType: 'array',
  error: {
    message: ({ schema, params }) => str`has two items with the same ${(schema as string[]).join('+')} (${params.duplicate})`,
    params: ({ schemaCode }) => _`{keys: ${schemaCode}}`,
  },
  code(cxt: KeywordCxt) {
    const { gen, data, schemaCode } = cxt;
    const find = gen.scopeValue('func', { ref: listMapDuplicate, code: _`${RUNTIME}.listMapDuplicate` });
    const duplicate = gen.const('duplicate', _`${find}(${schemaCode}, ${data})`);
    cxt.setParams({ duplicate });
    cxt.fail(_`${duplicate} !== undefined`);
  },
};

/**
 * An ajv instance for the Kubernetes schemas. `source: true` keeps the generated code, with line breaks for
 * reviewable diffs, so that `ajv/dist/standalone` can write it out; run-time compilation leaves both off (neither
 * changes what the code does).
 */
export function createKubernetesAjv(options: { readonly source?: boolean } = {}): Ajv {
  const ajv = new Ajv({
    allErrors: true,
    verbose: true,
    strictSchema: true,
    strictNumbers: true,
    strictTypes: false,
    strictTuples: false,
    strictRequired: false,
    // Standalone code refers to a format as `<code.formats>[name]` (ajv-formats' plugin would point it at its own
    // export, which lacks EXTRA_FORMATS, so its formats are added one by one below instead).
    code: { regExp: COMPILE_TIME_RE2, formats: _`${RUNTIME}.formats`, source: options.source ?? false, lines: options.source ?? false },
    // Large shared definitions (PodSpec, ObjectMeta) are compiled once and called, not pasted into every caller.
    inlineRefs: 8,
  });
  for (const [name, format] of Object.entries(VALIDATOR_RUNTIME.formats)) {
    ajv.addFormat(name, format as Parameters<Ajv['addFormat']>[1]);
  }
  ajv.addKeyword(listMapKeysKeyword);
  return ajv;
}

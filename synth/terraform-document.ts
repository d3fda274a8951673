import type { IConstruct } from 'constructs';
import { DefaultTokenResolver, StringConcat, TerraformElement, TerraformStack, Token, Tokenization } from '../core/cdktf';

/**
 * A stack's Terraform document as `TerraformStack.toTerraform()` makes it, without cdktf's `//` metadata (its
 * version and construct paths: not reproducible across upgrades, and noise in review), in a third of the time.
 *
 * `toTerraform()` resolves every element's fragment, merges them, then resolves the whole merged document again,
 * and resolves each element's metadata besides. Its resolver visits every key and string of the document through
 * closures and three regular expressions each, about 20 ms of a compile for the reference site, of which the second
 * pass over values it has just resolved and the metadata it makes for `//` were a third. Here each fragment is
 * resolved once, in the same order with the same merge: plain data (objects, arrays and strings no token can hide
 * in) is copied as it stands, `//` left out, and only what may hold a token goes to cdktf's resolver
 * (Tokenization.resolve, with the options toTerraform uses). The merged document is resolved again only where
 * resolving could change it (the stack's own overrides may hold tokens); elsewhere it is checked to be plain.
 *
 * Whatever fails here is rendered again by `toTerraform()` itself, so cdktf's errors keep their own messages and
 * paths; `test/terraform-document.test.ts` compares both renderings, and fails if cdktf's resolution changes shape.
 */
export function terraformDocument(stack: TerraformStack): Record<string, unknown> {
  try {
    return render(stack);
  } catch (error) {
    stack.toTerraform();
    throw error;
  }
}

function render(stack: TerraformStack): Record<string, unknown> {
  const resolver = new DefaultTokenResolver(new StringConcat());
  const cdktfResolve = (value: unknown): unknown => Tokenization.resolve(value, { scope: stack, preparing: false, resolver });
  const tf: Record<string, unknown> = {};
  for (const element of elementsOf(stack)) deepMerge(tf, resolveValue(element.toTerraform(), cdktfResolve, 0) as object);
  deepMerge(tf, rawOverridesOf(stack));
  // The merged fragments are resolved already: unless the stack's overrides brought something to resolve, the
  // second resolution would copy the document as it stands.
  return isResolved(tf, 0) ? tf : (resolveValue(tf, cdktfResolve, 0) as Record<string, unknown>);
}

/** The stack's elements in the order toTerraform merges them: depth first, not into nested stacks. */
function elementsOf(stack: TerraformStack): TerraformElement[] {
  const elements: TerraformElement[] = [];
  const visit = (node: IConstruct): void => {
    if (TerraformElement.isTerraformElement(node)) elements.push(node);
    for (const child of node.node.children) if (!TerraformStack.isStack(child)) visit(child);
  };
  visit(stack);
  return elements;
}

/** The stack's own overrides (`stack.addOverride`): cdktf keeps them in a private field, merged last. */
function rawOverridesOf(stack: TerraformStack): object {
  const overrides = (stack as unknown as { rawOverrides?: unknown }).rawOverrides;
  if (typeof overrides !== 'object' || overrides === null) throw new Error('cdktf changed: TerraformStack has no rawOverrides object');
  return overrides;
}

/**
 * Where cdktf's pattern for an encoded number in a string (`[-|\d|.+]+(e[-|\d|.|e|E|+]+)`) matches: a string
 * without such a match holds no number token.
 */
const NUMBER_TOKEN = /[-|\d.+]e[-|\d.eE+]/;
const { STRING_MAP_TOKEN_VALUE, ANY_MAP_TOKEN_VALUE, NUMBER_MAP_TOKEN_VALUE } = Token;

/** A string cdktf's resolver returns unchanged: no token marker (`${TfToken[`, `#{…`, `&{…`), no encoded number. */
function plainString(s: string): boolean {
  return !s.includes('TfToken[') && !NUMBER_TOKEN.test(s) && s !== STRING_MAP_TOKEN_VALUE && s !== ANY_MAP_TOKEN_VALUE;
}

function plainNumber(n: number): boolean {
  return n !== NUMBER_MAP_TOKEN_VALUE && !Token.isUnresolved(n);
}

/** An array cdktf's resolver maps element by element: no list token among its strings, and no number at all (a list token could hide in one). */
function plainArray(a: readonly unknown[]): boolean {
  for (const x of a) if (typeof x === 'number' || (typeof x === 'string' && x.includes('TfToken['))) return false;
  return true;
}

/** An object cdktf's resolver walks key by key: a plain object, not itself a token, with no token in a key. */
function plainObject(o: object, keys: readonly string[]): boolean {
  const proto = Object.getPrototypeOf(o) as unknown;
  return (proto === Object.prototype || proto === null) && !Tokenization.isResolvable(o) && keys.every(plainString);
}

/** Whether resolving `value` again would give a copy of it as it is (and no `//` or undefined to leave out). */
function isResolved(value: unknown, depth: number): boolean {
  if (depth > 200) return false;
  if (typeof value === 'string') return plainString(value);
  if (typeof value === 'number') return plainNumber(value);
  if (typeof value === 'boolean' || value === null) return true;
  if (typeof value !== 'object') return false;
  if (Array.isArray(value)) return plainArray(value) && value.every((x) => isResolved(x, depth + 1));
  const keys = Object.keys(value);
  if (!plainObject(value, keys)) return false;
  for (const key of keys) if (key === '//' || !isResolved((value as Record<string, unknown>)[key], depth + 1)) return false;
  return true;
}

/**
 * What cdktf's resolver makes of `value`, with `//` keys left out: plain objects and arrays are walked here (keys
 * in their order, undefined values dropped, as the resolver does), everything else goes to the resolver. A cycle
 * deeper than the resolver allows is thrown here and rendered again by toTerraform for its own error.
 */
function resolveValue(value: unknown, cdktfResolve: (value: unknown) => unknown, depth: number): unknown {
  if (depth > 200) throw new Error('Terraform document nested too deep');
  if (typeof value === 'string') return plainString(value) ? value : withoutMetadata(cdktfResolve(value));
  if (typeof value === 'number') return plainNumber(value) ? value : withoutMetadata(cdktfResolve(value));
  if (typeof value !== 'object' || value === null) {
    return typeof value === 'boolean' || value === null || value === undefined ? value : withoutMetadata(cdktfResolve(value));
  }
  if (Array.isArray(value)) {
    if (!plainArray(value)) return withoutMetadata(cdktfResolve(value));
    const out: unknown[] = [];
    for (const x of value) {
      const r = resolveValue(x, cdktfResolve, depth + 1);
      if (r !== undefined) out.push(r);
    }
    return out;
  }
  const keys = Object.keys(value);
  if (!plainObject(value, keys)) return withoutMetadata(cdktfResolve(value));
  const out: Record<string, unknown> = {};
  for (const key of keys) {
    if (key === '//') continue;
    const r = resolveValue((value as Record<string, unknown>)[key], cdktfResolve, depth + 1);
    if (r !== undefined) out[key] = r;
  }
  return out;
}

/** A resolved token's value without `//` keys (a token is free to resolve to an object with some). */
function withoutMetadata(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutMetadata);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (k !== '//') out[k] = withoutMetadata(v);
    return out;
  }
  return value;
}

/**
 * cdktf's merge of fragments (its util.deepMerge, which it does not export), step for step: objects merged key by
 * key, arrays concatenated, an undefined value deletes the key, a resolvable replaces what is there.
 */
function deepMerge(target: object, source: object): void {
  if (Tokenization.isResolvable(target)) throw new Error('cdktf: a resolvable cannot take overrides');
  if (typeof source !== 'object' || typeof target !== 'object') throw new Error('cdktf: only objects merge');
  const t = target as Record<string, unknown>;
  for (const key of Object.keys(source)) {
    const value = (source as Record<string, unknown>)[key];
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
      if (typeof t[key] !== 'object') t[key] = {};
      if (Tokenization.isResolvable(value)) {
        t[key] = value;
        continue;
      }
      deepMerge(t[key] as object, value);
    } else if (Array.isArray(value)) {
      const current = t[key];
      t[key] = Array.isArray(current) ? [...(current as unknown[]), ...value] : value;
    } else if (value === undefined) {
      delete t[key];
    } else {
      t[key] = value;
    }
  }
}

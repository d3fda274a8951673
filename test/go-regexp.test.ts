import fc from 'fast-check';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { RE2 } from 're2-wasm';
import { describe, expect, it } from 'vitest';
import { goRegExpAsJs } from '../validate/go-regexp';
import { JS_VALUE_LIMIT } from '../validate/kubernetes-ajv';
import { KUBERNETES_SCHEMA_DIR, validateManifests } from '../validate/kubernetes-schema';

/** Every `pattern` of the committed Kubernetes and CRD schemas: what the validators test values against. */
function schemaPatterns(): string[] {
  const out = new Set<string>();
  const visit = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(visit);
    else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) (k === 'pattern' && typeof x === 'string' ? out.add(x) : visit(x));
  };
  const walk = (dir: string): void => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (p.endsWith('.json')) visit(JSON.parse(fs.readFileSync(p, 'utf8')));
    }
  };
  walk(KUBERNETES_SCHEMA_DIR);
  return [...out].sort();
}

/** Characters where RE2 and JavaScript classes could part: line ends, other white space, non-ASCII, a pair. */
const TRICKY = ['\n', '\r', '\t', '\v', '\f', ' ', '\u00a0', '\u2028', '\u00e9', 'K', 'É', '\u{1F600}', '', '.', '-', '_', '/', '*', '@', ':', '0', 'a', 'Z'];

/** Strings the pattern matches, the same with one character inserted, replaced or removed, and strings of its own characters. */
function candidates(js: RegExp, pattern: string): fc.Arbitrary<string> {
  const alphabet = [...new Set([...TRICKY, ...pattern])];
  const unit = fc.constantFrom(...alphabet);
  const matching = fc.stringMatching(js, { size: 'small' });
  const mutated = fc.tuple(matching, fc.nat(), unit, fc.constantFrom('insert', 'replace', 'remove')).map(([s, at, c, how]) => {
    const i = s.length === 0 ? 0 : at % s.length;
    return how === 'insert' ? s.slice(0, i) + c + s.slice(i) : how === 'replace' ? s.slice(0, i) + c + s.slice(i + 1) : s.slice(0, i) + s.slice(i + 1);
  });
  return fc.oneof(matching, mutated, fc.string({ unit, maxLength: 12 }));
}

describe('goRegExpAsJs', () => {
  const patterns = schemaPatterns();
  const translated = patterns.filter((p) => goRegExpAsJs(p, 'u') !== undefined);

  it('translates the plain patterns of the schemas: every one the reference site reaches, and most of the rest', () => {
    for (const p of ['^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$', '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$', '^[-._a-zA-Z0-9]+$', '^/(\\S+)', '^[1-9][0-9]*[dwm]$']) {
      expect(translated).toContain(p);
    }
    expect(translated.length).toBeGreaterThan(patterns.length * 0.75);
  });

  it('accepts exactly the strings RE2 accepts, for every schema pattern it translates', () => {
    for (const pattern of translated) {
      const js = goRegExpAsJs(pattern, 'u')!;
      const re2 = new RE2(pattern, 'u');
      fc.assert(
        fc.property(candidates(js, pattern), (value) => {
          // The caller sends these to RE2 (LazyRe2 in validate/kubernetes-ajv.ts).
          if (value.length > JS_VALUE_LIMIT || /\p{Cs}/u.test(value)) return;
          expect(js.test(value), `${pattern} on ${JSON.stringify(value)}`).toBe(re2.test(value));
        }),
        { seed: 15, numRuns: 150 },
      );
    }
  });

  it('leaves to RE2 what it cannot translate exactly: flags, Unicode classes, word boundaries, POSIX classes, escapes it does not know', () => {
    for (const p of ['^(?i)(abort|warn)?$', '^\\PC*$', '\\bword', '[[:alpha:]]', '\\Qa.b\\E', 'a\\z', 'a{1001}', 'x{3,2}', '[]a]', '(?P<n>a)', 'a**', '[a-z-0]']) {
      expect(goRegExpAsJs(p, 'u'), p).toBeUndefined();
    }
    expect(goRegExpAsJs('^[a-z]$', 'ui')).toBeUndefined();
  });

  it('leaves to RE2 a repeated group whose iterations could split a text more than one way (JavaScript would backtrack exponentially)', () => {
    for (const p of ['^([-a-zA-Z0-9_]+[.]?)+$', '^(a|ab)*$', '^(\\.(a|b))*$', '^(\\.a*b*)*$', '^(x[a-z]*x?)*$', '^([a-zA-Z0-9]-?)*$', '^(a*)*$']) {
      expect(goRegExpAsJs(p, 'u'), p).toBeUndefined();
    }
    // Delimited by a character nothing else in the group matches: each iteration is found one way.
    expect(goRegExpAsJs('^(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$', 'u')).toBeDefined();
    expect(goRegExpAsJs('^( [^\\s]+){4}$', 'u')).toBeDefined();
  });

  it('fails when a value breaks a pattern tested without RE2 (a DNS subdomain)', () => {
    const service = {
      apiVersion: 'external-secrets.io/v1',
      kind: 'ExternalSecret',
      metadata: { name: 'db', namespace: 'web' },
      spec: { secretStoreRef: { kind: 'ClusterSecretStore', name: 'Not_A-Name' }, target: { name: 'db' }, data: [{ secretKey: 'password', remoteRef: { key: 'db' } }] },
    };
    expect(validateManifests([service])).toEqual([expect.objectContaining({ path: 'spec.secretStoreRef.name', rule: 'pattern' })]);
    service.spec.secretStoreRef.name = 'secret-store.example';
    expect(validateManifests([service])).toEqual([]);
  });
});

import * as fs from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildModel } from '../model';
import { SiteError, parseSite } from '../site';
import { EXIT, runSynth } from '../synth/run-synth';
import { SynthError } from '../synth/synthesize';
import { FixtureBase, baseFactsFile, baseLockFile, baseSite, tempDir, writeSiteYaml } from './support/sites';
import { filesUnder, sourcesOf, verifiedOnce } from './support/verified-once';

/**
 * Property: a site with random mistakes (wrong types, extreme numbers, removed and duplicated list entries, swapped
 * references) is either compiled or refused with a site error; never an uncaught exception, never a stack trace,
 * never a write. Most cases stop after the model, where every site-only check runs; a fixed sample goes through synth
 * in-process into a fresh folder. The seed is fixed per run and printed by fast-check on failure with the mutations.
 */

type Key = string | number;
type Mutation =
  | { readonly op: 'set'; readonly at: number; readonly value: unknown }
  | { readonly op: 'remove'; readonly at: number }
  | { readonly op: 'duplicate'; readonly at: number }
  | { readonly op: 'swap'; readonly at: number; readonly with: number };

/** Every place in a site: objects, lists and values, by path. */
function paths(node: unknown, at: Key[] = [], out: Key[][] = []): Key[][] {
  out.push(at);
  if (Array.isArray(node)) node.forEach((v, i) => paths(v, [...at, i], out));
  else if (node && typeof node === 'object') for (const [k, v] of Object.entries(node)) paths(v, [...at, k], out);
  return out;
}

function parentOf(root: unknown, at: readonly Key[]): Record<Key, unknown> | undefined {
  let cur = root as Record<Key, unknown> | undefined;
  for (const k of at.slice(0, -1)) {
    if (!cur || typeof cur !== 'object') return undefined;
    cur = cur[k] as Record<Key, unknown> | undefined;
  }
  return cur && typeof cur === 'object' ? cur : undefined;
}

/**
 * Values a person (or a broken generator) might put anywhere: wrong types, zero, negatives, huge and odd numbers, and
 * near misses the schema admits in shape but a builder may not (versions without their v, a release candidate, an
 * old Kubernetes release, PostgreSQL majors without an image, a qcow2 image).
 */
const ODD_VALUES: readonly unknown[] = [
  '', 'x', 'latest', '10.0.0.0/8', '999.1.1.1', true, null, {}, [], 0, -1, 0.5, 1e9, 1e21, 100000, Number.NaN, Number.POSITIVE_INFINITY, 4095, 65536,
  '0.8.9', '1.30.14', '1.31.0-rc.1', 13, 18, 'https://example.com/images/noble.qcow2',
];

function mutate(site: Record<string, unknown>, mutations: readonly Mutation[]): string[] {
  const done: string[] = [];
  for (const m of mutations) {
    const all = paths(site).filter((p) => p.length > 0);
    if (all.length === 0) break;
    const at = all[m.at % all.length];
    const parent = parentOf(site, at);
    if (!parent) continue;
    const key = at[at.length - 1];
    const where = at.map((k) => (typeof k === 'number' ? `[${k}]` : `.${k}`)).join('').replace(/^\./, '');
    if (m.op === 'set') {
      parent[key] = m.value;
      done.push(`set ${where} = ${String(m.value)}`);
    } else if (m.op === 'remove') {
      if (Array.isArray(parent) && typeof key === 'number') parent.splice(key, 1);
      else delete parent[key];
      done.push(`remove ${where}`);
    } else if (m.op === 'duplicate') {
      if (Array.isArray(parent)) parent.push(JSON.parse(JSON.stringify(parent[key as number]) ?? 'null'));
      else parent[key] = [parent[key], parent[key]];
      done.push(`duplicate ${where}`);
    } else {
      // A swapped reference: another string of the same site (a VLAN, pool, storage, app or dependency name).
      const strings = all.map((p) => parentOf(site, p)?.[p[p.length - 1]]).filter((v): v is string => typeof v === 'string');
      if (strings.length === 0) continue;
      parent[key] = strings[m.with % strings.length];
      done.push(`swap ${where} = ${JSON.stringify(parent[key])}`);
    }
  }
  return done;
}

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ op: fc.constant('set' as const), at: fc.nat(), value: fc.constantFrom(...ODD_VALUES) }),
  fc.record({ op: fc.constant('remove' as const), at: fc.nat() }),
  fc.record({ op: fc.constant('duplicate' as const), at: fc.nat() }),
  fc.record({ op: fc.constant('swap' as const), at: fc.nat(), with: fc.nat() }),
);
const fuzzCase = fc.record({ base: fc.constantFrom<FixtureBase>('hookprobe', 'homelab'), mutations: fc.array(mutation, { minLength: 1, maxLength: 3 }) });

const SITES_DIR = path.join(__dirname, '..', 'sites');
const STACK_FRAME = /^\s+at .+[:(]\d+/m;
/** Fixed per run so a failure reproduces; fast-check prints it with the shrunk case. */
const SEED = Number(process.env.SITE_FUZZ_SEED ?? 20_261_204);
/** SITE_FUZZ_RUNS / SITE_FUZZ_SYNTH_RUNS raise the counts for a longer hunt; npm test uses the defaults. */
export const FUZZ_RUNS = Number(process.env.SITE_FUZZ_RUNS ?? 2000);
const FULL_SYNTH_RUNS = Number(process.env.SITE_FUZZ_SYNTH_RUNS ?? 20);

describe('fuzzing both sites with random mistakes', () => {
  it(`refuses or compiles ${FUZZ_RUNS} mutated sites through the model, never throwing anything but a site error`, () => {
    // The seed fixes the cases: run once per content of the compiler's modules this file imports, the committed sites
    // beside their locks and facts, and npm's lock; SITE_FUZZ_SEED or SITE_FUZZ_RUNS make a new hunt.
    verifiedOnce(`site-fuzz-model-${SEED}-${FUZZ_RUNS}`, [...sourcesOf('test/site-fuzz.test.ts'), ...filesUnder(SITES_DIR)], fuzzThroughModel);
  }, 300_000);

  function fuzzThroughModel(): void {
    const started = Date.now();
    let refused = 0;
    fc.assert(
      fc.property(fuzzCase, ({ base, mutations }) => {
        const site = baseSite(base);
        const done = mutate(site, mutations);
        try {
          buildModel(parseSite(site, `${base}.yaml`), `${base}.yaml`, { siteDir: SITES_DIR });
        } catch (err) {
          if (err instanceof SiteError) {
            refused += 1;
            return;
          }
          throw new Error(`${base} with ${done.join('; ')}: ${err instanceof Error ? err.stack : String(err)}`);
        }
      }),
      { numRuns: FUZZ_RUNS, seed: SEED },
    );
    // Most random mistakes are refused; the few that are not are valid sites (a removed optional field).
    expect(refused).toBeGreaterThan(FUZZ_RUNS / 2);
    console.log(`site fuzz (seed ${SEED}): ${FUZZ_RUNS} cases through the model in ${Date.now() - started} ms, ${refused} refused`);
  }

  it(`runs ${FULL_SYNTH_RUNS} mutated sites through synth: exit 0 or 1, no stack trace, nothing written when refused`, () => {
    fc.assert(
      fc.property(fuzzCase, ({ base, mutations }) => {
        const site = baseSite(base);
        const done = mutate(site, mutations);
        const file = writeSiteYaml(site, 'site.yaml');
        fs.copyFileSync(baseLockFile(base), path.join(path.dirname(file), 'site.lock.yaml'));
        fs.copyFileSync(baseFactsFile(base), path.join(path.dirname(file), 'site.facts.yaml'));
        const out = path.join(tempDir(), 'out');
        const err: string[] = [];
        const code = runSynth(['--quiet', '--site', file, '--out', out], { out: () => undefined, err: (l) => err.push(l), cwd: path.dirname(file) });
        const text = `${base} with ${done.join('; ')}:\n${err.join('\n')}`;
        expect([EXIT.ok, EXIT.refused], text).toContain(code);
        expect(text).not.toMatch(STACK_FRAME);
        if (code === EXIT.refused) expect(fs.existsSync(out), text).toBe(false);
      }),
      { numRuns: FULL_SYNTH_RUNS, seed: SEED },
    );
  }, 300_000);

  it('fails when the property meets an exception that is not a site error (the harness itself is sound)', () => {
    expect(() => mutate(baseSite('hookprobe'), [{ op: 'set', at: 0, value: 1 }])).not.toThrow();
    expect(new SynthError(['x'])).toBeInstanceOf(Error);
  });
});

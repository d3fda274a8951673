import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { chartFactsFileFor, readChartFacts } from '../constructs/chart-facts-file';
import { chartLockFileFor, readChartLock } from '../constructs/chart-lock';
import type { SiteModel } from '../model';
import { argoCdSyncFindings } from '../synth/argocd-sync-check';
import { renderReview } from '../synth/review-report';
import { LazyFileTree } from '../synth/lazy-file-tree';
import { SynthResult, synthesize } from '../synth/synthesize';
import { checkFlows } from '../validate/network-flows';
import { checkPolicy } from '../validate/policy';
import { checkTreeScheduling } from '../validate/scheduling-input';
import { siteWithEdges } from './support/gitops';

/**
 * The checks that read per-edge objects stay linear in the fleet. Time is never asserted: the work is counted as the
 * array elements the check visits (every scan, copy and spread goes through one of the counted methods or the array
 * iterator), which is the same on every run. With W(n) = C + L·n + Q·n², the growth from 2n to 4n edges is twice the
 * growth from n to 2n when Q = 0 and four times when the linear part is negligible; a quadratic scan of the edges (the
 * one that made 100,000 edges take 53 minutes) shows as a ratio well above 2.
 */

const PROJECT_ROOT = path.resolve(__dirname, '..');
const FACTS = readChartFacts(chartFactsFileFor(path.join(PROJECT_ROOT, 'sites', 'hookprobe.ts')));
const LOCK = readChartLock(chartLockFileFor(path.join(PROJECT_ROOT, 'sites', 'hookprobe.ts')));
const SIZES = [150, 300, 600] as const;
/** Linear growth gives at most 2.0; the margin covers shard counts and lists that change in steps. */
const MAX_GROWTH_RATIO = 2.4;

const SCANS = ['some', 'every', 'find', 'findIndex', 'filter', 'map', 'forEach', 'flatMap', 'reduce', 'includes', 'indexOf', 'join', 'slice', 'concat'] as const;

/** Array elements visited while `run` runs. */
function elementVisits(run: () => unknown): number {
  const proto = Array.prototype as unknown as Record<string | symbol, (...args: unknown[]) => unknown>;
  const saved = new Map<string | symbol, (...args: unknown[]) => unknown>([...SCANS, Symbol.iterator].map((k) => [k, proto[k]]));
  let visits = 0;
  for (const name of SCANS) {
    const original = saved.get(name) as (...args: unknown[]) => unknown;
    proto[name] = function counted(this: unknown[], ...args: unknown[]) {
      visits += this.length;
      return original.apply(this, args);
    };
  }
  const values = saved.get(Symbol.iterator) as (this: unknown[]) => Iterator<unknown>;
  proto[Symbol.iterator] = function counted(this: unknown[]) {
    const it = values.call(this);
    return {
      next: () => {
        visits += 1;
        return it.next();
      },
      [Symbol.iterator]() {
        return this;
      },
    };
  };
  try {
    run();
  } finally {
    for (const [k, f] of saved) proto[k] = f;
  }
  return visits;
}

interface Fleet {
  readonly model: SiteModel;
  readonly result: SynthResult;
}

function fleet(edges: number): Fleet {
  const { model } = siteWithEdges(edges);
  const result = synthesize(model, [], { chartSources: { lock: LOCK, facts: FACTS, kubeVersion: model.kubernetes.version, apiVersions: FACTS.apiVersions } });
  return { model, result };
}

/**
 * (W(4n) - W(2n)) / (W(2n) - W(n)) for a check run over the three fleets. A check that reads the edges through one
 * representative grows by nothing but the shards' steps: 5% of W(n) in the divisor keeps that jitter from reading as growth.
 */
function growthRatio(fleets: readonly Fleet[], check: (f: Fleet) => unknown): number {
  const [a, b, c] = fleets.map((f) => elementVisits(() => check(f)));
  return (c - b) / (Math.abs(b - a) + 0.05 * a);
}

describe('the per-edge checks', () => {
  const fleets = SIZES.map(fleet);

  it('count the work the same way every time (the meter is deterministic)', () => {
    const once = elementVisits(() => checkPolicy(fleets[0].result.manifests, fleets[0].model));
    expect(elementVisits(() => checkPolicy(fleets[0].result.manifests, fleets[0].model))).toBe(once);
  });

  it('fails when a scan of every element per element is metered (the meter sees quadratic work)', () => {
    const quadratic = (n: number): number => elementVisits(() => {
      const items = Array.from({ length: n }, (_, i) => i);
      let seen: number[] = [];
      for (const i of items) seen = [...seen, i];
      return seen;
    });
    const [a, b, c] = SIZES.map(quadratic);
    expect((c - b) / (Math.abs(b - a) + 0.05 * a)).toBeGreaterThan(3.5);
  });

  it('simulate the Argo CD sync in work linear in the edges', () => {
    expect(growthRatio(fleets, (f) => argoCdSyncFindings(f.result, FACTS))).toBeLessThan(MAX_GROWTH_RATIO);
  });

  it('evaluate the network flows in work linear in the edges', () => {
    expect(growthRatio(fleets, (f) => checkFlows({ model: f.model, manifests: f.result.manifests, releases: f.result.releaseFacts ?? [] }))).toBeLessThan(MAX_GROWTH_RATIO);
  });

  it('check the policy and the scheduling in work linear in the edges', () => {
    expect(growthRatio(fleets, (f) => checkPolicy(f.result.manifests, f.model))).toBeLessThan(MAX_GROWTH_RATIO);
    expect(growthRatio(fleets, (f) => checkTreeScheduling(f.model, f.result.manifests, FACTS))).toBeLessThan(MAX_GROWTH_RATIO);
  });

  it('write REVIEW.md in work linear in the edges', () => {
    const review = (f: Fleet): string => {
      const policy = checkPolicy(f.result.manifests, f.model);
      const flows = checkFlows({ model: f.model, manifests: f.result.manifests, releases: f.result.releaseFacts ?? [] });
      return renderReview(f.model, f.result, policy, flows);
    };
    expect(growthRatio(fleets, review)).toBeLessThan(MAX_GROWTH_RATIO);
  });
});

describe('the output tree of a fleet', () => {
  it('holds no per-edge file as text: what synth keeps as text does not grow with the edges', () => {
    // Each edge's cluster ExternalSecret is rendered when read (LazyFileTree), so the text synth holds until the
    // write is the same for 150 and 600 edges; held as text, it grew by about 1.2 KB an edge.
    const [small, , large] = SIZES.map((n) => ({ n, tree: fleet(n).result.files }));
    const held = [small, large].map(({ tree }) => LazyFileTree.heldAsText(tree));
    expect(large.tree.size - small.tree.size).toBeGreaterThanOrEqual(large.n - small.n);
    expect(held[1].files).toBe(held[0].files);
    // The edge lists and shards grow by about 240 characters an edge (measured: 238); the per-edge files held as
    // text would add about 1,200 more.
    expect((held[1].chars - held[0].chars) / (large.n - small.n)).toBeLessThan(600);
  });

  it('fails when a tree holds its files as text (the count itself)', () => {
    const plain = new Map([['a.yaml', 'x: 1\n'], ['b.yaml', 'y: 22\n']]);
    expect(LazyFileTree.heldAsText(plain)).toEqual({ files: 2, chars: 11 });
    const lazy = LazyFileTree.copy(plain);
    lazy.setLazy('c.yaml', (i) => `z: ${i}\n`, 7);
    expect(LazyFileTree.heldAsText(lazy)).toEqual({ files: 2, chars: 11 });
    expect(lazy.get('c.yaml')).toBe('z: 7\n');
  });
});

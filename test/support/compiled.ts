import * as path from 'node:path';
import { SiteModel, buildModel } from '../../model';
import { Site, siteSchema } from '../../site';
import { loadSite } from '../../site/load';
import { CompileOptions, CompiledSite, compileSite } from '../../synth/compile-site';
import { withReview } from '../../synth/review-report';
import reference from '../../sites/hookprobe';
import { FileTree, SynthResult, synthesize } from '../../synth/synthesize';
import { FixtureBase, baseSite } from './sites';

// The committed sites compiled once per worker and shared by every test file that only reads them: vitest runs the
// files of a worker in one module registry (vitest.config.mts: isolate false), so this module's caches live as long
// as the worker. A compile that a test patches is never cached here.

const ROOT = path.resolve(__dirname, '..', '..');

const compiledSites = new Map<string, CompiledSite>();

/**
 * `compileSite(loadSite(file))` of a committed site, as `npm run synth` compiles it. Shared: read it, never change it
 * (a test that edits a tree copies it first, e.g. `new Map(compiled.tree)`).
 */
export function committedCompile(file: 'sites/hookprobe.ts' | 'sites/homelab.ts', options: Pick<CompileOptions, 'enforceChecks'> = {}): CompiledSite {
  const key = `${file}\0${options.enforceChecks !== false}`;
  let compiled = compiledSites.get(key);
  if (!compiled) {
    compiled = compileSite(loadSite(file, ROOT), options);
    compiledSites.set(key, compiled);
  }
  return compiled;
}

let synthesized: { model: SiteModel; result: SynthResult } | undefined;

/** The reference site's model and `synthesize(model)` without checks or chart sources. Shared: read it, never change it. */
export function synthesizedReference(): { model: SiteModel; result: SynthResult } {
  if (!synthesized) {
    const model = buildModel(reference);
    synthesized = { model, result: synthesize(model) };
  }
  return synthesized;
}

const reviewedTrees = new Map<FixtureBase, { site: Site; tree: FileTree }>();

/**
 * A committed site as plain data parsed again, its model without the site file's context (no lock, no facts) and
 * its tree with REVIEW.md: what the review tests compare a patched copy with. The tree is a fresh copy on every
 * call (the review sets sync options in the tree it is given); the site is shared and read-only.
 */
export function reviewedBase(base: FixtureBase): { site: Site; tree: FileTree } {
  let kept = reviewedTrees.get(base);
  if (!kept) {
    const site = siteSchema.parse(baseSite(base));
    const model = buildModel(site);
    kept = { site: deepFreeze(site), tree: withReview(model, synthesize(model)) };
    reviewedTrees.set(base, kept);
  }
  return { site: kept.site, tree: new Map(kept.tree) };
}

/** Freezes a plain-data value, so a test that writes into shared data fails where it writes. */
function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value as Record<string, unknown>)) deepFreeze(v);
  }
  return value;
}

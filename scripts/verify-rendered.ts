/**
 * The `rendered` delivery end to end with the real charts: a site is compiled as `npm run synth` does, with every
 * chart-based add-on switched to `rendered` and the charts read straight from a mirror folder (whose content digests
 * the reference locks pin), so every check runs on the upstream objects: schemas, CRDs, policy (with the add-ons'
 * declared exceptions) and the GitOps checks. Part of `npm run verify:upstream`.
 *
 * A release whose chart folder lacks dependency charts its values enable cannot be rendered (helm needs them); its
 * add-on stays on `argocd` delivery and the report says so, so what was not proven is never silent.
 */
import * as path from 'node:path';
import { ADDON_CATALOG } from '../addons/catalog';
import { withRenderableChart } from '../constructs/chart-measure';
import { byCodePoint } from '../core/order';
import { SiteError } from '../site/errors';
import { loadSite } from '../site/load';
import type { Site } from '../site/spec';
import { compileSite } from '../synth/compile-site';
import { SynthError } from '../synth/synthesize';
import { chartIn, siteReleases } from './measure-facts';

export interface RenderedReport {
  /** What was rendered and checked, and what was not. */
  readonly lines: readonly string[];
  /** Every finding of every check; empty when the site compiles in rendered delivery. */
  readonly failures: readonly string[];
  /** Components left on argocd delivery, each with why. */
  readonly notRendered: readonly string[];
}

/** The site with every chart-based add-on on `rendered` delivery except the components named in `keep`. */
export function withRenderedDelivery(site: Site, keep: ReadonlySet<string>, componentOf: (key: string) => string | undefined): Site {
  const copy = structuredClone(site) as Site;
  const platform = copy.platform as { delivery: string; addons: Record<string, { chartVersion?: string; delivery?: string } | undefined> };
  platform.delivery = 'rendered';
  for (const [key, addon] of Object.entries(platform.addons)) {
    if (addon?.chartVersion === undefined) continue;
    const component = componentOf(key);
    addon.delivery = component !== undefined && keep.has(component) ? 'argocd' : 'rendered';
  }
  return copy;
}

/**
 * Compiles one site in rendered delivery against the charts of `chartsDir`. Nothing is written; every problem is
 * collected, nothing is thrown for a site problem.
 */
export function verifyRendered(site: string, chartsDir: string, root: string): RenderedReport {
  const siteFile = path.resolve(root, site);
  const { releases } = siteReleases(siteFile, root);
  // Components whose chart folder lacks dependencies the values enable: helm cannot render them.
  const lacking = new Map<string, string[]>();
  for (const r of releases) {
    const chart = chartIn(chartsDir, r.chart, r.version);
    const missing = chart === undefined ? [`the chart itself (${r.chart}-${r.version})`] : withRenderableChart(chart, r.values, (_p, unmeasured) => [...unmeasured]);
    if (missing.length > 0) lacking.set(r.component, [...(lacking.get(r.component) ?? []), `${r.chart} ${r.version} lacks ${missing.join(', ')}`]);
  }
  const notRendered = [...lacking.entries()].sort(([a], [b]) => byCodePoint(a, b)).map(([component, why]) => `${component} (${why.join('; ')})`);

  const loaded = loadSite(siteFile, root);
  const componentOf = new Map<string, string>(ADDON_CATALOG.map((f) => [f.key, f.component]));
  const rendered = withRenderedDelivery(loaded.site, new Set(lacking.keys()), (key) => componentOf.get(key));
  const failures: string[] = [];
  const lines: string[] = [];
  try {
    const compiled = compileSite({ ...loaded, site: rendered }, { chartCacheDir: chartsDir });
    const components = compiled.model.components.filter((c) => c.delivery === 'rendered').map((c) => c.name);
    const objects = components.reduce((n, c) => n + (compiled.result.manifests.get(c)?.length ?? 0), 0);
    const builtIn = compiled.policy.exceptions.filter((e) => e.source === 'built-in').length;
    lines.push(
      `${site}: rendered delivery: ${components.length} components rendered from ${chartsDir} (${objects} objects), every check passed, ` +
        `${builtIn} findings let through by the add-ons' declared exceptions, ${compiled.policy.findings.length} policy findings`,
    );
  } catch (err) {
    if (err instanceof SynthError) failures.push(...err.findings.map((f) => `${site}: rendered delivery: ${f}`));
    else if (err instanceof SiteError) failures.push(...err.message.split('\n').slice(1).map((l) => `${site}: rendered delivery: ${l.trim()}`));
    else throw err;
  }
  if (notRendered.length > 0) lines.push(`${site}: rendered delivery: NOT RENDERED (left on argocd delivery): ${notRendered.join('; ')}`);
  return { lines, failures, notRendered };
}

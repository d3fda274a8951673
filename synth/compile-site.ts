import { chartFactsFileFor, readChartFacts } from '../constructs/chart-facts-file';
import { ChartLock, chartLockFileFor, readChartLock } from '../constructs/chart-lock';
import { SiteModel, buildModel } from '../model';
import type { LoadedSite } from '../site/load';
import { PolicyReport, checkPolicy, formatFinding } from '../validate/policy';
import { SCHEMA_CHECKS } from './checks';
import { withReview } from './review-report';
import { FileTree, SynthError, SynthResult, synthesize } from './synthesize';
import { withManifest } from './tree-manifest';

export interface CompiledSite {
  readonly model: SiteModel;
  readonly result: SynthResult;
  readonly policy: PolicyReport;
  readonly lock: ChartLock;
  /** Every file of the output folder, REVIEW.md and the manifest of what was written included. */
  readonly tree: FileTree;
}

export interface CompileOptions {
  /**
   * Refuse the tree when a check finds a problem (schema, secrets, policy).
   * @default true - what `npm run synth` does; `npm run diff` shows the tree and reports instead
   */
  readonly enforceChecks?: boolean;
  /**
   * Where rendered delivery reads the locked charts (`<chart>-<version>/` folders or `.tgz` archives).
   * @default - .cache/charts in the project, which `npx site-compiler vendor` fills
   */
  readonly chartCacheDir?: string;
}

/** Site -> model -> synthesized tree, the one path `npm run synth`, `npm run diff` and the tests share. */
export function compileSite(loaded: LoadedSite, options: CompileOptions = {}): CompiledSite {
  const lock = readChartLock(chartLockFileFor(loaded.file));
  const facts = readChartFacts(chartFactsFileFor(loaded.file));
  const model = buildModel(loaded.site, loaded.source, { siteDir: loaded.dir });
  const enforce = options.enforceChecks !== false;
  const result = synthesize(model, enforce ? SCHEMA_CHECKS : [], {
    // Rendered charts see the same API versions their facts were measured with (the CRDs the site's charts install).
    chartSources: { lock, facts, kubeVersion: model.kubernetes.version, apiVersions: facts.apiVersions, ...(options.chartCacheDir ? { cacheDir: options.chartCacheDir } : {}) },
  });
  // Evaluated once: it both gates the tree and feeds REVIEW.md.
  const policy = checkPolicy(result.manifests, model);
  if (enforce && policy.findings.length > 0) throw new SynthError(policy.findings.map(formatFinding));
  return { model, result, policy, lock, tree: withManifest(withReview(model, result, policy), model.name) };
}

import v8 from 'node:v8';
import { chartFactsFileFor, deliveredCharts, readChartFacts } from '../constructs/chart-facts-file';
import { ChartLock, chartLockFileFor, readChartLock } from '../constructs/chart-lock';
import { SiteModel, buildModel } from '../model';
import type { LoadedSite } from '../site/load';
import { PolicyReport, checkPolicy, formatFinding } from '../validate/policy';
import { checkTreeScheduling } from '../validate/scheduling-input';
import { FlowReport, checkFlows, formatFlowFinding } from '../validate/network-flows';
import { argoCdSyncFindings } from './argocd-sync-check';
import { SCHEMA_CHECKS } from './checks';
import { withReview } from './review-report';
import { FileTree, SynthError, SynthResult, synthesize } from './synthesize';
import { withManifest } from './tree-manifest';

/**
 * From this many edges on, a compile lets the heap grow by a fifth after each full collection instead of V8's default
 * (which can double it): a large fleet allocates far more than it keeps. At 100,000 edges the default let the heap
 * reach 725 MiB of peak RSS; with the flag it peaked at 449-459 MiB in the same time (17.8 s against 17.9 s, output on
 * tmpfs, interleaved). At 10,000 edges it saved nothing and cost 4% of the time, so smaller sites keep the default.
 */
const LARGE_FLEET_EDGES = 20_000;

export interface CompiledSite {
  readonly model: SiteModel;
  readonly result: SynthResult;
  readonly policy: PolicyReport;
  /** The needed network flows and how the tree's policies treat them. */
  readonly flows: FlowReport;
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
  // The charts' kubeVersion constraints go into the model's checks, so a Kubernetes release helm would refuse is a site problem.
  const model = buildModel(loaded.site, loaded.source, { siteDir: loaded.dir, charts: deliveredCharts(lock, facts) });
  // Process-wide and never undone: a process that compiled one large fleet keeps collecting its heap early.
  if ((model.edgeFleet?.edges.length ?? 0) >= LARGE_FLEET_EDGES) v8.setFlagsFromString('--heap-growing-percent=20');
  const enforce = options.enforceChecks !== false;
  const result = synthesize(model, enforce ? SCHEMA_CHECKS : [], {
    // Rendered charts see the same API versions their facts were measured with (the CRDs the site's charts install).
    chartSources: { lock, facts, kubeVersion: model.kubernetes.version, apiVersions: facts.apiVersions, ...(options.chartCacheDir ? { cacheDir: options.chartCacheDir } : {}) },
  });
  // Evaluated once each: they both gate the tree and feed REVIEW.md.
  const policy = checkPolicy(result.manifests, model);
  // Every pod of the tree and of the charts Argo CD renders, placed on the nodes the tree creates.
  const scheduling = checkTreeScheduling(model, result.manifests, facts, loaded.projectPath);
  const flows = checkFlows({ model, manifests: result.manifests, releases: result.releaseFacts ?? [] });
  // Argo CD's sync of the tree, simulated: what the cluster would refuse or where the root sync would stop.
  const sync = enforce ? argoCdSyncFindings(result, facts) : [];
  // Every check's findings together, so one run shows every mistake.
  const refused = [...policy.findings.map(formatFinding), ...scheduling.problems, ...flows.findings.map(formatFlowFinding), ...sync];
  if (enforce && refused.length > 0) throw new SynthError(refused);
  const checked = scheduling.warnings.length > 0 ? { ...result, warnings: [...result.warnings, ...scheduling.warnings] } : result;
  return { model, result: checked, policy, flows, lock, tree: withManifest(withReview(model, checked, policy, flows, scheduling), model.name) };
}

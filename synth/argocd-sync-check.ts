import type { ChartFactsFile } from '../constructs/chart-facts-file';
import { RUNTIME_CRD_GROUPS, builtInApiGroups, committedReleaseFacts } from '../charts/gitops/measured-facts';
import { formatSyncFinding, simulateArgoCdSync } from '../validate/argocd-sync';
import { SynthError, SynthResult } from './synthesize';

/**
 * The Argo CD sync simulation over a synthesized tree: the root Application from the bootstrap, every Application's
 * folder and, from the measured chart facts, its charts. One line per finding; any line refuses the tree.
 */
export function argoCdSyncFindings(result: Pick<SynthResult, 'files' | 'manifests'> & Partial<Pick<SynthResult, 'extraManifests' | 'data'>>, facts: Pick<ChartFactsFile, 'releases'>): string[] {
  return simulateArgoCdSync({
    folders: result.manifests,
    files: result.files,
    // The bootstrap's and the edge workload's objects as synth wrote them, not parsed back from their text.
    objects: result.extraManifests,
    data: result.data,
    // The site's own facts first, then the committed ones the Applications fall back to (as lookupFacts does).
    charts: [...facts.releases, ...committedReleaseFacts()],
    builtInGroups: builtInApiGroups(),
    runtimeCrds: RUNTIME_CRD_GROUPS,
  }).map(formatSyncFinding);
}

/** What compileSite runs before it returns a tree: any finding refuses the whole tree, like the policy. */
export function refuseOnSyncFindings(result: Pick<SynthResult, 'files' | 'manifests'>, facts: Pick<ChartFactsFile, 'releases'>): void {
  const findings = argoCdSyncFindings(result, facts);
  if (findings.length > 0) throw new SynthError(findings);
}

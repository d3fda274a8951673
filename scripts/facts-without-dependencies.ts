/**
 * Compares committed chart facts with facts measured from a mirror whose chart folder lacks dependency charts
 * the committed facts were measured with. Only the parent's part can be verified then: everything the mirror
 * renders must be in the committed facts, unchanged; what the committed facts hold beyond it is attributed to
 * the missing dependencies (workloads by their `helm.sh/chart` label) and reported as not verified.
 */
import { canonicalJson, type ReleaseFacts } from '../constructs/chart-facts-file';
import type { MeasuredChart } from '../constructs/chart-measure';

export interface PartialComparison {
  /** Real differences in the parent's part; empty when it equals the committed facts. */
  readonly differences: readonly string[];
  /** Committed objects the mirror could not render (the missing dependencies' part). */
  readonly unverifiedObjects: number;
}

const IGNORED: readonly string[] = ['objects', 'workloads', 'networkPolicies', 'oversized', 'largestObject', 'podSecurity', 'unmeasuredDependencies'];
const RANK = { restricted: 0, baseline: 1, privileged: 2 } as const;

function missingFrom<T>(part: readonly T[], whole: readonly T[]): T[] {
  const have = new Set(whole.map((x) => canonicalJson(x)));
  return part.filter((x) => !have.has(canonicalJson(x)));
}

/** The committed workloads the mirror did not render must each come from one of the missing dependency charts. */
function foreignWorkloads(committed: MeasuredChart, measured: MeasuredChart, missing: readonly string[]): string[] {
  return missingFrom(committed.workloads, measured.workloads)
    .filter((w) => {
      const chart = w.podLabels['helm.sh/chart'] ?? '';
      return !missing.some((d) => chart.startsWith(`${d}-`));
    })
    .map((w) => `committed workload ${w.workload} is not rendered by the mirror's chart and is not labelled as one of ${missing.join(', ')}`);
}

/** The parent's part of the committed facts against the mirror's measurement. */
export function compareWithoutDependencies(committed: ReleaseFacts, measured: ReleaseFacts): PartialComparison {
  const missing = measured.unmeasuredDependencies ?? [];
  const differences: string[] = [];
  const rest = (f: ReleaseFacts): Record<string, unknown> => Object.fromEntries(Object.entries(f).filter(([k]) => !IGNORED.includes(k)));
  if (canonicalJson(rest(committed)) !== canonicalJson(rest(measured))) differences.push('the release inputs, CRDs or chart kubeVersion differ');
  for (const o of missingFrom(measured.objects, committed.objects)) differences.push(`object ${o} is not in the committed facts`);
  for (const w of missingFrom(measured.workloads, committed.workloads)) differences.push(`workload ${w.workload} differs from the committed facts`);
  for (const p of missingFrom(measured.networkPolicies ?? [], committed.networkPolicies ?? [])) differences.push(`NetworkPolicy ${p.policy} differs from the committed facts`);
  for (const o of missingFrom(measured.oversized, committed.oversized)) differences.push(`oversized object ${o} is not in the committed facts`);
  if (measured.largestObject.bytes > committed.largestObject.bytes) differences.push(`the largest object ${measured.largestObject.object} (${measured.largestObject.bytes} bytes) is larger than the committed largest`);
  if (RANK[measured.podSecurity] > RANK[committed.podSecurity]) differences.push(`Pod Security level ${measured.podSecurity} is above the committed ${committed.podSecurity}`);
  differences.push(...foreignWorkloads(committed, measured, missing));
  return { differences, unverifiedObjects: missingFrom(committed.objects, measured.objects).length };
}

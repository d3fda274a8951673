import { validateManifests } from '../validate/kubernetes-schema';
import { checkPolicy, formatFinding } from '../validate/policy';
import { checkInfrastructure } from '../validate/check-infrastructure';
import { checkFlows, formatFlowFinding } from '../validate/network-flows';
import type { OutputCheck } from './synthesize';

/**
 * Every Terraform working directory against the bpg/proxmox provider schema (offline), plus a scan
 * for credentials written as values instead of variables.
 */
export const terraformSchemaCheck: OutputCheck = (result) => checkInfrastructure(result.terraform);

/** Every Kubernetes object against the 1.31 API schema or its CRD's schema; unknown fields are errors. */
export const kubernetesSchemaCheck: OutputCheck = (result) => {
  const findings: string[] = [];
  for (const [component, objects] of result.manifests) {
    for (const f of validateManifests(objects)) {
      findings.push(`kubernetes/${component}: ${f.object}: ${f.path}: ${f.rule}: ${f.message}${f.hint ? `; fix: ${f.hint}` : ''}`);
    }
  }
  for (const [file, objects] of result.extraManifests) {
    for (const f of validateManifests(objects)) findings.push(`${file}: ${f.object}: ${f.path}: ${f.rule}: ${f.message}${f.hint ? `; fix: ${f.hint}` : ''}`);
  }
  return findings;
};

/** The policy as a synth output check: each finding is one line, and any line refuses the write. */
export const policyCheck: OutputCheck = (result, model) => checkPolicy(result.manifests, model).findings.map(formatFinding);

/**
 * The connections the system needs against the tree's NetworkPolicies: a blocked one refuses the write. The chart
 * facts of the tree's releases add the pods (and policies) of third-party charts.
 */
export const networkFlowsCheck: OutputCheck = (result, model) =>
  checkFlows({ model, manifests: result.manifests, releases: result.releaseFacts ?? [] }).findings.map(formatFlowFinding);

/** The checks `npm run synth` runs before it writes anything; one finding refuses the whole tree. */
export const DEFAULT_CHECKS: readonly OutputCheck[] = [terraformSchemaCheck, kubernetesSchemaCheck, policyCheck, networkFlowsCheck];

/** The schema checks alone: compileSite runs the policy and the flows once itself, because REVIEW.md needs their reports too. */
export const SCHEMA_CHECKS: readonly OutputCheck[] = [terraformSchemaCheck, kubernetesSchemaCheck];

import { podSchedulingFact } from '../../constructs/pod-scheduling';
import type { OperatorPods, OperatorPodsContext } from '../addon-definition';
import type { CloudnativePgSpec } from './spec';

type Json = Record<string, unknown>;
const obj = (v: unknown): Json => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : {});

/**
 * The instance pods CloudNativePG runs for every Cluster of the tree, wherever a component put it: `instances` pods
 * (1 when unset, the CRD's default) with the Cluster's resources on the postgres container (the bootstrap init
 * container takes the same), the node selector and tolerations of spec.affinity, and pod anti-affinity over
 * spec.affinity.topologyKey. Upstream defaults (api/v1 cluster_types.go, AffinityConfiguration): anti-affinity on
 * (enablePodAntiAffinity unset means true), "preferred" unless podAntiAffinityType is "required", topology key
 * kubernetes.io/hostname. Only the required kind constrains the scheduler.
 */
export function cloudnativePgPods({ manifests, model }: OperatorPodsContext<CloudnativePgSpec>): OperatorPods[] {
  return [...manifests.entries()].flatMap(([component, objects]) =>
    objects
      .filter((o) => o.kind === 'Cluster' && o.apiVersion.startsWith('postgresql.cnpg.io/'))
      .map((o) => {
        const spec = obj(o.spec);
        const affinity = obj(spec.affinity);
        const namespace = o.metadata.namespace ?? model.appNamespace;
        // The labels CloudNativePG puts on every instance pod (pkg/specs/pods.go) and its anti-affinity selects on.
        const labels = { 'cnpg.io/cluster': o.metadata.name, 'cnpg.io/podRole': 'instance' };
        const required = affinity.enablePodAntiAffinity !== false && affinity.podAntiAffinityType === 'required';
        const antiAffinity = {
          podAntiAffinity: {
            requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: affinity.topologyKey ?? 'kubernetes.io/hostname', labelSelector: { matchLabels: { 'cnpg.io/cluster': o.metadata.name } } }],
          },
        };
        const podSpec = {
          containers: [{ resources: spec.resources }],
          nodeSelector: affinity.nodeSelector,
          tolerations: affinity.tolerations,
          ...(required ? { affinity: antiAffinity } : {}),
        };
        return {
          component,
          source: `Cluster.postgresql.cnpg.io ${namespace}/${o.metadata.name}`,
          // No StatefulSet: the operator creates and names each instance pod itself.
          workload: `Cluster.postgresql.cnpg.io ${namespace}/${o.metadata.name}`,
          kind: 'Pod' as const,
          namespace,
          podLabels: labels,
          scheduling: podSchedulingFact('StatefulSet', { replicas: typeof spec.instances === 'number' ? spec.instances : 1 }, podSpec),
        };
      }),
  );
}

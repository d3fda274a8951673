import { podSchedulingFact } from '../../constructs/pod-scheduling';
import type { OperatorPods, OperatorPodsContext } from '../addon-definition';
import type { CalicoSpec } from './spec';

type Json = Record<string, unknown>;
const obj = (v: unknown): Json => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : {});

/** Typha's port on the host network (the operator's render/typha.go: TyphaPort). */
const TYPHA_PORT = 5473;

/** Typha replicas for a cluster of `nodes` nodes, as the operator's autoscaler sets them (pkg/common GetExpectedTyphaScale). */
export function typhaReplicas(nodes: number): number {
  if (nodes <= 2) return 1;
  if (nodes <= 4) return 2;
  return Math.max(3, Math.floor(nodes / 200) + 2);
}

/** The resources an Installation override gives a component's containers (spec.<component>.spec.template.spec.containers). */
function overrideContainers(installation: Json, field: string): Json[] {
  const containers = obj(obj(obj(obj(installation[field]).spec).template).spec).containers;
  return Array.isArray(containers) ? containers.map(obj).map((c) => ({ resources: c.resources })) : [];
}

/**
 * The pods the Tigera operator runs for the Installation of the tree: calico-node on every node (it tolerates every
 * taint, render/node.go), Typha on the host network beside it (port 5473, so one per node; the control-plane and
 * CriticalAddonsOnly taints tolerated) scaled with the node count, and calico-kube-controllers (one replica,
 * control-plane tolerated) and the csi-node-driver DaemonSet. The operator gives none of them requests unless the
 * Installation's overrides do (calicoNodeDaemonSet, typhaDeployment, calicoKubeControllersDeployment).
 */
export function calicoPods({ manifests, model }: OperatorPodsContext<CalicoSpec>): OperatorPods[] {
  const controlPlane = [{ key: 'node-role.kubernetes.io/control-plane', operator: 'Exists', effect: 'NoSchedule' }, { key: 'CriticalAddonsOnly', operator: 'Exists' }];
  const everyTaint = [{ operator: 'Exists' }];
  return [...manifests.entries()].flatMap(([component, objects]) =>
    objects
      .filter((o) => o.kind === 'Installation' && o.apiVersion.startsWith('operator.tigera.io/'))
      .flatMap((o) => {
        const spec = obj(o.spec);
        const source = `Installation.operator.tigera.io ${o.metadata.name}`;
        const pods = (name: string, kind: OperatorPods['kind'], replicas: number | undefined, podSpec: Json): OperatorPods => ({
          component,
          source,
          workload: `${kind} calico-system/${name}`,
          kind,
          namespace: 'calico-system',
          podLabels: { 'k8s-app': name },
          scheduling: podSchedulingFact(kind, replicas === undefined ? {} : { replicas }, podSpec),
        });
        return [
          pods('calico-node', 'DaemonSet', undefined, { hostNetwork: true, tolerations: everyTaint, containers: overrideContainers(spec, 'calicoNodeDaemonSet') }),
          pods('csi-node-driver', 'DaemonSet', undefined, { tolerations: everyTaint, containers: overrideContainers(spec, 'csiNodeDriverDaemonSet') }),
          pods('calico-typha', 'Deployment', typhaReplicas(model.vms.length), {
            hostNetwork: true,
            tolerations: controlPlane,
            containers: [{ ports: [{ containerPort: TYPHA_PORT, protocol: 'TCP' }], ...(overrideContainers(spec, 'typhaDeployment')[0] ?? {}) }],
          }),
          pods('calico-kube-controllers', 'Deployment', 1, { tolerations: controlPlane, containers: overrideContainers(spec, 'calicoKubeControllersDeployment') }),
        ];
      }),
  );
}

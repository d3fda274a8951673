import { podSchedulingFact } from '../../constructs/pod-scheduling';
import { nodeAllocatable } from '../../model';
import type { OperatorPods, OperatorPodsContext } from '../addon-definition';
import type { LonghornSpec } from './spec';

/** Longhorn's guaranteed-instance-manager-cpu setting: the share of a node's allocatable CPU each instance manager requests (upstream default 12, the chart leaves it unset). */
const INSTANCE_MANAGER_CPU_PERCENT = 12;

/** Replicas of each CSI sidecar Deployment the driver deployer creates (csi.*ReplicaCount, unset in the chart: upstream 3). */
const CSI_SIDECAR_REPLICAS = 3;

/**
 * The pods longhorn-manager creates on the nodes it runs on (the chart sets it no tolerations, and Longhorn's
 * taint-toleration setting is empty, so the untainted nodes): one instance manager per node requesting 12% of the
 * node's allocatable CPU (types.GetInstanceManagerCPURequirement), the engine image and CSI plugin DaemonSets, and
 * the four CSI sidecar Deployments (attacher, provisioner, resizer, snapshotter). Only the instance managers request
 * anything; nodes of different sizes get one entry each, pinned by hostname.
 */
export function longhornPods({ model }: OperatorPodsContext<LonghornSpec>): OperatorPods[] {
  const namespace = model.addons.find((a) => a.key === 'longhorn')?.namespace ?? 'longhorn-system';
  const source = 'longhorn-manager (platform.addons.longhorn)';
  const nodes = model.vms.filter((vm) => vm.role !== 'control-plane' && vm.taints.length === 0);
  const pods = (name: string, kind: OperatorPods['kind'], podSpec: Record<string, unknown>, replicas?: number): OperatorPods => ({
    component: 'longhorn',
    source,
    workload: `${kind} ${namespace}/${name}`,
    kind,
    namespace,
    podLabels: { app: name },
    scheduling: podSchedulingFact(kind, replicas === undefined ? {} : { replicas }, podSpec),
  });
  const bySize = new Map<number, string[]>();
  for (const vm of nodes) {
    const cpu = Math.floor((nodeAllocatable(vm).cpuMilli * INSTANCE_MANAGER_CPU_PERCENT) / 100);
    bySize.set(cpu, [...(bySize.get(cpu) ?? []), vm.name]);
  }
  const instanceManagers = [...bySize.entries()].map(([cpuMilli, names]) =>
    pods(`instance-manager (${cpuMilli}m)`, 'DaemonSet', {
      containers: [{ resources: { requests: { cpu: `${cpuMilli}m` } } }],
      affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: names }] }] } } },
    }),
  );
  return [
    ...instanceManagers,
    pods('engine-image', 'DaemonSet', { containers: [] }),
    pods('longhorn-csi-plugin', 'DaemonSet', { containers: [] }),
    ...['csi-attacher', 'csi-provisioner', 'csi-resizer', 'csi-snapshotter'].map((name) => pods(name, 'Deployment', { containers: [] }, CSI_SIDECAR_REPLICAS)),
  ];
}

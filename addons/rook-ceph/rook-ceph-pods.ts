import { podSchedulingFact } from '../../constructs/pod-scheduling';
import type { OperatorPods, OperatorPodsContext } from '../addon-definition';
import type { RookCephSpec } from './spec';

/** The node plugin's tolerations the add-on gives each Driver: every taint, so every node can mount Ceph volumes. */
export const CSI_NODE_PLUGIN_TOLERATIONS = [{ operator: 'Exists' }] as const;

/** Whether this Rook release installs the CSI drivers through the ceph-csi-drivers chart and ceph-csi-operator (v1.20 on). */
export function usesCsiDriversChart(spec: RookCephSpec): boolean {
  const m = /^v?(\d+)\.(\d+)\./.exec(spec.chartVersion);
  return m !== null && (Number(m[1]) > 1 || Number(m[2]) >= 20);
}

/** The CSI drivers the ceph-csi-drivers chart renders as Driver resources: RBD always, CephFS with a filesystem. */
export function csiDriverNames(namespace: string, hasFilesystem: boolean): { rbd: string; cephfs?: string } {
  return { rbd: `${namespace}.rbd.csi.ceph.com`, ...(hasFilesystem ? { cephfs: `${namespace}.cephfs.csi.ceph.com` } : {}) };
}

/**
 * The CSI pods ceph-csi-operator creates from each Driver the ceph-csi-drivers chart renders (Rook in external mode
 * runs no Ceph daemons in the cluster): `<driver>-nodeplugin`, a DaemonSet with the Driver's nodePlugin.tolerations
 * (the add-on's: every taint; the chart's default, none, would leave tainted workers unable to mount), and `<driver>-ctrlplugin`, a Deployment of controllerPlugin.replicas
 * (the chart's value 1; the template's fallback is 2) off the host network. The add-on sets no resources for their
 * containers and the operator adds none (internal/controller/driver_controller.go), so they request nothing.
 * Older Rook releases create their CSI pods themselves and are not modelled here.
 */
export function rookCephPods({ config, model }: OperatorPodsContext<RookCephSpec>): OperatorPods[] {
  if (!usesCsiDriversChart(config) || !config.csiDriversChartVersion) return [];
  const namespace = model.addons.find((a) => a.key === 'rookCeph')?.namespace ?? 'rook-ceph';
  const drivers = csiDriverNames(namespace, model.ceph?.filesystem !== undefined);
  return Object.values(drivers).flatMap((driver) => {
    const source = `Driver.csi.ceph.io ${namespace}/${driver}`;
    const pods = (suffix: string, kind: OperatorPods['kind'], replicas?: number): OperatorPods => ({
      component: 'rook-ceph',
      source,
      workload: `${kind} ${namespace}/${driver}-${suffix}`,
      kind,
      namespace,
      podLabels: { app: `${driver}-${suffix}` },
      scheduling: podSchedulingFact(kind, replicas === undefined ? {} : { replicas }, { containers: [] }),
    });
    const node = pods('nodeplugin', 'DaemonSet');
    return [{ ...node, scheduling: { ...node.scheduling, tolerations: CSI_NODE_PLUGIN_TOLERATIONS } }, pods('ctrlplugin', 'Deployment', 1)];
  });
}

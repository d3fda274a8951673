import { ComponentChart, HelmRelease, RookExternalCluster } from '../../constructs';
import { CEPHFS_STORAGE_CLASS, clusterSecretStoreName, releaseDelivery } from '../addon-contracts';
import type { AddonBuildContext } from '../addon-definition';
import { CSI_NODE_PLUGIN_TOLERATIONS, csiDriverNames, usesCsiDriversChart } from './rook-ceph-pods';
import { containerResources } from '../container-resources';
import type { RookCephSpec } from './spec';

const ROOK_REPO = 'https://charts.rook.io/release';
const CEPH_CSI_REPO = 'https://ceph.github.io/ceph-csi-operator';

/**
 * Rook in external mode against the Proxmox Ceph: the operator chart, the Ceph-CSI drivers chart (a separate chart
 * since Rook v1.20), and the external cluster with its StorageClasses on the pools Terraform creates.
 */
export function buildRookCephChart(chart: ComponentChart, { config: spec, model, component }: AddonBuildContext<RookCephSpec>): void {
  const ceph = model.ceph;
  if (!ceph) throw new Error('platform.addons.rookCeph needs the site\'s ceph section (Rook runs in external mode against it)');

  const pool = ceph.pools.find((p) => p.name === spec.rbdPool);
  if (!pool) {
    throw new Error(`platform.addons.rookCeph.rbdPool "${spec.rbdPool}" is not one of the pools Terraform creates (${ceph.pools.map((p) => p.name).join(', ')})`);
  }
  if (pool.application !== 'rbd') {
    throw new Error(`platform.addons.rookCeph.rbdPool "${spec.rbdPool}" is a "${pool.application}" pool; the RBD StorageClass needs a pool with application "rbd"`);
  }

  const delivery = releaseDelivery(component, spec.delivery);
  const ns = component.namespace;
  new HelmRelease(chart, 'rook-ceph', {
    repoUrl: ROOK_REPO,
    chart: 'rook-ceph',
    version: spec.chartVersion,
    releaseName: 'rook-ceph',
    namespace: ns,
    delivery,
    values: {
      crds: { enabled: true },
      // The cluster's disks belong to Proxmox: there is nothing for Rook to discover on the Kubernetes nodes.
      enableDiscoveryDaemon: false,
      // The chart's own requests and memory limit, plus the CPU limit it leaves out.
      resources: containerResources([200, 1000], [128, 512]),
    },
  });

  const needsDriversChart = usesCsiDriversChart(spec);
  const drivers = csiDriverNames(ns, ceph.filesystem !== undefined);
  if (needsDriversChart) {
    if (!spec.csiDriversChartVersion) {
      throw new Error(`platform.addons.rookCeph.csiDriversChartVersion is not set; Rook ${spec.chartVersion} installs the CSI drivers from the separate ceph-csi-drivers chart: set the ceph-csi-operator version Rook ${spec.chartVersion} bundles`);
    }
    new HelmRelease(chart, 'ceph-csi-drivers', {
      repoUrl: CEPH_CSI_REPO,
      chart: 'ceph-csi-drivers',
      version: spec.csiDriversChartVersion,
      releaseName: 'ceph-csi-drivers',
      namespace: ns,
      delivery,
      values: {
        // Driver names are the provisioners of the StorageClasses below: `<operator namespace>.<driver>.csi.ceph.com`.
        operatorConfig: {
          namespace: ns,
          driverSpecDefaults: {
            imageSet: { name: 'rook-csi-operator-image-set-configmap' },
            nodePlugin: { priorityClassName: 'system-node-critical' },
            controllerPlugin: { priorityClassName: 'system-cluster-critical' },
          },
        },
        drivers: {
          // The node plugin mounts every volume on its node: a node it skips (a GPU worker's taint) cannot run a pod
          // with a Ceph volume, so it tolerates every taint (the chart's default tolerates none).
          rbd: { enabled: true, name: drivers.rbd, nodePlugin: { tolerations: CSI_NODE_PLUGIN_TOLERATIONS } },
          cephfs: { enabled: drivers.cephfs !== undefined, name: `${ns}.cephfs.csi.ceph.com`, nodePlugin: { tolerations: CSI_NODE_PLUGIN_TOLERATIONS } },
          nfs: { enabled: false },
          nvmeof: { enabled: false },
        },
      },
    });
  }

  new RookExternalCluster(chart, 'external-cluster', {
    namespace: ns,
    monitors: ceph.monitors.map((m) => ({ name: m.host, ip: m.ip })),
    store: clusterSecretStoreName(model, 'platform.addons.rookCeph (Ceph keys)'),
    rbd: { storageClassName: spec.storageClass, pool: pool.name, isDefault: true },
    ...(ceph.filesystem
      ? { cephfs: { storageClassName: CEPHFS_STORAGE_CLASS, fsName: ceph.filesystem.name, dataPool: ceph.filesystem.dataPool } }
      : {}),
  });
}

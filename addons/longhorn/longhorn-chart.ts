import { k8s } from 'cdk8s-plus-30';
import { ComponentChart, HelmRelease } from '../../constructs';
import * as longhorn from '../../imports/k8s-crds/longhorn.io';
import { LONGHORN_STORAGE_CLASS, defaultStorageClassName, releaseDelivery } from '../addon-contracts';
import type { AddonBuildContext } from '../addon-definition';
import { containerResources } from '../container-resources';
import type { LonghornSpec } from './spec';

export const LONGHORN_RELEASE = 'longhorn';
/** Longhorn's CSI driver: the provisioner of its StorageClasses. */
const PROVISIONER = 'driver.longhorn.io';
const SNAPSHOT_JOB = 'scheduled-snapshot';

/**
 * Longhorn block storage replicated across the workers' disks: the chart, a StorageClass with the site's replica
 * count (the site's default class when Longhorn is its preferred storage), and, when the site asks for them,
 * scheduled snapshots of every volume. Nodes get open-iscsi and the NFS client from cloud-init (model ADDONS).
 */
export function buildLonghornChart(chart: ComponentChart, { config: spec, model, component }: AddonBuildContext<LonghornSpec>): void {
  const ns = component.namespace;

  new HelmRelease(chart, 'longhorn', {
    repoUrl: 'https://charts.longhorn.io',
    chart: 'longhorn',
    version: spec.chartVersion,
    releaseName: LONGHORN_RELEASE,
    namespace: ns,
    delivery: releaseDelivery(component, spec.delivery),
    values: {
      // The chart's pre-upgrade hook Job needs a ServiceAccount its own sync creates; Longhorn says to switch it off
      // under Argo CD and other GitOps tools.
      preUpgradeChecker: { jobEnabled: false },
      // The chart's own "longhorn" class stays, but is not the default: the class below is.
      persistence: { defaultClass: false, defaultClassReplicaCount: spec.replicas },
      // The only container of the chart with a resources value.
      longhornManager: { resources: containerResources([100, 1000], [256, 1024]) },
    },
  });

  // Cluster-scoped.
  const isDefault = defaultStorageClassName(model) === LONGHORN_STORAGE_CLASS;
  new k8s.KubeStorageClass(chart, 'storage-class', {
    metadata: {
      name: LONGHORN_STORAGE_CLASS,
      ...(isDefault ? { annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } } : {}),
    },
    provisioner: PROVISIONER,
    allowVolumeExpansion: true,
    reclaimPolicy: 'Delete',
    volumeBindingMode: 'Immediate',
    parameters: {
      numberOfReplicas: String(spec.replicas),
      // Minutes a failed replica may stay before it is rebuilt elsewhere.
      staleReplicaTimeout: '30',
      fsType: 'ext4',
      dataLocality: 'disabled',
    },
  });

  if (spec.snapshots) {
    // The "default" group holds every volume that names no other group: all of this site's volumes.
    new longhorn.RecurringJob(chart, 'snapshot-job', {
      metadata: { name: SNAPSHOT_JOB, namespace: ns },
      spec: {
        name: SNAPSHOT_JOB,
        task: longhorn.RecurringJobSpecTask.SNAPSHOT,
        cron: spec.snapshots.schedule,
        retain: spec.snapshots.retain,
        concurrency: 1,
        groups: ['default'],
      },
    });
  }
}

import { ComponentChart, HelmRelease } from '../../constructs';
import { NFS_STORAGE_CLASS, defaultStorageClassName, releaseDelivery } from '../addon-contracts';
import type { AddonBuildContext } from '../addon-definition';
import type { NfsProvisionerSpec } from './spec';

export const NFS_PROVISIONER_RELEASE = 'nfs-provisioner';

/**
 * The NFS subdir external provisioner: each claim of its ReadWriteMany StorageClass becomes a folder of the site's NFS
 * export (the nfs-server VM, unless the site names another server), archived rather than deleted when the claim goes.
 * The nodes get the NFS client from cloud-init (model ADDONS).
 */
export function buildNfsProvisionerChart(chart: ComponentChart, { config: spec, model, component }: AddonBuildContext<NfsProvisionerSpec>): void {
  const target = model.nfsExport;
  if (!target) throw new Error(`component ${component.name}: the model resolved no NFS server for platform.addons.nfsProvisioner`);

  new HelmRelease(chart, 'nfs-subdir-external-provisioner', {
    repoUrl: 'https://kubernetes-sigs.github.io/nfs-subdir-external-provisioner/',
    chart: 'nfs-subdir-external-provisioner',
    version: spec.chartVersion,
    releaseName: NFS_PROVISIONER_RELEASE,
    namespace: component.namespace,
    delivery: releaseDelivery(component, spec.delivery),
    values: {
      nfs: { server: target.server, path: target.path },
      storageClass: {
        name: NFS_STORAGE_CLASS,
        defaultClass: defaultStorageClassName(model) === NFS_STORAGE_CLASS,
        accessModes: 'ReadWriteMany',
        reclaimPolicy: 'Delete',
        // A deleted claim's folder is renamed archived-..., not removed: shared data survives a mistaken delete.
        archiveOnDelete: true,
      },
      resources: {
        requests: { cpu: '10m', memory: '32Mi' },
        limits: { cpu: '100m', memory: '128Mi' },
      },
    },
  });
}

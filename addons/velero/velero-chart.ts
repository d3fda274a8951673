import { ComponentChart, HelmRelease, SyncedSecret } from '../../constructs';
import * as velero from '../../imports/k8s-crds/velero.io';
import { clusterSecretStoreName, releaseDelivery } from '../addon-contracts';
import type { AddonBuildContext } from '../addon-definition';
import { ONE_SHOT_RESOURCES, containerResources } from '../container-resources';
import { VELERO_AWS_PLUGIN_BY_CHART_MAJOR as AWS_PLUGIN_BY_CHART_MAJOR, VELERO_SCHEDULE, type VeleroSpec } from './spec';

export const VELERO_RELEASE = 'velero';
/** The Schedule's name, as in the plan (`velero schedule create daily-backup`). */
/** Velero's metrics Service (chart naming: the release name, port `http-monitoring`). */
export const VELERO_METRICS = { labels: { 'app.kubernetes.io/name': 'velero', 'app.kubernetes.io/instance': VELERO_RELEASE }, port: 'http-monitoring' } as const;

const CREDENTIALS_SECRET = 'velero-s3';
const BACKUP_LOCATION = 'default';

/**
 * Velero with one S3 (or MinIO) backup location from the site's backupStore, file-system backups of volumes through
 * the node agent (the Ceph volumes have no cloud snapshot API), the site's schedule as a Schedule object, and S3 keys
 * that arrive through an ExternalSecret.
 */
export function buildVeleroChart(chart: ComponentChart, { config: spec, model, component }: AddonBuildContext<VeleroSpec>): void {
  const store = model.backupStore;
  if (!store) {
    throw new Error('platform.addons.velero needs platform.backupStore (bucket, region, and endpoint for MinIO) to know where backups go; add it');
  }
  const major = Number(/^v?(\d+)\./.exec(spec.chartVersion)?.[1]);
  const plugin = AWS_PLUGIN_BY_CHART_MAJOR[major];
  if (!plugin) {
    throw new Error(`platform.addons.velero.chartVersion ${spec.chartVersion}: no velero-plugin-for-aws is paired with chart ${major}.x here; use a ${Object.keys(AWS_PLUGIN_BY_CHART_MAJOR).map((m) => `${m}.x`).join(' or ')} chart, or add the pairing from Velero's compatibility matrix`);
  }
  const ns = component.namespace;

  new SyncedSecret(chart, 'credentials', {
    name: CREDENTIALS_SECRET,
    namespace: ns,
    store: clusterSecretStoreName(model, 'platform.addons.velero (S3 keys)'),
    keys: [
      { secretKey: 'access-key-id', remoteKey: CREDENTIALS_SECRET, property: 'access-key-id' },
      { secretKey: 'secret-access-key', remoteKey: CREDENTIALS_SECRET, property: 'secret-access-key' },
    ],
    // The AWS plugin reads a shared-credentials file.
    template: { cloud: '[default]\naws_access_key_id={{ index . "access-key-id" }}\naws_secret_access_key={{ index . "secret-access-key" }}\n' },
  });

  new HelmRelease(chart, 'velero', {
    repoUrl: 'https://vmware-tanzu.github.io/helm-charts',
    chart: 'velero',
    version: spec.chartVersion,
    releaseName: VELERO_RELEASE,
    namespace: ns,
    delivery: releaseDelivery(component, spec.delivery),
    values: {
      initContainers: [{ name: 'velero-plugin-for-aws', image: plugin, resources: ONE_SHOT_RESOURCES, volumeMounts: [{ mountPath: '/target', name: 'plugins' }] }],
      resources: containerResources([100, 1000], [128, 512]),
      upgradeJobResources: ONE_SHOT_RESOURCES,
      // File-system backups read whole volumes: the node agent gets the larger share.
      nodeAgent: { resources: containerResources([100, 1000], [256, 1024]) },
      credentials: { useSecret: true, existingSecret: CREDENTIALS_SECRET },
      configuration: {
        backupStorageLocation: [
          {
            name: BACKUP_LOCATION,
            provider: 'aws',
            bucket: store.bucket,
            default: true,
            config: {
              region: store.region,
              ...(store.endpoint ? { s3Url: store.endpoint } : {}),
              ...(store.forcePathStyle ? { s3ForcePathStyle: 'true' } : {}),
            },
          },
        ],
        volumeSnapshotLocation: [],
        defaultVolumesToFsBackup: true,
      },
      snapshotsEnabled: false,
      deployNodeAgent: true,
      metrics: { enabled: true },
      // The Schedule is a first-party object below, so its schedule is checked and rendered like every other value.
      schedules: {},
    },
  });

  new velero.Schedule(chart, 'schedule', {
    metadata: { name: VELERO_SCHEDULE, namespace: ns },
    spec: {
      schedule: spec.schedule,
      useOwnerReferencesInBackup: false,
      template: {
        includedNamespaces: ['*'],
        storageLocation: BACKUP_LOCATION,
        defaultVolumesToFsBackup: true,
        ttl: `${spec.ttlDays * 24}h0m0s`,
      },
    },
  });
}

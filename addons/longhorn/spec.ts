import { z } from 'zod';
import { chartAddon } from '../../site/addon-fields';
import { cron, positiveInt } from '../../site/primitives';
import { cronScheduleProblem } from '../../site/cron-schedule';
import { addonFacts } from '../addon-facts';

/** platform.addons.longhorn: the add-on's part of the site schema. */
export const longhornSpec = z
  .strictObject({
    ...chartAddon,
    replicas: positiveInt.default(3).describe('Replicas of each volume. Default: 3.'),
    snapshots: z
      .strictObject({
        schedule: cron.describe('Five-field cron expression of the snapshots.'),
        retain: positiveInt.default(7).describe('Snapshots kept per volume. Default: 7.'),
      })
      .optional()
      .describe('Scheduled snapshots of every Longhorn volume (a RecurringJob of the "default" group). Default: none.'),
  });
export type LonghornSpec = z.output<typeof longhornSpec>;

/** The replicated Longhorn StorageClass the longhorn component renders (the chart's own "longhorn" class stays non-default). */
export const LONGHORN_STORAGE_CLASS = 'longhorn-replicated';

export const longhornFacts = addonFacts({
  key: 'longhorn',
  spec: longhornSpec,
  description: 'Longhorn as the storage provider. Default: not installed.',
  component: 'longhorn',
  namespace: 'longhorn-system',
  provides: ['storage'],
  needs: ['cni'],
  podSecurity: { level: 'privileged', reason: 'the Longhorn manager and CSI plugin manage block devices on the host' },
  storageClass: () => LONGHORN_STORAGE_CLASS,
  checks: ({ config, path, workers }) => [
    // Longhorn keeps each replica of a volume on a different node, and only workers run its manager.
    ...(config.replicas > workers
      ? [{ path: `${path}.replicas`, value: config.replicas, message: `needs ${config.replicas} workers to keep the replicas apart, but the site has ${workers}`, fix: `lower replicas to ${Math.max(1, workers)} or add workers` }]
      : []),
    ...(config.snapshots ? [cronScheduleProblem(`${path}.snapshots.schedule`, config.snapshots.schedule)].filter((p) => p !== undefined) : []),
  ],
  // Volumes attach over iSCSI (iscsid must run); ReadWriteMany volumes and backups mount over NFSv4.
  node: { packages: ['open-iscsi', 'nfs-common'], services: ['iscsid'] },
  policyExceptions: [
    {
      objects: ['DaemonSet/{ns}/longhorn-manager', 'DaemonSet/{ns}/longhorn-csi-plugin'],
      rules: ['host-namespaces', 'host-path', 'no-privileged', 'capabilities-drop-all', 'no-privilege-escalation', 'run-as-non-root', 'read-only-root-fs', 'seccomp-profile'],
      reason: 'Longhorn manager and CSI plugin: manage block devices and mounts on the host for every volume (a privileged container runs unconfined whatever its seccomp profile)',
    },
    {
      objects: ['DaemonSet/{ns}/longhorn-manager'],
      rules: ['probes', 'resources-requests', 'resources-limits'],
      reason: 'longhorn chart 1.12.1 has no liveness probe for the manager (only readiness) and neither probes nor resources for its image pre-pull sidecar, which only sleeps after pulling',
    },
    {
      objects: ['Deployment/{ns}/longhorn-driver-deployer', 'Deployment/{ns}/longhorn-ui', 'Job/{ns}/longhorn-post-upgrade', 'Job/{ns}/longhorn-uninstall'],
      rules: ['run-as-non-root', 'read-only-root-fs', 'no-privilege-escalation', 'capabilities-drop-all', 'seccomp-profile', 'probes', 'resources-requests', 'resources-limits'],
      reason: 'upstream security settings: longhorn chart 1.12.1 has no securityContext, probe or resources values for its driver deployer (runs as root to deploy the CSI driver), UI and upgrade/uninstall hooks',
    },
  ],
});

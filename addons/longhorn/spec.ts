import { z } from 'zod';
import { chartAddon } from '../../site/addon-fields';
import { cron, positiveInt } from '../../site/primitives';
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

export const longhornFacts = addonFacts({
  key: 'longhorn',
  spec: longhornSpec,
  description: 'Longhorn as the storage provider. Default: not installed.',
  component: 'longhorn',
  namespace: 'longhorn-system',
  provides: ['storage'],
  needs: ['cni'],
  podSecurity: { level: 'privileged', reason: 'the Longhorn manager and CSI plugin manage block devices on the host' },
  // Volumes attach over iSCSI (iscsid must run); ReadWriteMany volumes and backups mount over NFSv4.
  node: { packages: ['open-iscsi', 'nfs-common'], services: ['iscsid'] },
  policyExceptions: [
    {
      objects: ['DaemonSet/{ns}/longhorn-manager', 'DaemonSet/{ns}/longhorn-csi-plugin'],
      rules: ['host-namespaces', 'host-path', 'no-privileged', 'capabilities-drop-all', 'no-privilege-escalation', 'run-as-non-root', 'read-only-root-fs'],
      reason: 'Longhorn manager and CSI plugin: manage block devices and mounts on the host for every volume',
    },
  ],
});

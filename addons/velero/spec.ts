import { z } from 'zod';
import { chartAddon } from '../../site/addon-fields';
import { cron, positiveInt } from '../../site/primitives';
import { cronScheduleProblem } from '../../site/cron-schedule';
import type { SiteProblem } from '../../site/errors';
import { addonFacts, type AddonCheckContext } from '../addon-facts';

/** platform.addons.velero: the add-on's part of the site schema. */
export const veleroSpec = z
  .strictObject({
    ...chartAddon,
    schedule: cron.describe('Five-field cron expression of the cluster backups.'),
    ttlDays: positiveInt.default(30).describe('Days a backup is kept. Default: 30.'),
  });
export type VeleroSpec = z.output<typeof veleroSpec>;

/** Name of the site's backup Schedule (its metrics and alerts select it by this name). */
export const VELERO_SCHEDULE = 'daily-backup';

/** Velero writes to the site's backup store, on a schedule that runs, with the AWS plugin its chart is paired with. */
function veleroChecks({ config, path, site }: AddonCheckContext<VeleroSpec>): SiteProblem[] {
  const problems: SiteProblem[] = [];
  if (!site.platform.backupStore) {
    problems.push({
      path: 'platform.backupStore',
      message: `is not set, but ${path} writes its backups there`,
      fix: `add platform.backupStore: { bucket: velero, region: us-east-1, endpoint: https://minio.example:9000, forcePathStyle: true }, or remove ${path}`,
    });
  }
  const schedule = cronScheduleProblem(`${path}.schedule`, config.schedule);
  if (schedule) problems.push(schedule);
  const major = Number(/^v?(\d+)\./.exec(config.chartVersion)?.[1]);
  if (VELERO_AWS_PLUGIN_BY_CHART_MAJOR[major] === undefined) {
    const lines = Object.keys(VELERO_AWS_PLUGIN_BY_CHART_MAJOR).map((k) => `${k}.x`).join(' or ');
    problems.push({ path: `${path}.chartVersion`, value: config.chartVersion, message: `has no velero-plugin-for-aws paired with chart ${major}.x here (Velero's compatibility matrix)`, fix: `use a ${lines} chart, e.g. "12.1.0"` });
  }
  return problems;
}

export const veleroFacts = addonFacts({
  key: 'velero',
  spec: veleroSpec,
  description: 'Velero cluster backups to platform.backupStore. Default: not installed.',
  component: 'velero',
  namespace: 'velero',
  provides: [],
  needs: ['cni', 'secret-store'],
  podSecurity: { level: 'privileged', reason: 'the node agent reads pod volumes through hostPath for file-system backups' },
  checks: veleroChecks,
  policyExceptions: [
    {
      objects: ['DaemonSet/{ns}/node-agent'],
      rules: ['host-path', 'run-as-non-root'],
      reason: 'backup node agent: reads pod volumes from kubelet\'s /var/lib/kubelet/pods on the host for file-system backups',
    },
    {
      objects: ['DaemonSet/{ns}/node-agent'],
      rules: ['read-only-root-fs', 'no-privilege-escalation', 'capabilities-drop-all', 'seccomp-profile', 'probes'],
      reason: 'backup node agent: velero chart 12.1.0 has no securityContext or probe values for it (containerSecurityContext applies to the server only)',
    },
    {
      objects: ['Deployment/{ns}/velero', 'Job/{ns}/velero-upgrade-crds'],
      rules: ['run-as-non-root', 'read-only-root-fs', 'no-privilege-escalation', 'capabilities-drop-all', 'seccomp-profile'],
      reason: 'upstream security settings: velero chart 12.1.0 sets no securityContext for the server, its plugin init container or the CRD-upgrade hook, and Velero documents none to set',
    },
  ],
});

/**
 * The object-store plugin each Velero chart major line pairs with (Velero's compatibility matrix,
 * https://github.com/vmware-tanzu/velero-plugin-for-aws#compatibility: plugin v1.14 for Velero 1.18, which chart 12.x
 * ships). A chart line missing here is refused at synth (model/checks) rather than running a mismatched plugin.
 */
export const VELERO_AWS_PLUGIN_BY_CHART_MAJOR: Readonly<Record<number, string>> = { 12: 'velero/velero-plugin-for-aws:v1.14.2' };

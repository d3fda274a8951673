import { z } from 'zod';
import { chartAddon } from '../../site/addon-fields';
import { positiveInt, semver } from '../../site/primitives';
import { addonFacts } from '../addon-facts';

/** platform.addons.monitoring: the add-on's part of the site schema. */
export const monitoringSpec = z
  .strictObject({
    ...chartAddon,
    prometheusStorageGiB: positiveInt.describe('Prometheus volume size in GiB.'),
    grafanaStorageGiB: positiveInt.describe('Grafana volume size in GiB.'),
    retentionDays: positiveInt.default(15).describe('Days of metrics kept. Default: 15.'),
    loki: z
      .strictObject({
        ...chartAddon,
        storageGiB: positiveInt.describe('Loki volume size in GiB.'),
        agentChartVersion: semver.describe('Version of the Grafana Alloy chart, the agent that ships every pod\'s logs to Loki.'),
      })
      .optional()
      .describe('Loki for logs, with Alloy shipping every pod\'s logs. Default: no log store.'),
  });
export type MonitoringSpec = z.output<typeof monitoringSpec>;

export const monitoringFacts = addonFacts({
  key: 'monitoring',
  spec: monitoringSpec,
  description: 'kube-prometheus-stack (Prometheus, Alertmanager, Grafana). Default: not installed.',
  component: 'monitoring',
  namespace: 'monitoring',
  provides: ['metrics'],
  // Prometheus pods are created by the operator from the chart's Prometheus resource, labelled by the operator.
  network: { scraper: { podLabels: { 'app.kubernetes.io/name': 'prometheus' }, ports: [{ port: 9090, name: 'http-web' }] } },
  needs: ['cni', 'storage', 'secret-store'],
  podSecurity: { level: 'privileged', reason: 'node-exporter reads host metrics with hostNetwork, hostPID and hostPath' },
  // Host metrics are the host's /proc, /sys and root filesystem, and its network and process tables.
  policyExceptions: [
    {
      objects: ['DaemonSet/{ns}/*node-exporter'],
      rules: ['host-namespaces', 'host-path', 'host-port'],
      reason: 'node exporter: host metrics come from the host\'s /proc, /sys and root filesystem, its network and its process table',
    },
    {
      objects: ['DaemonSet/{ns}/*alloy*'],
      rules: ['host-path', 'run-as-non-root', 'read-only-root-fs'],
      reason: 'log agent: reads every pod\'s log files from /var/log/pods on the node, which only root can read',
    },
  ],
});

import { z } from 'zod';
import { chartAddon } from '../../site/addon-fields';
import { positiveInt, semver, wholeNumber } from '../../site/primitives';
import { addonFacts } from '../addon-facts';

const amount = z.strictObject({
  cpuMilli: wholeNumber(1, 512_000, 'millicores').describe('CPU in millicores (1000 = one core).'),
  memoryMiB: wholeNumber(1, 4_194_304, 'MiB').describe('Memory in MiB.'),
});

/** Replicas, requests and limits of a server the operator runs from a custom resource the chart renders. */
function operatedServer(what: string, defaults: { replicas: number; requests: z.input<typeof amount>; limits: z.input<typeof amount> }) {
  const shown = `${defaults.replicas} replica, requests ${defaults.requests.cpuMilli}m/${defaults.requests.memoryMiB} MiB, limits ${defaults.limits.cpuMilli}m/${defaults.limits.memoryMiB} MiB`;
  return z
    .strictObject({
      replicas: wholeNumber(1, 10, 'a number of pods').default(defaults.replicas).describe(`${what} pods (1-10). Default: ${defaults.replicas}.`),
      requests: amount.default(defaults.requests).describe(`What the scheduler reserves for the ${what} container. Default: ${defaults.requests.cpuMilli}m, ${defaults.requests.memoryMiB} MiB.`),
      limits: amount.default(defaults.limits).describe(`What the ${what} container may use. Default: ${defaults.limits.cpuMilli}m, ${defaults.limits.memoryMiB} MiB.`),
    })
    .default(defaults)
    .describe(`The ${what} pods the operator creates (the scheduling check places them on the workers). Default: ${shown}.`);
}

/** platform.addons.monitoring: the add-on's part of the site schema. */
export const monitoringSpec = z
  .strictObject({
    ...chartAddon,
    prometheusStorageGiB: positiveInt.describe('Prometheus volume size in GiB.'),
    grafanaStorageGiB: positiveInt.describe('Grafana volume size in GiB.'),
    retentionDays: positiveInt.default(15).describe('Days of metrics kept. Default: 15.'),
    // Sized for a cluster of tens of nodes and a few thousand series per node at the chart's 30 s scrape interval.
    prometheus: operatedServer('Prometheus', { replicas: 1, requests: { cpuMilli: 500, memoryMiB: 2048 }, limits: { cpuMilli: 2000, memoryMiB: 4096 } }),
    alertmanager: operatedServer('Alertmanager', { replicas: 1, requests: { cpuMilli: 50, memoryMiB: 128 }, limits: { cpuMilli: 200, memoryMiB: 256 } }),
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
    {
      objects: ['Deployment/{ns}/*grafana'],
      rules: ['probes'],
      reason: 'Grafana\'s dashboard and datasource sidecars (k8s-sidecar) serve their health on different ports (8084, 8082), but the chart takes one liveness and one readiness probe for every sidecar (grafana.sidecar.livenessProbe/readinessProbe), so no value probes both; Grafana\'s own container keeps the chart\'s probes',
    },
  ],
});

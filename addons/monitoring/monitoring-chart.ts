import { ComponentChart, GrafanaDashboard, HelmRelease, SyncedSecret } from '../../constructs';
import * as monitoring from '../../imports/k8s-crds/monitoring.coreos.com';
import type { ComponentModel, SiteModel } from '../../model';
import { clusterSecretStoreName, defaultStorageClassName, releaseDelivery, serviceHost } from '../addon-contracts';
import { siteAlertGroups } from './monitoring-alerts';
import { siteDashboards } from './monitoring-dashboards';
import { containerResources } from '../container-resources';
import { CONFIG_RELOADER_RESOURCES, PROMETHEUS_STACK_RELEASE, serverResources } from './monitoring-pods';
import type { AddonBuildContext } from '../addon-definition';
import type { MonitoringSpec } from './spec';

const GRAFANA_ADMIN_SECRET = 'grafana-admin';
const ALERTMANAGER_CONFIG_SECRET = 'alertmanager-config';
const DASHBOARD_LABEL = { name: 'grafana_dashboard', value: '1' } as const;
const LOKI_RELEASE = 'loki';
const LOKI_PORT = 3100;
/** Loki's schema; the date only says from when on it applies, so it is fixed for the life of the store. */
const LOKI_SCHEMA = { from: '2024-04-01', store: 'tsdb', object_store: 'filesystem', schema: 'v13', index: { prefix: 'loki_index_', period: '24h' } };

const RUNTIME_DEFAULT = { type: 'RuntimeDefault' } as const;
/**
 * Requests and limits of the chart workloads the values leave without them (cpu millicores, memory MiB, each as
 * [request, limit]); the facts record them, so the scheduling check and REVIEW.md's capacity count them.
 */
const STACK_RESOURCES = {
  operator: containerResources([50, 200], [64, 128]),
  webhookJob: containerResources([10, 100], [32, 64]),
  kubeStateMetrics: containerResources([10, 100], [64, 128]),
  nodeExporter: containerResources([10, 200], [32, 64]),
  grafana: containerResources([100, 500], [128, 512]),
  grafanaSidecar: containerResources([10, 100], [64, 128]),
  loki: containerResources([100, 1000], [256, 1024]),
  alloy: containerResources([10, 200], [50, 256]),
} as const;

/**
 * Monitoring: kube-prometheus-stack with Prometheus and Grafana on the site's storage, Loki with Grafana Alloy
 * shipping every pod's log, the plan's dashboards generated from the model, the site's alert rules, and the scrape
 * targets every other installed add-on offers (its definition's scrapeTargets). Grafana's admin login and
 * Alertmanager's configuration (its receivers hold webhook URLs and passwords) come from the secret store.
 */
export function buildMonitoringChart(chart: ComponentChart, { config: spec, model, component, installed }: AddonBuildContext<MonitoringSpec>): void {
  const ns = component.namespace;
  const storageClass = defaultStorageClassName(model);
  const store = clusterSecretStoreName(model, 'platform.addons.monitoring (Grafana admin login, Alertmanager receivers)');
  const lokiUrl = `http://${serviceHost(model, LOKI_RELEASE, ns)}:${LOKI_PORT}`;

  new SyncedSecret(chart, 'grafana-admin', {
    name: GRAFANA_ADMIN_SECRET,
    namespace: ns,
    store,
    keys: [
      { secretKey: 'admin-user', remoteKey: GRAFANA_ADMIN_SECRET, property: 'admin-user' },
      { secretKey: 'admin-password', remoteKey: GRAFANA_ADMIN_SECRET, property: 'admin-password' },
    ],
  });
  new SyncedSecret(chart, 'alertmanager-config', {
    name: ALERTMANAGER_CONFIG_SECRET,
    namespace: ns,
    store,
    keys: [{ secretKey: 'alertmanager.yaml', remoteKey: ALERTMANAGER_CONFIG_SECRET, property: 'alertmanager.yaml' }],
  });

  new HelmRelease(chart, 'kube-prometheus-stack', {
    repoUrl: 'https://prometheus-community.github.io/helm-charts',
    chart: 'kube-prometheus-stack',
    version: spec.chartVersion,
    releaseName: PROMETHEUS_STACK_RELEASE,
    namespace: ns,
    delivery: releaseDelivery(component, spec.delivery),
    values: {
      // Where the CNI replaces kube-proxy there is none to scrape, and its absence must not page anyone.
      kubeProxy: { enabled: model.kubernetes.kubeProxy },
      ...stackWorkloadValues(),
      prometheus: {
        prometheusSpec: {
          // The pods the operator creates from these: the scheduling check places them (monitoring-pods.ts).
          replicas: spec.prometheus.replicas,
          resources: serverResources(spec.prometheus),
          retention: `${spec.retentionDays}d`,
          storageSpec: {
            volumeClaimTemplate: {
              spec: {
                ...(storageClass ? { storageClassName: storageClass } : {}),
                accessModes: ['ReadWriteOnce'],
                resources: { requests: { storage: `${spec.prometheusStorageGiB}Gi` } },
              },
            },
          },
          // Select every ServiceMonitor, PodMonitor, Probe and rule in the cluster, not only this release's.
          serviceMonitorSelectorNilUsesHelmValues: false,
          podMonitorSelectorNilUsesHelmValues: false,
          probeSelectorNilUsesHelmValues: false,
          ruleSelectorNilUsesHelmValues: false,
          scrapeConfigSelectorNilUsesHelmValues: false,
        },
      },
      alertmanager: {
        // The chart would otherwise render its own configuration into a Secret in the manifests.
        alertmanagerSpec: { useExistingSecret: true, configSecret: ALERTMANAGER_CONFIG_SECRET, replicas: spec.alertmanager.replicas, resources: serverResources(spec.alertmanager) },
      },
      grafana: grafanaValues(spec, storageClass, lokiUrl),
    },
  });

  if (spec.loki) lokiReleases(chart, { loki: spec.loki, retentionDays: spec.retentionDays, storageClass, lokiUrl, model, component });

  const scrape = (id: string, name: string, namespace: string, labels: Readonly<Record<string, string>>, port: string): void => {
    new monitoring.ServiceMonitor(chart, id, {
      metadata: { name, namespace: ns },
      spec: {
        namespaceSelector: { matchNames: [namespace] },
        selector: { matchLabels: { ...labels } },
        endpoints: [{ port, interval: '30s' }],
      },
    });
  };
  // What every other installed add-on offers to be scraped (its definition's scrapeTargets).
  for (const addon of installed) {
    for (const t of addon.scrapeTargets ?? []) scrape(`scrape-${t.name}`, t.name, addon.facts.namespace, t.selector, t.port);
  }

  const groups = siteAlertGroups(model, installed);
  if (groups.length > 0) {
    new monitoring.PrometheusRule(chart, 'alerts', {
      metadata: { name: `${model.name}-alerts`, namespace: ns },
      spec: {
        groups: groups.map((g) => ({
          name: g.name,
          rules: g.rules.map((r) => ({
            alert: r.alert,
            expr: monitoring.PrometheusRuleSpecGroupsRulesExpr.fromString(r.expr),
            for: r.for,
            labels: { severity: r.severity, ...(r.labels ?? {}) },
            annotations: { summary: r.summary },
          })),
        })),
      },
    });
  }

  for (const d of siteDashboards(model)) {
    new GrafanaDashboard(chart, `dashboard-${d.name}`, { ...d, namespace: ns, sidecarLabel: DASHBOARD_LABEL });
  }
}

/** Grafana on the site's storage, locked down, with the generated dashboards' sidecar and Loki as a datasource. */
function grafanaValues(spec: MonitoringSpec, storageClass: string | undefined, lokiUrl: string): Record<string, unknown> {
  return {
    admin: { existingSecret: GRAFANA_ADMIN_SECRET, userKey: 'admin-user', passwordKey: 'admin-password' },
    persistence: {
      enabled: true,
      type: 'pvc',
      ...(storageClass ? { storageClassName: storageClass } : {}),
      accessModes: ['ReadWriteOnce'],
      size: `${spec.grafanaStorageGiB}Gi`,
    },
    // The volume attaches to one node at a time: the old pod must stop before the new one starts.
    deploymentStrategy: { type: 'Recreate' },
    resources: STACK_RESOURCES.grafana,
    // Grafana writes only to its volume (/var/lib/grafana) and logs to the console.
    containerSecurityContext: { readOnlyRootFilesystem: true },
    // A root init container that chowns the volume: the pod's fsGroup (472, the chart's) already makes it Grafana's.
    initChownData: { enabled: false },
    sidecar: {
      dashboards: { enabled: true, label: DASHBOARD_LABEL.name, labelValue: DASHBOARD_LABEL.value },
      resources: STACK_RESOURCES.grafanaSidecar,
      // The sidecars write only into the chart's emptyDir folders; merged into the chart's locked-down context.
      securityContext: { readOnlyRootFilesystem: true },
    },
    ...(spec.loki
      ? { additionalDataSources: [{ name: 'Loki', type: 'loki', uid: 'loki', access: 'proxy', url: lokiUrl }] }
      : {}),
  };
}

/**
 * The operator's, its webhook Jobs', kube-state-metrics' and node exporter's settings the chart leaves open: requests
 * and limits, and node exporter's container hardening (merged into the chart's own non-root, read-only context).
 */
function stackWorkloadValues(): Record<string, unknown> {
  return {
    prometheusOperator: {
      // The sidecar the operator adds to Prometheus and Alertmanager: without these it runs with no requests.
      prometheusConfigReloader: { resources: CONFIG_RELOADER_RESOURCES },
      resources: STACK_RESOURCES.operator,
      // The create and patch Jobs of the admission webhook's certificate share these.
      admissionWebhooks: { patch: { resources: STACK_RESOURCES.webhookJob } },
    },
    'kube-state-metrics': { resources: STACK_RESOURCES.kubeStateMetrics },
    'prometheus-node-exporter': {
      resources: STACK_RESOURCES.nodeExporter,
      securityContext: { seccompProfile: RUNTIME_DEFAULT },
      containerSecurityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
    },
  };
}

/** Loki as one process on the site's storage, and Alloy on every node shipping each pod's log to it. */
function lokiReleases(
  chart: ComponentChart,
  { loki, retentionDays, storageClass, lokiUrl, model, component }: { loki: NonNullable<MonitoringSpec['loki']>; retentionDays: number; storageClass: string | undefined; lokiUrl: string; model: SiteModel; component: ComponentModel },
): void {
  const lokiDelivery = releaseDelivery(component, loki.delivery);
  new HelmRelease(chart, 'loki', {
    repoUrl: 'https://grafana.github.io/helm-charts',
    chart: 'loki',
    version: loki.chartVersion,
    releaseName: LOKI_RELEASE,
    namespace: component.namespace,
    delivery: lokiDelivery,
    values: {
      // One process with its index and chunks on a volume of the site's storage: no object store needed.
      deploymentMode: 'SingleBinary',
      loki: {
        auth_enabled: false,
        commonConfig: { replication_factor: 1 },
        storage: { type: 'filesystem' },
        schemaConfig: { configs: [LOKI_SCHEMA] },
        compactor: { retention_enabled: true, delete_request_store: 'filesystem' },
        limits_config: { retention_period: `${retentionDays * 24}h` },
        podSecurityContext: { seccompProfile: RUNTIME_DEFAULT },
        livenessProbe: { httpGet: { path: '/ready', port: 'http-metrics' }, initialDelaySeconds: 60, periodSeconds: 10, failureThreshold: 6 },
      },
      // Loki's ruler reads no rules from ConfigMaps here, so the sidecar that would collect them is not needed.
      sidecar: { rules: { enabled: false } },
      singleBinary: {
        replicas: 1,
        resources: STACK_RESOURCES.loki,
        persistence: { enabled: true, size: `${loki.storageGiB}Gi`, ...(storageClass ? { storageClass } : {}) },
      },
      backend: { replicas: 0 },
      read: { replicas: 0 },
      write: { replicas: 0 },
      chunksCache: { enabled: false },
      resultsCache: { enabled: false },
      gateway: { enabled: false },
      lokiCanary: { enabled: false },
      test: { enabled: false },
    },
  });
  new HelmRelease(chart, 'alloy', {
    repoUrl: 'https://grafana.github.io/helm-charts',
    chart: 'alloy',
    version: loki.agentChartVersion,
    releaseName: 'alloy',
    namespace: component.namespace,
    delivery: lokiDelivery,
    values: {
      crds: { create: false },
      controller: { type: 'daemonset' },
      global: { podSecurityContext: { seccompProfile: RUNTIME_DEFAULT } },
      alloy: {
        configMap: { create: true, content: alloyConfig(model, `${lokiUrl}/loki/api/v1/push`) },
        resources: STACK_RESOURCES.alloy,
        // Root for the node's log files (a declared exception), but without privilege escalation or capabilities.
        securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
        livenessProbe: { httpGet: { path: '/-/ready', port: 'http-metrics' }, initialDelaySeconds: 30, periodSeconds: 10, failureThreshold: 6 },
      },
      // The pod template carries a checksum of the configuration, so a change rolls the pods: no reloader needed.
      configReloader: { enabled: false },
    },
  });
}

/**
 * Alloy's pipeline (its own configuration language): each agent tails, through the API server, the logs of the pods
 * on its node and sends them to Loki labelled with namespace, pod, container and app. No host paths are mounted.
 */
function alloyConfig(model: SiteModel, pushUrl: string): string {
  return [
    'discovery.kubernetes "pods" {',
    '  role = "pod"',
    '  selectors {',
    '    role  = "pod"',
    '    field = "spec.nodeName=" + coalesce(sys.env("HOSTNAME"), constants.hostname)',
    '  }',
    '}',
    '',
    'discovery.relabel "pods" {',
    '  targets = discovery.kubernetes.pods.targets',
    '  rule {',
    '    source_labels = ["__meta_kubernetes_namespace"]',
    '    target_label  = "namespace"',
    '  }',
    '  rule {',
    '    source_labels = ["__meta_kubernetes_pod_name"]',
    '    target_label  = "pod"',
    '  }',
    '  rule {',
    '    source_labels = ["__meta_kubernetes_pod_container_name"]',
    '    target_label  = "container"',
    '  }',
    '  rule {',
    '    source_labels = ["__meta_kubernetes_pod_label_app"]',
    '    target_label  = "app"',
    '  }',
    '  rule {',
    '    source_labels = ["__meta_kubernetes_pod_label_app_kubernetes_io_name"]',
    '    regex         = "(.+)"',
    '    target_label  = "app"',
    '  }',
    '}',
    '',
    'loki.source.kubernetes "pods" {',
    '  targets    = discovery.relabel.pods.output',
    '  forward_to = [loki.write.default.receiver]',
    '}',
    '',
    'loki.write "default" {',
    '  endpoint {',
    `    url = "${pushUrl}"`,
    '  }',
    `  external_labels = { cluster = "${model.kubernetes.clusterName}" }`,
    '}',
    '',
  ].join('\n');
}

import type { Construct } from 'constructs';
import type { ComponentChart } from '../constructs/component-chart';
import { POSTGRES_METRICS_PORT, POSTGRES_PORT, POSTGRES_STATUS_PORT, PostgresCluster } from '../constructs/postgres-cluster';
import { RedisStore } from '../constructs/redis-store';
import { WorkloadAlerts } from '../constructs/workload-alerts';
import { NetworkRule, WorkloadNetworkPolicy } from '../constructs/workload-network-policy';
import { PodMonitor } from '../imports/k8s-crds/monitoring.coreos.com';
import { ComponentModel, providerOf, SiteModel } from '../model';
import { siteLabels } from './app-chart';
import { clusterSecretStoreName } from '../addons/addon-contracts';
import type { AddonDefinition } from '../addons/addon-definition';
import { allowApiServer } from '../addons/api-server-access';
import { POSTGRES_CLUSTER, REDIS_WORKLOAD, callerIngressRules } from './workload-network';

/**
 * Chart builder for components of kind "data-store" (the site's dataStores): PostgreSQL through
 * CloudNativePG and Redis as a StatefulSet, each with the network policy its callers need.
 */
export function buildDataStoreComponent(chart: ComponentChart, model: SiteModel, component: ComponentModel, installed: readonly AddonDefinition[]): void {
  if (component.name === POSTGRES_CLUSTER) buildPostgres(chart, model, installed);
  else if (component.name === REDIS_WORKLOAD) buildRedis(chart, model);
  else throw new Error(`buildDataStoreComponent: no builder for data store "${component.name}"; add one here`);
}

/** Secret-store entries the data stores read (DNS labels, so they are valid keys for every backend). */
export function postgresRemoteKeys(model: SiteModel): { readonly owner: string; readonly backup: string } {
  return { owner: `${model.name}-postgres-owner`, backup: `${model.name}-postgres-backup-s3` };
}

function buildPostgres(scope: Construct, model: SiteModel, installed: readonly AddonDefinition[]): void {
  const pg = model.dataStores.postgres;
  if (!pg) throw new Error('buildPostgres: the site has no dataStores.postgres');
  const store = model.backupStore;
  const namespace = model.appNamespace;
  if (pg.backup && !store) {
    throw new Error(`dataStores.postgres.backup: schedule "${pg.backup.schedule}" needs somewhere to write, but platform.backupStore is not set; add the S3 bucket there or remove the backup`);
  }
  const keys = postgresRemoteKeys(model);
  // Required anti-affinity is only satisfiable with as many untainted workers as instances.
  const schedulable = model.kubernetes.workers.filter((w) => !w.taints.some((t) => t.effect === 'NoSchedule' || t.effect === 'NoExecute')).length;
  const cluster = new PostgresCluster(scope, 'cluster', {
    name: POSTGRES_CLUSTER,
    namespace,
    majorVersion: pg.version,
    instances: pg.instances,
    storageGiB: pg.storageGiB,
    database: pg.database,
    owner: pg.owner,
    serviceName: pg.serviceName,
    secretStore: clusterSecretStoreName(model, 'dataStores.postgres'),
    credentialsRemoteKey: keys.owner,
    antiAffinity: pg.instances <= schedulable ? 'required' : 'preferred',
    backup: pg.backup && store
      ? {
        schedule: pg.backup.schedule,
        retentionDays: pg.backup.retentionDays,
        bucket: store.bucket,
        region: store.region,
        endpoint: store.endpoint,
        credentialsRemoteKey: keys.backup,
      }
      : undefined,
    labels: siteLabels(model),
  });

  const self = { pods: cluster.selector };
  const metrics = providerOf(model, 'metrics');
  const operator = providerOf(model, 'postgres-operator');
  const ingress: NetworkRule[] = [
    ...callerIngressRules(model, 'postgres'),
    // Streaming replication between instances, and the instance managers' status checks of each other.
    { peer: self, ports: [{ port: POSTGRES_PORT }, { port: POSTGRES_STATUS_PORT }] },
  ];
  // The operator polls each instance manager and connects for switchovers.
  if (operator) ingress.push({ peer: { namespace: operator.namespace }, ports: [{ port: POSTGRES_STATUS_PORT }, { port: POSTGRES_PORT }] });
  if (metrics) ingress.push({ peer: { namespace: metrics.namespace }, ports: [{ port: POSTGRES_METRICS_PORT }] });
  const egress: NetworkRule[] = [{ peer: self, ports: [{ port: POSTGRES_PORT }, { port: POSTGRES_STATUS_PORT }] }];
  // The instance manager watches its Cluster through the API server.
  egress.push(...allowApiServer(scope, 'apiserver-policy', model, installed, { name: POSTGRES_CLUSTER, namespace, podSelector: cluster.selector, labels: siteLabels(model) }));
  if (cluster.scheduledBackup && store) {
    // Object storage lives outside the cluster at addresses the site does not know; only its port is fixed.
    egress.push({ peer: { cidr: '0.0.0.0/0' }, ports: [{ port: urlPort(store.endpoint) }] });
  }
  new WorkloadNetworkPolicy(scope, 'network-policy', { name: POSTGRES_CLUSTER, namespace, podSelector: cluster.selector, ingress, egress });

  if (metrics) {
    new PodMonitor(scope, 'pod-monitor', {
      metadata: { name: POSTGRES_CLUSTER, namespace, labels: siteLabels(model) },
      spec: {
        selector: { matchLabels: { ...cluster.selector } },
        namespaceSelector: { matchNames: [namespace] },
        podMetricsEndpoints: [{ port: 'metrics', interval: '30s' }],
      },
    });
  }
}

function buildRedis(scope: Construct, model: SiteModel): void {
  const redis = model.dataStores.redis;
  if (!redis) throw new Error('buildRedis: the site has no dataStores.redis');
  const namespace = model.appNamespace;
  const store = new RedisStore(scope, 'redis', {
    name: REDIS_WORKLOAD,
    namespace,
    image: redis.image,
    serviceName: redis.serviceName,
    storageGiB: redis.storageGiB,
    labels: siteLabels(model),
  });
  new WorkloadNetworkPolicy(scope, 'network-policy', {
    name: REDIS_WORKLOAD,
    namespace,
    podSelector: store.selector,
    ingress: callerIngressRules(model, 'redis'),
    egress: [],
  });
  if (providerOf(model, 'metrics')) new WorkloadAlerts(scope, 'alerts', { workload: REDIS_WORKLOAD, kind: 'StatefulSet', namespace });
}

function urlPort(endpoint: string | undefined): number {
  if (!endpoint) return 443;
  const url = new URL(endpoint);
  return url.port ? Number(url.port) : url.protocol === 'http:' ? 80 : 443;
}

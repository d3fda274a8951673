import { ApiObject, Chart, Cron, Size, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-30';
import { describe, expect, it } from 'vitest';
import * as argo from '../imports/k8s-crds/argoproj.io';
import * as rook from '../imports/k8s-crds/ceph.rook.io';
import * as certManager from '../imports/k8s-crds/cert-manager.io';
import * as cilium from '../imports/k8s-crds/cilium.io';
import * as calicoCrd from '../imports/k8s-crds/crd.projectcalico.org';
import * as eso from '../imports/k8s-crds/external-secrets.io';
import * as longhorn from '../imports/k8s-crds/longhorn.io';
import * as metallb from '../imports/k8s-crds/metallb.io';
import * as monitoring from '../imports/k8s-crds/monitoring.coreos.com';
import * as tigera from '../imports/k8s-crds/operator.tigera.io';
import * as cnpg from '../imports/k8s-crds/postgresql.cnpg.io';
import * as velero from '../imports/k8s-crds/velero.io';
import { K8sFinding, validateManifests } from '../validate/kubernetes-schema';

// The first validation of a kind compiles its schema (up to a few hundred ms each on a slow machine).
const COMPILE_TIMEOUT_MS = 60_000;

type Manifest = Record<string, any>;

function corePlusChart(): Manifest[] {
  const app = Testing.app();
  const chart = new Chart(app, 'web', { namespace: 'web' });
  const config = new kplus.ConfigMap(chart, 'config', { data: { LOG_LEVEL: 'info' } });
  const secret = new kplus.Secret(chart, 'token', { stringData: { TOKEN: 'not-a-real-token' } });
  const deployment = new kplus.Deployment(chart, 'api', {
    replicas: 2,
    containers: [
      {
        image: 'ghcr.io/example/api:1.2.3',
        portNumber: 8080,
        envFrom: [kplus.Env.fromConfigMap(config)],
        envVariables: { TOKEN: kplus.EnvValue.fromSecretValue({ secret, key: 'TOKEN' }) },
        resources: { memory: { request: Size.mebibytes(128), limit: Size.mebibytes(256) } },
      },
    ],
  });
  deployment.exposeViaService({ ports: [{ port: 80, targetPort: 8080 }] });
  new kplus.StatefulSet(chart, 'db', {
    containers: [{ image: 'postgres:16', portNumber: 5432, securityContext: { ensureNonRoot: false } }],
  });
  new kplus.CronJob(chart, 'report', {
    schedule: Cron.daily(),
    containers: [{ image: 'busybox:1.36', command: ['true'] }],
  });
  new kplus.PersistentVolumeClaim(chart, 'data', { storage: Size.gibibytes(10) });
  new kplus.ServiceAccount(chart, 'runner');
  const cluster = new Chart(app, 'cluster');
  new kplus.Namespace(cluster, 'ns', { metadata: { name: 'web' } });
  new kplus.ClusterRole(cluster, 'reader').allowRead(kplus.ApiResource.PODS);
  return [...Testing.synth(chart), ...Testing.synth(cluster)];
}

/** One object of every imported custom-resource kind, namespaced ones in a chart with a namespace. */
function crdCharts(): Manifest[] {
  const app = Testing.app();
  const ns = new Chart(app, 'platform', { namespace: 'platform' });
  const cluster = new Chart(app, 'cluster');

  new cilium.CiliumNetworkPolicy(ns, 'allow-web', {
    metadata: { name: 'allow-web' },
    spec: {
      endpointSelector: { matchLabels: { app: 'web' } },
      ingress: [
        {
          fromEndpoints: [{ matchLabels: { app: 'proxy' } }],
          toPorts: [{ ports: [{ port: '8080', protocol: cilium.CiliumNetworkPolicySpecIngressToPortsPortsProtocol.TCP }] }],
        },
      ],
    },
  });
  new cilium.CiliumLoadBalancerIpPool(cluster, 'lb-pool', {
    metadata: { name: 'lb-pool' },
    spec: { blocks: [{ cidr: '192.168.10.64/27' }] },
  });
  new cilium.CiliumL2AnnouncementPolicy(cluster, 'l2', {
    metadata: { name: 'l2' },
    spec: { loadBalancerIPs: true, interfaces: ['^eth[0-9]+'] },
  });
  new rook.CephCluster(ns, 'ceph', {
    metadata: { name: 'ceph' },
    spec: { external: { enable: true }, crashCollector: { disable: true } },
  });
  new rook.CephBlockPool(ns, 'pool', {
    metadata: { name: 'replicapool' },
    spec: { failureDomain: 'host', replicated: { size: 3 } },
  });
  new rook.CephFilesystem(ns, 'fs', {
    metadata: { name: 'cephfs' },
    spec: {
      metadataPool: { replicated: { size: 3 } },
      dataPools: [{ name: 'data0', replicated: { size: 3 } }],
      metadataServer: { activeCount: 1 },
    },
  });
  const appSpec = {
    project: 'default',
    source: { repoUrl: 'https://git.example.org/site.git', path: 'dist/kubernetes/web', targetRevision: 'main' },
    destination: { server: 'https://kubernetes.default.svc', namespace: 'web' },
    syncPolicy: { automated: { prune: true, selfHeal: true } },
  };
  new argo.Application(ns, 'app', { metadata: { name: 'web' }, spec: appSpec });
  new argo.ApplicationSet(ns, 'appset', {
    metadata: { name: 'envs' },
    spec: {
      generators: [{ list: { elements: [{ env: 'dev' }, { env: 'prod' }] } }],
      template: { metadata: { name: 'web-{{env}}' }, spec: appSpec },
    },
  });
  new argo.AppProject(ns, 'project', {
    metadata: { name: 'site' },
    spec: { sourceRepos: ['https://git.example.org/*'], destinations: [{ server: 'https://kubernetes.default.svc', namespace: '*' }] },
  });
  new monitoring.ServiceMonitor(ns, 'sm', {
    metadata: { name: 'api' },
    spec: { selector: { matchLabels: { app: 'api' } }, endpoints: [{ port: 'metrics', interval: '30s' }] },
  });
  new monitoring.PodMonitor(ns, 'pm', {
    metadata: { name: 'workers' },
    spec: { selector: { matchLabels: { app: 'worker' } }, podMetricsEndpoints: [{ port: 'metrics' }] },
  });
  new monitoring.PrometheusRule(ns, 'rules', {
    metadata: { name: 'api' },
    spec: {
      groups: [
        {
          name: 'api',
          partialResponseStrategy: 'Warn',
          rules: [{ alert: 'ApiDown', expr: monitoring.PrometheusRuleSpecGroupsRulesExpr.fromString('up{job="api"} == 0'), for: '5m' }],
        },
      ],
    },
  });
  new velero.BackupStorageLocation(ns, 'bsl', {
    metadata: { name: 'default' },
    spec: { provider: 'aws', objectStorage: { bucket: 'velero' }, config: { region: 'minio', s3Url: 'http://minio:9000' } },
  });
  new velero.Schedule(ns, 'nightly', {
    metadata: { name: 'nightly' },
    spec: { schedule: '0 3 * * *', template: { includedNamespaces: ['*'], ttl: '720h0m0s' } },
  });
  new certManager.ClusterIssuer(cluster, 'issuer', { metadata: { name: 'selfsigned' }, spec: { selfSigned: {} } });
  new certManager.Certificate(ns, 'cert', {
    metadata: { name: 'web' },
    spec: { secretName: 'web-tls', dnsNames: ['web.example.org'], issuerRef: { name: 'selfsigned', kind: 'ClusterIssuer' } },
  });
  new eso.ClusterSecretStore(cluster, 'css', {
    metadata: { name: 'kube' },
    spec: {
      provider: {
        kubernetes: {
          remoteNamespace: 'secrets',
          server: { caProvider: { type: eso.ClusterSecretStoreSpecProviderKubernetesServerCaProviderType.CONFIG_MAP, name: 'kube-root-ca.crt', key: 'ca.crt', namespace: 'secrets' } },
          auth: { serviceAccount: { name: 'eso-reader', namespace: 'secrets' } },
        },
      },
    },
  });
  new eso.SecretStore(ns, 'ss', {
    metadata: { name: 'local' },
    spec: { provider: { kubernetes: { remoteNamespace: 'platform', auth: { serviceAccount: { name: 'eso-reader' } } } } },
  });
  new eso.ExternalSecret(ns, 'es', {
    metadata: { name: 'db-password' },
    spec: {
      secretStoreRef: { name: 'kube', kind: eso.ExternalSecretSpecSecretStoreRefKind.CLUSTER_SECRET_STORE },
      target: { name: 'db-password' },
      data: [{ secretKey: 'password', remoteRef: { key: 'db', property: 'password' } }],
    },
  });
  new cnpg.Cluster(ns, 'pg', { metadata: { name: 'app-db' }, spec: { instances: 3, storage: { size: '20Gi' } } });
  new cnpg.ScheduledBackup(ns, 'pg-backup', {
    metadata: { name: 'app-db-daily' },
    spec: { cluster: { name: 'app-db' }, schedule: '0 0 2 * * *', method: cnpg.ScheduledBackupSpecMethod.VOLUME_SNAPSHOT },
  });
  new metallb.IpAddressPool(ns, 'pool-v4', { metadata: { name: 'lan' }, spec: { addresses: ['192.168.10.200-192.168.10.220'] } });
  new metallb.L2Advertisement(ns, 'l2adv', { metadata: { name: 'lan' }, spec: { ipAddressPools: ['lan'] } });
  new tigera.Installation(cluster, 'calico', {
    metadata: { name: 'default' },
    spec: {
      calicoNetwork: {
        mtu: 1450,
        ipPools: [
          {
            cidr: '10.244.0.0/16',
            encapsulation: tigera.InstallationSpecCalicoNetworkIpPoolsEncapsulation.VXLAN,
            natOutgoing: tigera.InstallationSpecCalicoNetworkIpPoolsNatOutgoing.ENABLED,
          },
        ],
      },
    },
  });
  new calicoCrd.IpPool(cluster, 'ippool', { metadata: { name: 'pods' }, spec: { cidr: '10.245.0.0/16', vxlanMode: 'Always', natOutgoing: true } });
  new longhorn.RecurringJob(ns, 'snap', {
    metadata: { name: 'daily-snapshot' },
    spec: { cron: '0 1 * * *', task: longhorn.RecurringJobSpecTask.SNAPSHOT, retain: 7, concurrency: 2, groups: ['default'] },
  });
  new longhorn.Setting(ns, 'setting', { metadata: { name: 'default-replica-count' }, value: '2' });
  return [...Testing.synth(ns), ...Testing.synth(cluster)];
}

function byKind(objects: Manifest[], kind: string): Manifest {
  const found = objects.find((o) => o.kind === kind);
  if (!found) throw new Error(`no ${kind} in the synthesized objects`);
  return found;
}

function only(findings: K8sFinding[]): K8sFinding {
  expect(findings).toHaveLength(1);
  return findings[0];
}

describe('validateManifests', () => {
  it('accepts objects built with cdk8s-plus-30', () => {
    const objects = corePlusChart();
    expect(objects.map((o) => o.kind)).toEqual(
      expect.arrayContaining(['ConfigMap', 'Secret', 'Deployment', 'Service', 'StatefulSet', 'CronJob', 'PersistentVolumeClaim', 'Namespace', 'ClusterRole']),
    );
    expect(validateManifests(objects)).toEqual([]);
  }, COMPILE_TIMEOUT_MS);

  it('accepts one object of every imported custom-resource kind', () => {
    const objects = crdCharts();
    expect(objects).toHaveLength(27);
    expect(validateManifests(objects)).toEqual([]);
  }, COMPILE_TIMEOUT_MS);

  it('fails when a container field is misspelt (imagePulPolicy)', () => {
    const deployment = byKind(corePlusChart(), 'Deployment');
    deployment.spec.template.spec.containers[0].imagePulPolicy = 'Always';
    const f = only(validateManifests([deployment]));
    expect(f).toMatchObject({
      object: `Deployment/web/${deployment.metadata.name}`,
      path: 'spec.template.spec.containers[0].imagePulPolicy',
      rule: 'unknown-field',
    });
    expect(f.hint).toContain('did you mean "imagePullPolicy"');
  });

  it('fails when replicas is a string ("two")', () => {
    const deployment = byKind(corePlusChart(), 'Deployment');
    deployment.spec.replicas = 'two';
    expect(only(validateManifests([deployment]))).toMatchObject({ path: 'spec.replicas', rule: 'type', message: 'must be integer, got string "two"' });
  });

  it('fails when a numeric string is given for an integer, and says to drop the quotes', () => {
    const pg = byKind(crdCharts(), 'Cluster');
    pg.spec.instances = '3';
    expect(only(validateManifests([pg]))).toMatchObject({ path: 'spec.instances', rule: 'type', hint: 'write 3 without quotes' });
  });

  it('fails when the kind is unknown', () => {
    const f = only(validateManifests([{ apiVersion: 'example.org/v1', kind: 'Widget', metadata: { name: 'w', namespace: 'x' } }]));
    expect(f).toMatchObject({ object: 'Widget/x/w', path: '.', rule: 'unknown-kind' });
    expect(f.hint).toContain('x-kinds');
  });

  it('fails when a known kind is used with the wrong apiVersion, and names the right one', () => {
    const policy = byKind(crdCharts(), 'CiliumL2AnnouncementPolicy');
    policy.apiVersion = 'cilium.io/v2';
    expect(only(validateManifests([policy]))).toMatchObject({ rule: 'unknown-kind', hint: expect.stringContaining('cilium.io/v2alpha1') });
  });

  it('fails when apiVersion is missing', () => {
    expect(only(validateManifests([{ kind: 'ConfigMap', metadata: { name: 'c' } }]))).toMatchObject({ rule: 'object-shape', path: 'apiVersion' });
  });

  it('fails when a cluster-scoped custom resource gets a namespace from its chart', () => {
    const app = Testing.app();
    const chart = new Chart(app, 'net', { namespace: 'kube-system' });
    new cilium.CiliumLoadBalancerIpPool(chart, 'pool', { metadata: { name: 'lb' }, spec: { blocks: [{ cidr: '10.0.0.0/24' }] } });
    const f = only(validateManifests(Testing.synth(chart)));
    expect(f).toMatchObject({ object: 'CiliumLoadBalancerIPPool/kube-system/lb', path: 'metadata.namespace', rule: 'cluster-scoped-namespace' });
    expect(f.hint).toContain('remove metadata.namespace');
  });

  it('fails when a cluster-scoped core kind has metadata.namespace', () => {
    const role = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'reader', namespace: 'web' }, rules: [] };
    expect(only(validateManifests([role]))).toMatchObject({ object: 'ClusterRole/web/reader', rule: 'cluster-scoped-namespace' });
  });

  it('fails when a Cilium port is given as a number', () => {
    const cnp = byKind(crdCharts(), 'CiliumNetworkPolicy');
    cnp.spec.ingress[0].toPorts[0].ports[0].port = 8080;
    expect(only(validateManifests([cnp]))).toMatchObject({
      object: 'CiliumNetworkPolicy/platform/allow-web',
      path: 'spec.ingress[0].toPorts[0].ports[0].port',
      rule: 'type',
      hint: 'quote it: "8080"',
    });
  });

  it('fails when a Cilium policy selects neither endpoints nor nodes', () => {
    const cnp = byKind(crdCharts(), 'CiliumNetworkPolicy');
    delete cnp.spec.endpointSelector;
    expect(only(validateManifests([cnp]))).toMatchObject({ path: 'spec', rule: 'one-of', hint: 'set exactly one of: endpointSelector, nodeSelector' });
  });

  it('fails when custom-resource metadata has an unknown field (checked against core ObjectMeta)', () => {
    const pool = byKind(crdCharts(), 'IPAddressPool');
    pool.metadata.label = { a: 'b' };
    expect(only(validateManifests([pool]))).toMatchObject({ path: 'metadata.label', rule: 'unknown-field', hint: expect.stringContaining('"labels"') });
  });

  it('fails when an ApplicationSet generator template override has an unknown field', () => {
    const appset = byKind(crdCharts(), 'ApplicationSet');
    appset.spec.generators[0].list.template = { metadata: {}, spec: { project: 'default', destination: {}, sourcez: {} } };
    expect(only(validateManifests([appset]))).toMatchObject({ path: 'spec.generators[0].list.template.spec.sourcez', rule: 'unknown-field' });
  });

  it('fails when Secret data is not base64', () => {
    const secret = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's', namespace: 'web' }, data: { TOKEN: 'plain text!' } };
    expect(only(validateManifests([secret]))).toMatchObject({ path: 'data.TOKEN', rule: 'format', hint: expect.stringContaining('stringData') });
  });

  it('fails when a Go-syntax (RE2) pattern does not match', () => {
    const rules = byKind(crdCharts(), 'PrometheusRule');
    rules.spec.groups[0].partial_response_strategy = 'sometimes';
    expect(only(validateManifests([rules]))).toMatchObject({ path: 'spec.groups[0].partial_response_strategy', rule: 'pattern' });
  });

  it('fails when two PrometheusRule groups share a name (list-map key)', () => {
    const rules = byKind(crdCharts(), 'PrometheusRule');
    rules.spec.groups.push({ ...rules.spec.groups[0] });
    expect(only(validateManifests([rules]))).toMatchObject({ path: 'spec.groups', rule: 'duplicate-item' });
  });

  it('fails when an enum value is not allowed, and lists the allowed ones', () => {
    const job = byKind(crdCharts(), 'RecurringJob');
    job.spec.task = 'backups';
    expect(only(validateManifests([job]))).toMatchObject({ path: 'spec.task', rule: 'enum', hint: expect.stringContaining('"backup"') });
  });

  it('fails when an object has no name', () => {
    const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { namespace: 'web' }, data: {} };
    expect(only(validateManifests([cm]))).toMatchObject({ object: 'ConfigMap/web/-', path: 'metadata.name', rule: 'required-field' });
  });

  it('reports every finding of every object', () => {
    const objects = corePlusChart();
    const deployment = byKind(objects, 'Deployment');
    deployment.spec.replicas = 'two';
    deployment.spec.template.spec.containers[0].imagePulPolicy = 'Always';
    const pvc = byKind(objects, 'PersistentVolumeClaim');
    pvc.spec.accessModes = 'ReadWriteOnce';
    const findings = validateManifests(objects);
    expect(findings.map((f) => `${f.object.split('/')[0]} ${f.path} ${f.rule}`).sort()).toEqual([
      'Deployment spec.replicas type',
      'Deployment spec.template.spec.containers[0].imagePulPolicy unknown-field',
      'PersistentVolumeClaim spec.accessModes type',
    ]);
  });

  it('reads null fields as absent, as the API server does', () => {
    const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'x', creationTimestamp: null }, data: { a: 'b' } };
    expect(validateManifests([cm])).toEqual([]);
    const pool = { ...byKind(crdCharts(), 'IPAddressPool') };
    pool.spec = { ...pool.spec, addresses: null };
    expect(only(validateManifests([pool]))).toMatchObject({ path: 'spec.addresses', rule: 'required-field' });
  });

  it('keeps synthesized ApiObjects usable as input (plain JSON)', () => {
    const app = Testing.app();
    const chart = new Chart(app, 'c');
    const obj = new ApiObject(chart, 'cm', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'x' }, data: { a: 'b' } });
    expect(validateManifests([obj.toJson()])).toEqual([]);
  });
});

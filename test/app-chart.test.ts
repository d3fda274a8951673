import { App } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import { buildCharts } from '../charts';
import { ComponentChart } from '../constructs/component-chart';
import { buildModel } from '../model';
import reference from '../sites/hookprobe';
import { validateManifests } from '../validate/kubernetes-schema';
import { all, editedSite, find, Obj, policyRules, renderWorkloads } from './support/workloads';

const { components } = renderWorkloads(reference);
const objects = all(components);
const container = (deployment: Obj): Obj => deployment.spec.template.spec.containers[0];
const envOf = (deployment: Obj): Record<string, unknown> =>
  Object.fromEntries(container(deployment).env.map((e: Obj) => [e.name, e.value ?? e.valueFrom]));

describe('the seed workloads (plan steps 5.2-5.4) as the site gives them', () => {
  it('qsecbit-backend: 3 replicas of hookprobe/qsecbit:v5.0 with the seed resources, env, volumes and Service', () => {
    const c = components.get('qsecbit-backend') ?? [];
    const d = find(c, 'Deployment', 'qsecbit-backend');
    expect(d.metadata.namespace).toBe('hookprobe');
    expect(d.spec.replicas).toBe(3);
    expect(d.spec.selector.matchLabels).toEqual({ app: 'qsecbit-backend' });
    expect(container(d).name).toBe('qsecbit');
    expect(container(d).image).toBe('hookprobe/qsecbit:v5.0');
    expect(container(d).resources).toEqual({ requests: { cpu: '1000m', memory: '2Gi' }, limits: { cpu: '2000m', memory: '4Gi' } });
    expect(envOf(d)).toEqual({ REDIS_HOST: 'redis-service', POSTGRES_HOST: 'postgres-service', ML_MODEL_PATH: '/models/qsecbit-v5.0.pkl' });
    expect(container(d).volumeMounts).toEqual(expect.arrayContaining([
      { name: 'models', mountPath: '/models', readOnly: true },
      { name: 'data', mountPath: '/data', readOnly: false },
    ]));
    const claims = Object.fromEntries(d.spec.template.spec.volumes.filter((v: Obj) => v.persistentVolumeClaim).map((v: Obj) => [v.name, v.persistentVolumeClaim.claimName]));
    expect(claims).toEqual({ models: 'qsecbit-models-pvc', data: 'qsecbit-data-pvc' });
    expect(find(c, 'PersistentVolumeClaim', 'qsecbit-models-pvc').spec.resources.requests.storage).toBe('20Gi');
    const svc = find(c, 'Service', 'qsecbit-backend-service');
    expect(svc.spec).toMatchObject({ type: 'ClusterIP', selector: { app: 'qsecbit-backend' }, ports: [{ port: 8888, targetPort: 8888 }] });
  });

  it('gives claims shared by replicas on several nodes the ReadWriteMany class, and the others the default class', () => {
    const c = components.get('qsecbit-backend') ?? [];
    const pvc = find(c, 'PersistentVolumeClaim', 'qsecbit-data-pvc');
    expect(pvc.spec.accessModes).toEqual(['ReadWriteMany']);
    expect(pvc.spec.storageClassName).toBe('cephfs');
    expect(find(components.get('ai-content-generator') ?? [], 'PersistentVolumeClaim', 'llm-cache-pvc').spec.storageClassName).toBeUndefined();
  });

  it('ai-content-generator: one replica on the GPU node, tolerating its taint, nvidia runtime, 1 GPU, 4 CPU, 16Gi', () => {
    const c = components.get('ai-content-generator') ?? [];
    const d = find(c, 'Deployment', 'ai-content-generator');
    const pod = d.spec.template.spec;
    expect(d.spec.replicas).toBe(1);
    expect(container(d).name).toBe('llm-service');
    expect(container(d).image).toBe('hookprobe/llm-content-gen:v1.0');
    expect(pod.nodeSelector).toEqual({ 'nvidia.com/gpu': 'true' });
    expect(pod.tolerations).toEqual([{ key: 'nvidia.com/gpu', operator: 'Equal', value: 'true', effect: 'NoSchedule' }]);
    expect(pod.runtimeClassName).toBe('nvidia');
    expect(container(d).resources.limits).toEqual({ 'nvidia.com/gpu': 1, cpu: '4000m', memory: '16Gi' });
    // The site serves an 8B model where the plan's 70B would not fit the A100 (see sites/hookprobe.ts).
    expect(envOf(d)).toEqual({ MODEL_NAME: 'meta-llama/Llama-3.1-8B-Instruct' });
    // The context and memory share the GPU fit check used reach vLLM as its arguments.
    expect(container(d).args).toEqual(['--max-model-len', '32768', '--gpu-memory-utilization', '0.9']);
    expect(container(d).volumeMounts).toContainEqual({ name: 'model-cache', mountPath: '/root/.cache', readOnly: false });
    expect(pod.volumes).toContainEqual({ name: 'model-cache', persistentVolumeClaim: { claimName: 'llm-cache-pvc', readOnly: false } });
    // A second pod could never get the single GPU: the rollout replaces the pod instead of surging.
    expect(d.spec.strategy).toEqual({ type: 'Recreate' });
    expect(find(c, 'Service', 'ai-content-service').spec.ports).toEqual([{ name: 'http', port: 8000, targetPort: 8000, protocol: 'TCP' }]);
  });

  it('django-central: 3 replicas on port 8000, the database URL from a Secret, the other URLs derived from Services', () => {
    const c = components.get('django-central') ?? [];
    const d = find(c, 'Deployment', 'django-central');
    expect(d.spec.replicas).toBe(3);
    expect(container(d).image).toBe('hookprobe/django-central:v5.0');
    expect(container(d).ports).toEqual([{ containerPort: 8000, name: 'http', protocol: 'TCP' }]);
    expect(container(d).resources).toEqual({ requests: { cpu: '500m', memory: '1Gi' }, limits: { cpu: '1000m', memory: '2Gi' } });
    expect(envOf(d)).toEqual({
      DATABASE_URL: { secretKeyRef: { name: 'django-secrets', key: 'database-url' } },
      REDIS_URL: 'redis://redis-service:6379/0',
      QSECBIT_API_URL: 'http://qsecbit-backend-service:8888',
      AI_CONTENT_API_URL: 'http://ai-content-service:8000',
    });
    expect(find(c, 'Service', 'django-central-service').spec.ports).toEqual([{ name: 'http', port: 80, targetPort: 8000, protocol: 'TCP' }]);
    const es = find(c, 'ExternalSecret', 'django-secrets');
    expect(es.spec.secretStoreRef).toEqual({ kind: 'ClusterSecretStore', name: 'hookprobe-secrets' });
    expect(es.spec.data).toEqual([{ secretKey: 'database-url', remoteRef: { key: 'hookprobe-django', property: 'database-url' } }]);
  });

  it('derives the service URLs from the Services: changing a Service port changes the URL of its callers', () => {
    const site = editedSite((s) => { s.apps[0].service.port = 9999; });
    const d = find(renderWorkloads(site).components.get('django-central') ?? [], 'Deployment', 'django-central');
    expect(envOf(d).QSECBIT_API_URL).toBe('http://qsecbit-backend-service:9999');
  });

  it('publishes every edge API endpoint of section 5.2 through an nginx Ingress with a cert-manager certificate', () => {
    const ing = find(components.get('django-central') ?? [], 'Ingress', 'django-central');
    expect(ing.spec.ingressClassName).toBe('nginx');
    expect(ing.metadata.annotations['cert-manager.io/cluster-issuer']).toBe('acme');
    expect(ing.spec.tls).toEqual([{ hosts: ['backend.hookprobe.com'], secretName: 'django-central-tls' }]);
    const rules = ing.spec.rules.flatMap((r: Obj) => r.http.paths.map((p: Obj) => ({ host: r.host, ...p })));
    for (const endpoint of ['/api/v1/sbc/register', '/api/v1/sbc/metrics', '/api/v1/sbc/alerts', '/api/v1/sbc/tasks']) {
      const route = rules.find((r: Obj) => r.pathType === 'Prefix' && (endpoint === r.path || endpoint.startsWith(`${r.path}/`)));
      expect(route, endpoint).toMatchObject({ host: 'backend.hookprobe.com', backend: { service: { name: 'django-central-service', port: { number: 80 } } } });
    }
  });

  it('fails when an app is published but the site has no ingress controller', () => {
    const site = editedSite((s) => { delete s.platform.addons.ingressNginx; });
    expect(() => renderWorkloads(site)).toThrow(/apps\[2\]\.ingress: app django-central \(published on backend\.hookprobe\.com\) needs an ingress controller[\s\S]*fix: add platform\.addons\.ingressNginx/);
  });
});

describe('the data stores', () => {
  it('PostgreSQL 16: a 3-instance CloudNativePG Cluster on the default class, reachable as postgres-service on the primary', () => {
    const c = components.get('postgres') ?? [];
    const cluster = find(c, 'Cluster', 'postgres');
    expect(cluster.apiVersion).toBe('postgresql.cnpg.io/v1');
    expect(cluster.spec.instances).toBe(3);
    expect(cluster.spec.imageName).toMatch(/^ghcr\.io\/cloudnative-pg\/postgresql:16\.\d+-/);
    expect(cluster.spec.storage).toEqual({ size: '50Gi' });
    expect(cluster.spec.bootstrap.initdb).toEqual({ database: 'hookprobe', owner: 'hookprobe', secret: { name: 'postgres-app-credentials' } });
    expect(cluster.spec.managed.services.additional).toEqual([
      expect.objectContaining({ selectorType: 'rw', serviceTemplate: expect.objectContaining({ metadata: expect.objectContaining({ name: 'postgres-service' }) }) }),
    ]);
    expect(cluster.spec.enableSuperuserAccess).toBe(false);
    const creds = find(c, 'ExternalSecret', 'postgres-app-credentials');
    expect(creds.spec.target.template).toMatchObject({ type: 'kubernetes.io/basic-auth', data: { username: 'hookprobe' } });
  });

  it('backs PostgreSQL up to the site backup bucket every day at 03:00 (plan 10.1), keys from the secret store', () => {
    const c = components.get('postgres') ?? [];
    const backup = find(c, 'ScheduledBackup', 'postgres-daily');
    // CloudNativePG cron has a leading seconds field: "0 3 * * *" is "0 0 3 * * *".
    expect(backup.spec).toMatchObject({ schedule: '0 0 3 * * *', cluster: { name: 'postgres' }, method: 'barmanObjectStore' });
    const store = find(c, 'Cluster', 'postgres').spec.backup;
    expect(store.retentionPolicy).toBe('30d');
    expect(store.barmanObjectStore.destinationPath).toBe('s3://hookprobe-k8s-backups/postgres');
    expect(store.barmanObjectStore.s3Credentials.accessKeyId).toEqual({ name: 'postgres-backup-s3', key: 'ACCESS_KEY_ID' });
    const es = find(c, 'ExternalSecret', 'postgres-backup-s3');
    expect(es.spec.secretStoreRef.kind).toBe('ClusterSecretStore');
    expect(es.spec.target.template.data).toEqual({ REGION: 'us-east-1' });
  });

  it('fails when a PostgreSQL backup is scheduled but the site has no backup store', () => {
    const site = editedSite((s) => { delete s.platform.backupStore; });
    expect(() => renderWorkloads(site)).toThrow(/dataStores\.postgres\.backup: .*platform\.backupStore/);
  });

  it('Redis: a non-root StatefulSet of the site image with its data on a claim, behind redis-service:6379', () => {
    const c = components.get('redis') ?? [];
    const sts = find(c, 'StatefulSet', 'redis');
    expect(container(sts).image).toBe('redis:7.4.2');
    expect(container(sts).securityContext).toMatchObject({ runAsNonRoot: true, readOnlyRootFilesystem: true });
    expect(container(sts).volumeMounts).toContainEqual({ name: 'data', mountPath: '/data' });
    expect(find(c, 'PersistentVolumeClaim', 'redis-data').spec.resources.requests.storage).toBe('10Gi');
    expect(find(c, 'Service', 'redis-service').spec).toMatchObject({ type: 'ClusterIP', selector: { app: 'redis' }, ports: [{ port: 6379, targetPort: 6379 }] });
    expect(sts.spec.serviceName).toBe('redis-headless');
  });
});

describe('posture of every workload', () => {
  const workloads = objects.filter((o) => o.kind === 'Deployment' || o.kind === 'StatefulSet');

  it('renders the three apps and Redis as workloads', () => {
    expect(workloads.map((w) => w.metadata.name).sort()).toEqual(['ai-content-generator', 'django-central', 'qsecbit-backend', 'redis']);
  });

  it('runs every container non-root, read-only, without privilege escalation or capabilities, with RuntimeDefault seccomp', () => {
    for (const w of workloads) {
      const pod = w.spec.template.spec;
      expect(pod.securityContext.runAsNonRoot, w.metadata.name).toBe(true);
      expect(pod.automountServiceAccountToken, w.metadata.name).toBe(false);
      for (const c of pod.containers) {
        expect(c.securityContext, `${w.metadata.name}/${c.name}`).toMatchObject({
          runAsNonRoot: true,
          readOnlyRootFilesystem: true,
          allowPrivilegeEscalation: false,
          privileged: false,
          capabilities: { drop: ['ALL'] },
          seccompProfile: { type: 'RuntimeDefault' },
        });
        expect(c.volumeMounts.map((m: Obj) => m.mountPath), `${w.metadata.name} has a writable /tmp`).toContain('/tmp');
      }
    }
  });

  it('gives every container CPU and memory requests and limits, and liveness, readiness and startup probes', () => {
    for (const w of workloads) {
      for (const c of w.spec.template.spec.containers) {
        for (const kind of ['requests', 'limits']) {
          expect(Object.keys(c.resources[kind]), `${w.metadata.name} ${kind}`).toEqual(expect.arrayContaining(['cpu', 'memory']));
        }
        for (const probe of ['livenessProbe', 'readinessProbe', 'startupProbe']) expect(c[probe], `${w.metadata.name} ${probe}`).toBeDefined();
      }
    }
  });

  it('checks HTTP on healthPath when the site gives one, TCP on the container port otherwise', () => {
    expect(container(find(objects, 'Deployment', 'django-central')).readinessProbe.tcpSocket).toEqual({ port: 8000 });
    const site = editedSite((s) => { s.apps[2].healthPath = '/healthz'; });
    const d = find(renderWorkloads(site).components.get('django-central') ?? [], 'Deployment', 'django-central');
    expect(container(d).livenessProbe.httpGet).toMatchObject({ path: '/healthz', port: 8000 });
  });

  it('gives replicated apps a disruption budget and a spread over nodes, and single-replica ones neither', () => {
    for (const name of ['qsecbit-backend', 'django-central']) {
      expect(find(objects, 'PodDisruptionBudget', name).spec).toMatchObject({ maxUnavailable: 1, selector: { matchLabels: { app: name } } });
      expect(find(objects, 'Deployment', name).spec.template.spec.topologySpreadConstraints).toEqual([
        expect.objectContaining({ topologyKey: 'kubernetes.io/hostname', maxSkew: 1, labelSelector: { matchLabels: { app: name } } }),
      ]);
    }
    expect(objects.some((o) => o.kind === 'PodDisruptionBudget' && o.metadata.name === 'ai-content-generator')).toBe(false);
    expect(find(objects, 'Deployment', 'ai-content-generator').spec.template.spec.topologySpreadConstraints).toBeUndefined();
  });

  it('puts every object in the app namespace, pins every image and creates no Secret with data', () => {
    for (const o of objects) expect(o.metadata.namespace, `${o.kind}/${o.metadata.name}`).toBe('hookprobe');
    for (const w of workloads) {
      for (const c of w.spec.template.spec.containers) expect(c.image).toMatch(/^[^@]+:(?!latest$)[\w.-]+$|@sha256:[0-9a-f]{64}$/);
    }
    expect(objects.filter((o) => o.kind === 'Secret')).toEqual([]);
  });

  it('reads every Secret a pod or the database refers to from one that an ExternalSecret creates', () => {
    const created = new Set(objects.filter((o) => o.kind === 'ExternalSecret').map((o) => o.spec.target.name));
    const referenced = new Set<string>();
    for (const w of objects.filter((o) => o.kind === 'Deployment' || o.kind === 'StatefulSet')) {
      for (const c of w.spec.template.spec.containers) for (const e of c.env ?? []) if (e.valueFrom?.secretKeyRef) referenced.add(e.valueFrom.secretKeyRef.name);
    }
    const cluster = find(objects, 'Cluster', 'postgres').spec;
    referenced.add(cluster.bootstrap.initdb.secret.name);
    referenced.add(cluster.backup.barmanObjectStore.s3Credentials.accessKeyId.name);
    expect([...referenced].sort()).toEqual(['django-secrets', 'postgres-app-credentials', 'postgres-backup-s3']);
    for (const name of referenced) expect(created.has(name), name).toBe(true);
  });

  it('alerts on missing replicas and restarting pods of every app and of Redis', () => {
    const rules = objects.filter((o) => o.kind === 'PrometheusRule');
    expect(rules.map((r) => r.metadata.name).sort()).toEqual(['ai-content-generator', 'django-central', 'qsecbit-backend', 'redis']);
    const alerts = rules.flatMap((r) => r.spec.groups.flatMap((g: Obj) => g.rules.map((x: Obj) => x.alert)));
    expect(alerts).toEqual(expect.arrayContaining(['QsecbitBackendReplicasUnavailable', 'DjangoCentralPodRestarting', 'RedisDown']));
  });

  it('scrapes an app with a metricsPath through a ServiceMonitor, and opens its port to the monitoring namespace', () => {
    // The reference site scrapes qsecbit and django (the plan's custom exporters), not the LLM.
    expect(objects.filter((o) => o.kind === 'ServiceMonitor').map((o) => o.metadata.name).sort()).toEqual(['django-central', 'qsecbit-backend']);
    const site = editedSite((s) => { s.apps[1].metricsPath = '/metrics'; });
    const c = renderWorkloads(site).components.get('ai-content-generator') ?? [];
    const sm = find(c, 'ServiceMonitor', 'ai-content-generator');
    expect(sm.spec).toMatchObject({ selector: { matchLabels: { app: 'ai-content-generator' } }, endpoints: [{ port: 'http', path: '/metrics' }] });
    expect(find(c, 'NetworkPolicy', 'ai-content-generator').spec.ingress).toContainEqual({
      from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } }, podSelector: {} }],
      ports: [{ port: 8000, protocol: 'TCP' }],
    });
  });
});

describe('network policy', () => {
  it('denies everything in the namespace by default, as plan 8.2 writes it, and lets every pod reach cluster DNS', () => {
    const base = components.get('hookprobe-base') ?? [];
    expect(find(base, 'NetworkPolicy', 'default-deny-all').spec).toEqual({ podSelector: {}, policyTypes: ['Egress', 'Ingress'] });
    expect(find(base, 'NetworkPolicy', 'allow-cluster-dns').spec).toEqual({
      podSelector: {},
      policyTypes: ['Egress'],
      egress: [{
        to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } }, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }],
        ports: [{ port: 53, protocol: 'UDP' }, { port: 53, protocol: 'TCP' }],
      }],
    });
  });

  it('allows django-central out to each declared dependency and in from the ingress controller and Prometheus, nothing else', () => {
    const spec = find(objects, 'NetworkPolicy', 'django-central').spec;
    const targets = spec.egress.map((r: Obj) => [JSON.stringify(r.to[0].podSelector?.matchLabels ?? r.to[0].ipBlock), r.ports[0].port]);
    expect(targets).toEqual([
      ['{"app":"ai-content-generator"}', 8000],
      ['{"cnpg.io/cluster":"postgres"}', 5432],
      ['{"app":"qsecbit-backend"}', 8888],
      ['{"app":"redis"}', 6379],
      // The declared egress to the edge network (apps[2].egress), nothing wider.
      ['{"cidr":"172.16.0.0/24"}', 443],
    ]);
    expect(spec.ingress).toEqual([
      { from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' } }, podSelector: {} }], ports: [{ port: 8000, protocol: 'TCP' }] },
      // Prometheus scrapes django's metricsPath on the same port.
      { from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } }, podSelector: {} }], ports: [{ port: 8000, protocol: 'TCP' }] },
    ]);
  });

  it('removing one dependency from the site removes exactly its egress rule and the matching ingress rule', () => {
    const site = editedSite((s) => {
      const django = s.apps[2];
      django.dependsOn = django.dependsOn.filter((d: string) => d !== 'redis');
      django.env = django.env.filter((e: Obj) => e.name !== 'REDIS_URL');
    });
    const before = policyRules(objects);
    const after = policyRules(all(renderWorkloads(site).components));
    const removed = before.filter((r) => !after.includes(r));
    expect(after.filter((r) => !before.includes(r))).toEqual([]);
    expect(removed).toEqual([
      'django-central egress {"ports":[{"port":6379,"protocol":"TCP"}],"to":[{"podSelector":{"matchLabels":{"app":"redis"}}}]}',
      'redis ingress {"from":[{"podSelector":{"matchLabels":{"app":"django-central"}}}],"ports":[{"port":6379,"protocol":"TCP"}]}',
    ]);
  });

  it('lets the CloudNativePG instances replicate, the operator reach them, and the API server be reached through Cilium', () => {
    const c = components.get('postgres') ?? [];
    const ingress = find(c, 'NetworkPolicy', 'postgres').spec.ingress;
    expect(ingress).toContainEqual({ from: [{ podSelector: { matchLabels: { 'cnpg.io/cluster': 'postgres' } } }], ports: [{ port: 5432, protocol: 'TCP' }, { port: 8000, protocol: 'TCP' }] });
    expect(ingress.some((r: Obj) => r.from[0].namespaceSelector?.matchLabels['kubernetes.io/metadata.name'] === 'cnpg-system')).toBe(true);
    expect(find(c, 'CiliumNetworkPolicy', 'postgres-to-apiserver').spec.egress).toEqual([{ toEntities: ['kube-apiserver'] }]);
  });

  it('without Cilium, reaches the API server by the control-plane addresses instead', () => {
    const site = editedSite((s) => {
      const range = s.platform.addons.cilium?.loadBalancerRange;
      delete s.platform.addons.cilium;
      s.platform.addons.calico = { chartVersion: 'v3.30.7' };
      // ingress-nginx's LoadBalancer Service needs an address provider once Cilium is gone.
      if (range) s.platform.addons.metallb = { chartVersion: '0.16.1', addressRange: range };
    });
    const c = renderWorkloads(site).components.get('postgres') ?? [];
    expect(c.some((o) => o.kind === 'CiliumNetworkPolicy')).toBe(false);
    const cidrs = find(c, 'NetworkPolicy', 'postgres').spec.egress.flatMap((r: Obj) => r.to.filter((t: Obj) => t.ipBlock).map((t: Obj) => `${t.ipBlock.cidr}:${r.ports[0].port}`));
    expect(cidrs).toEqual(['10.100.0.10/32:6443', '10.100.0.11/32:6443', '10.100.0.12/32:6443', '10.100.0.100/32:6443', '10.96.0.1/32:443', '0.0.0.0/0:443']);
  });
});

describe('the rendered app manifests', () => {
  it('are dispatched by buildCharts to the app and data-store builders', () => {
    // Without PostgreSQL: the GitOps check refuses CloudNativePG objects until the site installs the operator
    // (platform.addons.cloudnativePg and its chart), which the reference site does not yet.
    const site = editedSite((s) => {
      delete s.dataStores.postgres;
      for (const a of s.apps) {
        a.dependsOn = a.dependsOn.filter((d: string) => d !== 'postgres');
        a.env = a.env.filter((e: Obj) => e.serviceOf?.app !== 'postgres');
      }
    });
    const app = new App();
    buildCharts(app, buildModel(site));
    const chart = app.charts.filter(ComponentChart.isComponentChart).find((c) => c.component === 'django-central');
    expect((chart?.toJson() ?? []).map((o: Obj) => o.kind).sort()).toEqual(['Deployment', 'ExternalSecret', 'Ingress', 'NetworkPolicy', 'PodDisruptionBudget', 'PrometheusRule', 'Service', 'ServiceMonitor']);
  });

  it('validate against the Kubernetes 1.31 and CRD schemas with no finding', () => {
    expect(validateManifests(objects)).toEqual([]);
  });
});

import type { Construct } from 'constructs';
import type { ComponentChart } from '../constructs/component-chart';
import { SiteApp, SiteAppEnvVar, SiteAppGpu } from '../constructs/site-app';
import { SyncedSecret } from '../constructs/synced-secret';
import { WorkloadAlerts } from '../constructs/workload-alerts';
import { NetworkRule, WorkloadNetworkPolicy } from '../constructs/workload-network-policy';
import { ServiceMonitor } from '../imports/k8s-crds/monitoring.coreos.com';
import { AppModel, baseComponentName, ComponentModel, providerOf, SiteModel } from '../model';
import { clusterIssuerName, clusterSecretStoreName, ingressClassName, NVIDIA_RUNTIME_CLASS, readWriteManyStorageClassName } from '../addons/addon-contracts';
import { callerIngressRules, CLUSTER_DNS, dependencyEgressRules } from './workload-network';

/**
 * Chart builder for every component of kind "app": the namespace-wide base (default-deny network
 * policy, DNS) and each application of the site. Apps are data in the site, so this one builder
 * renders all of them; nothing here names a particular app.
 */
export function buildAppComponent(chart: ComponentChart, model: SiteModel, component: ComponentModel): void {
  if (component.name === baseComponentName(model.appNamespace)) {
    buildBase(chart, model);
    return;
  }
  const app = model.apps.find((a) => a.name === component.name);
  if (!app) throw new Error(`buildAppComponent: component "${component.name}" is of kind app but site ${model.name} has no app of that name`);
  buildApp(chart, model, app);
}

/** Labels every object of the site's workloads carries. */
export function siteLabels(model: SiteModel): Record<string, string> {
  return { 'app.kubernetes.io/part-of': model.name, 'app.kubernetes.io/managed-by': 'site-compiler' };
}

/**
 * Everything in the app namespace is denied both ways unless a rule allows it; the base only lets
 * every pod resolve names, since each allowed connection starts with a DNS lookup.
 */
function buildBase(scope: Construct, model: SiteModel): void {
  const namespace = model.appNamespace;
  new WorkloadNetworkPolicy(scope, 'default-deny', { name: 'default-deny-all', namespace, podSelector: {} });
  new WorkloadNetworkPolicy(scope, 'dns', {
    name: 'allow-cluster-dns',
    namespace,
    podSelector: {},
    policyTypes: ['Egress'],
    egress: [{
      peer: { pods: CLUSTER_DNS.podLabels, namespace: CLUSTER_DNS.namespace },
      ports: [{ port: CLUSTER_DNS.port, protocol: 'UDP' }, { port: CLUSTER_DNS.port, protocol: 'TCP' }],
    }],
  });
  allowHttp01Solver(scope, model);
}

/**
 * A published app's certificate is issued over ACME HTTP-01: the certificates provider starts a solver pod in the
 * Ingress's namespace and the ACME server fetches the token from it through the ingress controller. Behind the
 * namespace's default deny that fetch fails and the certificate is never issued, so the controller may reach the
 * solver's port, and nothing else may.
 */
function allowHttp01Solver(scope: Construct, model: SiteModel): void {
  const ingress = providerOf(model, 'ingress');
  const controller = ingress?.facts.network?.ingressController;
  const http01 = providerOf(model, 'certificates')?.facts.network?.http01;
  const published = model.apps.some((a) => a.namespace === model.appNamespace && a.spec.ingress !== undefined);
  if (!ingress || !controller || !http01 || !published) return;
  new WorkloadNetworkPolicy(scope, 'acme-http01-solver', {
    name: 'allow-acme-http01-solver',
    namespace: model.appNamespace,
    podSelector: http01.solver.podLabels,
    policyTypes: ['Ingress'],
    ingress: [{ peer: { pods: controller.podLabels, namespace: ingress.namespace }, ports: [{ port: http01.solver.port }] }],
  });
}

function buildApp(scope: Construct, model: SiteModel, app: AppModel): void {
  const spec = app.spec;
  const namespace = app.namespace;
  const metrics = providerOf(model, 'metrics');
  const labels = siteLabels(model);

  const env: SiteAppEnvVar[] = app.env.map((e) => ('value' in e ? { name: e.name, value: e.value } : { name: e.name, secret: { name: e.secret.name, key: e.secret.key } }));
  for (const secret of ownedSecrets(model, app)) {
    new SyncedSecret(scope, `secret-${secret.name}`, { name: secret.name, namespace, store: clusterSecretStoreName(model, `app ${app.name}`), keys: secret.data });
  }
  checkClaims(model, app);
  // A claim shared by pods on several nodes needs a ReadWriteMany class; the default (block) class is not one.
  const rwxClass = readWriteManyStorageClassName(model);

  const site = new SiteApp(scope, 'app', {
    name: app.name,
    namespace,
    image: spec.image,
    container: app.container,
    replicas: spec.replicas,
    containerPort: spec.containerPort,
    serviceName: spec.service.name,
    servicePort: spec.service.port,
    requests: spec.resources.requests,
    limits: spec.resources.limits,
    env,
    volumes: spec.volumes.map((v) => ({
      name: v.name,
      mountPath: v.mountPath,
      readOnly: v.readOnly,
      claim: { ...v.claim, storageClass: v.claim.storageClass ?? (v.claim.accessMode === 'ReadWriteMany' ? rwxClass : undefined) },
    })),
    gpu: gpuPlacement(model, app),
    healthPath: spec.healthPath,
    ingress: spec.ingress ? { host: spec.ingress.host, paths: spec.ingress.paths, ...publishing(model, app) } : undefined,
    labels,
  });

  const scraped = spec.metricsPath !== undefined && metrics !== undefined;
  const ingressProvider = spec.ingress ? providerOf(model, 'ingress') : undefined;
  const ingress: NetworkRule[] = [...callerIngressRules(model, app.name)];
  if (ingressProvider) ingress.push({ peer: { namespace: ingressProvider.namespace }, ports: [{ port: spec.containerPort }] });
  if (scraped) ingress.push({ peer: { namespace: metrics.namespace }, ports: [{ port: spec.containerPort }] });
  new WorkloadNetworkPolicy(scope, 'network-policy', {
    name: app.name,
    namespace,
    podSelector: site.selector,
    ingress,
    egress: [
      ...dependencyEgressRules(model, app),
      ...spec.egress.map((e) => ({ peer: { cidr: e.cidr, except: e.except }, ports: e.ports.map((port) => ({ port })) })),
    ],
  });

  if (scraped) {
    new ServiceMonitor(scope, 'service-monitor', {
      metadata: { name: app.name, namespace, labels },
      spec: {
        selector: { matchLabels: { ...site.selector } },
        namespaceSelector: { matchNames: [namespace] },
        endpoints: [{ port: 'http', path: spec.metricsPath, interval: '30s' }],
      },
    });
  }
  if (metrics) new WorkloadAlerts(scope, 'alerts', { workload: app.name, kind: 'Deployment', namespace });
}

interface OwnedSecret {
  readonly name: string;
  readonly data: { secretKey: string; remoteKey: string; property?: string }[];
}

/**
 * The Secrets whose ExternalSecret this app renders. Several apps may read one Secret; the first of
 * them in the site owns it and renders the keys all of them need, so no Secret is declared twice.
 */
function ownedSecrets(model: SiteModel, app: AppModel): OwnedSecret[] {
  const refs = model.apps.flatMap((a, i) =>
    a.env.flatMap((e, j) => ('secret' in e ? [{ app: a.name, path: `apps[${i}].env[${j}]`, secret: e.secret }] : [])),
  );
  const owned: OwnedSecret[] = [];
  for (const name of [...new Set(refs.map((r) => r.secret.name))]) {
    const using = refs.filter((r) => r.secret.name === name);
    if (using[0].app !== app.name) continue;
    const data = new Map<string, { remoteKey: string; property?: string }>();
    for (const r of using) {
      const source = { remoteKey: r.secret.remoteKey, property: r.secret.remoteProperty };
      const known = data.get(r.secret.key);
      if (known !== undefined && (known.remoteKey !== source.remoteKey || known.property !== source.property)) {
        throw new Error(`${r.path}.secret: "${source.remoteKey}${source.property ? `#${source.property}` : ''}" differs from "${known.remoteKey}${known.property ? `#${known.property}` : ''}" given for the same key "${r.secret.key}" of Secret "${name}"; one key of a Secret has one source, use the same remoteKey/remoteProperty or another key`);
      }
      data.set(r.secret.key, source);
    }
    owned.push({ name, data: [...data].map(([secretKey, s]) => ({ secretKey, remoteKey: s.remoteKey, ...(s.property ? { property: s.property } : {}) })) });
  }
  return owned;
}

/** Ingress class and certificate issuer of a published app; both add-ons must be in the site. */
function publishing(model: SiteModel, app: AppModel): { className: string; clusterIssuer: string } {
  const className = ingressClassName(model);
  const clusterIssuer = clusterIssuerName(model);
  const path = `apps[${model.apps.indexOf(app)}].ingress`;
  if (!className) {
    throw new Error(`${path}: ${app.name} is published on ${app.spec.ingress?.host}, but the site has no add-on that provides "ingress" (the model refuses this first: a programming error)`);
  }
  if (!clusterIssuer) {
    throw new Error(`${path}: ${app.name} is published with TLS, but the site has no add-on that provides "certificates" (the model refuses this first: a programming error)`);
  }
  return { className, clusterIssuer };
}

/** A claim belongs to one app: a second app declaring the same name would render a conflicting object. */
function checkClaims(model: SiteModel, app: AppModel): void {
  const mine = new Set(app.spec.volumes.map((v) => v.claim.name));
  model.apps.forEach((other, i) => {
    if (other.name === app.name) return;
    other.spec.volumes.forEach((v, j) => {
      if (mine.has(v.claim.name)) {
        throw new Error(`apps[${i}].volumes[${j}].claim.name: "${v.claim.name}" is also a claim of ${app.name}; give each app its own claims (a shared one needs ReadWriteMany and one owner)`);
      }
    });
  });
}

/** Where a GPU app must run, read from the GPU workers the model placed (their labels and taints). */
function gpuPlacement(model: SiteModel, app: AppModel): SiteAppGpu | undefined {
  if (!app.gpu) return undefined;
  const workers = model.kubernetes.gpuWorkers;
  const label = app.gpu.nodeLabel;
  const value = workers.map((w) => w.labels[label]).find((v) => v !== undefined);
  if (value === undefined) throw new Error(`${app.name}: no GPU worker carries the node label ${label}; the model labels GPU pools with it, so the pool's labels override it`);
  const tolerations = new Map<string, SiteAppGpu['tolerations'][number]>();
  for (const t of workers.flatMap((w) => w.taints)) {
    tolerations.set(`${t.key}=${t.value}:${t.effect}`, { key: t.key, value: t.value, effect: t.effect as 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute' });
  }
  return { count: app.gpu.count, nodeSelector: { [label]: value }, tolerations: [...tolerations.values()], runtimeClassName: NVIDIA_RUNTIME_CLASS, engineArgs: app.gpu.engineArgs };
}

/**
 * "Prove the tree deploys", the network part: the connections a working system needs, derived from the site, the
 * rendered objects and the measured chart facts, each evaluated against the tree's NetworkPolicies (and the CNI's
 * own policy kinds) with validate/network-policy-eval.ts. A needed connection that a policy blocks is a finding that
 * refuses the tree, naming source, destination, port, the policies in the way and the fix; a connection a policy
 * allows that nothing needs is listed for the reviewer.
 *
 * Needed connections: every declared dependency (dependsOn); the ingress controller to each Ingress backend; for an
 * Ingress with a certificate, the ingress controller to the ACME HTTP-01 solver, the ACME client and the ACME server
 * to the ingress controller; the metrics provider to every ServiceMonitor, PodMonitor and ScrapeConfig target; every
 * pod to the cluster DNS (UDP and TCP 53); operators to the pods they create, and those pods to each other; pods to
 * the API server where they use it; each app's declared egress and the backups' object store.
 */
import type { ManagedPods, PodRole } from '../addons/addon-facts';
import type { ReleaseFacts } from '../constructs/chart-facts-file';
import { parseObjectRef } from '../constructs/chart-measure';
import { KubeObject, objectId } from '../core/kube-object';
import { byCodePoint } from '../core/order';
import { providerOf, SiteModel } from '../model';
import { parse as parseYaml } from 'yaml';
import {
  ClusterFacts, ContainerPort, Endpoint, EVALUATED_KINDS, evaluateFlow, Flow, FlowVerdict, ParsedPolicy, parsePolicy, policyKind, Protocol, RuleRef, selectorMatches,
} from './network-policy-eval';
import { podTemplateOf } from './policy';
import { workloadEndpoint } from '../charts/workload-network';

export type FlowCategory = 'dependency' | 'ingress' | 'acme' | 'scrape' | 'dns' | 'operator' | 'api-server' | 'egress';

export interface NeededFlow extends Flow {
  readonly category: FlowCategory;
  /** Why the system needs it. */
  readonly why: string;
}

export type FlowStatus = 'allowed' | 'blocked' | 'excepted' | 'unverified';

export interface FlowResult {
  readonly flow: NeededFlow;
  /** `source -> destination:port/protocol`: what a site exception names. */
  readonly id: string;
  readonly status: FlowStatus;
  readonly verdict: FlowVerdict;
  /** Why an excepted flow is accepted, or why an allowed one could not be fully verified. */
  readonly note?: string;
}

export type FlowRule = 'needed-flow' | 'load-balancer-traffic-policy' | 'policy-kind';

export interface FlowFinding {
  readonly object: string;
  readonly rule: FlowRule;
  readonly message: string;
  readonly fix: string;
}

/** What a policy rule allows that no needed flow uses. */
export interface UnneededGrant {
  readonly rule: RuleRef;
  /** `peer -> port` entries, sorted. */
  readonly grants: readonly string[];
}

export interface FlowReport {
  readonly results: readonly FlowResult[];
  readonly findings: readonly FlowFinding[];
  readonly unneeded: readonly UnneededGrant[];
  /** What the check could not resolve or see (shown in REVIEW.md, never failing). */
  readonly notes: readonly string[];
}

export interface FlowInput {
  readonly model: SiteModel;
  readonly manifests: ReadonlyMap<string, readonly KubeObject[]>;
  /** The measured chart facts of the site's releases (their workloads are pods the tree does not hold). */
  readonly releases: readonly ReleaseFacts[];
}

export function formatFlowFinding(f: FlowFinding): string {
  return `${f.object}: ${f.rule}: ${f.message}; fix: ${f.fix}`;
}

type Json = Record<string, unknown>;
const asObj = (v: unknown): Json => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : {});
const asList = (v: unknown): Json[] => (Array.isArray(v) ? v.map(asObj) : []);
type Pod = Extract<Endpoint, { kind: 'pod' }>;

/** The cluster DNS as kubeadm deploys CoreDNS. */
const KUBE_DNS: Pod = {
  kind: 'pod',
  id: 'kube-dns (CoreDNS)',
  namespace: 'kube-system',
  labels: { 'k8s-app': 'kube-dns' },
  ports: [{ port: 53, protocol: 'UDP', name: 'dns' }, { port: 53, protocol: 'TCP', name: 'dns-tcp' }, { port: 9153, name: 'metrics' }],
};
const INTERNET: Extract<Endpoint, { kind: 'external' }> = { kind: 'external', id: 'internet', cidr: '0.0.0.0/0', except: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16'] };
/** An address range outside the cluster, named `internet` when it is every public address. */
function external(cidr: string, except: readonly string[]): Endpoint {
  const same = cidr === INTERNET.cidr && except.length === INTERNET.except?.length && except.every((x) => INTERNET.except?.includes(x));
  return same ? INTERNET : { kind: 'external', id: except.length > 0 ? `${cidr} except ${except.join(', ')}` : cidr, cidr, except };
}
/** Labels charts stamp on every object: they say nothing about which pods a rule means. */
const NOISE_LABELS = new Set(['cdk8s.io/metadata.addr', 'helm.sh/chart', 'app.kubernetes.io/version', 'app.kubernetes.io/managed-by', 'app.kubernetes.io/part-of']);

// ---------------------------------------------------------------------------------------------
// Where pods come from

interface Inventory {
  readonly pods: readonly Pod[];
  /** Pods that call the API server, by id. */
  readonly apiClients: ReadonlySet<string>;
  /** Pods operators create from the tree's custom resources, with what creates them. */
  readonly managed: readonly { readonly pod: Pod; readonly kind: ManagedPods; readonly operator: { readonly pods: PodRole; readonly namespace: string; readonly component: string } }[];
}

function containerPorts(spec: Json): ContainerPort[] {
  return asList(spec.containers).flatMap((c) => asList(c.ports).map((p) => ({ port: Number(p.containerPort), protocol: (p.protocol ?? 'TCP') as Protocol, ...(p.name ? { name: String(p.name) } : {}) })));
}

/** Service accounts bound to a Role or ClusterRole in the tree, as `namespace/name`. */
function boundServiceAccounts(all: readonly KubeObject[]): Set<string> {
  const bound = new Set<string>();
  for (const o of all) {
    if (o.kind !== 'RoleBinding' && o.kind !== 'ClusterRoleBinding') continue;
    for (const s of asList((o as unknown as Json).subjects)) if (s.kind === 'ServiceAccount') bound.add(`${String(s.namespace ?? o.metadata.namespace)}/${String(s.name)}`);
  }
  return bound;
}

function inventory(input: FlowInput, all: readonly KubeObject[]): Inventory {
  const pods: Pod[] = [];
  const apiClients = new Set<string>();
  const bound = boundServiceAccounts(all);
  for (const obj of all) {
    const template = podTemplateOf(obj);
    const namespace = obj.metadata.namespace;
    if (!template || namespace === undefined) continue;
    const pod: Pod = { kind: 'pod', id: objectId(obj), namespace, labels: template.labels, ports: containerPorts(template.spec), hostNetwork: template.spec.hostNetwork === true };
    pods.push(pod);
    const account = String(template.spec.serviceAccountName ?? 'default');
    if (template.spec.automountServiceAccountToken !== false && bound.has(`${namespace}/${account}`)) apiClients.add(pod.id);
  }
  const components = new Set(input.model.components.map((c) => c.name));
  for (const release of input.releases.filter((r) => components.has(r.component))) {
    for (const w of release.workloads) {
      const ref = parseObjectRef(w.workload);
      const id = `${ref.kind}/${ref.namespace ?? release.namespace}/${ref.name}`;
      if (pods.some((p) => p.id === id)) continue; // rendered delivery: the tree already holds it
      const pod: Pod = { kind: 'pod', id, namespace: ref.namespace ?? release.namespace, labels: w.podLabels, ports: w.ports.map((p) => ({ port: p.port, protocol: p.protocol as Protocol, ...(p.name ? { name: p.name } : {}) })), hostNetwork: w.hostAccess.includes('hostNetwork') };
      pods.push(pod);
      // A chart gives a workload its own service account to bind it to API permissions.
      if (w.serviceAccount !== 'default') apiClients.add(id);
    }
  }
  const managed: Inventory['managed'][number][] = [];
  for (const addon of input.model.addons) {
    const operator = addon.facts.network?.operator;
    for (const m of operator?.manages ?? []) {
      for (const obj of all.filter((o) => policyKind(o) === m.kind && o.metadata.namespace !== undefined)) {
        const pod: Pod = { kind: 'pod', id: `${objectId(obj)} pods`, namespace: obj.metadata.namespace as string, labels: m.podLabels(obj.metadata.name), ports: m.ports.map((p) => ({ ...p, protocol: p.protocol ?? 'TCP' })) };
        pods.push(pod);
        if (m.usesApiServer) apiClients.add(pod.id);
        managed.push({ pod, kind: m, operator: { pods: operator?.pods ?? { podLabels: {} }, namespace: addon.namespace, component: addon.component } });
      }
    }
  }
  return { pods, apiClients, managed };
}

/** The pods of a role in a namespace: the measured ones it selects, else one stand-in with the role's labels. */
function podsOfRole(pods: readonly Pod[], role: PodRole, namespace: string, name: string): Pod[] {
  const found = pods.filter((p) => p.namespace === namespace && selectorMatches({ matchLabels: role.podLabels }, p.labels));
  if (found.length > 0) return found;
  return [{ kind: 'pod', id: `${name} (${namespace})`, namespace, labels: role.podLabels, ports: (role.ports ?? []).map((p) => ({ ...p, protocol: p.protocol ?? 'TCP' })) }];
}

/** A Service's port (by number or name) as the port its pods listen on, or undefined when a pod has no such port. */
function targetPort(service: Json, port: { number?: unknown; name?: unknown }, pod: Pod): { port: number; protocol: Protocol } | undefined {
  const sp = asList(asObj(service.spec).ports).find((p) => (port.number !== undefined ? Number(p.port) === Number(port.number) : p.name === port.name));
  if (!sp) return undefined;
  const protocol = (sp.protocol ?? 'TCP') as Protocol;
  const target = sp.targetPort ?? sp.port;
  if (typeof target === 'number' || /^\d+$/.test(String(target))) return { port: Number(target), protocol };
  const named = pod.ports.find((p) => p.name === target && (p.protocol ?? 'TCP') === protocol);
  return named ? { port: named.port, protocol } : undefined;
}

function servicePods(service: KubeObject, pods: readonly Pod[]): Pod[] {
  const selector = asObj(asObj(service.spec).selector);
  if (Object.keys(selector).length === 0) return [];
  return pods.filter((p) => p.namespace === service.metadata.namespace && !p.hostNetwork && selectorMatches({ matchLabels: selector }, p.labels));
}

// ---------------------------------------------------------------------------------------------
// Needed flows

interface Context {
  readonly input: FlowInput;
  readonly all: readonly KubeObject[];
  readonly inv: Inventory;
  readonly notes: string[];
  readonly flows: NeededFlow[];
}

function add(ctx: Context, category: FlowCategory, source: Endpoint, destination: Endpoint, port: number, protocol: Protocol, why: string): void {
  ctx.flows.push({ category, source, destination, port, protocol, why });
}

function dependencyFlows(ctx: Context): void {
  const { model } = ctx.input;
  for (const app of model.apps) {
    const source = ctx.inv.pods.filter((p) => p.namespace === app.namespace && p.labels.app === app.name);
    for (const dep of app.dependsOn) {
      const target = workloadEndpoint(model, dep);
      const pods = ctx.inv.pods.filter((p) => p.namespace === app.namespace && selectorMatches({ matchLabels: target.selector }, p.labels));
      if (pods.length === 0) ctx.notes.push(`dependency ${app.name} -> ${dep}: no pod in the tree or the operators' pods carries ${JSON.stringify(target.selector)}`);
      for (const dst of pods) for (const src of source) add(ctx, 'dependency', src, dst, target.port, 'TCP', `apps.${app.name}.dependsOn lists ${dep}`);
    }
    for (const e of app.spec.egress) {
      const dst = external(e.cidr, e.except);
      for (const src of source) for (const port of e.ports) add(ctx, 'egress', src, dst, port, 'TCP', `apps.${app.name}.egress: ${e.reason}`);
    }
  }
}

function ingressFlows(ctx: Context): void {
  const { model } = ctx.input;
  const provider = providerOf(model, 'ingress');
  const controllerRole = provider?.facts.network?.ingressController;
  if (!provider || !controllerRole) return;
  const controllers = podsOfRole(ctx.inv.pods, controllerRole, provider.namespace, `${provider.component} controller`);
  const certificates = providerOf(model, 'certificates');
  const http01 = certificates?.facts.network?.http01;
  let published = false;
  for (const ing of ctx.all.filter((o) => o.kind === 'Ingress')) {
    const spec = asObj(ing.spec);
    const className = spec.ingressClassName ?? provider.facts.ingressClass;
    if (className !== provider.facts.ingressClass) continue;
    published = true;
    const namespace = ing.metadata.namespace as string;
    const backends = asList(spec.rules).flatMap((r) => asList(asObj(r.http).paths)).map((p) => asObj(asObj(p.backend).service));
    for (const b of backends) {
      const service = ctx.all.find((o) => o.kind === 'Service' && o.metadata.namespace === namespace && o.metadata.name === b.name);
      if (!service) { ctx.notes.push(`${objectId(ing)}: backend Service ${String(b.name)} is not in the tree`); continue; }
      for (const dst of servicePods(service, ctx.inv.pods)) {
        const tp = targetPort(service as unknown as Json, asObj(b.port), dst);
        for (const src of controllers) if (tp) add(ctx, 'ingress', src, dst, tp.port, tp.protocol, `${objectId(ing)} routes to Service ${String(b.name)}`);
      }
    }
    const annotations = asObj(ing.metadata.annotations ?? {});
    const wantsCertificate = asList(spec.tls).length > 0 && (annotations['cert-manager.io/cluster-issuer'] !== undefined || annotations['cert-manager.io/issuer'] !== undefined);
    if (certificates && http01 && wantsCertificate) {
      const solver: Pod = { kind: 'pod', id: `${certificates.component} HTTP-01 solver (${namespace})`, namespace, labels: http01.solver.podLabels, ports: (http01.solver.ports ?? []).map((p) => ({ ...p, protocol: p.protocol ?? 'TCP' })) };
      const hosts = asList(spec.tls).flatMap((t) => (Array.isArray(t.hosts) ? t.hosts.map(String) : [])).join(', ');
      for (const src of controllers) add(ctx, 'acme', src, solver, http01.solver.port, 'TCP', `the certificate of ${hosts} (${objectId(ing)}) is issued only when the ACME server reaches the solver through the ingress`);
      if (!ctx.inv.pods.some((p) => p.id === solver.id)) (ctx.inv.pods as Pod[]).push(solver);
    }
  }
  if (!published) return;
  for (const dst of controllers) {
    for (const port of controllerRole.ports ?? []) add(ctx, 'ingress', INTERNET, dst, port.port, port.protocol ?? 'TCP', `clients reach the published hosts on the ingress controller's ${port.name ?? port.port} port`);
    if (certificates && http01) {
      const http = (controllerRole.ports ?? []).find((p) => p.name === 'http') ?? controllerRole.ports?.[0];
      const clients = podsOfRole(ctx.inv.pods, http01.client, certificates.namespace, `${certificates.component} controller`);
      for (const src of clients) if (http) add(ctx, 'acme', src, dst, http.port, 'TCP', 'the ACME client checks each HTTP-01 token through the ingress before the ACME server is asked to');
    }
  }
}

function scrapeFlows(ctx: Context): void {
  const metrics = providerOf(ctx.input.model, 'metrics');
  const scraperRole = metrics?.facts.network?.scraper;
  if (!metrics || !scraperRole) return;
  const scrapers = podsOfRole(ctx.inv.pods, scraperRole, metrics.namespace, 'Prometheus');
  if (!ctx.inv.pods.some((p) => p.id === scrapers[0].id)) (ctx.inv.pods as Pod[]).push(...scrapers);
  const namespacesOf = (m: KubeObject): (ns: string) => boolean => {
    const sel = asObj(asObj(m.spec).namespaceSelector);
    if (sel.any === true) return () => true;
    const names = Array.isArray(sel.matchNames) ? sel.matchNames.map(String) : [m.metadata.namespace as string];
    return (ns) => names.includes(ns);
  };
  const scrape = (dst: Pod, port: { port: number; protocol: Protocol } | undefined, m: KubeObject): void => {
    if (!port) { ctx.notes.push(`${objectId(m)}: ${dst.id} has no port the monitor names`); return; }
    for (const src of scrapers) add(ctx, 'scrape', src, dst, port.port, port.protocol, `${objectId(m)} scrapes it`);
  };
  for (const m of ctx.all) {
    const spec = asObj(m.spec);
    if (m.kind === 'ServiceMonitor') {
      const inNs = namespacesOf(m);
      const services = ctx.all.filter((s) => s.kind === 'Service' && inNs(s.metadata.namespace as string) && selectorMatches(spec.selector, asObj(s.metadata.labels) as Record<string, string>));
      for (const ep of asList(spec.endpoints)) {
        if (services.length > 0) {
          for (const s of services) for (const dst of servicePods(s, ctx.inv.pods)) scrape(dst, targetPort(s as unknown as Json, { name: ep.port }, dst), m);
          continue;
        }
        // The chart's own Service is not in the tree: its selector and its pods' labels agree in every chart installed.
        const pods = ctx.inv.pods.filter((p) => inNs(p.namespace) && selectorMatches(spec.selector, p.labels));
        if (pods.length === 0) ctx.notes.push(`${objectId(m)} selects no Service or pod the tree or the chart facts hold`);
        for (const dst of pods) scrape(dst, dst.ports.find((p) => p.name === ep.port) as { port: number; protocol: Protocol } | undefined, m);
      }
    } else if (m.kind === 'PodMonitor') {
      const inNs = namespacesOf(m);
      const pods = ctx.inv.pods.filter((p) => inNs(p.namespace) && selectorMatches(spec.selector, p.labels));
      for (const ep of asList(spec.podMetricsEndpoints)) for (const dst of pods) scrape(dst, dst.ports.find((p) => p.name === ep.port) as { port: number; protocol: Protocol } | undefined, m);
    } else if (m.kind === 'ScrapeConfig') {
      // One text for all of the object's targets (an edge fleet's ScrapeConfigs hold thousands each), not one a target.
      const why = `${objectId(m)} scrapes it`;
      for (const target of asList(spec.staticConfigs).flatMap((c) => (Array.isArray(c.targets) ? c.targets.map(String) : []))) {
        const [host, port] = target.split(':');
        if (!/^\d{1,3}(\.\d{1,3}){3}$/.test(host)) continue;
        for (const src of scrapers) add(ctx, 'scrape', src, { kind: 'external', id: host, cidr: `${host}/32` }, Number(port), 'TCP', why);
      }
    }
  }
}

function operatorFlows(ctx: Context): void {
  for (const { pod, kind, operator } of ctx.inv.managed) {
    const operators = podsOfRole(ctx.inv.pods, operator.pods, operator.namespace, `${operator.component} operator`);
    for (const port of kind.operatorCalls) for (const src of operators) add(ctx, 'operator', src, pod, port, 'TCP', `the operator manages ${pod.id}`);
    for (const port of kind.peerCalls ?? []) add(ctx, 'operator', pod, pod, port, 'TCP', `${pod.id} call each other (replication, status)`);
  }
  const { model } = ctx.input;
  const store = model.backupStore;
  if (model.dataStores.postgres?.backup && store) {
    const selector = workloadEndpoint(model, 'postgres').selector;
    for (const pod of ctx.inv.pods.filter((p) => p.namespace === model.appNamespace && selectorMatches({ matchLabels: selector }, p.labels))) {
      add(ctx, 'egress', pod, INTERNET, 443, 'TCP', `dataStores.postgres.backup writes to the object store (platform.backupStore bucket ${store.bucket}, an address on the internet)`);
    }
  }
}

function clusterServiceFlows(ctx: Context): void {
  const k = ctx.input.model.kubernetes;
  // Service translation sends a connection to the `kubernetes` Service to any one control plane: each must be reachable.
  const apiservers: Endpoint[] = k.controlPlanes.map((c) => ({ kind: 'apiserver', id: `kube-apiserver (${c.ip})`, addresses: [c.ip] }));
  for (const pod of ctx.inv.pods) {
    if (pod.hostNetwork) continue;
    add(ctx, 'dns', pod, KUBE_DNS, 53, 'UDP', 'every name lookup goes to the cluster DNS');
    add(ctx, 'dns', pod, KUBE_DNS, 53, 'TCP', 'lookups with large answers retry over TCP');
    if (ctx.inv.apiClients.has(pod.id)) for (const a of apiservers) add(ctx, 'api-server', pod, a, k.apiPort, 'TCP', 'it watches or changes Kubernetes objects');
  }
}

// ---------------------------------------------------------------------------------------------
// The check

function flowId(f: Flow): string {
  return `${f.source.id} -> ${f.destination.id}:${f.port}/${f.protocol}`;
}

export function clusterFactsOf(model: SiteModel, all: readonly KubeObject[]): ClusterFacts {
  const cni = providerOf(model, 'cni');
  const namespaceLabels = new Map<string, Record<string, string>>();
  for (const o of all) if (o.kind === 'Namespace') namespaceLabels.set(o.metadata.name, asObj(o.metadata.labels) as Record<string, string>);
  return {
    namespaceLabels,
    podCidr: model.kubernetes.podCidr,
    nodeAddresses: model.vms.map((v) => v.ip),
    ipBlockMatchesCluster: cni?.facts.network?.ipBlockMatchesCluster !== false,
  };
}

/**
 * One object for each distinct verdict (verdicts are never changed once made): an edge fleet's scrape flows, one an
 * edge, have a handful of distinct verdicts, and seven objects a flow were about a quarter of the flows' live heap.
 */
function sharedVerdicts(): (verdict: FlowVerdict) => FlowVerdict {
  const seen = new Map<string, FlowVerdict>();
  return (verdict) => {
    const key = JSON.stringify(verdict);
    const known = seen.get(key);
    if (known) return known;
    seen.set(key, verdict);
    return verdict;
  };
}

/** Derives the needed flows and evaluates them; pure. */
export function checkFlows(input: FlowInput): FlowReport {
  const all = [...input.manifests.keys()].sort(byCodePoint).flatMap((c) => input.manifests.get(c) ?? []);
  const ctx: Context = { input, all, inv: inventory(input, all), notes: [], flows: [] };
  dependencyFlows(ctx);
  ingressFlows(ctx);
  scrapeFlows(ctx);
  operatorFlows(ctx);
  clusterServiceFlows(ctx);

  const findings: FlowFinding[] = [...policyKindFindings(input.model, all), ...trafficPolicyFindings(input.model, all)];
  const hidden = chartPolicies(input, all);
  const policies = [...all, ...hidden.measured].map(parsePolicy).filter((p): p is ParsedPolicy => p !== undefined);
  const cluster = clusterFactsOf(input.model, all);
  // A chart's own rules carry traffic between its pods that this check does not derive: they are evaluated, not listed as unneeded.
  const chartIds = new Set(hidden.measured.map(objectId));
  const exceptions = input.model.policyExceptions.map((e, i) => ({ ...e, index: i })).filter((e) => e.rule === 'needed-flow');
  const used = new Set<number>();
  const seen = new Set<string>();
  const results: FlowResult[] = [];
  const shared = sharedVerdicts();
  for (const flow of ctx.flows) {
    const id = flowId(flow);
    if (seen.has(id)) continue;
    seen.add(id);
    const verdict = shared(evaluateFlow(policies, flow, cluster));
    if (verdict.allowed) {
      const shadow = [flow.source, flow.destination].flatMap((e) => (e.kind === 'pod' ? hidden.unknown.get(e.namespace) ?? [] : []));
      results.push(shadow.length > 0 ? { flow, id, status: 'unverified', verdict, note: `the chart's own ${shadow.join(', ')} also apply, and the facts do not hold their rules` } : { flow, id, status: 'allowed', verdict });
      continue;
    }
    const exception = exceptions.find((e) => e.object === id);
    if (exception) {
      used.add(exception.index);
      results.push({ flow, id, status: 'excepted', verdict, note: exception.reason });
      continue;
    }
    results.push({ flow, id, status: 'blocked', verdict });
    findings.push(blockedFinding(flow, id, verdict));
  }
  for (const e of exceptions) if (!used.has(e.index)) ctx.notes.push(`policy.exceptions[${e.index}] (needed-flow on ${e.object}) matched no blocked flow: remove it, or write the flow as REVIEW.md names it (source -> destination:port/protocol)`);
  results.sort((a, b) => byCodePoint(a.flow.category, b.flow.category) || byCodePoint(a.id, b.id));
  findings.sort((a, b) => byCodePoint(a.rule, b.rule) || byCodePoint(a.object, b.object));
  return { results, findings, unneeded: unneededGrants(policies.filter((p) => !chartIds.has(p.id)), results, ctx.inv.pods, cluster), notes: [...new Set(ctx.notes)].sort(byCodePoint) };
}

/**
 * NetworkPolicies a chart renders in the cluster (with `argocd` delivery the tree does not hold them): those whose
 * specs the facts hold are evaluated like the tree's own; those measured before the facts held specs are named, by
 * namespace, so flows there are reported as unverified rather than proven.
 */
function chartPolicies(input: FlowInput, all: readonly KubeObject[]): { measured: KubeObject[]; unknown: Map<string, string[]> } {
  const inTree = new Set(all.map(objectId));
  const measured: KubeObject[] = [];
  const unknown = new Map<string, string[]>();
  const components = new Set(input.model.components.map((c) => c.name));
  for (const r of input.releases.filter((x) => components.has(x.component))) {
    const specs = new Map((r.networkPolicies ?? []).map((p) => [p.policy, p.spec]));
    for (const [text, ref] of r.objects.map((o) => [o, parseObjectRef(o)] as const)) {
      const id = `NetworkPolicy/${ref.namespace}/${ref.name}`;
      if (ref.kind !== 'NetworkPolicy' || ref.namespace === undefined || inTree.has(id)) continue;
      if (specs.has(text)) measured.push({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: ref.name, namespace: ref.namespace }, spec: specs.get(text) } as KubeObject);
      else unknown.set(ref.namespace, [...(unknown.get(ref.namespace) ?? []), id]);
    }
  }
  return { measured, unknown };
}

function labelsText(e: Extract<Endpoint, { kind: 'pod' }>): string {
  return JSON.stringify(Object.fromEntries(Object.entries(e.labels).filter(([k]) => !NOISE_LABELS.has(k))));
}

function peerText(e: Endpoint): string {
  if (e.kind === 'pod') {
    const labels = labelsText(e);
    return `{ namespaceSelector: { matchLabels: { kubernetes.io/metadata.name: ${e.namespace} } }, podSelector: { matchLabels: ${labels} } }`;
  }
  if (e.kind === 'apiserver') return `the API server (${e.addresses.map((a) => `${a}/32`).join(', ')}; on Cilium a CiliumNetworkPolicy toEntities: [kube-apiserver])`;
  return `{ ipBlock: { cidr: ${e.cidr}${e.except && e.except.length > 0 ? `, except: [${e.except.join(', ')}]` : ''} } }`;
}

function blockedFinding(flow: NeededFlow, id: string, verdict: FlowVerdict): FlowFinding {
  const side = !verdict.egress.allowed ? 'egress' : 'ingress';
  const isolatedBy = (side === 'egress' ? verdict.egress : verdict.ingress).isolatedBy;
  const self = side === 'egress' ? flow.source : flow.destination;
  const peer = side === 'egress' ? flow.destination : flow.source;
  const where = self.kind === 'pod' ? ` in namespace ${self.namespace} with podSelector: { matchLabels: ${labelsText(self)} } (the pods of ${self.id})` : '';
  return {
    object: id,
    rule: 'needed-flow',
    message: `${flow.why}, but ${isolatedBy.join(' and ')} ${isolatedBy.length === 1 ? 'isolates' : 'isolate'} ${self.id} for ${side} and no rule of ${isolatedBy.length === 1 ? 'it' : 'them'} allows ${flow.port}/${flow.protocol} ${side === 'egress' ? 'to' : 'from'} ${peer.id}`,
    fix: `add a NetworkPolicy${where} with an ${side} rule ${side === 'egress' ? 'to' : 'from'} ${peerText(peer)} on port ${flow.port}/${flow.protocol} (in the construct or add-on that renders ${isolatedBy[0]}), or accept it in the site with policy.exceptions: [{ rule: needed-flow, object: '${id}', reason: <why> }]`,
  };
}

// ---------------------------------------------------------------------------------------------
// Allowed, but not needed

function unneededGrants(policies: readonly ParsedPolicy[], results: readonly FlowResult[], pods: readonly Pod[], cluster: ClusterFacts): UnneededGrant[] {
  const used = new Set<string>();
  for (const r of results) {
    for (const ref of [...r.verdict.egress.allowedBy, ...r.verdict.ingress.allowedBy]) {
      const remote = ref.direction === 'egress' ? r.flow.destination : r.flow.source;
      used.add(`${ref.policy}|${ref.direction}|${ref.index}|${remote.id}|${r.flow.port}/${r.flow.protocol}`);
      used.add(`${ref.policy}|${ref.direction}|${ref.index}|${remote.id}|*`);
      used.add(`${ref.policy}|${ref.direction}|${ref.index}`);
    }
  }
  const remotes: Endpoint[] = [...pods, ...new Map(results.flatMap((r) => [r.flow.source, r.flow.destination]).filter((e) => e.kind !== 'pod').map((e) => [e.id, e])).values()];
  const out: UnneededGrant[] = [];
  for (const p of policies) {
    for (const dir of ['ingress', 'egress'] as const) {
      p[dir].forEach((rule, index) => {
        const key = `${p.id}|${dir}|${index}`;
        const selected = pods.filter((x) => p.selects(x));
        const grants = new Set<string>();
        for (const remote of remotes.filter((r) => rule.peer(r, cluster))) {
          const dests = dir === 'egress' ? [remote] : selected;
          const ports = rule.ports === undefined ? ['*'] : dests.flatMap((d) => rule.ports?.map((s) => portText(s, d)) ?? []).filter((x): x is string => x !== undefined);
          for (const port of [...new Set(ports)]) if (!used.has(`${key}|${remote.id}|${port}`)) grants.add(`${remote.id} -> ${port === '*' ? 'any port' : port}`);
        }
        if (grants.size === 0 && !used.has(key) && selected.length > 0) grants.add('nothing it matches is needed');
        if (grants.size > 0) out.push({ rule: { policy: p.id, direction: dir, index }, grants: [...grants].sort(byCodePoint) });
      });
    }
  }
  return out;
}

function portText(spec: { protocol: string; port?: number | string }, dst: Endpoint): string | undefined {
  if (spec.port === undefined) return `any/${spec.protocol}`;
  if (typeof spec.port === 'number' || /^\d+$/.test(spec.port)) return `${spec.port}/${spec.protocol === 'ANY' ? 'TCP' : spec.protocol}`;
  const named = dst.kind === 'pod' ? dst.ports.find((p) => p.name === spec.port) : undefined;
  return named ? `${named.port}/${named.protocol ?? 'TCP'}` : undefined;
}

// ---------------------------------------------------------------------------------------------
// What the evaluator cannot see, and the load balancer's traffic policy

function policyKindFindings(model: SiteModel, all: readonly KubeObject[]): FlowFinding[] {
  const cniKinds = new Set(providerOf(model, 'cni')?.facts.network?.policyKinds ?? []);
  const known = new Set<string>(EVALUATED_KINDS);
  return all
    .filter((o) => (cniKinds.has(policyKind(o)) || /NetworkPolicy$/.test(o.kind)) && !known.has(policyKind(o)))
    .map((o) => ({
      object: objectId(o),
      rule: 'policy-kind' as const,
      message: `is a ${policyKind(o)}, which the site's CNI enforces but the flow check cannot evaluate, so no flow through it can be proven`,
      fix: 'write the rule as a NetworkPolicy (or a CiliumNetworkPolicy on Cilium) instead',
    }));
}

/** Objects with `type: LoadBalancer` and `externalTrafficPolicy: Local` anywhere inside a value (a Service, a chart's values). */
function localLoadBalancers(value: unknown, path: string): string[] {
  if (Array.isArray(value)) return value.flatMap((v, i) => localLoadBalancers(v, `${path}[${i}]`));
  if (!value || typeof value !== 'object') return [];
  const o = value as Json;
  const here = o.type === 'LoadBalancer' && o.externalTrafficPolicy === 'Local' ? [path || '.'] : [];
  return [...here, ...Object.entries(o).flatMap(([k, v]) => localLoadBalancers(v, path ? `${path}.${k}` : k))];
}

/**
 * Whether YAML text can hold the string `Local` at all: spelt out, or written with an escape (`"\x4cocal"`, or a
 * double-quoted line break inside it), which always has a backslash. Plain and single-quoted scalars fold a line
 * break into a space, so without either the text parses to no `Local`. The values texts of a site's Applications
 * rarely have it, and parsing them was most of the flow check (the YAML parser is not yet warm when it runs).
 */
function mayHoldLocal(yaml: string): boolean {
  return yaml.includes('Local') || yaml.includes('\\');
}

function trafficPolicyFindings(model: SiteModel, all: readonly KubeObject[]): FlowFinding[] {
  const provider = providerOf(model, 'load-balancer');
  const limit = provider?.facts.network?.externalTrafficPolicyLocal;
  if (!provider || !limit || limit.supported) return [];
  const out: FlowFinding[] = [];
  for (const o of all) {
    if (o.kind === 'Service') {
      for (const p of localLoadBalancers(o.spec, 'spec')) out.push({ object: objectId(o), rule: 'load-balancer-traffic-policy', message: `${p} is a LoadBalancer Service with externalTrafficPolicy: Local on an address of ${provider.component}: ${limit.reason}`, fix: `set ${p}.externalTrafficPolicy: Cluster` });
    }
    if (o.kind !== 'Application') continue;
    const spec = asObj(o.spec);
    for (const [i, source] of [...(spec.source ? [asObj(spec.source)] : []), ...asList(spec.sources)].entries()) {
      const helm = asObj(source.helm);
      const values = typeof helm.values === 'string' ? (mayHoldLocal(helm.values) ? (parseYaml(helm.values) as unknown) : undefined) : helm.valuesObject;
      for (const p of localLoadBalancers(values, '')) {
        out.push({
          object: objectId(o),
          rule: 'load-balancer-traffic-policy',
          message: `the values of chart ${String(source.chart)} (source ${i}) ask for a LoadBalancer Service with externalTrafficPolicy: Local at ${p}, on an address of ${provider.component}: ${limit.reason}`,
          fix: `set ${p}.externalTrafficPolicy: Cluster in the add-on that renders these values`,
        });
      }
    }
  }
  return out;
}

/**
 * Policy checks on the rendered Kubernetes objects, covering what kube-score and Polaris check on workloads
 * (pinned images, requests and limits, probes, non-root, read-only root filesystem, no privilege escalation,
 * capabilities, seccomp, host access) plus this project's own rules on namespaces, Secrets and Services.
 *
 * A finding names the object, the rule and the fix. An exception is either declared in the site
 * (`policy.exceptions`: rule, object, reason) or built in (host access that a CNI, device plugin, node exporter
 * or CSI/backup agent cannot work without, and namespaces the compiler does not own or whose traffic is a
 * third-party chart's): every applied exception is returned, with its reason, so the review report lists it.
 *
 * Only what is in dist/ is checked. A chart delivered by Argo CD is rendered in the cluster, not here: such
 * components are listed as unchecked, never reported as clean.
 */
import type { ComponentModel, SiteModel } from '../model';
import { KubeObject, objectId } from '../core/kube-object';
import { byCodePoint } from '../core/order';

export const POLICY_RULES = {
  'image-pinned': 'every image has an exact tag other than "latest", or a digest (kube-score container-image-tag; Polaris tagNotSpecified)',
  'resources-requests': 'every container requests CPU and memory (kube-score container-resources; Polaris cpuRequestsMissing/memoryRequestsMissing)',
  'resources-limits': 'every container has CPU and memory limits (kube-score container-resources; Polaris cpuLimitsMissing/memoryLimitsMissing)',
  probes: 'long-running containers have a liveness probe, and a readiness probe when a Service sends them traffic (kube-score pod-probes; Polaris livenessProbeMissing/readinessProbeMissing)',
  'run-as-non-root': 'containers cannot run as root (kube-score container-security-context-user-group-id; Polaris runAsRootAllowed)',
  'read-only-root-fs': 'containers have a read-only root filesystem (kube-score container-security-context-readonlyrootfilesystem; Polaris notReadOnlyRootFilesystem)',
  'no-privilege-escalation': 'allowPrivilegeEscalation is false (Polaris privilegeEscalationAllowed)',
  'no-privileged': 'no privileged containers (kube-score container-security-context-privileged; Polaris privilegeEscalationAllowed/runAsPrivileged)',
  'capabilities-drop-all': 'containers drop ALL capabilities (Polaris insecureCapabilities; PSS restricted)',
  'capabilities-add': 'containers add no capability beyond NET_BIND_SERVICE (Polaris dangerousCapabilities; PSS restricted)',
  'seccomp-profile': 'pods run with the RuntimeDefault (or a Localhost) seccomp profile (kube-score container-seccomp-profile; PSS restricted)',
  'host-namespaces': 'no hostNetwork, hostPID or hostIPC (Polaris hostNetworkSet/hostPIDSet/hostIPCSet)',
  'host-port': 'no container port bound to a host port (Polaris hostPortSet)',
  'host-path': 'no hostPath volume (PSS baseline)',
  'secret-data': 'no Secret carries data in dist/; values come from the secret store through ExternalSecrets',
  'service-loadbalancer': 'a Service of type LoadBalancer only where the site publishes one',
  'service-nodeport': 'no Service of type NodePort (kube-score service-type)',
  'namespace-exists': 'every namespace a rendered object uses is created in dist/, so it gets Pod Security labels',
  'namespace-pss-labels': 'every namespace carries the Pod Security Standards enforce, audit and warn labels, and a reason below restricted',
  'namespace-default-deny': 'every namespace has a default-deny NetworkPolicy for ingress and egress',
  'exception-rule': 'every exception in the site names a rule this check knows',
  'needed-flow': 'every connection the system needs gets through the NetworkPolicies (validate/network-flows.ts; the exception names the flow as REVIEW.md does: source -> destination:port/protocol)',
} as const;

export type PolicyRule = keyof typeof POLICY_RULES;

/** Rules the network flow check applies (and reports unused exceptions of) rather than this one. */
const FLOW_RULES: ReadonlySet<string> = new Set(['needed-flow']);

/** Code-point order: the same on every machine whatever its locale. */
export const byCode = byCodePoint;

export interface PolicyFinding {
  /** Component (dist/kubernetes/<component>/) the object is in; `site` for a problem in the site's exceptions. */
  readonly component: string;
  /** `Kind/namespace/name`, or `Kind/name` for a cluster-scoped object. */
  readonly object: string;
  readonly rule: PolicyRule;
  readonly message: string;
  readonly fix: string;
}

export interface AppliedException {
  readonly component: string;
  readonly object: string;
  readonly rule: PolicyRule;
  readonly reason: string;
  /** `site` for `policy.exceptions[i]` of the site, `built-in` for this module's allow-list. */
  readonly source: 'site' | 'built-in';
  /** What the exception let through (the finding's message). */
  readonly suppressed: string;
}

export interface UncheckedComponent {
  readonly component: string;
  /** The object whose pods are not checked, when it is one object rather than the whole component. */
  readonly object?: string;
  readonly reason: string;
}

export interface PolicyReport {
  /** Failures: synth refuses to write while there is one. Sorted by component, object, rule. */
  readonly findings: readonly PolicyFinding[];
  /** Every exception that suppressed a finding, sorted like the findings. */
  readonly exceptions: readonly AppliedException[];
  /** Components whose objects are not in dist/ (charts delivered by Argo CD), so nothing here checked them. */
  readonly unchecked: readonly UncheckedComponent[];
  /** Things a reviewer should see that do not fail synth (a site exception that matched nothing). */
  readonly warnings: readonly string[];
}

/** How a finding reads in synth's error output. */
export function formatFinding(f: PolicyFinding): string {
  return `${f.object} (${f.component}): ${f.rule}: ${f.message}; fix: ${f.fix}`;
}


// ---------------------------------------------------------------------------------------------
// Exceptions

interface BuiltInException {
  readonly component: string;
  /** `Kind/namespace/name` pattern; `*` matches any run of characters within one segment. */
  readonly object: string;
  readonly rules: readonly PolicyRule[];
  readonly reason: string;
}

/** The namespace kubeadm creates for the control plane; a component may put objects there but never owns it. */
const KUBE_SYSTEM = 'kube-system';

/** A rule id an add-on names in its policy exceptions; an unknown one is a mistake in the add-on's definition. */
function policyRule(rule: string): PolicyRule {
  if (!(rule in POLICY_RULES)) throw new Error(`add-on policy exception names unknown rule "${rule}"; known: ${Object.keys(POLICY_RULES).join(', ')}`);
  return rule as PolicyRule;
}

/**
 * Host access the site's add-ons cannot work without (their definitions' policyExceptions), by component and object. Each entry allows only
 * the rules named, only on the objects matched, and only in that component; the reason is printed in REVIEW.md.
 * Objects of third-party charts appear here only with `rendered` delivery (with `argocd` they are not in dist/).
 */
function builtInExceptions(model: SiteModel): BuiltInException[] {
  const ns = (component: string): string | undefined => model.components.find((c) => c.name === component)?.namespace;
  const out: BuiltInException[] = [];
  const add = (component: string, objects: readonly string[], rules: readonly PolicyRule[], reason: string): void => {
    const namespace = ns(component);
    if (namespace === undefined) return;
    for (const o of objects) out.push({ component, object: o.replace('{ns}', namespace), rules, reason });
  };

  for (const addon of model.addons) {
    for (const e of addon.facts.policyExceptions ?? []) add(addon.component, e.objects, e.rules.map(policyRule), e.reason);
  }
  return out;
}

/**
 * Namespace rules the compiler cannot meet for a namespace and why: kube-system is kubeadm's, and a namespace that
 * holds a third-party chart has traffic (API server, webhooks, metrics, node agents) only that chart knows, so a
 * default-deny there would cut the add-on off. A namespace that also holds the site's own components gets no such
 * exception: there the compiler writes every allowed connection.
 */
function namespaceExceptions(model: SiteModel, namespace: string): { rules: readonly PolicyRule[]; reason: string } | undefined {
  if (namespace === KUBE_SYSTEM) {
    return {
      rules: ['namespace-exists', 'namespace-pss-labels', 'namespace-default-deny'],
      reason: 'kube-system is created by kubeadm and holds the control plane\'s static pods and CoreDNS; the compiler does not own it',
    };
  }
  const here = model.components.filter((c) => c.namespace === namespace);
  const charts = here.filter((c) => c.delivery !== undefined);
  if (here.length > 0 && charts.length === here.length) {
    const list = charts.map((c) => `${c.name} (${c.delivery === 'argocd' ? 'delivered by Argo CD' : 'rendered'})`).join(', ');
    return {
      rules: ['namespace-default-deny'],
      reason: `holds only the third-party chart of ${list}; its traffic (API server, webhooks, metrics, node agents) is the chart's, which the compiler does not model, so a default-deny would cut the add-on off`,
    };
  }
  return undefined;
}

function globToRegExp(pattern: string): RegExp {
  const escaped = pattern.split('*').map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('[^/]*');
  return new RegExp(`^${escaped}$`);
}

// ---------------------------------------------------------------------------------------------
// Objects

type Json = Record<string, unknown>;

const asObj = (v: unknown): Json => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : {});
const asList = (v: unknown): Json[] => (Array.isArray(v) ? v.map(asObj) : []);


function groupOf(apiVersion: string): string {
  return apiVersion.includes('/') ? apiVersion.split('/')[0] : '';
}

interface PodTemplate {
  readonly labels: Readonly<Record<string, string>>;
  readonly spec: Json;
  /** Runs until stopped (Deployment, StatefulSet, DaemonSet, ...), rather than to completion (Job, CronJob). */
  readonly longRunning: boolean;
}

/** The pod template of a built-in workload kind; custom resources that create pods (operators) are not seen here. */
export function podTemplateOf(obj: KubeObject): PodTemplate | undefined {
  const group = groupOf(obj.apiVersion);
  const spec = asObj(obj.spec);
  const fromTemplate = (t: Json, longRunning: boolean): PodTemplate => ({
    labels: asObj(asObj(t.metadata).labels) as Record<string, string>,
    spec: asObj(t.spec),
    longRunning,
  });
  if (group === '' && obj.kind === 'Pod') {
    const restart = spec.restartPolicy ?? 'Always';
    return { labels: asObj(obj.metadata.labels) as Record<string, string>, spec, longRunning: restart === 'Always' };
  }
  if (group === '' && obj.kind === 'ReplicationController') return fromTemplate(asObj(spec.template), true);
  if (group === 'apps' && ['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet'].includes(obj.kind)) return fromTemplate(asObj(spec.template), true);
  if (group === 'batch' && obj.kind === 'Job') return fromTemplate(asObj(spec.template), false);
  if (group === 'batch' && obj.kind === 'CronJob') return fromTemplate(asObj(asObj(asObj(spec.jobTemplate).spec).template), false);
  return undefined;
}

interface ContainerRef {
  readonly container: Json;
  readonly label: string;
  /** An init container that runs to completion before the others (not a restartPolicy: Always sidecar). */
  readonly runsToCompletion: boolean;
}

function containersOf(pod: Json): ContainerRef[] {
  const init = asList(pod.initContainers).map((c) => ({
    container: c,
    label: `init container "${String(c.name)}"`,
    runsToCompletion: c.restartPolicy !== 'Always',
  }));
  const main = asList(pod.containers).map((c) => ({ container: c, label: `container "${String(c.name)}"`, runsToCompletion: false }));
  return [...init, ...main];
}

/** Whether an image reference names an exact version: a digest, or a tag other than latest. */
export function imagePinProblem(image: unknown): string | undefined {
  if (typeof image !== 'string' || image.length === 0) return 'has no image';
  if (/@sha256:[0-9a-f]{64}$/.test(image)) return undefined;
  const lastSegment = image.slice(image.lastIndexOf('/') + 1);
  const colon = lastSegment.lastIndexOf(':');
  if (colon < 0) return `image ${image} has no tag, so it pulls whatever "latest" is at the time`;
  const tag = lastSegment.slice(colon + 1);
  if (tag === 'latest') return `image ${image} uses the moving tag "latest"`;
  return undefined;
}

/** Custom resources an operator turns into pods (group/Kind -> operator): their pod specs are never in dist/. */
const OPERATOR_PODS: Readonly<Record<string, string>> = {
  'postgresql.cnpg.io/Cluster': 'CloudNativePG',
  'postgresql.cnpg.io/Pooler': 'CloudNativePG',
  'ceph.rook.io/CephCluster': 'Rook',
  'ceph.rook.io/CephFilesystem': 'Rook',
  'ceph.rook.io/CephObjectStore': 'Rook',
  'monitoring.coreos.com/Prometheus': 'Prometheus',
  'monitoring.coreos.com/Alertmanager': 'Prometheus',
};

const SAFE_CAPABILITIES = new Set(['NET_BIND_SERVICE']);
const PSS_LEVELS = new Set(['restricted', 'baseline', 'privileged']);
const PSS_REASON_ANNOTATION = 'site-compiler/pod-security-reason';

// ---------------------------------------------------------------------------------------------
// The check

interface Located {
  readonly component: string;
  readonly obj: KubeObject;
}

/**
 * Checks every rendered object of every component against the rules, applies the site's and the built-in
 * exceptions, and says what could not be checked. Pure: the same input gives the same report, in a stable order.
 */
export function checkPolicy(manifests: ReadonlyMap<string, readonly KubeObject[]>, model: SiteModel): PolicyReport {
  const all: Located[] = [...manifests.keys()].sort().flatMap((component) => (manifests.get(component) ?? []).map((obj) => ({ component, obj })));
  const raw: PolicyFinding[] = [];
  const report = (component: string, obj: KubeObject | string, rule: PolicyRule, message: string, fix: string): void => {
    raw.push({ component, object: typeof obj === 'string' ? obj : objectId(obj), rule, message, fix });
  };

  const services = all.filter((l) => groupOf(l.obj.apiVersion) === '' && l.obj.kind === 'Service');
  const servedBy = (namespace: string | undefined, labels: Readonly<Record<string, string>>): boolean =>
    services.some(({ obj }) => {
      const selector = asObj(asObj(obj.spec).selector) as Record<string, string>;
      const keys = Object.keys(selector);
      return obj.metadata.namespace === namespace && keys.length > 0 && keys.every((k) => labels[k] === selector[k]);
    });

  for (const { component, obj } of all) {
    const pod = podTemplateOf(obj);
    if (pod) checkPod(component, obj, pod, servedBy(obj.metadata.namespace, pod.labels), report);
    checkObject(component, obj, report);
  }
  checkNamespaces(all, model, report);

  // --- exceptions -----------------------------------------------------------------------------
  const siteExceptions = model.policyExceptions;
  const used = new Set<number>();
  const builtIns = builtInExceptions(model).map((b) => ({ ...b, match: globToRegExp(b.object) }));
  const findings: PolicyFinding[] = [];
  const exceptions: AppliedException[] = [];
  for (const f of raw) {
    const siteIndex = siteExceptions.findIndex((e) => e.rule === f.rule && e.object === f.object);
    if (siteIndex >= 0) {
      used.add(siteIndex);
      exceptions.push({ component: f.component, object: f.object, rule: f.rule, reason: siteExceptions[siteIndex].reason, source: 'site', suppressed: f.message });
      continue;
    }
    const builtIn = builtIns.find((b) => b.component === f.component && b.rules.includes(f.rule) && b.match.test(f.object));
    const nsException = f.object.startsWith('Namespace/') ? namespaceExceptions(model, f.object.slice('Namespace/'.length)) : undefined;
    const reason = builtIn?.reason ?? (nsException?.rules.includes(f.rule) ? nsException.reason : undefined);
    if (reason !== undefined) {
      exceptions.push({ component: f.component, object: f.object, rule: f.rule, reason, source: 'built-in', suppressed: f.message });
      continue;
    }
    findings.push(f);
  }

  const known = new Set(Object.keys(POLICY_RULES));
  const warnings: string[] = [];
  siteExceptions.forEach((e, i) => {
    if (!known.has(e.rule)) {
      findings.push({
        component: 'site',
        object: `policy.exceptions[${i}]`,
        rule: 'exception-rule',
        message: `"${e.rule}" is not a policy rule, so this exception (for ${e.object}) can never apply`,
        fix: `use one of ${[...known].filter((r) => r !== 'exception-rule').join(', ')}`,
      });
    } else if (!used.has(i) && !FLOW_RULES.has(e.rule)) {
      warnings.push(
        `policy.exceptions[${i}] (${e.rule} on ${e.object}) matched no finding: the object passes that rule, is not rendered into dist/, or is misnamed (write Kind/namespace/name, or Kind/name for a cluster-scoped object); remove it when it is no longer needed`,
      );
    }
  });

  const unchecked: UncheckedComponent[] = model.components
    .filter((c) => c.delivery === 'argocd')
    .map((c) => ({
      component: c.name,
      reason: 'the chart is delivered by Argo CD as a Helm source: its objects are rendered in the cluster, not into dist/, so this check never sees them; the chart\'s defaults and the values the component passes decide their security settings',
    }))
    .sort((a, b) => byCode(a.component, b.component));
  for (const { component, obj } of all) {
    const operator = OPERATOR_PODS[`${groupOf(obj.apiVersion)}/${obj.kind}`];
    if (operator) {
      unchecked.push({ component, object: objectId(obj), reason: `its pods are created in the cluster by the ${operator} operator, which sets their security context; only the custom resource is in dist/` });
    }
  }

  // Stable sort: within one object and rule, findings keep the pod's container order (init containers first).
  const order = (a: { component: string; object: string; rule: string }, b: typeof a): number =>
    byCode(a.component, b.component) || byCode(a.object, b.object) || byCode(a.rule, b.rule);
  return { findings: findings.sort(order), exceptions: exceptions.sort(order), unchecked, warnings };
}

type Report = (component: string, obj: KubeObject | string, rule: PolicyRule, message: string, fix: string) => void;

function checkPod(component: string, obj: KubeObject, pod: PodTemplate, served: boolean, report: Report): void {
  const spec = pod.spec;
  const podSc = asObj(spec.securityContext);

  const hostNs = (['hostNetwork', 'hostPID', 'hostIPC'] as const).filter((k) => spec[k] === true);
  if (hostNs.length > 0) {
    report(component, obj, 'host-namespaces', `the pod shares the node's ${hostNs.join(', ')}`, `remove ${hostNs.map((k) => `${k}: true`).join(', ')}; only node agents listed in the built-in allow-list, or a site exception with a reason, may share host namespaces`);
  }
  const hostPaths = asList(spec.volumes).filter((v) => v.hostPath !== undefined);
  if (hostPaths.length > 0) {
    const list = hostPaths.map((v) => `${String(v.name)} (${String(asObj(v.hostPath).path)})`).join(', ');
    report(component, obj, 'host-path', `the pod mounts host folders: ${list}`, 'use a PersistentVolumeClaim, a ConfigMap or an emptyDir instead; node agents that need the host declare an exception with the reason');
  }
  const seccompPod = asObj(podSc.seccompProfile).type;

  for (const { container: c, label, runsToCompletion } of containersOf(spec)) {
    const sc = asObj(c.securityContext);
    const resources = asObj(c.resources);

    const pin = imagePinProblem(c.image);
    if (pin) report(component, obj, 'image-pinned', `${label}: ${pin}`, 'pin an exact version tag (e.g. redis:7.4.2) or a digest (image@sha256:...) so every node runs the same image');

    const missingRequests = ['cpu', 'memory'].filter((r) => asObj(resources.requests)[r] === undefined);
    if (missingRequests.length > 0) {
      report(component, obj, 'resources-requests', `${label} requests no ${missingRequests.join(' or ')}`, `set resources.requests.${missingRequests.join(' and resources.requests.')}: the scheduler places pods by their requests, and the review's capacity table sums them`);
    }
    const missingLimits = ['cpu', 'memory'].filter((r) => asObj(resources.limits)[r] === undefined);
    if (missingLimits.length > 0) {
      report(component, obj, 'resources-limits', `${label} has no ${missingLimits.join(' or ')} limit`, `set resources.limits.${missingLimits.join(' and resources.limits.')} so one container cannot starve its node`);
    }

    if (pod.longRunning && !runsToCompletion) {
      const missing: string[] = [];
      if (c.livenessProbe === undefined) missing.push('livenessProbe');
      if (served && c.readinessProbe === undefined) missing.push('readinessProbe (a Service sends it traffic)');
      if (missing.length > 0) {
        report(component, obj, 'probes', `${label} has no ${missing.join(' and no ')}`, 'add an HTTP, TCP or exec probe on the port the process serves, so a hung container is restarted and an unready one gets no traffic');
      }
    }

    const runAsUser = sc.runAsUser ?? podSc.runAsUser;
    const runAsNonRoot = sc.runAsNonRoot ?? podSc.runAsNonRoot;
    if (runAsUser === 0) {
      report(component, obj, 'run-as-non-root', `${label} runs as root (runAsUser 0)`, 'run as an unprivileged user: securityContext.runAsUser above 0 (e.g. 10001) and runAsNonRoot: true');
    } else if (runAsNonRoot !== true && !(typeof runAsUser === 'number' && runAsUser > 0)) {
      report(component, obj, 'run-as-non-root', `${label} may run as root: runAsNonRoot is not true and no runAsUser is set, so the image's USER decides`, 'set securityContext.runAsNonRoot: true and runAsUser above 0 (e.g. 10001), on the pod or the container');
    }
    if (sc.readOnlyRootFilesystem !== true) {
      report(component, obj, 'read-only-root-fs', `${label} can write to its root filesystem`, 'set securityContext.readOnlyRootFilesystem: true and mount an emptyDir where the process writes (e.g. /tmp)');
    }
    if (sc.privileged === true) {
      report(component, obj, 'no-privileged', `${label} is privileged (all devices and capabilities of the node)`, 'remove privileged: true and add only the capability the process needs');
    }
    if (sc.allowPrivilegeEscalation !== false) {
      report(component, obj, 'no-privilege-escalation', `${label} may gain privileges (allowPrivilegeEscalation is ${sc.allowPrivilegeEscalation === true ? 'true' : 'not set, which means true'})`, 'set securityContext.allowPrivilegeEscalation: false');
    }
    const caps = asObj(sc.capabilities);
    const drop = Array.isArray(caps.drop) ? caps.drop.map(String) : [];
    if (!drop.includes('ALL')) {
      report(component, obj, 'capabilities-drop-all', `${label} keeps the runtime's default capabilities`, 'set securityContext.capabilities.drop: [ALL] and add back only what the process needs');
    }
    const added = (Array.isArray(caps.add) ? caps.add.map(String) : []).filter((cap) => !SAFE_CAPABILITIES.has(cap.replace(/^CAP_/, '')));
    if (added.length > 0) {
      report(component, obj, 'capabilities-add', `${label} adds ${added.join(', ')}`, 'remove the added capabilities (only NET_BIND_SERVICE is allowed), or declare an exception with the reason the process needs them');
    }
    const seccomp = asObj(sc.seccompProfile).type ?? seccompPod;
    if (seccomp !== 'RuntimeDefault' && seccomp !== 'Localhost') {
      report(component, obj, 'seccomp-profile', `${label} runs ${seccomp === undefined ? 'without a seccomp profile' : `with seccomp profile ${String(seccomp)}`}`, 'set securityContext.seccompProfile.type: RuntimeDefault on the pod');
    }
    const hostPorts = asList(c.ports).filter((p) => typeof p.hostPort === 'number' && p.hostPort > 0).map((p) => p.hostPort);
    if (hostPorts.length > 0) {
      report(component, obj, 'host-port', `${label} binds host port ${hostPorts.join(', ')} on its node`, 'remove hostPort and reach the pod through a Service');
    }
  }
}

function checkObject(component: string, obj: KubeObject, report: Report): void {
  if (groupOf(obj.apiVersion) !== '') return;
  if (obj.kind === 'Secret') {
    const keys = [...Object.keys(asObj(obj.data)), ...Object.keys(asObj(obj.stringData))];
    if (keys.length > 0) {
      report(component, obj, 'secret-data', `carries ${keys.length === 1 ? 'a value' : 'values'} for ${[...new Set(keys)].sort().join(', ')} in dist/, which is committed to the GitOps repository`, 'create the Secret in the cluster with an ExternalSecret (the site names the secret store key, never the value)');
    }
  }
  if (obj.kind === 'Service') {
    const type = asObj(obj.spec).type;
    if (type === 'LoadBalancer') {
      report(component, obj, 'service-loadbalancer', 'is of type LoadBalancer, which takes an address of the site\'s load-balancer range and is reachable from the node network, but the site publishes no such Service', 'make it a ClusterIP Service reached through the ingress, or, if it must be published, add a policy exception for rule service-loadbalancer on this object with the reason');
    } else if (type === 'NodePort') {
      report(component, obj, 'service-nodeport', 'is of type NodePort, which opens its port on every node', 'make it a ClusterIP Service reached through the ingress');
    }
  }
}

function isDefaultDeny(obj: KubeObject): { ingress: boolean; egress: boolean } {
  const spec = asObj(obj.spec);
  const selectsAll = Object.keys(asObj(spec.podSelector)).every((k) => {
    const v = asObj(spec.podSelector)[k];
    return (Array.isArray(v) && v.length === 0) || (v && typeof v === 'object' && Object.keys(v).length === 0);
  });
  if (!selectsAll) return { ingress: false, egress: false };
  const types = Array.isArray(spec.policyTypes) ? spec.policyTypes.map(String) : spec.egress !== undefined ? ['Ingress', 'Egress'] : ['Ingress'];
  const empty = (v: unknown): boolean => v === undefined || (Array.isArray(v) && v.length === 0);
  return { ingress: types.includes('Ingress') && empty(spec.ingress), egress: types.includes('Egress') && empty(spec.egress) };
}

function checkNamespaces(all: readonly Located[], model: SiteModel, report: Report): void {
  const owner = (namespace: string, fallback: string): string =>
    model.components.find((c: ComponentModel) => c.namespace === namespace && c.ownsNamespace)?.name ?? fallback;

  const namespaces = new Map<string, Located>();
  for (const l of all) if (groupOf(l.obj.apiVersion) === '' && l.obj.kind === 'Namespace') namespaces.set(l.obj.metadata.name, l);

  // Where each namespace is used, in component order, so a finding names the first component that needs it.
  const used = new Map<string, string>();
  for (const { component, obj } of all) {
    const ns = obj.metadata.namespace;
    if (ns !== undefined && !used.has(ns)) used.set(ns, component);
  }
  for (const [ns, component] of [...used.entries()].sort(([a], [b]) => byCode(a, b))) {
    if (namespaces.has(ns)) continue;
    report(owner(ns, component), `Namespace/${ns}`, 'namespace-exists', `is used by objects of component ${component} but no component creates it, so it would have no Pod Security labels`, 'create it in the component that owns it (a PodSecurityNamespace), or put the objects in their component\'s namespace');
  }

  for (const { component, obj } of [...namespaces.entries()].sort(([a], [b]) => byCode(a, b)).map(([, l]) => l)) {
    const labels = asObj(obj.metadata.labels);
    const problems: string[] = [];
    for (const mode of ['enforce', 'audit', 'warn']) {
      const value = labels[`pod-security.kubernetes.io/${mode}`];
      if (value === undefined) problems.push(`no pod-security.kubernetes.io/${mode} label`);
      else if (!PSS_LEVELS.has(String(value))) problems.push(`pod-security.kubernetes.io/${mode} is "${String(value)}", not a Pod Security Standards level`);
    }
    const enforce = labels['pod-security.kubernetes.io/enforce'];
    if (enforce !== undefined && enforce !== 'restricted' && !asObj(obj.metadata.annotations)[PSS_REASON_ANNOTATION]) {
      problems.push(`enforces "${String(enforce)}" without a ${PSS_REASON_ANNOTATION} annotation saying why`);
    }
    if (problems.length > 0) {
      report(component, obj, 'namespace-pss-labels', problems.join('; '), 'create the namespace with PodSecurityNamespace (enforce the level, audit and warn restricted, and give the reason when below restricted)');
    }
  }

  const policies = all.filter((l) => l.obj.apiVersion === 'networking.k8s.io/v1' && l.obj.kind === 'NetworkPolicy');
  const everyNamespace = [...new Set([...namespaces.keys(), ...used.keys()])].sort();
  for (const ns of everyNamespace) {
    const covered = policies.filter((p) => p.obj.metadata.namespace === ns).map((p) => isDefaultDeny(p.obj));
    const ingress = covered.some((c) => c.ingress);
    const egress = covered.some((c) => c.egress);
    if (ingress && egress) continue;
    const missing = [!ingress ? 'ingress' : '', !egress ? 'egress' : ''].filter(Boolean).join(' and ');
    const component = namespaces.get(ns)?.component ?? owner(ns, used.get(ns) ?? 'site');
    report(component, `Namespace/${ns}`, 'namespace-default-deny', `has no default-deny NetworkPolicy for ${missing}, so every pod in it accepts and opens any connection`, 'add a NetworkPolicy with podSelector: {} and policyTypes [Ingress, Egress] and no rules, then allow each needed connection explicitly');
  }
}

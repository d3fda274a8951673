import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse as parseYaml, stringify as toYaml } from 'yaml';
import { byCodePoint } from '../core/order';
import { helmTemplate, runIsolatedHelm } from './chart-cache';
import { parseHelmOutput } from './helm-release';
import { PodSchedulingFact, podSchedulingFact } from './pod-scheduling';

/**
 * Measures what a chart installs: it is rendered with `helm template` and the site's values, and the
 * output is reduced to the facts the GitOps layer needs (objects, CRDs, apply sizes, workloads).
 * Measured, never typed: a chart that gains a Namespace or an oversized CRD changes its facts.
 */

/** Kubernetes caps an object's annotations at 256 KiB; client-side apply copies the whole object into one. */
export const CLIENT_SIDE_APPLY_LIMIT = 262_144;

export interface CrdFact {
  readonly name: string;
  readonly group: string;
  readonly kind: string;
  /** Served versions, in the CRD's order. */
  readonly versions: readonly string[];
  readonly scope: 'Namespaced' | 'Cluster';
}

export interface ContainerPortFact {
  readonly port: number;
  readonly protocol: string;
  readonly name?: string;
}

export interface WorkloadFact {
  /** `Deployment kube-system/cilium-operator`. */
  readonly workload: string;
  readonly serviceAccount: string;
  readonly podLabels: Readonly<Record<string, string>>;
  readonly ports: readonly ContainerPortFact[];
  /** hostNetwork, hostPID, hostIPC, hostPath:<path>, hostPort:<n>, privileged, capability:<NAME>: what Pod Security judges. */
  readonly hostAccess: readonly string[];
  readonly images: readonly string[];
  /** The least Pod Security level its pods run under. */
  readonly podSecurity: PodSecurityLevel;
  /**
   * What the scheduler reads: pods, requests, node selectors, tolerations, required anti-affinity and spread.
   * @default - not measured (facts written before it was): the scheduling simulation cannot place the workload
   */
  readonly scheduling?: PodSchedulingFact;
}

export type PodSecurityLevel = 'restricted' | 'baseline' | 'privileged';
const LEVELS: readonly PodSecurityLevel[] = ['restricted', 'baseline', 'privileged'];

export interface MeasuredChart {
  /** Every object as `Kind.group namespace/name` (`Kind name` for core cluster-scoped ones), sorted. */
  readonly objects: readonly string[];
  readonly crds: readonly CrdFact[];
  /** The object whose client-side apply annotation would be largest, and its size in bytes. */
  readonly largestObject: { readonly object: string; readonly bytes: number };
  /** Objects past CLIENT_SIDE_APPLY_LIMIT: their Application needs ServerSideApply. */
  readonly oversized: readonly string[];
  readonly workloads: readonly WorkloadFact[];
  /** The least Pod Security level the chart's pods run under. */
  readonly podSecurity: PodSecurityLevel;
  /**
   * Dependency charts the values enable but the measured chart folder did not hold: their objects are
   * not in these facts. Absent when the measurement is complete.
   */
  readonly unmeasuredDependencies?: readonly string[];
  /**
   * The NetworkPolicies the chart renders, with their specs: the network flow check evaluates them beside the tree's
   * own. Absent when the chart renders none.
   */
  readonly networkPolicies?: readonly NetworkPolicyFact[];
}

export interface NetworkPolicyFact {
  /** `NetworkPolicy.networking.k8s.io namespace/name`. */
  readonly policy: string;
  readonly spec: unknown;
}

export interface MeasureInput {
  readonly helm: string;
  /** A chart folder or .tgz archive. */
  readonly chartPath: string;
  readonly releaseName: string;
  readonly namespace: string;
  readonly values: Readonly<Record<string, unknown>>;
  readonly kubeVersion: string;
  readonly apiVersions?: readonly string[];
  /** Cluster-scoped custom kinds (`group/Kind`) whose CRDs other charts of the site install. */
  readonly clusterKinds?: readonly string[];
}

interface KubeDoc {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  spec?: Record<string, unknown>;
}

/** Renders the chart and measures the output. */
export function measureChart(input: MeasureInput): MeasuredChart {
  return renderAndMeasure(input).facts;
}

/** Renders the chart and measures the output, keeping the rendered objects (for checks beyond the facts). */
export function renderAndMeasure(input: MeasureInput): { facts: MeasuredChart; objects: readonly object[] } {
  return withRenderableChart(input.chartPath, input.values, (chartPath, unmeasured, values) => {
    const text = helmTemplate({ ...input, values, archive: chartPath });
    const objects = (parseHelmOutput(text) as KubeDoc[]).filter((d) => d !== null && typeof d === 'object');
    const measured = measureObjects(objects, input.namespace, input.clusterKinds);
    return { facts: unmeasured.length > 0 ? { ...measured, unmeasuredDependencies: unmeasured } : measured, objects };
  });
}

/**
 * The `kubeVersion` constraint of a chart (folder or archive), read by `helm show chart` so an archive needs no
 * unpacking here; null when the chart states none. Helm refuses to render the chart for a cluster outside it.
 */
export function chartKubeVersion(helm: string, chartPath: string): string | null {
  const chart = parseYaml(runIsolatedHelm(helm, ['show', 'chart', chartPath])) as { kubeVersion?: unknown } | null;
  return typeof chart?.kubeVersion === 'string' && chart.kubeVersion.trim() !== '' ? chart.kubeVersion.trim() : null;
}

/** `Kind.group namespace/name`: one line a reviewer can read in a diff. */
export function objectRef(apiVersion: string, kind: string, name: string, namespace?: string): string {
  const slash = apiVersion.indexOf('/');
  const group = slash < 0 ? '' : apiVersion.slice(0, slash);
  return `${group ? `${kind}.${group}` : kind} ${namespace ? `${namespace}/` : ''}${name}`;
}

/** Reads an object reference back: kind, group, namespace (undefined when cluster-scoped) and name. */
export function parseObjectRef(ref: string): { kind: string; group: string; namespace?: string; name: string } {
  const [kindGroup, where] = ref.split(' ');
  const dot = kindGroup.indexOf('.');
  const slash = where.indexOf('/');
  return {
    kind: dot < 0 ? kindGroup : kindGroup.slice(0, dot),
    group: dot < 0 ? '' : kindGroup.slice(dot + 1),
    ...(slash < 0 ? {} : { namespace: where.slice(0, slash) }),
    name: slash < 0 ? where : where.slice(slash + 1),
  };
}

/**
 * Facts of rendered objects. Namespaced objects without a namespace get the release's, as helm and
 * Argo CD apply them; cluster-scoped kinds are recognised by what Kubernetes and the chart's own CRDs say.
 */
export function measureObjects(docs: readonly KubeDoc[], releaseNamespace: string, otherClusterKinds: readonly string[] = []): MeasuredChart {
  const objects = docs.filter((d) => d && typeof d === 'object' && typeof d.kind === 'string' && d.metadata && typeof d.metadata.name === 'string');
  const crds = objects.filter((o) => o.kind === 'CustomResourceDefinition').map(crdFact);
  const clusterCrdKinds = new Set([...otherClusterKinds, ...crds.filter((c) => c.scope === 'Cluster').map((c) => `${c.group}/${c.kind}`)]);
  const isClusterScoped = (o: KubeDoc): boolean => CLUSTER_SCOPED.has(o.kind) || clusterCrdKinds.has(`${o.apiVersion.split('/')[0]}/${o.kind}`);
  const refs = objects.map((o) => objectRef(o.apiVersion, o.kind, o.metadata.name, isClusterScoped(o) ? undefined : (o.metadata.namespace ?? releaseNamespace)));
  const sizes = objects.map((o, i) => ({ object: refs[i], bytes: Buffer.byteLength(JSON.stringify(o)) }));
  const largest = sizes.reduce((a, b) => (b.bytes > a.bytes || (b.bytes === a.bytes && b.object < a.object) ? b : a), { object: '', bytes: 0 });
  const workloads = objects.flatMap((o, i) => workloadFact(o, refs[i]));
  const networkPolicies = objects
    .map((o, i) => ({ o, ref: refs[i] }))
    .filter(({ o }) => o.kind === 'NetworkPolicy' && o.apiVersion === 'networking.k8s.io/v1')
    .map(({ o, ref }) => ({ policy: ref, spec: o.spec ?? {} }))
    .sort((a, b) => byCodePoint(a.policy, b.policy));
  return {
    objects: [...new Set(refs)].sort(byCodePoint),
    crds: crds.sort((a, b) => byCodePoint(a.name, b.name)),
    largestObject: largest,
    oversized: sizes.filter((s) => s.bytes > CLIENT_SIDE_APPLY_LIMIT).map((s) => s.object).sort(byCodePoint),
    workloads: workloads.sort((a, b) => byCodePoint(a.workload, b.workload)),
    podSecurity: LEVELS[Math.max(0, ...workloads.map((w) => LEVELS.indexOf(w.podSecurity)))],
    ...(networkPolicies.length > 0 ? { networkPolicies } : {}),
  };
}

/** Cluster-scoped kinds of Kubernetes itself that charts render (and the Argo CD sync simulation reads). */
export const CLUSTER_SCOPED = new Set([
  'Namespace', 'Node', 'PersistentVolume', 'ClusterRole', 'ClusterRoleBinding', 'CustomResourceDefinition', 'StorageClass', 'CSIDriver', 'CSINode',
  'VolumeAttachment', 'PriorityClass', 'RuntimeClass', 'IngressClass', 'MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration',
  'ValidatingAdmissionPolicy', 'ValidatingAdmissionPolicyBinding', 'APIService', 'CertificateSigningRequest', 'FlowSchema', 'PriorityLevelConfiguration',
]);

function crdFact(o: KubeDoc): CrdFact {
  const spec = (o.spec ?? {}) as { group?: string; scope?: string; names?: { kind?: string }; versions?: { name: string; served?: boolean }[] };
  return {
    name: o.metadata.name,
    group: spec.group ?? '',
    kind: spec.names?.kind ?? '',
    versions: (spec.versions ?? []).filter((v) => v.served !== false).map((v) => v.name),
    scope: spec.scope === 'Cluster' ? 'Cluster' : 'Namespaced',
  };
}

const POD_TEMPLATES: Readonly<Record<string, (spec: Record<string, unknown>) => unknown>> = {
  Deployment: (s) => s.template,
  StatefulSet: (s) => s.template,
  DaemonSet: (s) => s.template,
  ReplicaSet: (s) => s.template,
  Job: (s) => s.template,
  CronJob: (s) => (s.jobTemplate as { spec?: { template?: unknown } } | undefined)?.spec?.template,
};

interface PodTemplate {
  metadata?: { labels?: Record<string, string> };
  spec?: {
    serviceAccountName?: string;
    securityContext?: SecurityContext;
    hostNetwork?: boolean;
    hostPID?: boolean;
    hostIPC?: boolean;
    volumes?: { hostPath?: { path: string } }[];
    containers?: ContainerSpec[];
    initContainers?: ContainerSpec[];
  };
}
interface SecurityContext {
  privileged?: boolean;
  allowPrivilegeEscalation?: boolean;
  runAsNonRoot?: boolean;
  seccompProfile?: { type?: string };
  capabilities?: { add?: string[]; drop?: string[] };
}
interface ContainerSpec {
  image?: string;
  ports?: { containerPort: number; protocol?: string; name?: string; hostPort?: number }[];
  securityContext?: SecurityContext;
}

/** The restricted level's container rules (beyond baseline): no escalation, all capabilities dropped, non-root, a seccomp profile. */
function meetsRestricted(pod: SecurityContext | undefined, containers: readonly ContainerSpec[]): boolean {
  return containers.every((c) => {
    const sc = c.securityContext ?? {};
    const seccomp = sc.seccompProfile?.type ?? pod?.seccompProfile?.type;
    return (
      sc.allowPrivilegeEscalation === false &&
      (sc.capabilities?.drop ?? []).includes('ALL') &&
      (sc.capabilities?.add ?? []).every((cap) => cap === 'NET_BIND_SERVICE') &&
      (sc.runAsNonRoot ?? pod?.runAsNonRoot) === true &&
      (seccomp === 'RuntimeDefault' || seccomp === 'Localhost')
    );
  });
}

/** Capabilities Pod Security's baseline level allows a container to add. */
const BASELINE_CAPABILITIES = new Set(['AUDIT_WRITE', 'CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'FSETID', 'KILL', 'MKNOD', 'NET_BIND_SERVICE', 'SETFCAP', 'SETGID', 'SETPCAP', 'SETUID', 'SYS_CHROOT']);

function workloadFact(o: KubeDoc, ref: string): WorkloadFact[] {
  const templateOf = POD_TEMPLATES[o.kind];
  if (!templateOf || !o.apiVersion.match(/^(apps|batch)\//)) return [];
  const template = (templateOf(o.spec ?? {}) ?? {}) as PodTemplate;
  const spec = template.spec ?? {};
  const containers = [...(spec.initContainers ?? []), ...(spec.containers ?? [])];
  const host = [
    ...(spec.hostNetwork ? ['hostNetwork'] : []),
    ...(spec.hostPID ? ['hostPID'] : []),
    ...(spec.hostIPC ? ['hostIPC'] : []),
    ...(spec.volumes ?? []).filter((v) => v.hostPath).map((v) => `hostPath:${v.hostPath?.path}`),
    ...containers.flatMap((c) => (c.ports ?? []).filter((p) => p.hostPort).map((p) => `hostPort:${p.hostPort}`)),
    ...(containers.some((c) => c.securityContext?.privileged) ? ['privileged'] : []),
    ...containers.flatMap((c) => (c.securityContext?.capabilities?.add ?? []).filter((cap) => !BASELINE_CAPABILITIES.has(cap)).map((cap) => `capability:${cap}`)),
  ];
  const ports = (spec.containers ?? []).flatMap((c) => (c.ports ?? []).map((p) => ({ port: p.containerPort, protocol: p.protocol ?? 'TCP', ...(p.name ? { name: p.name } : {}) })));
  const uniquePorts = [...new Map(ports.map((p) => [`${p.port}/${p.protocol}`, p])).values()].sort((a, b) => a.port - b.port || byCodePoint(a.protocol, b.protocol));
  return [
    {
      workload: ref,
      serviceAccount: spec.serviceAccountName ?? 'default',
      podLabels: sortedRecord(template.metadata?.labels ?? {}),
      ports: uniquePorts,
      hostAccess: [...new Set(host)].sort(byCodePoint),
      images: [...new Set(containers.map((c) => c.image ?? ''))].filter((i) => i !== '').sort(byCodePoint),
      podSecurity: host.length > 0 ? 'privileged' : meetsRestricted(spec.securityContext, containers) ? 'restricted' : 'baseline',
      scheduling: podSchedulingFact(o.kind, o.spec, spec),
    },
  ];
}

function sortedRecord(record: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => byCodePoint(a, b)));
}

/**
 * A mirrored chart folder may leave out dependencies (a mirror carries what was at hand). helm refuses
 * a chart with any dependency missing from charts/, enabled or not, so the measurement renders a copy
 * whose Chart.yaml drops the missing ones. Those the values disable change nothing; those they enable
 * are passed to `fn` so the facts can say what they leave out.
 */
export function withRenderableChart<T>(
  chartPath: string,
  values: Readonly<Record<string, unknown>>,
  fn: (chartPath: string, unmeasured: readonly string[], values: Readonly<Record<string, unknown>>) => T,
): T {
  if (!fs.statSync(chartPath).isDirectory()) return fn(chartPath, [], values);
  const missing = missingDependencies(chartPath);
  if (missing.length === 0) return fn(chartPath, [], values);
  const defaults = (parseYaml(readIfExists(path.join(chartPath, 'values.yaml')) ?? '') ?? {}) as Record<string, unknown>;
  const enabled = missing.filter((d) => d.condition === undefined || conditionHolds(d.condition, values, defaults));
  // Parent templates read an enabled subchart's values and helpers: without the subchart they fail, so the
  // render switches it off through its condition, and the facts name it as not measured.
  let rendered: Record<string, unknown> = structuredClone(values) as Record<string, unknown>;
  for (const d of enabled) if (d.condition) rendered = setPath(rendered, d.condition.split(',')[0].trim(), false);
  const copy = fs.mkdtempSync(path.join(os.tmpdir(), 'site-compiler-chart-'));
  try {
    const target = path.join(copy, path.basename(chartPath));
    // The folder's real contents: copying a symbolic link to a mirror folder would copy the link, and the edits
    // below would then rewrite the mirror's own Chart.yaml and delete its Chart.lock.
    fs.cpSync(fs.realpathSync(chartPath), target, { recursive: true, dereference: true });
    makeWritable(target);
    const chartYaml = path.join(target, 'Chart.yaml');
    const chart = parseYaml(fs.readFileSync(chartYaml, 'utf8')) as { dependencies?: { name: string }[] };
    const drop = new Set(missing.map((d) => d.name));
    chart.dependencies = (chart.dependencies ?? []).filter((d) => !drop.has(d.name));
    fs.writeFileSync(chartYaml, toYaml(chart));
    fs.rmSync(path.join(target, 'Chart.lock'), { force: true });
    return fn(target, enabled.map((d) => d.name).sort(byCodePoint), rendered);
  } finally {
    fs.rmSync(copy, { recursive: true, force: true });
  }
}

/** A mirror may be read-only; its copy must not be, or it cannot be edited or removed. */
export function makeWritable(dir: string): void {
  fs.chmodSync(dir, 0o755);
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const abs = path.join(dir, entry.name);
    if (entry.isDirectory()) makeWritable(abs);
    else if (entry.isFile()) fs.chmodSync(abs, 0o644);
  }
}

interface Dependency {
  readonly name: string;
  readonly alias?: string;
  readonly condition?: string;
}

function missingDependencies(chartDir: string): Dependency[] {
  const chart = parseYaml(fs.readFileSync(path.join(chartDir, 'Chart.yaml'), 'utf8')) as { dependencies?: Dependency[] };
  const present = fs.existsSync(path.join(chartDir, 'charts')) ? fs.readdirSync(path.join(chartDir, 'charts')) : [];
  const has = (name: string): boolean =>
    present.some((entry) => entry === name || (entry.startsWith(`${name}-`) && entry.endsWith('.tgz')) || chartNameIn(path.join(chartDir, 'charts', entry)) === name);
  return (chart.dependencies ?? []).filter((d) => !has(d.name));
}

function chartNameIn(dir: string): string | undefined {
  const text = readIfExists(path.join(dir, 'Chart.yaml'));
  return text === undefined ? undefined : (parseYaml(text) as { name?: string }).name;
}

function readIfExists(file: string): string | undefined {
  return fs.existsSync(file) && fs.statSync(file).isFile() ? fs.readFileSync(file, 'utf8') : undefined;
}

/** Helm's condition: the first of the comma-separated paths that is set decides; none set means enabled. */
function conditionHolds(condition: string, values: Readonly<Record<string, unknown>>, defaults: Readonly<Record<string, unknown>>): boolean {
  for (const p of condition.split(',').map((c) => c.trim())) {
    const v = lookup(values, p) ?? lookup(defaults, p);
    if (typeof v === 'boolean') return v;
  }
  return true;
}

function setPath(values: Record<string, unknown>, dotted: string, value: unknown): Record<string, unknown> {
  const keys = dotted.split('.');
  let at = values;
  for (const key of keys.slice(0, -1)) {
    if (!at[key] || typeof at[key] !== 'object') at[key] = {};
    at = at[key] as Record<string, unknown>;
  }
  at[keys[keys.length - 1]] = value;
  return values;
}

function lookup(values: unknown, dotted: string): unknown {
  let at: unknown = values;
  for (const key of dotted.split('.')) {
    if (!at || typeof at !== 'object') return undefined;
    at = (at as Record<string, unknown>)[key];
  }
  return at;
}

/**
 * A digest of a chart folder's content: every regular file's path (relative, `/`-separated) and
 * sha256, in code-point order. The same chart gives the same digest however it was copied or packed,
 * which an archive's sha256 cannot promise. `without` names folders (relative paths) left out: the
 * dependency charts completed into a mirror's folder, which the lock pins each on its own.
 */
export function contentDigest(chartDir: string, without: readonly string[] = []): string {
  const skip = new Set(without);
  const lines: string[] = [];
  const walk = (dir: string, rel: string): void => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => byCodePoint(a.name, b.name))) {
      const abs = path.join(dir, entry.name);
      const r = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) {
        if (!skip.has(r)) walk(abs, r);
      } else if (entry.isFile() || entry.isSymbolicLink()) lines.push(`${createHash('sha256').update(fs.readFileSync(abs)).digest('hex')}  ${r}`);
    }
  };
  walk(chartDir, '');
  return createHash('sha256').update(`${lines.join('\n')}\n`).digest('hex');
}

/** A dependency chart completed into a chart folder, as the lock pins it (constructs/chart-lock.ts LockedDependency). */
export interface PinnedDependency {
  readonly name: string;
  readonly version: string;
  readonly sha256: string;
}

/**
 * How a chart folder differs from the content digests a lock pins, or undefined when it matches: the folder without
 * its completed dependencies' `charts/<name>/` against `sha256` (what the mirror held), then each completed
 * dependency that is present against its own digest. One that is absent is not a mismatch: the render names the
 * dependency charts a folder lacks.
 */
export function contentMismatch(chartDir: string, sha256: string, dependencies: readonly PinnedDependency[] = []): { problem: string; dependency?: string } | undefined {
  const own = contentDigest(chartDir, dependencies.map((d) => `charts/${d.name}`));
  if (own !== sha256) {
    const without = dependencies.length > 0 ? ` without its completed dependencies ${dependencies.map((d) => d.name).join(', ')}` : '';
    return { problem: `has content sha256 ${own}${without}, but the lock pins ${sha256}` };
  }
  for (const d of dependencies) {
    const folder = path.join(chartDir, 'charts', d.name);
    if (!fs.existsSync(folder)) continue;
    const actual = contentDigest(folder);
    if (actual !== d.sha256) return { problem: `has the dependency chart charts/${d.name}/ with content sha256 ${actual}, but the lock pins ${d.sha256} for ${d.name} ${d.version}`, dependency: d.name };
  }
  return undefined;
}

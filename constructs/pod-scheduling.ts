import { byCodePoint } from '../core/order';

/**
 * What the Kubernetes scheduler reads from a pod template, reduced to plain data: the requests it fits against a
 * node's allocatable, and the rules that decide which nodes it may use. The chart measurement records it for chart
 * workloads (constructs/chart-measure.ts) and the scheduling simulation (validate/scheduling.ts) reads it from both
 * those facts and the rendered objects, so both sources are judged by one reading of the pod spec.
 */

export interface TolerationFact {
  /** @default - every key (only with operator Exists) */
  readonly key?: string;
  /** @default "Equal" */
  readonly operator?: string;
  /** @default "" */
  readonly value?: string;
  /** @default - every effect */
  readonly effect?: string;
}

export interface LabelRequirementFact {
  readonly key: string;
  /** In, NotIn, Exists, DoesNotExist (labels); Gt and Lt as well for nodes. */
  readonly operator: string;
  readonly values?: readonly string[];
}

export interface LabelSelectorFact {
  readonly matchLabels?: Readonly<Record<string, string>>;
  readonly matchExpressions?: readonly LabelRequirementFact[];
}

/** A required pod anti-affinity term: no two matching pods in one domain of the topology key. */
export interface AntiAffinityFact {
  readonly topologyKey: string;
  readonly selector: LabelSelectorFact;
}

/** A topology spread constraint with whenUnsatisfiable DoNotSchedule (ScheduleAnyway only steers). */
export interface TopologySpreadFact {
  readonly topologyKey: string;
  readonly maxSkew: number;
  readonly selector: LabelSelectorFact;
  /**
   * "Honor": nodes whose taints the pod does not tolerate are no domains of the spread.
   * @default - "Ignore" (Kubernetes' default): they count, with no pods on them
   */
  readonly nodeTaintsPolicy?: 'Honor';
}

/** What one pod asks for, as the scheduler counts it. */
export interface PodRequestsFact {
  readonly cpuMilli: number;
  readonly memoryMiB: number;
  /** nvidia.com/gpu. @default 0 */
  readonly gpus?: number;
}

/** A port the pod binds on its node (hostPort, or every container port of a hostNetwork pod): one pod per node may hold it. */
export interface HostPortFact {
  readonly port: number;
  /** TCP, UDP or SCTP. */
  readonly protocol: string;
}

export interface PodSchedulingFact {
  /**
   * Pods the workload runs: spec.replicas (1 when unset) of a Deployment, StatefulSet or ReplicaSet, a Job's
   * parallelism. @default - one per node it may run on (a DaemonSet)
   */
  readonly replicas?: number;
  /** @default - no requests: the pod fits any node */
  readonly requests?: PodRequestsFact;
  /** @default - any node */
  readonly nodeSelector?: Readonly<Record<string, string>>;
  /** Required node affinity: terms are alternatives, the requirements of one term must all hold. @default - any node */
  readonly nodeAffinity?: readonly (readonly LabelRequirementFact[])[];
  /** @default - none: only untainted nodes */
  readonly tolerations?: readonly TolerationFact[];
  /** @default - none */
  readonly antiAffinity?: readonly AntiAffinityFact[];
  /** @default - none */
  readonly topologySpread?: readonly TopologySpreadFact[];
  /** @default - none: the pod binds no port of its node */
  readonly hostPorts?: readonly HostPortFact[];
}

/** A site field, its path and value, as a fix names it. */
export interface SiteField {
  readonly path: string;
  readonly value?: unknown;
}

/** The site fields that decide a workload's pods, where the site has them. */
export interface WorkloadFields {
  /** What owns the workload: `apps[2]`, `dataStores.postgres`, an add-on's `platform.addons.<key>`. */
  readonly owner: string;
  readonly replicas?: SiteField;
  readonly cpuMilli?: SiteField;
  readonly memoryMiB?: SiteField;
  readonly gpus?: SiteField;
}

/**
 * The ports a pod binds on its node. With hostNetwork every container port is a host port (the API server defaults
 * hostPort to containerPort there); otherwise only those that set hostPort. Sorted, one per port and protocol.
 */
export function hostPortsOf(podSpec: unknown): HostPortFact[] {
  const spec = obj(podSpec);
  const hostNetwork = spec.hostNetwork === true;
  const containers = [...list(spec.containers), ...list(spec.initContainers).filter((c) => c.restartPolicy === 'Always')];
  const ports = containers.flatMap((c) =>
    list(c.ports).flatMap((p) => {
      const port = typeof p.hostPort === 'number' && p.hostPort > 0 ? p.hostPort : hostNetwork && typeof p.containerPort === 'number' ? p.containerPort : 0;
      return port > 0 ? [{ port, protocol: typeof p.protocol === 'string' ? p.protocol : 'TCP' }] : [];
    }),
  );
  const seen = new Map(ports.map((p) => [`${p.port}/${p.protocol}`, p]));
  return [...seen.values()].sort((a, b) => a.port - b.port || byCodePoint(a.protocol, b.protocol));
}

type Json = Record<string, unknown>;
const obj = (v: unknown): Json => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : {});
const list = (v: unknown): Json[] => (Array.isArray(v) ? v.map(obj) : []);
const strings = (v: unknown): Record<string, string> =>
  Object.fromEntries(Object.entries(obj(v)).map(([k, x]) => [k, String(x)]).sort(([a], [b]) => byCodePoint(a, b)));

const QUANTITY = /^([+-]?[0-9.]+(?:[eE][+-]?\d+)?)(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)?$/;
const FACTORS: Readonly<Record<string, number>> = {
  Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60,
  n: 1e-9, u: 1e-6, m: 1e-3, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18,
};

/** A Kubernetes quantity (`500m`, `2`, `1Gi`, `768M`) in base units (cores, bytes); 0 when unset or unreadable. */
export function quantity(q: unknown): number {
  if (typeof q === 'number') return q;
  if (typeof q !== 'string') return 0;
  const m = QUANTITY.exec(q.trim());
  return m ? Number(m[1]) * (m[2] ? FACTORS[m[2]] : 1) : 0;
}

/**
 * The requests of one pod as the scheduler sums them: the app containers and restartable (sidecar) init containers
 * together, or the largest one-shot init container if that is more. An extended resource set only as a limit
 * (nvidia.com/gpu) is requested at the limit.
 */
export function podRequests(podSpec: unknown): PodRequestsFact {
  const spec = obj(podSpec);
  const of = (c: Json): [number, number, number] => {
    const res = obj(c.resources);
    const req = obj(res.requests);
    const lim = obj(res.limits);
    // Kubernetes defaults an unset request to the limit.
    const pick = (k: string): number => quantity(req[k] ?? lim[k]);
    return [pick('cpu'), pick('memory'), pick('nvidia.com/gpu')];
  };
  const inits = list(spec.initContainers);
  const running = [...list(spec.containers), ...inits.filter((c) => c.restartPolicy === 'Always')].map(of).reduce((a, b) => [a[0] + b[0], a[1] + b[1], a[2] + b[2]], [0, 0, 0]);
  const oneShot = inits.filter((c) => c.restartPolicy !== 'Always').map(of);
  const max = (i: number): number => Math.max(running[i], ...oneShot.map((r) => r[i]));
  // Rounded up: a pod never asks for less than it says.
  // (The epsilon keeps float noise such as 0.1 * 1000 from adding one; Math.max keeps -0 out.)
  const up = (n: number): number => Math.max(0, Math.ceil(n - 1e-9));
  const gpus = up(max(2));
  return { cpuMilli: up(max(0) * 1000), memoryMiB: up(max(1) / 2 ** 20), ...(gpus > 0 ? { gpus } : {}) };
}

function selector(v: unknown): LabelSelectorFact {
  const s = obj(v);
  const matchLabels = strings(s.matchLabels);
  const matchExpressions = requirements(s.matchExpressions);
  return { ...(Object.keys(matchLabels).length > 0 ? { matchLabels } : {}), ...(matchExpressions.length > 0 ? { matchExpressions } : {}) };
}

function requirements(v: unknown): LabelRequirementFact[] {
  return list(v).map((r) => ({
    key: String(r.key ?? ''),
    operator: String(r.operator ?? 'In'),
    ...(Array.isArray(r.values) ? { values: r.values.map(String) } : {}),
  }));
}

/** Pods a workload of this kind runs, when the kind says (undefined for a DaemonSet: one per node). */
function replicasOf(kind: string, spec: Json): number | undefined {
  if (kind === 'DaemonSet') return undefined;
  if (kind === 'Job') return typeof spec.parallelism === 'number' ? spec.parallelism : 1;
  if (kind === 'CronJob') return typeof obj(obj(spec.jobTemplate).spec).parallelism === 'number' ? (obj(obj(spec.jobTemplate).spec).parallelism as number) : 1;
  return typeof spec.replicas === 'number' ? spec.replicas : 1;
}

/**
 * The scheduling facts of a workload of `kind` with this spec (the workload's spec) and pod spec (its template's).
 * Empty parts are left out, so a facts file lists only what constrains the pod.
 */
export function podSchedulingFact(kind: string, workloadSpec: unknown, podSpec: unknown): PodSchedulingFact {
  const spec = obj(podSpec);
  const replicas = replicasOf(kind, obj(workloadSpec));
  const requests = podRequests(spec);
  const nodeSelector = strings(spec.nodeSelector);
  const affinity = obj(spec.affinity);
  const nodeTerms = list(obj(obj(affinity.nodeAffinity).requiredDuringSchedulingIgnoredDuringExecution).nodeSelectorTerms).map((t) => requirements(t.matchExpressions));
  const tolerations = list(spec.tolerations).map((t) => ({
    ...(t.key !== undefined && t.key !== '' ? { key: String(t.key) } : {}),
    ...(t.operator !== undefined ? { operator: String(t.operator) } : {}),
    ...(t.value !== undefined && t.value !== '' ? { value: String(t.value) } : {}),
    ...(t.effect !== undefined && t.effect !== '' ? { effect: String(t.effect) } : {}),
  }));
  const antiAffinity = list(obj(affinity.podAntiAffinity).requiredDuringSchedulingIgnoredDuringExecution).map((t) => ({ topologyKey: String(t.topologyKey ?? ''), selector: selector(t.labelSelector) }));
  const topologySpread = list(spec.topologySpreadConstraints)
    .filter((c) => (c.whenUnsatisfiable ?? 'DoNotSchedule') === 'DoNotSchedule')
    .map((c) => ({
      topologyKey: String(c.topologyKey ?? ''),
      maxSkew: typeof c.maxSkew === 'number' ? c.maxSkew : 1,
      selector: selector(c.labelSelector),
      ...(c.nodeTaintsPolicy === 'Honor' ? { nodeTaintsPolicy: 'Honor' as const } : {}),
    }));
  const hostPorts = hostPortsOf(spec);
  return {
    ...(replicas !== undefined ? { replicas } : {}),
    ...(requests.cpuMilli > 0 || requests.memoryMiB > 0 || requests.gpus ? { requests } : {}),
    ...(Object.keys(nodeSelector).length > 0 ? { nodeSelector } : {}),
    ...(nodeTerms.length > 0 ? { nodeAffinity: nodeTerms } : {}),
    ...(tolerations.length > 0 ? { tolerations } : {}),
    ...(antiAffinity.length > 0 ? { antiAffinity } : {}),
    ...(topologySpread.length > 0 ? { topologySpread } : {}),
    ...(hostPorts.length > 0 ? { hostPorts } : {}),
  };
}

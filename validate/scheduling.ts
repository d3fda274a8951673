import type { AntiAffinityFact, LabelRequirementFact, LabelSelectorFact, PodRequestsFact, PodSchedulingFact, TolerationFact, WorkloadFields } from '../constructs/pod-scheduling';
export type { SiteField, WorkloadFields } from '../constructs/pod-scheduling';
import { byCodePoint } from '../core/order';

/**
 * The Kubernetes scheduler, simulated at synth over the nodes the tree creates and every pod it runs: DaemonSets on
 * every node they may use, then the other pods one by one, largest first, each on the node with the most room left
 * among those whose labels, taints, free requests, anti-affinity and spread allow it (the default scheduler's
 * filters, and its least-allocated scoring). A pod no node takes fails synth with the reason per pool and the fix.
 * Pure: the inputs are plain data (validate/scheduling-input.ts builds them from the model, the tree and the facts).
 */

/** A pool's requests above this share of what its nodes allocate: synth warns (a node drain or a rollout's surge may not fit). */
export const POOL_WARN_SHARE = 0.8;

export interface Taint {
  readonly key: string;
  readonly value: string;
  readonly effect: string;
}

export interface SchedulingNode {
  readonly name: string;
  readonly pool: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly taints: readonly Taint[];
  readonly allocatable: { readonly cpuMilli: number; readonly memoryMiB: number; readonly gpus: number };
}

export interface SchedulingWorkload {
  /** dist/kubernetes/<component> (or the component whose chart runs it). */
  readonly component: string;
  /** `Deployment hookprobe/qsecbit-backend`. */
  readonly workload: string;
  readonly kind: string;
  readonly namespace: string;
  readonly podLabels: Readonly<Record<string, string>>;
  readonly scheduling: PodSchedulingFact;
  /** Jobs: each pod must fit once the long-running pods are placed, but is not counted in the pools' requests. @default false */
  readonly runsToCompletion?: boolean;
  /** ReadWriteOnce claims every pod of the workload mounts (not per-pod claim templates): one node takes them all. @default - none */
  readonly sharedRwoClaims?: readonly string[];
  /** @default - none: the fix names the node pools only */
  readonly fields?: WorkloadFields;
  /** What an operator made the pods from (a custom resource), when neither dist/ nor the chart facts hold them. @default - none */
  readonly source?: string;
}

/** A node pool as the fixes name it. */
export interface PoolFields {
  /** `kubernetes.nodePools[1]`. */
  readonly path: string;
  readonly cores: number;
  readonly memoryGiB: number;
  readonly count: number;
  /** Keys of the taints the site gives the pool (kubernetes.nodePools[].taints): those a fix may remove. @default - none */
  readonly taints?: readonly string[];
}

export interface PoolUsage {
  readonly pool: string;
  readonly nodes: number;
  readonly requested: { readonly cpuMilli: number; readonly memoryMiB: number; readonly gpus: number };
  readonly allocatable: { readonly cpuMilli: number; readonly memoryMiB: number; readonly gpus: number };
}

export interface Placement {
  readonly workload: string;
  readonly node: string;
}

/** Pods an operator creates, as placed: REVIEW.md lists them, since neither dist/ nor a chart shows them. */
export interface OperatedPods {
  readonly component: string;
  readonly source: string;
  readonly workload: string;
  readonly kind: string;
  /** Pods placed (a DaemonSet's: one per node it runs on). */
  readonly pods: number;
  /** @default - none */
  readonly requests?: PodRequestsFact;
  /** The nodes they were placed on, sorted, one entry per pod (none for short-lived pods). */
  readonly nodes: readonly string[];
  /** Host ports each pod binds, `5473/TCP`. */
  readonly hostPorts: readonly string[];
}

export interface SchedulingReport {
  /** One line per workload with pods that no node takes: refuses the tree. */
  readonly problems: readonly string[];
  readonly warnings: readonly string[];
  readonly pools: readonly PoolUsage[];
  readonly placements: readonly Placement[];
  /** @default - none listed */
  readonly operated?: readonly OperatedPods[];
}

export interface SchedulingInput {
  readonly nodes: readonly SchedulingNode[];
  readonly workloads: readonly SchedulingWorkload[];
  /** The site's node pools by name, for fixes. */
  readonly pools: Readonly<Record<string, PoolFields>>;
  /**
   * VM memory to allocatable memory (MiB), for the pool size a fix proposes.
   * @default - the VM less nothing
   */
  readonly allocatableOf?: (vm: { cores: number; memoryMiB: number }) => { cpuMilli: number; memoryMiB: number };
}

interface PodOnNode {
  readonly namespace: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly claims: readonly string[];
  /** Its required anti-affinity: it also keeps matching pods that come later out of its domain. */
  readonly antiAffinity: readonly AntiAffinityFact[];
  /** The workload, for a host port clash message. */
  readonly workload: string;
  /** `5473/TCP`: the node ports it binds. */
  readonly hostPorts: readonly string[];
}

interface NodeState {
  readonly node: SchedulingNode;
  cpuMilli: number;
  memoryMiB: number;
  gpus: number;
  readonly pods: PodOnNode[];
  /** What the DaemonSets take: a node added to the pool has this much less than its allocatable. */
  daemons: { cpuMilli: number; memoryMiB: number };
}

/** Why a node does not take a pod: the kind decides the fix, the text is what the message says. */
interface Rejection {
  readonly kind: 'taint' | 'selector' | 'affinity' | 'cpu' | 'memory' | 'gpu' | 'anti-affinity' | 'spread' | 'claim' | 'host-port';
  readonly text: string;
  /** For a resource: what the pod needs and what the node has free and allocatable, so nodes group into one line. */
  readonly amounts?: { readonly need: number; readonly free: number; readonly allocatable: number };
}

const RESOURCE_LINES: Readonly<Record<string, (need: number, free: string, allocatable: number) => string>> = {
  gpu: (need, f, a) => `insufficient nvidia.com/gpu (needs ${need}, ${f} free of ${a})`,
  memory: (need, f, a) => `insufficient memory (needs ${need} MiB, ${f} MiB free of ${a} MiB allocatable)`,
  cpu: (need, f, a) => `insufficient cpu (needs ${need}m, ${f}m free of ${a}m allocatable)`,
};

// ---------------------------------------------------------------------------------------------
// Matching

export function matchesRequirement(labels: Readonly<Record<string, string>>, r: LabelRequirementFact): boolean {
  const has = Object.prototype.hasOwnProperty.call(labels, r.key);
  const v = labels[r.key];
  const values = r.values ?? [];
  switch (r.operator) {
    case 'In':
      return has && values.includes(v);
    case 'NotIn':
      return !has || !values.includes(v);
    case 'Exists':
      return has;
    case 'DoesNotExist':
      return !has;
    case 'Gt':
      return has && Number(v) > Number(values[0]);
    case 'Lt':
      return has && Number(v) < Number(values[0]);
    default:
      return false;
  }
}

export function matchesSelector(labels: Readonly<Record<string, string>>, s: LabelSelectorFact): boolean {
  return Object.entries(s.matchLabels ?? {}).every(([k, v]) => labels[k] === v) && (s.matchExpressions ?? []).every((r) => matchesRequirement(labels, r));
}

/** Whether one toleration tolerates the taint, as Kubernetes matches them. */
export function tolerates(t: TolerationFact, taint: Taint): boolean {
  if (t.effect !== undefined && t.effect !== taint.effect) return false;
  if ((t.operator ?? 'Equal') === 'Exists') return t.key === undefined || t.key === taint.key;
  return t.key === taint.key && (t.value ?? '') === taint.value;
}

const showTaint = (t: Taint): string => `${t.key}${t.value ? `=${t.value}` : ''}:${t.effect}`;

/** The first taint that keeps the pod off the node (PreferNoSchedule only steers), if any. */
function untolerated(s: PodSchedulingFact, node: SchedulingNode): Taint | undefined {
  return node.taints.find((taint) => taint.effect !== 'PreferNoSchedule' && !(s.tolerations ?? []).some((t) => tolerates(t, taint)));
}

/** Why the node's labels rule the pod out, if they do: its node selector, then its required node affinity. */
function labelMismatch(s: PodSchedulingFact, node: SchedulingNode): Rejection | undefined {
  const missing = Object.entries(s.nodeSelector ?? {}).filter(([k, v]) => node.labels[k] !== v);
  if (missing.length > 0) return { kind: 'selector', text: `node selector ${missing.map(([k, v]) => `${k}=${v}`).join(', ')} unmatched` };
  const terms = s.nodeAffinity ?? [];
  if (terms.length > 0 && !terms.some((term) => term.every((r) => matchesRequirement(node.labels, r)))) {
    const shown = terms.map((term) => term.map((r) => `${r.key} ${r.operator}${r.values ? ` ${r.values.join(',')}` : ''}`).join(' and ')).join(' or ');
    return { kind: 'affinity', text: `required node affinity (${shown}) unmatched` };
  }
  return undefined;
}

/** The filters that depend on the node alone. */
function staticRejection(s: PodSchedulingFact, node: SchedulingNode): Rejection | undefined {
  const taint = untolerated(s, node);
  if (taint) return { kind: 'taint', text: `taint ${showTaint(taint)} not tolerated` };
  return labelMismatch(s, node);
}

// ---------------------------------------------------------------------------------------------
// Placement

const NO_REQUESTS: PodRequestsFact = { cpuMilli: 0, memoryMiB: 0 };

function free(n: NodeState): { cpuMilli: number; memoryMiB: number; gpus: number } {
  const a = n.node.allocatable;
  return { cpuMilli: a.cpuMilli - n.cpuMilli, memoryMiB: a.memoryMiB - n.memoryMiB, gpus: a.gpus - n.gpus };
}

function resourceRejection(r: PodRequestsFact, n: NodeState): Rejection | undefined {
  const f = free(n);
  const a = n.node.allocatable;
  const checks = [
    ['gpu', r.gpus ?? 0, f.gpus, a.gpus],
    ['memory', r.memoryMiB, f.memoryMiB, a.memoryMiB],
    ['cpu', r.cpuMilli, f.cpuMilli, a.cpuMilli],
  ] as const;
  for (const [kind, need, left, allocatable] of checks) {
    if (need > left) return { kind, text: RESOURCE_LINES[kind](need, String(left), allocatable), amounts: { need, free: left, allocatable } };
  }
  return undefined;
}

const portsOf = (s: PodSchedulingFact): string[] => (s.hostPorts ?? []).map((p) => `${p.port}/${p.protocol}`);

/** The scheduler's NodePorts filter: a port/protocol one pod of the node binds, no other pod there may bind. */
function hostPortRejection(w: SchedulingWorkload, n: NodeState): Rejection | undefined {
  for (const port of portsOf(w.scheduling)) {
    const holder = n.pods.find((p) => p.hostPorts.includes(port));
    if (holder) return { kind: 'host-port', text: `host port ${port} already bound by ${holder.workload}` };
  }
  return undefined;
}

/** The filters that depend on the pods already placed: host ports, anti-affinity, spread, a shared ReadWriteOnce claim. */
function placedRejection(w: SchedulingWorkload, n: NodeState, all: readonly NodeState[]): Rejection | undefined {
  const s = w.scheduling;
  const port = hostPortRejection(w, n);
  if (port) return port;
  for (const term of s.antiAffinity ?? []) {
    const domain = n.node.labels[term.topologyKey];
    if (domain === undefined) continue;
    const clash = all.some((m) => m.node.labels[term.topologyKey] === domain && m.pods.some((p) => p.namespace === w.namespace && matchesSelector(p.labels, term.selector)));
    if (clash) return { kind: 'anti-affinity', text: `required anti-affinity over ${term.topologyKey} (a matching pod already runs there)` };
  }
  // The scheduler also honours the anti-affinity of the pods already placed (symmetry).
  for (const m of all) {
    for (const p of m.pods) {
      const term = p.antiAffinity.find((t) => p.namespace === w.namespace && m.node.labels[t.topologyKey] !== undefined && m.node.labels[t.topologyKey] === n.node.labels[t.topologyKey] && matchesSelector(w.podLabels, t.selector));
      if (term) return { kind: 'anti-affinity', text: `required anti-affinity over ${term.topologyKey} of a pod already there` };
    }
  }
  for (const c of s.topologySpread ?? []) {
    const domain = n.node.labels[c.topologyKey];
    if (domain === undefined) return { kind: 'spread', text: `topology spread over ${c.topologyKey}: the node has no such label` };
    const counts = new Map<string, number>();
    for (const m of all) {
      const d = m.node.labels[c.topologyKey];
      if (d === undefined || labelMismatch(s, m.node) || (c.nodeTaintsPolicy === 'Honor' && untolerated(s, m.node))) continue;
      counts.set(d, (counts.get(d) ?? 0) + m.pods.filter((p) => p.namespace === w.namespace && matchesSelector(p.labels, c.selector)).length);
    }
    const self = matchesSelector(w.podLabels, c.selector) ? 1 : 0;
    const skew = (counts.get(domain) ?? 0) + self - Math.min(...counts.values());
    if (skew > c.maxSkew) return { kind: 'spread', text: `topology spread over ${c.topologyKey} (maxSkew ${c.maxSkew}): another pod here would make the skew ${skew}` };
  }
  for (const claim of w.sharedRwoClaims ?? []) {
    const holder = all.find((m) => m !== n && m.pods.some((p) => p.namespace === w.namespace && p.claims.includes(claim)));
    if (holder) return { kind: 'claim', text: `ReadWriteOnce claim ${claim} is attached to ${holder.node.name}` };
  }
  return undefined;
}

function rejection(w: SchedulingWorkload, n: NodeState, all: readonly NodeState[]): Rejection | undefined {
  return staticRejection(w.scheduling, n.node) ?? resourceRejection(w.scheduling.requests ?? NO_REQUESTS, n) ?? placedRejection(w, n, all);
}

function place(w: SchedulingWorkload, n: NodeState): void {
  const r = w.scheduling.requests ?? NO_REQUESTS;
  n.cpuMilli += r.cpuMilli;
  n.memoryMiB += r.memoryMiB;
  n.gpus += r.gpus ?? 0;
  n.pods.push({ namespace: w.namespace, labels: w.podLabels, claims: w.sharedRwoClaims ?? [], antiAffinity: w.scheduling.antiAffinity ?? [], workload: `${w.component}: ${w.workload}`, hostPorts: portsOf(w.scheduling) });
}

/** Least-allocated scoring: the share of CPU and memory left after the pod, averaged; ties by node name. */
function score(w: SchedulingWorkload, n: NodeState): number {
  const r = w.scheduling.requests ?? NO_REQUESTS;
  const f = free(n);
  const a = n.node.allocatable;
  return ((f.cpuMilli - r.cpuMilli) / Math.max(1, a.cpuMilli) + (f.memoryMiB - r.memoryMiB) / Math.max(1, a.memoryMiB)) / 2;
}

/** The order pods are placed in: largest first (GPUs, then memory, then CPU), then by component and name. */
function placementOrder(a: SchedulingWorkload, b: SchedulingWorkload): number {
  const ra = a.scheduling.requests ?? NO_REQUESTS;
  const rb = b.scheduling.requests ?? NO_REQUESTS;
  return (rb.gpus ?? 0) - (ra.gpus ?? 0) || rb.memoryMiB - ra.memoryMiB || rb.cpuMilli - ra.cpuMilli || byCodePoint(`${a.component} ${a.workload}`, `${b.component} ${b.workload}`);
}

/** Places every pod; a workload with pods left over becomes one problem. */
export function simulateScheduling(input: SchedulingInput): SchedulingReport {
  const states: NodeState[] = [...input.nodes].sort((a, b) => byCodePoint(a.name, b.name)).map((node) => ({ node, cpuMilli: 0, memoryMiB: 0, gpus: 0, pods: [], daemons: { cpuMilli: 0, memoryMiB: 0 } }));
  const problems: string[] = [];
  const placements: Placement[] = [];
  const daemonSets = input.workloads.filter((w) => w.kind === 'DaemonSet').sort(placementOrder);
  const running = input.workloads.filter((w) => w.kind !== 'DaemonSet' && !w.runsToCompletion).sort(placementOrder);
  const jobs = input.workloads.filter((w) => w.kind !== 'DaemonSet' && w.runsToCompletion).sort(placementOrder);
  for (const w of daemonSets) {
    const targets = states.filter((n) => !staticRejection(w.scheduling, n.node));
    if (targets.length === 0) {
      problems.push(unschedulable(w, 0, 0, states, input));
      continue;
    }
    // A DaemonSet's pod goes to every node it may use, and is left pending where the node lacks room or a host port.
    const misfits = targets.filter((n) => resourceRejection(w.scheduling.requests ?? NO_REQUESTS, n) ?? hostPortRejection(w, n));
    if (misfits.length > 0) problems.push(unschedulable(w, misfits.length, targets.length, misfits, input));
    for (const n of targets.filter((t) => !misfits.includes(t))) {
      place(w, n);
      n.daemons = { cpuMilli: n.daemons.cpuMilli + (w.scheduling.requests?.cpuMilli ?? 0), memoryMiB: n.daemons.memoryMiB + (w.scheduling.requests?.memoryMiB ?? 0) };
      placements.push({ workload: `${w.component}: ${w.workload}`, node: n.node.name });
    }
  }
  for (const w of running) placeReplicas(w, states, input, problems, placements);
  // A Job's pods come and go: each must fit the cluster as the long-running pods leave it, then gives its room back.
  for (const w of jobs) {
    const snapshot = states.map((n) => ({ ...n, pods: [...n.pods] }));
    placeReplicas(w, snapshot, input, problems, []);
  }
  const report = { problems, placements, pools: poolUsage(states) };
  return { ...report, warnings: poolWarnings(report.pools), operated: operated(input.workloads, placements) };
}

/** The operator-made workloads with where their pods went. */
function operated(workloads: readonly SchedulingWorkload[], placements: readonly Placement[]): OperatedPods[] {
  return workloads
    .filter((w) => w.source !== undefined)
    .map((w) => {
      const nodes = placements.filter((p) => p.workload === `${w.component}: ${w.workload}`).map((p) => p.node).sort(byCodePoint);
      const requests = w.scheduling.requests;
      // Short-lived pods are checked against the cluster but hold no node: their count is what may run at once.
      const pods = w.runsToCompletion ? w.scheduling.replicas ?? 1 : nodes.length;
      return { component: w.component, source: w.source ?? '', workload: w.workload, kind: w.kind, pods, ...(requests ? { requests } : {}), nodes, hostPorts: portsOf(w.scheduling) };
    })
    .sort((a, b) => byCodePoint(`${a.component} ${a.workload}`, `${b.component} ${b.workload}`));
}

function placeReplicas(w: SchedulingWorkload, states: NodeState[], input: SchedulingInput, problems: string[], placements: Placement[]): void {
  const replicas = w.scheduling.replicas ?? 1;
  for (let i = 0; i < replicas; i++) {
    const fits = states.filter((n) => !rejection(w, n, states));
    if (fits.length === 0) {
      problems.push(unschedulable(w, replicas - i, replicas, states, input));
      return;
    }
    const best = fits.reduce((a, b) => (score(w, b) > score(w, a) ? b : a));
    place(w, best);
    placements.push({ workload: `${w.component}: ${w.workload}`, node: best.node.name });
  }
}

function poolUsage(states: readonly NodeState[]): PoolUsage[] {
  const pools = [...new Set(states.map((n) => n.node.pool))].sort(byCodePoint);
  return pools.map((pool) => {
    const of = states.filter((n) => n.node.pool === pool);
    const sum = (f: (n: NodeState) => number): number => of.reduce((t, n) => t + f(n), 0);
    return {
      pool,
      nodes: of.length,
      requested: { cpuMilli: sum((n) => n.cpuMilli), memoryMiB: sum((n) => n.memoryMiB), gpus: sum((n) => n.gpus) },
      allocatable: { cpuMilli: sum((n) => n.node.allocatable.cpuMilli), memoryMiB: sum((n) => n.node.allocatable.memoryMiB), gpus: sum((n) => n.node.allocatable.gpus) },
    };
  });
}

const pct = (used: number, total: number): string => `${Math.round((used / total) * 100)}%`;

function poolWarnings(pools: readonly PoolUsage[]): string[] {
  return pools.flatMap((p) =>
    (
      [
        ['CPU', p.requested.cpuMilli, p.allocatable.cpuMilli, 'm'],
        ['memory', p.requested.memoryMiB, p.allocatable.memoryMiB, ' MiB'],
      ] as const
    )
      .filter(([, used, total]) => total > 0 && used / total > POOL_WARN_SHARE)
      .map(
        ([what, used, total, unit]) =>
          `node pool ${p.pool}: the pods it runs request ${pct(used, total)} of its allocatable ${what} (${used}${unit} of ${total}${unit}, warned above ${Math.round(POOL_WARN_SHARE * 100)}%); a node drain or a rollout's surge may not fit`,
      ),
  );
}

// ---------------------------------------------------------------------------------------------
// Messages

/** The reasons per pool, each with how many of the pool's nodes give it. */
function reasonsByPool(w: SchedulingWorkload, nodes: readonly NodeState[], all: readonly NodeState[]): { text: string; kinds: Set<Rejection['kind']> } {
  const kinds = new Set<Rejection['kind']>();
  const pools = [...new Set(nodes.map((n) => n.node.pool))].sort(byCodePoint);
  const parts = pools.map((pool) => {
    const of = nodes.filter((n) => n.node.pool === pool);
    // Resource shortfalls group by resource (the most free of them shown), other reasons by their text.
    const reasons = new Map<string, { text: string; count: number; most: number }>();
    for (const n of of) {
      const r = w.kind === 'DaemonSet' ? resourceRejection(w.scheduling.requests ?? NO_REQUESTS, n) ?? hostPortRejection(w, n) ?? staticRejection(w.scheduling, n.node) : rejection(w, n, all);
      if (!r) continue;
      kinds.add(r.kind);
      const key = r.amounts ? r.kind : r.text;
      const seen = reasons.get(key);
      const most = Math.max(seen?.most ?? -Infinity, r.amounts?.free ?? 0);
      const text = r.amounts && seen ? RESOURCE_LINES[r.kind](r.amounts.need, `at most ${most}`, r.amounts.allocatable) : r.text;
      reasons.set(key, { text: seen && !r.amounts ? seen.text : text, count: (seen?.count ?? 0) + 1, most });
    }
    const shown = [...reasons.values()].map(({ text, count }) => (of.length > 1 ? `${text} on ${count} of ${of.length} nodes` : text));
    return `pool ${pool} (${of.map((n) => n.node.name).join(', ')}): ${shown.join('; ')}`;
  });
  return { text: parts.join('; '), kinds };
}

/** The problem line: the workload, how many pods are left over, why per pool, and the fix. `nodes` are those to explain. */
function unschedulable(w: SchedulingWorkload, left: number, of: number, nodes: readonly NodeState[], input: SchedulingInput): string {
  const { text, kinds } = reasonsByPool(w, nodes, nodes);
  const pods = w.kind === 'DaemonSet' ? (of === 0 ? 'its pods run on no node' : `${left} of its ${of} pods (one per node it may use) cannot be scheduled`) : `${left} of ${of} pod${of === 1 ? '' : 's'} cannot be scheduled`;
  const eligible = input.nodes.filter((n) => !staticRejection(w.scheduling, n));
  const anti = (w.scheduling.antiAffinity ?? []).find((t) => kinds.has('anti-affinity') && t.topologyKey);
  const antiNote = anti ? `; required anti-affinity over ${anti.topologyKey}: ${w.scheduling.replicas ?? 1} replicas on ${new Set(eligible.map((n) => n.labels[anti.topologyKey])).size} ${anti.topologyKey === 'kubernetes.io/hostname' ? 'nodes' : 'domains'} it may use` : '';
  const ports = portsOf(w.scheduling);
  const portNote = kinds.has('host-port') && w.kind !== 'DaemonSet' ? `; host port ${ports.join(', ')}: one pod per node, ${w.scheduling.replicas ?? 1} replicas on ${eligible.length} nodes it may use` : '';
  const made = w.source ? ` (created by its operator from ${w.source})` : '';
  return `kubernetes/${w.component}: ${w.workload}${made}: ${pods}${antiNote}${portNote}: ${text}; fix: ${fixFor(w, kinds, eligible, nodes, input)}`;
}

/** The pools the pod may use, as the site names them. */
function eligiblePools(eligible: readonly SchedulingNode[], input: SchedulingInput): { name: string; fields: PoolFields }[] {
  return [...new Set(eligible.map((n) => n.pool))].sort(byCodePoint).flatMap((name) => (input.pools[name] ? [{ name, fields: input.pools[name] }] : []));
}

/** The smallest whole-GiB memory (or core count) of the pool's VMs that gives `need` allocatable beyond `used`. */
function poolSizeFor(pool: PoolFields, need: number, used: number, what: 'memory' | 'cpu', input: SchedulingInput): number {
  const alloc = input.allocatableOf ?? ((vm) => ({ cpuMilli: vm.cores * 1000, memoryMiB: vm.memoryMiB }));
  let size = what === 'memory' ? pool.memoryGiB : pool.cores;
  for (let i = 0; i < 4096; i++, size++) {
    const a = what === 'memory' ? alloc({ cores: pool.cores, memoryMiB: size * 1024 }).memoryMiB : alloc({ cores: size, memoryMiB: pool.memoryGiB * 1024 }).cpuMilli;
    if (a - used >= need) return size;
  }
  return size;
}

function fixFor(w: SchedulingWorkload, kinds: Set<Rejection['kind']>, eligible: readonly SchedulingNode[], states: readonly NodeState[], input: SchedulingInput): string {
  const f = w.fields;
  const owner = f?.owner ? ` (or remove ${f.owner})` : '';
  const pools = eligiblePools(eligible, input);
  const s = w.scheduling;
  if (eligible.length === 0) {
    // Nodes the pod selects but whose taints keep it off: the taints are what to change there.
    const selected = input.nodes.filter((n) => !labelMismatch(s, n));
    if (selected.length === 0) {
      const wanted = Object.entries(s.nodeSelector ?? {}).map(([k, v]) => `${k}: "${v}"`).join(', ');
      return `give a node pool the labels the pod selects (kubernetes.nodePools[].labels${wanted ? `: ${wanted}` : ''}), or add such a pool${owner}`;
    }
    // kubeadm's control-plane taint and the GPU taint are the compiler's, not the site's: only the site's can go.
    const removable = selected.filter((n) => (input.pools[n.pool]?.taints ?? []).includes(untolerated(s, n)?.key ?? ''));
    const pools = [...new Set(removable.map((n) => input.pools[n.pool].path))].sort(byCodePoint);
    const remove = pools.length > 0 ? `, or remove the taints of ${pools.map((p) => `${p}.taints`).join(', ')}` : '';
    return `add a worker pool without taints (kubernetes.nodePools[] with role "worker")${remove}${owner}`;
  }
  const counts = pools.map((p) => `${p.fields.path}.count (now ${p.fields.count})`).join(' or ');
  if (kinds.has('host-port') && w.kind === 'DaemonSet') {
    // Both run on every node: no node count or size helps, only one of them leaving the port.
    return `two DaemonSets bind host port ${portsOf(s).join(', ')} on the same nodes: keep one of them${f?.owner ? ` (remove ${f.owner}, or move its port in its values)` : ''}`;
  }
  if (kinds.has('host-port') || kinds.has('anti-affinity') || kinds.has('spread') || kinds.has('claim')) {
    const domains = new Set(eligible.map((n) => n.name)).size;
    const replicas = f?.replicas ? `set ${f.replicas.path} to at most ${domains} (now ${f.replicas.value})` : undefined;
    const claim = kinds.has('claim') ? 'use accessMode "ReadWriteMany" for the shared claim, or ' : '';
    return `${claim}${[replicas, `raise ${counts} so every replica has a node of its own`].filter(Boolean).join(', or ')}${owner}`;
  }
  if (kinds.has('gpu')) {
    const gpus = f?.gpus ? `lower ${f.gpus.path} (now ${f.gpus.value}) or ` : '';
    const replicas = f?.replicas ? `${f.replicas.path} (now ${f.replicas.value}), or ` : '';
    return `${gpus}${replicas}add GPU workers: raise ${counts}${owner}`;
  }
  const what = kinds.has('memory') ? 'memory' : 'cpu';
  const need = what === 'memory' ? s.requests?.memoryMiB ?? 0 : s.requests?.cpuMilli ?? 0;
  const candidates = states.filter((n) => eligible.includes(n.node));
  const mostFree = Math.max(0, ...candidates.map((n) => (what === 'memory' ? free(n).memoryMiB : free(n).cpuMilli)));
  const field = what === 'memory' ? f?.memoryMiB : f?.cpuMilli;
  const lower = field ? `lower ${field.path} (now ${field.value}) to at most ${mostFree}, or ` : '';
  const grow = pools.map((p) => {
    const used = Math.min(...candidates.filter((n) => n.node.pool === p.name).map((n) => (what === 'memory' ? n.memoryMiB : n.cpuMilli)));
    const size = poolSizeFor(p.fields, need, used, what, input);
    return what === 'memory' ? `raise ${p.fields.path}.memoryGiB from ${p.fields.memoryGiB} to ${size}` : `raise ${p.fields.path}.cores from ${p.fields.cores} to ${size}`;
  });
  // More nodes help only when the pod fits a new node beside its DaemonSets.
  const fresh = candidates.some((n) => (what === 'memory' ? n.node.allocatable.memoryMiB - n.daemons.memoryMiB : n.node.allocatable.cpuMilli - n.daemons.cpuMilli) >= need);
  return `${lower}${grow.join(', or ')}${fresh ? `, or add nodes (${counts})` : ''}${owner}`;
}

import { EVICTION_HARD_MEMORY_MIB, nodeAllocatable } from '../model';
import type { ComponentModel, SiteModel, VmModel } from '../model';
import { providerOf } from '../model';
import { AppliedException, byCode, checkPolicy, podTemplateOf, PolicyReport } from '../validate/policy';
import { LazyFileTree } from './lazy-file-tree';
import type { FileTree, SynthResult } from './synthesize';
import { generatedMarker } from '../core/generated';
import { ARGOCD_APPS_COMPONENT, SYNC_WAVE } from '../charts/argocd-apps-chart';
import { siteDiagramsSection, type SyncWaves } from './review-diagrams';
import { summariseNames } from './name-summary';
import { checkFlows, FlowReport, FlowResult } from '../validate/network-flows';
import type { SchedulingReport } from '../validate/scheduling';

/**
 * dist/REVIEW.md: what a person reads (and looks at) before merging a change to the site. Everything in it is
 * derived from the model and the rendered output, in a fixed order, with no dates, paths or tool versions, so
 * two synths of one site give the same bytes and a change to the site shows as a readable diff of this file.
 */

export const REVIEW_FILE = 'REVIEW.md';

export type ReviewInput = Pick<SynthResult, 'manifests' | 'terraform' | 'warnings' | 'copies'>;

/** The file tree with REVIEW.md added (or replaced), the policy and the network flows checked on the same output. */
export function withReview(
  model: SiteModel,
  result: ReviewInput & Pick<SynthResult, 'files' | 'releaseFacts'>,
  policy: PolicyReport = checkPolicy(result.manifests, model),
  flows: FlowReport = checkFlows({ model, manifests: result.manifests, releases: result.releaseFacts ?? [] }),
  /** The scheduling simulation's report, for the pods operators create. @default - that table is left out */
  scheduling?: SchedulingReport,
): FileTree {
  const files = LazyFileTree.copy(result.files);
  files.set(REVIEW_FILE, renderReview(model, result, policy, flows, scheduling));
  return LazyFileTree.sorted(files);
}

export function renderReview(model: SiteModel, result: ReviewInput, policy: PolicyReport, flows?: FlowReport, scheduling?: SchedulingReport): string {
  const out: string[] = [];
  out.push(`# Review: site ${model.name}`, '');
  out.push(generatedMarker(model.name), '');
  if (model.description) out.push(`> ${oneLine(model.description)}`, '');
  out.push(...siteDiagramsSection(model, syncWavesOf(result)), '');
  out.push(...componentsSection(model, result), '');
  out.push(...terraformSection(result), '');
  out.push(...capacitySection(model, result, policy), '');
  if (scheduling) out.push(...operatorPodsSection(scheduling), '');
  out.push(...ipPlanSection(model), '');
  out.push(...policySection(policy), '');
  if (flows) out.push(...flowsSection(flows), '');
  out.push(...warningsSection(result, policy));
  return `${out.join('\n').replace(/\n{3,}/g, '\n\n').trimEnd()}\n`;
}

// ---------------------------------------------------------------------------------------------
// Markdown helpers

function oneLine(s: string): string {
  return s.replace(/\s+/g, ' ').trim();
}

function cell(v: unknown): string {
  const s = v === undefined || v === null || v === '' ? '—' : String(v);
  return oneLine(s).replace(/\|/g, '\\|');
}

function table(head: readonly string[], rows: readonly (readonly unknown[])[], align: readonly ('l' | 'r')[] = []): string[] {
  const sep = head.map((_, i) => (align[i] === 'r' ? '---:' : '---'));
  return [`| ${head.join(' | ')} |`, `| ${sep.join(' | ')} |`, ...rows.map((r) => `| ${r.map(cell).join(' | ')} |`)];
}

function gib(mib: number): string {
  if (mib > 0 && mib < 1024) return `${Math.round(mib)} MiB`;
  const g = mib / 1024;
  return Number.isInteger(g) ? `${g} GiB` : `${g.toFixed(1)} GiB`;
}

function cores(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(2).replace(/0$/, '');
}

function percent(used: number, of: number): string {
  return of > 0 ? `${Math.round((used / of) * 100)}%` : '—';
}

function deliveryOf(c: ComponentModel): string {
  if (c.delivery === 'argocd') return 'chart via Argo CD (not in dist/)';
  if (c.delivery === 'rendered') return 'chart rendered into dist/';
  return 'rendered by the compiler';
}

function kindLabel(c: ComponentModel): string {
  return c.kind === 'addon' ? 'add-on' : c.kind;
}

// ---------------------------------------------------------------------------------------------
// Components and Terraform

function componentsSection(model: SiteModel, result: ReviewInput): string[] {
  const rows = model.components.map((c) => {
    const objects = result.manifests.get(c.name) ?? [];
    const counts = new Map<string, number>(result.copies?.get(c.name) ?? []);
    for (const o of objects) counts.set(o.kind, (counts.get(o.kind) ?? 0) + 1);
    const kinds = [...counts.entries()].sort(([a], [b]) => byCode(a, b)).map(([k, n]) => `${k} ${n}`).join(', ');
    const pss = c.podSecurity.level === 'restricted' ? 'restricted' : `${c.podSecurity.level}: ${c.podSecurity.reason ?? 'no reason given'}`;
    const total = [...counts.values()].reduce((a, b) => a + b, 0);
    return [c.name, kindLabel(c), c.namespace, deliveryOf(c), c.dependsOn.join(', '), total, kinds, pss];
  });
  const extra = [...result.manifests.keys()].filter((k) => !model.components.some((c) => c.name === k)).sort();
  for (const name of extra) {
    const objects = result.manifests.get(name) ?? [];
    const counts = new Map<string, number>();
    for (const o of objects) counts.set(o.kind, (counts.get(o.kind) ?? 0) + 1);
    const namespaces = [...new Set(objects.map((o) => o.metadata.namespace).filter((n): n is string => n !== undefined))].sort().join(', ');
    const kinds = [...counts.entries()].sort(([a], [b]) => byCode(a, b)).map(([k, n]) => `${k} ${n}`).join(', ');
    rows.push([name, 'compiler', namespaces, 'rendered by the compiler', '', objects.length, kinds, '']);
  }
  return [
    '## Components',
    '',
    'One row per Argo CD Application (dist/kubernetes/<component>/), in dependency order.',
    '',
    ...table(['Component', 'Kind', 'Namespace', 'Delivery', 'Depends on', 'Objects', 'Objects by kind', 'Pod Security'], rows, ['l', 'l', 'l', 'l', 'l', 'r']),
  ];
}

/** How to read a list that summariseNames shortened. */
const NAME_PATTERNS_NOTE = 'Long lists are shortened: `x-1…3` is x-1, x-2 and x-3; `{a, b}_c` is a_c and b_c.';

function terraformSection(result: ReviewInput): string[] {
  const rows: unknown[][] = [];
  for (const [workdir, doc] of [...result.terraform.entries()].sort(([a], [b]) => byCode(a, b))) {
    for (const block of ['resource', 'data'] as const) {
      const byType = (doc[block] ?? {}) as Record<string, Record<string, unknown>>;
      for (const type of Object.keys(byType).sort()) {
        const names = Object.keys(byType[type]).sort();
        rows.push([`terraform/${workdir}`, block === 'data' ? `data.${type}` : type, names.length, summariseNames(names)]);
      }
    }
  }
  if (rows.length === 0) return ['## Terraform', '', 'No Terraform resources.'];
  return ['## Terraform', '', ...table(['Working directory', 'Type', 'Count', 'Names'], rows, ['l', 'l', 'r']), '', NAME_PATTERNS_NOTE];
}

// ---------------------------------------------------------------------------------------------
// Capacity

/** Parses a Kubernetes quantity (`500m`, `2`, `1Gi`, `768M`, `1e3`) into base units (cores, bytes). */
export function parseQuantity(q: unknown): number {
  if (typeof q === 'number') return q;
  if (typeof q !== 'string') return 0;
  const m = /^([+-]?[0-9.]+(?:[eE][+-]?\d+)?)(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)?$/.exec(q.trim());
  if (!m) return 0;
  const factor: Record<string, number> = {
    Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60,
    n: 1e-9, u: 1e-6, m: 1e-3, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18,
  };
  return Number(m[1]) * (m[2] ? factor[m[2]] : 1);
}

interface PodResources {
  cpu: number;
  memory: number;
  gpu: number;
}

type Json = Record<string, unknown>;
const asObj = (v: unknown): Json => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : {});
const asList = (v: unknown): Json[] => (Array.isArray(v) ? v.map(asObj) : []);

/**
 * What one pod asks for, as the scheduler counts it: the larger of the app containers (with sidecars) and any one
 * init container. A limit that one container does not set is NaN: the pod is unbounded there.
 */
function podResources(pod: Json, field: 'requests' | 'limits'): PodResources {
  const amount = (v: unknown): number => (v === undefined ? (field === 'limits' ? NaN : 0) : parseQuantity(v));
  const of = (c: Json): PodResources => {
    const r = asObj(asObj(c.resources)[field]);
    const limits = asObj(asObj(c.resources).limits);
    // Extended resources are set as limits; requests default to them.
    return { cpu: amount(r.cpu), memory: amount(r.memory), gpu: parseQuantity(r['nvidia.com/gpu'] ?? limits['nvidia.com/gpu']) };
  };
  const sum = (list: PodResources[]): PodResources => list.reduce((a, b) => ({ cpu: a.cpu + b.cpu, memory: a.memory + b.memory, gpu: a.gpu + b.gpu }), { cpu: 0, memory: 0, gpu: 0 });
  const inits = asList(pod.initContainers);
  const running = sum([...asList(pod.containers), ...inits.filter((c) => c.restartPolicy === 'Always')].map(of));
  const oneShot = inits.filter((c) => c.restartPolicy !== 'Always').map(of);
  return {
    cpu: Math.max(running.cpu, ...oneShot.map((r) => r.cpu)),
    memory: Math.max(running.memory, ...oneShot.map((r) => r.memory)),
    gpu: Math.max(running.gpu, ...oneShot.map((r) => r.gpu)),
  };
}

interface NodeView {
  readonly labels: Readonly<Record<string, string>>;
  readonly taints: readonly { key: string; value: string; effect: string }[];
}

function nodeView(vm: VmModel): NodeView {
  return { labels: { 'kubernetes.io/hostname': vm.name, 'kubernetes.io/os': 'linux', ...vm.labels }, taints: vm.taints };
}

/** Whether a DaemonSet's pod lands on a node: its nodeSelector matches and it tolerates every NoSchedule/NoExecute taint. */
function runsOn(pod: Json, node: NodeView): boolean {
  const selector = asObj(pod.nodeSelector) as Record<string, string>;
  if (!Object.entries(selector).every(([k, v]) => node.labels[k] === v)) return false;
  const tolerations = asList(pod.tolerations);
  return node.taints
    .filter((t) => t.effect !== 'PreferNoSchedule')
    .every((t) =>
      tolerations.some((tol) => {
        if (tol.effect !== undefined && tol.effect !== '' && tol.effect !== t.effect) return false;
        if (tol.operator === 'Exists') return tol.key === undefined || tol.key === '' || tol.key === t.key;
        return tol.key === t.key && (tol.value ?? '') === t.value;
      }),
    );
}

interface WorkloadRow {
  readonly component: string;
  readonly object: string;
  readonly pods: number;
  readonly podsNote: string;
  readonly requests: PodResources;
  readonly limits: PodResources;
}

function workloads(model: SiteModel, result: ReviewInput): { rows: WorkloadRow[]; skipped: string[] } {
  const rows: WorkloadRow[] = [];
  const skipped: string[] = [];
  const workers = model.kubernetes.workers.map(nodeView);
  for (const component of [...result.manifests.keys()].sort()) {
    for (const obj of result.manifests.get(component) ?? []) {
      const id = `${obj.kind}/${obj.metadata.name}`;
      const spec = asObj(obj.spec);
      if (obj.apiVersion === 'postgresql.cnpg.io/v1' && obj.kind === 'Cluster') {
        // The operator creates one pod per instance from these resources.
        const pod = { containers: [{ resources: spec.resources }] };
        const instances = typeof spec.instances === 'number' ? spec.instances : 1;
        rows.push({ component, object: id, pods: instances, podsNote: `${instances} instances`, requests: podResources(pod, 'requests'), limits: podResources(pod, 'limits') });
        continue;
      }
      const template = podTemplateOf(obj);
      if (!template) continue;
      if (!template.longRunning) {
        skipped.push(`${component}: ${id} (runs to completion)`);
        continue;
      }
      let pods = 1;
      let note = '1';
      if (obj.kind === 'DaemonSet') {
        pods = workers.filter((n) => runsOn(template.spec, n)).length;
        note = `${pods} (one per matching worker)`;
      } else if (obj.kind !== 'Pod') {
        pods = typeof spec.replicas === 'number' ? spec.replicas : 1;
        note = String(pods);
      }
      rows.push({ component, object: id, pods, podsNote: note, requests: podResources(template.spec, 'requests'), limits: podResources(template.spec, 'limits') });
    }
  }
  return { rows, skipped };
}

function capacitySection(model: SiteModel, result: ReviewInput, policy: PolicyReport): string[] {
  const out: string[] = ['## Capacity', '', '### Proxmox nodes', '', 'VM vCPU and RAM placed on each node, against the host and what is left after the site\'s reserve (`proxmox.reservedCpuCores`, `proxmox.reservedMemoryGiB`).', ''];
  const hostRows = model.hosts.map((h) => {
    const reserveCores = h.cpuCores - h.allocatable.cpuCores;
    const reserveMiB = h.memoryGiB * 1024 - h.allocatable.memoryMiB;
    return [
      h.name,
      h.vms.join(', '),
      h.cpuCores,
      reserveCores,
      h.allocated.cpuCores,
      `${h.allocatable.cpuCores - h.allocated.cpuCores} (${percent(h.allocated.cpuCores, h.allocatable.cpuCores)} used)`,
      gib(h.memoryGiB * 1024),
      gib(reserveMiB),
      gib(h.allocated.memoryMiB),
      `${gib(h.allocatable.memoryMiB - h.allocated.memoryMiB)} (${percent(h.allocated.memoryMiB, h.allocatable.memoryMiB)} used)`,
    ];
  });
  const sum = (f: (h: SiteModel['hosts'][number]) => number): number => model.hosts.reduce((n, h) => n + f(h), 0);
  hostRows.push([
    '**total**',
    `${model.vms.length + model.serviceVms.length} VMs`,
    sum((h) => h.cpuCores),
    sum((h) => h.cpuCores - h.allocatable.cpuCores),
    sum((h) => h.allocated.cpuCores),
    sum((h) => h.allocatable.cpuCores - h.allocated.cpuCores),
    gib(sum((h) => h.memoryGiB * 1024)),
    gib(sum((h) => h.memoryGiB * 1024 - h.allocatable.memoryMiB)),
    gib(sum((h) => h.allocated.memoryMiB)),
    gib(sum((h) => h.allocatable.memoryMiB - h.allocated.memoryMiB)),
  ]);
  out.push(...table(['Node', 'VMs', 'Host vCPU', 'Reserved vCPU', 'VM vCPU', 'vCPU free', 'Host RAM', 'Reserved RAM', 'VM RAM', 'RAM free'], hostRows, ['l', 'l', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r']), '');

  const { rows, skipped } = workloads(model, result);
  const workers = model.kubernetes.workers;
  const workerCores = workers.reduce((n, v) => n + v.cores, 0);
  const workerMiB = workers.reduce((n, v) => n + v.memoryMiB, 0);
  const allocCores = workers.reduce((n, v) => n + nodeAllocatable(v).cpuMilli, 0) / 1000;
  const allocMiB = workers.reduce((n, v) => n + nodeAllocatable(v).memoryMiB, 0);
  const gpus = workers.filter((v) => v.gpu).length;
  const total = (f: (r: WorkloadRow) => number): number => rows.reduce((n, r) => n + f(r), 0);
  const reqCpu = total((r) => r.pods * r.requests.cpu);
  const reqMem = total((r) => r.pods * r.requests.memory) / 2 ** 20;
  // Unset limits are left out of the sum and said so: the sum is then a floor, not a ceiling.
  const bounded = (f: (r: WorkloadRow) => number, show: (n: number) => string): string => {
    const set = rows.filter((r) => r.pods > 0 && !Number.isNaN(f(r)));
    const sum = set.reduce((n, r) => n + r.pods * f(r), 0);
    const open = rows.filter((r) => r.pods > 0).length - set.length;
    return open > 0 ? `${show(sum)} + ${open} workload${open === 1 ? '' : 's'} without a limit` : show(sum);
  };
  const limCpu = bounded((r) => r.limits.cpu, cores);
  const limMem = bounded((r) => r.limits.memory, (b) => gib(b / 2 ** 20));
  const perPod = (n: number, show: (n: number) => string, pods: number): string => (Number.isNaN(n) ? 'none' : show(pods * n));
  const reqGpu = total((r) => r.pods * r.requests.gpu);

  out.push(
    '### Pods against the workers',
    '',
    `Requests and limits of the rendered workloads times their pods, against the ${workers.length} worker VMs (${workers.map((w) => w.name).join(', ') || 'none'}). ` +
      "The share is of the allocatable, what kubelet reports: the VMs less the kubeReserved and systemReserved each node's KubeletConfiguration " +
      `sets (\`model/node-allocatable.ts\`) and less the ${EVICTION_HARD_MEMORY_MIB} MiB hard eviction threshold. Control planes run only what tolerates their taint.`,
    '',
  );
  const mem = (b: number): string => gib(b / 2 ** 20);
  out.push(
    ...table(
      ['Component', 'Workload', 'Pods', 'CPU request', 'Memory request', 'CPU limit', 'Memory limit', 'GPU'],
      rows.map((r) => [
        r.component,
        r.object,
        r.podsNote,
        `${cores(r.pods * r.requests.cpu)} (${cores(r.requests.cpu)} each)`,
        `${mem(r.pods * r.requests.memory)} (${mem(r.requests.memory)} each)`,
        perPod(r.limits.cpu, cores, r.pods),
        perPod(r.limits.memory, mem, r.pods),
        r.requests.gpu > 0 ? r.pods * r.requests.gpu : '',
      ]),
      ['l', 'l', 'l', 'r', 'r', 'r', 'r', 'r'],
    ),
    '',
  );
  out.push(
    ...table(
      ['Resource', 'Requested', 'Limits', 'Worker VMs', 'Allocatable', 'Requested share'],
      [
        ['vCPU', cores(reqCpu), limCpu, workerCores, cores(allocCores), percent(reqCpu, allocCores)],
        ['RAM', gib(reqMem), limMem, gib(workerMiB), gib(allocMiB), percent(reqMem, allocMiB)],
        ['GPU (nvidia.com/gpu)', reqGpu, reqGpu, gpus, gpus, percent(reqGpu, gpus)],
      ],
      ['l', 'r', 'r', 'r', 'r', 'r'],
    ),
  );
  const charts = policy.unchecked.filter((u) => !u.object).map((u) => u.component);
  const notCounted = [...(charts.length > 0 ? [`charts delivered by Argo CD, whose pods are not in dist/: ${charts.join(', ')}`] : []), ...skipped];
  if (notCounted.length > 0) out.push('', 'Not counted:', '', ...notCounted.map((n) => `- ${n}`));
  return [...out, ...gpuMemorySection(model)];
}

/** `k8s-worker-1, k8s-worker-2 ×3`: each node once, with how many of the pods it took when more than one. */
function nodeCounts(nodes: readonly string[]): string {
  const counts = new Map<string, number>();
  for (const n of nodes) counts.set(n, (counts.get(n) ?? 0) + 1);
  const names = [...counts.keys()];
  const plain = [...counts.entries()].map(([n, c]) => (c > 1 ? `${n} ×${c}` : n)).join(', ');
  return [...counts.values()].every((c) => c === 1) ? summariseNames(names) : plain;
}

/**
 * The pods operators create from custom resources (CloudNativePG instances, Prometheus, CSI plugins, a CNI's agents),
 * where the scheduling simulation placed them: neither dist/ nor the chart facts show them.
 */
function operatorPodsSection(scheduling: SchedulingReport): string[] {
  const rows = scheduling.operated ?? [];
  if (rows.length === 0) return [];
  const each = (r: (typeof rows)[number]): string =>
    r.requests ? `${r.requests.cpuMilli}m, ${r.requests.memoryMiB} MiB${r.requests.gpus ? `, ${r.requests.gpus} GPU` : ''}` : 'none';
  return [
    '### Pods operators create',
    '',
    'Placed by the scheduling check with every other pod (DaemonSets first, on every node they may use; a host port is one pod per node). ' +
      'Each add-on derives them from the custom resources of the tree or the values it gives its chart, with the operator\'s defaults.',
    '',
    ...table(
      ['Component', 'Made from', 'Workload', 'Pods', 'Requests each', 'Host ports', 'Nodes'],
      rows.map((r) => [r.component, r.source, r.workload, r.pods, each(r), r.hostPorts.join(', ') || '—', nodeCounts(r.nodes) || 'only while running']),
      ['l', 'l', 'l', 'r', 'r', 'l', 'l'],
    ),
  ];
}

/** Each GPU app's memory as vLLM divides it at start-up (model/gpu-fit.ts), so a reviewer sees the margin. */
function gpuMemorySection(model: SiteModel): string[] {
  const apps = model.apps.filter((a) => a.gpu);
  if (apps.length === 0) return [];
  const rows = apps.map((a) => {
    const g = a.gpu as NonNullable<typeof a.gpu>;
    const used = g.weightsGiB + g.kvCacheGiB + g.overheadGiB;
    return [a.name, g.maxContextTokens, `${g.weightsGiB.toFixed(2)} GiB`, `${g.kvCacheGiB.toFixed(2)} GiB`, `${g.overheadGiB.toFixed(2)} GiB`, `${g.budgetGiB.toFixed(2)} GiB`, percent(used, g.budgetGiB), g.largestContextTokens];
  });
  return [
    '',
    '### GPU memory',
    '',
    'What vLLM needs to start: the weights, the KV cache of one sequence of the served context (`--max-model-len`) and runtime overhead, within GPU memory × `--gpu-memory-utilization`.',
    '',
    ...table(['App', 'Context (tokens)', 'Weights', 'KV cache, one sequence', 'Overhead', 'Budget', 'Used', 'Largest context that fits'], rows, ['l', 'r', 'r', 'r', 'r', 'r', 'r', 'r']),
  ];
}

// ---------------------------------------------------------------------------------------------
// IP plan

function ipPlanSection(model: SiteModel): string[] {
  const out: string[] = ['## IP plan', '', '### VLANs', ''];
  out.push(...table(['VLAN', 'Name', 'Role', 'CIDR', 'Gateway', 'Purpose'], model.network.vlans.map((v) => [v.id, v.name, v.role, v.cidr, v.gateway, v.purpose]), ['r']), '');

  const vlanNames = model.network.vlans.map((v) => v.name);
  out.push('### Proxmox nodes', '', ...table(['Node', ...vlanNames], model.hosts.map((h) => [h.name, ...vlanNames.map((n) => h.addresses[n])])), '');

  out.push(
    '### VMs',
    '',
    ...table(
      ['VM', 'VM id', 'Role', 'Pool', 'Proxmox node', 'Address', 'vCPU', 'RAM', 'Disk', 'GPU'],
      [
        ...model.vms.map((v) => [v.name, v.vmId, v.role, v.pool, v.host, `${v.ip}/${v.prefixLength}`, v.cores, gib(v.memoryMiB), `${v.diskGiB} GiB`, v.gpu ? `${v.gpu.model} (${v.gpu.pciAddress})` : '']),
        ...model.serviceVms.map((v) => [v.name, v.vmId, v.role, '', v.host, `${v.ip}/${v.prefixLength}`, v.cores, gib(v.memoryMiB), [v.diskGiB, ...v.dataDisks.map((d) => d.sizeGiB)].map((g) => `${g} GiB`).join(' + '), '']),
      ],
      ['l', 'r', 'l', 'l', 'l', 'l', 'r', 'r', 'r'],
    ),
    '',
  );

  if (model.managementHosts.length > 0) {
    out.push('### Management hosts', '', ...table(['Host', 'Role', 'Address', 'Purpose'], model.managementHosts.map((m) => [m.name, m.role, `${m.address} (${m.vlan})`, m.purpose])), '');
  }

  const k = model.kubernetes;
  const vipBy = k.vip.provider === 'kube-vip'
    ? `kube-vip ${k.vip.version}`
    : `HAProxy and keepalived on ${model.serviceVms.filter((v) => v.role === 'api-load-balancer').map((v) => v.name).join(', ')}`;
  const rows: unknown[][] = [
    ['Kubernetes API (VIP)', `${k.controlPlaneEndpoint} (${vipBy}) on ${k.nodeVlan.name}`],
    ['Pod CIDR', k.podCidr],
    ['Service CIDR', k.serviceCidr],
    ['`kubernetes` Service', k.apiServiceIp],
    ['Cluster DNS Service', `${k.dnsServiceIp} (${k.dnsDomain})`],
    ['DNS servers of the VMs', k.dnsServers.join(', ')],
  ];
  const balancer = providerOf(model, 'load-balancer');
  const range = balancer?.facts.loadBalancerRange?.(balancer.config);
  if (balancer && range) rows.push([`LoadBalancer range (${balancer.facts.component})`, `${range.start} – ${range.stop}`]);
  if (model.nfsExport) rows.push(['NFS provisioner export', `${model.nfsExport.server}:${model.nfsExport.path}${model.nfsExport.vm ? ` (${model.nfsExport.vm})` : ''}`]);
  if (model.ceph) {
    rows.push(['Ceph public network', model.ceph.publicNetwork]);
    rows.push(['Ceph cluster network', model.ceph.clusterNetwork]);
    rows.push(['Ceph monitors', model.ceph.monitors.map((m) => `${m.host} ${m.ip}`).join(', ')]);
  }
  if (model.edgeFleet) {
    const e = model.edgeFleet;
    rows.push(['Edge WireGuard hub', `${e.hubAddress}:${e.listenPort} on ${e.vlan.name} (${e.vlan.cidr}), ${e.edges.length} edge${e.edges.length === 1 ? '' : 's'} in the inventory`]);
  }
  out.push('### Cluster addresses', '', ...table(['What', 'Address'], rows));
  return out;
}

// ---------------------------------------------------------------------------------------------
// Policy and warnings

function policySection(policy: PolicyReport): string[] {
  const out: string[] = ['## Policy', ''];
  if (policy.findings.length > 0) {
    out.push(`**${policy.findings.length} finding${policy.findings.length === 1 ? '' : 's'}: synth refuses to write until they are fixed or excepted.**`, '');
    out.push(...table(['Object', 'Component', 'Rule', 'Problem', 'Fix'], policy.findings.map((f) => [f.object, f.component, f.rule, f.message, f.fix])), '');
  } else {
    out.push('Every rendered object passes every rule, or has an exception listed below.', '');
  }
  out.push('### Exceptions', '');
  if (policy.exceptions.length === 0) out.push('None.', '');
  else {
    out.push(...table(['Objects', 'Component', 'Rules', 'Declared by', 'Reason', 'What it allows'], exceptionRows(policy.exceptions)), '');
  }
  out.push('### Not checked', '');
  if (policy.unchecked.length === 0) out.push('Every component is rendered into dist/ and checked.');
  const byReason = new Map<string, string[]>();
  for (const u of policy.unchecked) {
    const what = u.object ? `${u.object} (${u.component})` : u.component;
    const list = byReason.get(u.reason);
    if (list) list.push(what);
    else byReason.set(u.reason, [what]);
  }
  for (const [reason, components] of byReason) out.push(`- ${components.join(', ')}: ${oneLine(reason)}`);
  return out;
}

interface ExceptionGroup {
  readonly first: AppliedException;
  /** The reason with the component's own name taken out: the same words for every member of the group. */
  readonly reason: string;
  readonly objects: string[];
  readonly components: string[];
  readonly rules: string[];
  readonly suppressed: string[];
}

/** The reason of an exception with its own component's name, as a whole word, replaced by "its component". */
function sharedReason(e: AppliedException): string {
  const own = new RegExp(`(?<![\\w-])${e.component.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?![\\w-])`, 'g');
  return e.reason.replace(own, 'its component');
}

/**
 * The exceptions as few rows: one per declarer and reason (the component's own name taken out of the reason), with
 * every object, component and rule it covers. An upstream chart rendered into dist/ has dozens of excepted findings
 * that share one reason, and nine namespaces share the default-deny one; a reviewer judges the reason, not each
 * container.
 */
export function exceptionRows(exceptions: readonly AppliedException[]): string[][] {
  const groups = new Map<string, ExceptionGroup>();
  for (const e of exceptions) {
    const reason = sharedReason(e);
    const key = JSON.stringify([e.source, reason]);
    const g = groups.get(key) ?? { first: e, reason, objects: [], components: [], rules: [], suppressed: [] };
    for (const [list, value] of [[g.objects, e.object], [g.components, e.component], [g.rules, e.rule]] as const) if (!list.includes(value)) list.push(value);
    g.suppressed.push(e.suppressed);
    groups.set(key, g);
  }
  // Exceptions arrive sorted by component, object and rule; a group keeps the place of its first member.
  return [...groups.values()].map((g) => {
    const kinds = [...new Set(g.objects.map((o) => o.split('/')[0]))];
    const objects = g.objects.length > 1 && kinds.length === 1 ? `${g.objects.length} × ${kinds[0]}: ${g.objects.map((o) => o.slice(kinds[0].length + 1)).join(', ')}` : g.objects.join(', ');
    const allows = [...new Set(g.suppressed)];
    return [
      objects,
      g.components.join(', '),
      [...g.rules].sort(byCode).join(', '),
      g.first.source === 'site' ? 'site (policy.exceptions)' : 'built-in',
      g.components.length === 1 ? g.first.reason : g.reason,
      allows.length === 1 ? allows[0] : `${g.suppressed.length} findings`,
    ];
  });
}

function warningsSection(result: ReviewInput, policy: PolicyReport): string[] {
  const all = [...result.warnings, ...policy.warnings];
  return ['## Warnings', '', ...(all.length === 0 ? ['None.'] : all.map((w) => `- ${oneLine(w)}`))];
}

// ---------------------------------------------------------------------------------------------
// Diagrams (synth/review-diagrams.ts)

/** The sync wave of each component as its rendered Argo CD Application carries it. */
function syncWavesOf(result: ReviewInput): SyncWaves {
  const waves = new Map<string, number>();
  for (const o of result.manifests.get(ARGOCD_APPS_COMPONENT) ?? []) {
    const wave = Number((o.metadata.annotations as Readonly<Record<string, string>> | undefined)?.[SYNC_WAVE]);
    if (o.kind === 'Application' && Number.isInteger(wave)) waves.set(o.metadata.name, wave);
  }
  return waves;
}

// ---------------------------------------------------------------------------------------------
// Network flows

/** Up to `max` names, then how many more. */
function some(names: readonly string[], max = 4): string {
  return names.length <= max ? names.join(', ') : `${names.slice(0, max).join(', ')} and ${names.length - max} more`;
}

/** What lets a flow through (the allowing rules' policies, or no isolation) or what stands in its way. */
function throughOf(r: FlowResult): string {
  if (r.status === 'blocked' || r.status === 'excepted') {
    const side = !r.verdict.egress.allowed ? r.verdict.egress : r.verdict.ingress;
    return `in the way: ${side.isolatedBy.join(', ')}`;
  }
  const rules = [...r.verdict.egress.allowedBy, ...r.verdict.ingress.allowedBy].map((a) => `${a.policy} ${a.direction}[${a.index}]`);
  return rules.length === 0 ? 'neither end isolated' : [...new Set(rules)].join(', ');
}

/**
 * The flow matrix, compacted: rows that differ only in the port (DNS over UDP and TCP), then only in the source,
 * then only in the destination, are merged, so a thousand scrape targets or every pod's DNS are one row each.
 */
function flowRows(results: readonly FlowResult[]): string[][] {
  const group = <T>(items: readonly T[], key: (t: T) => string): T[][] => {
    const m = new Map<string, T[]>();
    for (const i of items) {
      const k = key(i);
      const list = m.get(k);
      if (list) list.push(i);
      else m.set(k, [i]);
    }
    return [...m.values()];
  };
  const rows = results.map((r) => ({ kind: r.flow.category, src: [r.flow.source.id], dst: [r.flow.destination.id], port: `${r.flow.port}/${r.flow.protocol}`, status: r.status, through: throughOf(r) }));
  const byPort = group(rows, (r) => [r.kind, r.src[0], r.dst[0], r.status, r.through].join('|')).map((g) => ({ ...g[0], port: g.map((r) => r.port).join(', ') }));
  const bySource = group(byPort, (r) => [r.kind, r.dst[0], r.port, r.status, r.through].join('|')).map((g) => ({ ...g[0], src: g.map((r) => r.src[0]) }));
  const byDest = group(bySource, (r) => [r.kind, r.src.join(','), r.port, r.status, r.through].join('|')).map((g) => ({ ...g[0], dst: g.map((r) => r.dst[0]) }));
  return byDest.map((r) => [
    r.kind,
    r.src.length === 1 ? r.src[0] : `${r.src.length} pod groups: ${some(r.src)}`,
    r.dst.length === 1 ? r.dst[0] : `${r.dst.length} destinations: ${some(r.dst)}`,
    r.port,
    r.status,
    r.through,
  ]);
}

function flowsSection(flows: FlowReport): string[] {
  const count = (s: string): number => flows.results.filter((r) => r.status === s).length;
  const kinds = [...new Set(flows.results.map((r) => r.flow.category))].map((k) => `${k} ${flows.results.filter((r) => r.flow.category === k).length}`);
  const out: string[] = ['## Network flows', ''];
  out.push(
    `${flows.results.length} connections the system needs (${kinds.join(', ')}), evaluated against the tree's NetworkPolicies and the CNI's own policies: ` +
      `${count('allowed')} allowed, ${count('unverified')} allowed by the tree but also subject to a chart's own NetworkPolicies the facts do not hold, ` +
      `${count('excepted')} blocked but accepted by the site, ${count('blocked')} blocked.`,
    '',
  );
  if (flows.findings.length > 0) {
    out.push(`**${flows.findings.length} finding${flows.findings.length === 1 ? '' : 's'}: synth refuses to write until they are fixed or excepted.**`, '');
    out.push(...table(['Flow or object', 'Rule', 'Problem', 'Fix'], flows.findings.map((f) => [f.object, f.rule, f.message, f.fix])), '');
  }
  out.push('### Needed flows', '');
  out.push(...table(['Kind', 'Source', 'Destination', 'Port', 'Verdict', 'Through'], flowRows(flows.results)), '');
  const excepted = flows.results.filter((r) => r.status === 'excepted');
  if (excepted.length > 0) {
    out.push('### Accepted blocked flows (policy.exceptions, rule needed-flow)', '', ...table(['Flow', 'Reason'], excepted.map((r) => [r.id, r.note])), '');
  }
  out.push('### Allowed, but no needed flow uses it', '');
  if (flows.unneeded.length === 0) out.push('Every rule of every policy in the tree carries only needed flows.', '');
  else out.push(...table(['Policy rule', 'Allows'], flows.unneeded.map((u) => [`${u.rule.policy} ${u.rule.direction}[${u.rule.index}]`, some(u.grants, 6)])), '');
  const unverified = [...new Set(flows.results.filter((r) => r.status === 'unverified').map((r) => r.note ?? ''))];
  if (unverified.length > 0 || flows.notes.length > 0) {
    out.push('### Not proven', '', ...unverified.map((n) => `- ${oneLine(n)}`), ...flows.notes.map((n) => `- ${oneLine(n)}`));
  }
  return out;
}

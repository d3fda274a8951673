import type { AppSpec } from '../../site';
import { nodeAllocatable } from '../node-allocatable';
import type { VmModel } from '../types';
import type { CheckContext, CheckFindings } from './types';

/** What pods may use on a node, as kubelet reports it (model/node-allocatable.ts). */
const allocatable = nodeAllocatable;

/** A taint a pod must tolerate to land on the node (PreferNoSchedule only steers). */
function repels(vm: VmModel): boolean {
  return vm.taints.some((t) => t.effect === 'NoSchedule' || t.effect === 'NoExecute');
}

/**
 * The nodes an app's pods may land on: GPU apps on the GPU workers (the compiler gives them the GPU taints'
 * tolerations and the GPU label as node selector); the others on workers without a taint, since apps carry no
 * tolerations and kubeadm taints the control planes.
 */
export function nodesFor(app: AppSpec, vms: readonly VmModel[]): VmModel[] {
  if (app.gpu) return vms.filter((v) => v.role === 'worker' && v.gpu !== undefined);
  return vms.filter((v) => v.role === 'worker' && !repels(v));
}

/**
 * Scheduling, decided from the site alone, before anything is built (validate/scheduling.ts places every pod of the
 * tree and the charts at synth, and warns about full pools): each pod fits a node it may land on, GPUs per pod fit a node, pods with a
 * ReadWriteOnce claim are not spread over nodes, and the requests of all replicas fit the nodes they may use. Each
 * of these compiles into a tree Kubernetes accepts and then leaves Pending.
 */
export function checkScheduling(ctx: CheckContext, found: CheckFindings): void {
  const { site, vms } = ctx;
  const demand = new Map<string, { nodes: VmModel[]; cpu: number; mem: number; gpus: number; apps: string[] }>();
  site.apps.forEach((app, i) => {
    const at = `apps[${i}]`;
    const nodes = nodesFor(app, vms);
    if (nodes.length === 0) {
      if (!app.gpu) {
        found.problems.push({
          path: `${at}`,
          value: app.name,
          message: 'has no node to run on: every worker is tainted (NoSchedule/NoExecute) or the site has no worker pool, and apps carry no tolerations',
          fix: 'add a worker pool without taints (kubernetes.nodePools[] with role "worker"), or remove the taints of one',
        });
      }
      return; // GPU apps without a GPU worker are named by the model's GPU check.
    }
    const { requests } = app.resources;
    const biggest = nodes.map((v) => ({ vm: v, free: allocatable(v) })).sort((a, b) => b.free.cpuMilli - a.free.cpuMilli || b.free.memoryMiB - a.free.memoryMiB)[0];
    const maxCpu = Math.max(...nodes.map((v) => allocatable(v).cpuMilli));
    const maxMem = Math.max(...nodes.map((v) => allocatable(v).memoryMiB));
    if (requests.cpuMilli > maxCpu) {
      found.problems.push({ path: `${at}.resources.requests.cpuMilli`, value: requests.cpuMilli, message: `is more than any node it may run on can give a pod (at most ${maxCpu}m allocatable, on ${biggest.vm.name}, after kubelet's reserves and eviction threshold)`, fix: `request at most ${maxCpu}m, or give the pool more cores` });
    }
    if (requests.memoryMiB > maxMem) {
      found.problems.push({ path: `${at}.resources.requests.memoryMiB`, value: requests.memoryMiB, message: `is more than any node it may run on can give a pod (at most ${maxMem} MiB allocatable after kubelet's reserves and eviction threshold)`, fix: `request at most ${maxMem} MiB, or give the pool more memory` });
    }
    if (app.gpu && app.gpu.count > 1) {
      found.problems.push({ path: `${at}.gpu.count`, value: app.gpu.count, message: 'is more GPUs than a node has: each GPU worker VM gets one GPU passed through', fix: 'set gpu.count: 1 (serve the model with tensor parallelism 1), or split the work over replicas' });
    }
    const rwo = app.volumes.findIndex((v) => v.claim.accessMode === 'ReadWriteOnce');
    if (app.replicas > 1 && rwo >= 0) {
      found.problems.push({ path: `${at}.volumes[${rwo}].claim.accessMode`, value: 'ReadWriteOnce', message: `is mounted by ${app.replicas} replicas that are spread over nodes; a ReadWriteOnce volume attaches to one node, so the others never start`, fix: `use accessMode "ReadWriteMany", or replicas: 1` });
    }
    const key = nodes.map((v) => v.name).join(',');
    const d = demand.get(key) ?? { nodes, cpu: 0, mem: 0, gpus: 0, apps: [] };
    d.cpu += app.replicas * requests.cpuMilli;
    d.mem += app.replicas * requests.memoryMiB;
    d.gpus += app.gpu ? app.replicas * app.gpu.count : 0;
    d.apps.push(`${at} (${app.name})`);
    demand.set(key, d);
  });
  for (const d of demand.values()) checkPoolDemand(d, found);
}

/** The requests of every replica that may only use these nodes, against what they allocate together. */
function checkPoolDemand(d: { nodes: VmModel[]; cpu: number; mem: number; gpus: number; apps: string[] }, found: CheckFindings): void {
  const cpu = d.nodes.reduce((n, v) => n + allocatable(v).cpuMilli, 0);
  const mem = d.nodes.reduce((n, v) => n + allocatable(v).memoryMiB, 0);
  const names = d.nodes.map((v) => v.name).join(', ');
  const where = d.apps.length === 1 ? d.apps[0] : `apps (${d.apps.join(', ')})`;
  const path = d.apps[0].replace(/ \(.*$/, '');
  for (const [what, used, total, unit, fix] of [
    ['CPU', d.cpu, cpu, 'm', 'lower replicas or requests.cpuMilli, or add workers or cores'],
    ['memory', d.mem, mem, ' MiB', 'lower replicas or requests.memoryMiB, or add workers or memory'],
  ] as const) {
    const share = used / total;
    if (share > 1) {
      found.problems.push({ path: `${path}.replicas`, value: used, message: `${where}: the replicas request ${used}${unit} of ${what}, ${Math.round(share * 100)}% of what ${names} allocate together (${total}${unit}); the pods past it stay Pending`, fix });
    }
  }
  const gpus = d.nodes.filter((v) => v.gpu).length;
  if (d.gpus > gpus && gpus > 0) {
    found.problems.push({ path: `${path}.replicas`, value: d.gpus, message: `${where}: the replicas need ${d.gpus} GPUs, but the GPU workers (${names}) have ${gpus}`, fix: 'lower the replicas of GPU apps, or add GPU workers' });
  }
}

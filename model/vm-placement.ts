import type { GpuSpec, NodePoolSpec, ProxmoxNodeSpec } from '../site';
import * as ip from './ip';
import type { ModelContext } from './model-context';
import type { ServiceVmModel, VlanModel, VmModel } from './types';
import { MAX_API_LOAD_BALANCERS } from './builder-contracts';

export const GIB_PER_MIB = 1024;

/** A Proxmox node while VMs are placed on it. */
export interface HostSlot {
  readonly spec: ProxmoxNodeSpec;
  readonly allocatable: { readonly cpuCores: number; readonly memoryMiB: number };
  cpu: number;
  mem: number;
  readonly vms: string[];
  readonly poolCount: Map<string, number>;
  readonly freeGpus: GpuSpec[];
}

/** What placing the Kubernetes VMs leaves for the service VMs and the checks after them. */
export interface Placement {
  readonly nodeVlan: VlanModel;
  readonly hosts: HostSlot[];
  /** VM id -> VM name, and VM name -> site path, of every VM so far. */
  readonly vmIds: Map<number, string>;
  readonly vmNames: Map<string, string>;
}

interface PendingVm {
  readonly pool: NodePoolSpec;
  readonly spread: 'required' | 'preferred';
  readonly path: string;
  readonly i: number;
  readonly name: string;
  readonly vmId: number;
  readonly address: string;
}

/**
 * The Kubernetes VMs: named, numbered and addressed from their pools in site order, placed over the Proxmox nodes
 * (GPU pools first), with a NIC on the Ceph public VLAN when the site gives ceph.clientFirstIp.
 */
export function kubernetesVmPhase(ctx: ModelContext): { placement: Placement; vms: VmModel[] } {
  const { site, fail } = ctx;
  const k = site.kubernetes;
  const nodeVlan = ctx.byName[k.nodeVlan];
  if (!nodeVlan) fail('kubernetes.nodeVlan', k.nodeVlan, 'names a VLAN that does not exist', `use one of: ${Object.keys(ctx.byName).join(', ')}`);
  else {
    ctx.inVlan(k.nodeVlan, k.apiVip, 'kubernetes.apiVip');
  }
  ctx.claim(k.apiVip, 'kubernetes.apiVip');
  const hosts: HostSlot[] = site.proxmox.nodes.map((n) => ({
    spec: n,
    allocatable: { cpuCores: n.cpuCores - site.proxmox.reservedCpuCores, memoryMiB: (n.memoryGiB - site.proxmox.reservedMemoryGiB) * GIB_PER_MIB },
    cpu: 0,
    mem: 0,
    vms: [] as string[],
    poolCount: new Map<string, number>(),
    freeGpus: [...n.gpus],
  }));
  const placement: Placement = { nodeVlan, hosts, vmIds: new Map(), vmNames: new Map() };
  const pending = pendingVms(ctx, placement);
  const placed = placeVms(ctx, placement, pending);
  const vms = withCephClientNics(ctx, pending, placed);
  const siteOrder = pending.map((p) => p.name);
  for (const h of hosts) h.vms.sort((a, b) => siteOrder.indexOf(a) - siteOrder.indexOf(b));
  warnCrowdedControlPlanes(ctx, hosts);
  return { placement, vms };
}

/** Every VM of every pool, in site order, with its name, id and address checked; nothing placed yet. */
function pendingVms(ctx: ModelContext, { nodeVlan, hosts, vmIds, vmNames }: Placement): PendingVm[] {
  const { site, fail, warnings } = ctx;
  const k = site.kubernetes;
  if (!k.nodePools.some((p) => p.role === 'control-plane')) {
    fail('kubernetes.nodePools', k.nodePools.map((p) => p.name), 'has no control-plane pool', 'add a pool with role "control-plane"');
  }
  const poolNames = new Set<string>();
  const pending: PendingVm[] = [];
  k.nodePools.forEach((pool, pi) => {
    const path = `kubernetes.nodePools[${pi}]`;
    if (poolNames.has(pool.name)) fail(`${path}.name`, pool.name, 'repeats the name of another pool', 'give every pool its own name');
    poolNames.add(pool.name);
    const spread = pool.spread ?? (pool.role === 'control-plane' ? 'required' : 'preferred');
    if (spread === 'required' && pool.count > hosts.length) {
      fail(`${path}.count`, pool.count, `needs ${pool.count} distinct Proxmox nodes (spread "required") but the site has ${hosts.length}`,
        `lower the count to ${hosts.length}, add Proxmox nodes, or set spread: "preferred" and accept that one host failure takes several VMs`);
    }
    if (pool.role === 'control-plane' && pool.count % 2 === 0) {
      warnings.push(`${path}: ${pool.count} control planes; etcd tolerates no more failures with an even count than with one fewer`);
    }
    if (pool.gpuModel && !site.proxmox.nodes.some((n) => n.gpus.some((g) => g.model === pool.gpuModel))) {
      fail(`${path}.gpuModel`, pool.gpuModel, 'matches no GPU of any Proxmox node', `use a model listed under proxmox.nodes[].gpus[].model, or add the GPU there`);
    }
    for (let i = 1; i <= pool.count; i++) {
      const name = `${pool.namePrefix}-${i}`;
      const vmId = pool.firstVmId + i - 1;
      const address = ip.add(pool.firstIp, i - 1);
      const vmPath = `${path} (VM ${name})`;
      if (vmNames.has(name)) fail(`${path}.namePrefix`, pool.namePrefix, `gives VM name ${name}, already used by ${vmNames.get(name)}`, 'give each pool its own namePrefix');
      vmNames.set(name, path);
      if (vmIds.has(vmId)) fail(`${path}.firstVmId`, pool.firstVmId, `gives VM id ${vmId} to ${name}, already used by ${vmIds.get(vmId)}`, 'leave a gap between pools\' firstVmId ranges');
      vmIds.set(vmId, name);
      if (nodeVlan) ctx.inVlan(k.nodeVlan, address, i === 1 ? `${path}.firstIp` : `${path}.firstIp (+${i - 1} for ${name})`);
      ctx.claim(address, i === 1 ? `${path}.firstIp` : `${vmPath}, address ${address}`);
      pending.push({ pool, spread, path, i, name, vmId, address });
    }
  });
  return pending;
}

/**
 * Places the VMs. GPU pools go first: their hosts are fixed by the hardware, and the other pools must fit around them.
 * VM names, ids and addresses stay in site order whatever the placement order.
 */
function placeVms(ctx: ModelContext, { nodeVlan, hosts }: Placement, pending: readonly PendingVm[]): Map<string, VmModel> {
  const { site, fail } = ctx;
  const placementOrder = [...pending.filter((p) => p.pool.gpuModel), ...pending.filter((p) => !p.pool.gpuModel)];
  const placed = new Map<string, VmModel>();
  for (const { pool, spread, path, i, name, vmId, address } of placementOrder) {
    const host = place(pool, spread, hosts);
    if (!host) {
      if (!pool.gpuModel || site.proxmox.nodes.some((n) => n.gpus.some((g) => g.model === pool.gpuModel))) {
        fail(`${path}.count`, pool.count, pool.gpuModel
          ? `needs ${pool.count} free GPUs of model ${pool.gpuModel}${spread === 'required' ? ' on distinct nodes' : ''}; only ${i - 1} could be placed`
          : `VM ${name} cannot be placed`, pool.gpuModel ? 'lower the count or add GPUs of that model' : 'add Proxmox nodes');
      }
      continue;
    }
    host.cpu += pool.cores;
    host.mem += pool.memoryGiB * GIB_PER_MIB;
    host.vms.push(name);
    host.poolCount.set(pool.name, (host.poolCount.get(pool.name) ?? 0) + 1);
    const gpu = pool.gpuModel ? host.freeGpus.splice(host.freeGpus.findIndex((g) => g.model === pool.gpuModel), 1)[0] : undefined;
    const labels: Record<string, string> = { ...pool.labels };
    const taints = [...pool.taints];
    if (gpu) {
      labels['nvidia.com/gpu'] ??= 'true';
      if (!taints.some((t) => t.key === 'nvidia.com/gpu')) taints.push({ key: 'nvidia.com/gpu', value: 'true', effect: 'NoSchedule' });
    }
    placed.set(name, {
      name,
      vmId,
      pool: pool.name,
      role: pool.role,
      index: i,
      host: host.spec.name,
      ip: address,
      prefixLength: nodeVlan?.prefixLength ?? 24,
      gateway: nodeVlan?.gateway,
      cores: pool.cores,
      memoryMiB: pool.memoryGiB * GIB_PER_MIB,
      diskGiB: pool.diskGiB,
      storage: pool.storage,
      gpu: gpu ? { mapping: gpu.name, model: gpu.model, memoryGiB: gpu.memoryGiB, pciAddress: gpu.pciAddress, deviceId: gpu.deviceId } : undefined,
      labels,
      taints,
    });
  }
  return placed;
}

/** The placed VMs in site order; in-cluster Ceph clients reach the monitors over a second NIC on the Ceph public VLAN. */
function withCephClientNics(ctx: ModelContext, pending: readonly PendingVm[], placed: ReadonlyMap<string, VmModel>): VmModel[] {
  const { site } = ctx;
  const vms: VmModel[] = [];
  const cephClients = site.ceph?.clientFirstIp ? ctx.byName[site.ceph.publicVlan] : undefined;
  pending.forEach((p, n) => {
    const vm = placed.get(p.name);
    if (!vm) return;
    if (!cephClients || !site.ceph?.clientFirstIp) {
      vms.push(vm);
      return;
    }
    const address = ip.add(site.ceph.clientFirstIp, n);
    const where = n === 0 ? 'ceph.clientFirstIp' : `ceph.clientFirstIp (+${n} for ${vm.name})`;
    ctx.inVlan(cephClients.name, address, where);
    ctx.claim(address, where);
    vms.push({ ...vm, cephPublic: { vlanId: cephClients.id, ip: address, prefixLength: cephClients.prefixLength } });
  });
  return vms;
}

/** Allowed (a one-host site has no choice), but the reviewer must see what a host failure takes down. */
function warnCrowdedControlPlanes(ctx: ModelContext, hosts: readonly HostSlot[]): void {
  ctx.site.kubernetes.nodePools.forEach((pool, pi) => {
    if (pool.role !== 'control-plane') return;
    const crowded = hosts.filter((h) => (h.poolCount.get(pool.name) ?? 0) > 1);
    if (crowded.length === 0) return;
    ctx.warnings.push(
      `kubernetes.nodePools[${pi}]: ${crowded.map((h) => `${h.poolCount.get(pool.name)} control planes share ${h.spec.name}`).join(', ')} (spread "preferred"): ` +
        'losing that node loses etcd quorum and the API; add Proxmox nodes to spread them',
    );
  });
}

/** VMs beside the Kubernetes nodes, placed after them and spread over the hosts by role. */
export function serviceVmPhase(ctx: ModelContext, { nodeVlan, hosts, vmIds, vmNames }: Placement): ServiceVmModel[] {
  const { site, fail } = ctx;
  const serviceVms: ServiceVmModel[] = [];
  const roleCount = new Map<string, number>();
  site.serviceVms.forEach((s, i) => {
    const path = `serviceVms[${i}]`;
    if (vmNames.has(s.name)) fail(`${path}.name`, s.name, `is already the name of a VM of ${vmNames.get(s.name)}`, 'give every VM its own name');
    vmNames.set(s.name, path);
    if (vmIds.has(s.vmId)) fail(`${path}.vmId`, s.vmId, `is already the VM id of ${vmIds.get(s.vmId)}`, 'give every VM its own id');
    vmIds.set(s.vmId, s.name);
    if (nodeVlan) ctx.inVlan(site.kubernetes.nodeVlan, s.ip, `${path}.ip`);
    ctx.claim(s.ip, `${path}.ip`);
    const index = (roleCount.get(s.role) ?? 0) + 1;
    roleCount.set(s.role, index);
    // Keyed apart from the node pools, whose names the site chooses.
    const group = { name: `service:${s.role}`, cores: s.cores, memoryGiB: s.memoryGiB };
    const host = place(group, 'preferred', hosts);
    if (!host) {
      fail(path, s.name, 'cannot be placed', 'add Proxmox nodes');
      return;
    }
    host.cpu += s.cores;
    host.mem += s.memoryGiB * GIB_PER_MIB;
    host.vms.push(s.name);
    host.poolCount.set(group.name, (host.poolCount.get(group.name) ?? 0) + 1);
    serviceVms.push({
      name: s.name,
      vmId: s.vmId,
      role: s.role,
      index,
      host: host.spec.name,
      ip: s.ip,
      prefixLength: nodeVlan?.prefixLength ?? 24,
      gateway: nodeVlan?.gateway,
      cores: s.cores,
      memoryMiB: s.memoryGiB * GIB_PER_MIB,
      diskGiB: s.diskGiB,
      storage: s.storage,
      dataDisks: s.role === 'nfs-server' ? [{ sizeGiB: s.dataDisk.sizeGiB, storage: s.dataDisk.storage ?? s.storage }] : [],
      exportPath: s.role === 'nfs-server' ? s.exportPath : undefined,
    });
  });
  checkApiVipProvider(ctx, serviceVms);
  return serviceVms;
}

/** The API VIP has exactly one kind of holder: kube-vip on the control planes, or the api-load-balancer VMs. */
function checkApiVipProvider(ctx: ModelContext, serviceVms: readonly ServiceVmModel[]): void {
  const { site, fail } = ctx;
  const k = site.kubernetes;
  const loadBalancers = serviceVms.filter((v) => v.role === 'api-load-balancer');
  if (k.vip.provider === 'haproxy' && loadBalancers.length === 0) {
    fail('kubernetes.vip.provider', k.vip.provider, 'is "haproxy", but serviceVms has no VM with role "api-load-balancer" to run it',
      'add one to serviceVms (2 vCPU and 2 GiB are plenty), or use provider "kube-vip"');
  }
  if (k.vip.provider === 'kube-vip') {
    site.serviceVms.forEach((s, i) => {
      if (s.role === 'api-load-balancer') {
        fail(`serviceVms[${i}].role`, s.role, 'would hold the API VIP, but kubernetes.vip.provider is "kube-vip", which answers for the same address from the control planes',
          'set kubernetes.vip.provider to "haproxy", or remove this VM');
      }
    });
  }
  if (k.vip.provider === 'haproxy' && loadBalancers.length > MAX_API_LOAD_BALANCERS) {
    const i = site.serviceVms.findIndex((s) => s.name === loadBalancers[MAX_API_LOAD_BALANCERS].name);
    fail(`serviceVms[${i}].role`, 'api-load-balancer', `makes ${loadBalancers.length} API load balancers; keepalived gives each a priority 10 below the one before, and they run out after ${MAX_API_LOAD_BALANCERS}`,
      `use at most ${MAX_API_LOAD_BALANCERS} api-load-balancer VMs (two or three are enough to take over from each other)`);
  }
  if (k.vip.provider === 'haproxy' && loadBalancers.length === 1) {
    ctx.warnings.push(`serviceVms: ${loadBalancers[0].name} is the only api-load-balancer VM: the Kubernetes API is unreachable while it is down; a second one takes the VIP over through keepalived`);
  }
}

/** Every host carries its VMs' cores and memory within what is left after the site's reserve. */
export function capacityPhase(ctx: ModelContext, hosts: readonly HostSlot[]): void {
  const { site, fail } = ctx;
  hosts.forEach((h, i) => {
    const path = `proxmox.nodes[${i}]`;
    if (h.cpu > h.allocatable.cpuCores) {
      fail(`${path}.cpuCores`, h.spec.cpuCores,
        `is exceeded by the VMs placed on ${h.spec.name} (${h.vms.join(', ')}): ${h.cpu} cores against ${h.allocatable.cpuCores} available after the ${site.proxmox.reservedCpuCores}-core reserve`,
        'shrink the pools\' cores, add Proxmox nodes, or raise the host\'s cpuCores if the hardware has them');
    }
    if (h.mem > h.allocatable.memoryMiB) {
      fail(`${path}.memoryGiB`, h.spec.memoryGiB,
        `is exceeded by the VMs placed on ${h.spec.name} (${h.vms.join(', ')}): ${h.mem / GIB_PER_MIB} GiB against ${h.allocatable.memoryMiB / GIB_PER_MIB} GiB available after the ${site.proxmox.reservedMemoryGiB} GiB reserve`,
        'shrink the pools\' memoryGiB, add Proxmox nodes, or lower proxmox.reservedMemoryGiB');
    }
  });
}

/**
 * Picks the host for the next VM of a pool: among hosts that can take it (a free GPU of the model,
 * and no VM of the pool yet when spread is required), one with room for it, then the one with the
 * fewest VMs of this pool, then the first in site order. The same site always gives the same
 * placement, and a pool of n VMs on n hosts lands one per host in host order, as the plan lays them out.
 */
function place(pool: Pick<NodePoolSpec, 'name' | 'cores' | 'memoryGiB' | 'gpuModel'>, spread: 'required' | 'preferred', hosts: HostSlot[]): HostSlot | undefined {
  const candidates = hosts
    .map((h, order) => ({ h, order }))
    .filter(({ h }) => !pool.gpuModel || h.freeGpus.some((g) => g.model === pool.gpuModel))
    .filter(({ h }) => spread === 'preferred' || (h.poolCount.get(pool.name) ?? 0) === 0);
  const fits = (h: HostSlot): boolean => h.cpu + pool.cores <= h.allocatable.cpuCores && h.mem + pool.memoryGiB * GIB_PER_MIB <= h.allocatable.memoryMiB;
  candidates.sort(
    (a, b) =>
      Number(fits(b.h)) - Number(fits(a.h)) ||
      (a.h.poolCount.get(pool.name) ?? 0) - (b.h.poolCount.get(pool.name) ?? 0) ||
      a.order - b.order,
  );
  // When nothing fits, the VM still goes somewhere so the capacity check can name the host and its VMs.
  return candidates[0]?.h;
}

import type { GpuSpec, NodePoolSpec, Site } from '../site';
import { SiteError, SiteProblem } from '../site/errors';
import type { AddonFacts } from '../addons/addon-facts';
import { ADDON_CATALOG } from '../addons/catalog';
import { ADDONS, buildComponents, presentAddons } from './components';
import { buildEdgeFleet } from './edge-fleet';
import { checkGpuFit } from './gpu-fit';
import * as ip from './ip';
import type {
  AppModel,
  CephModel,
  HostModel,
  KubernetesModel,
  ManagementHostModel,
  NfsExportModel,
  ServiceAddress,
  ServiceVmModel,
  SiteModel,
  VlanModel,
  VmModel,
} from './types';

const GIB_PER_MIB = 1024;
const SECRET_NAME = /(PASSWORD|PASSWD|SECRET|TOKEN|API_?KEY|PRIVATE_?KEY|CREDENTIAL)/i;
const CREDENTIALS_IN_URL = /^[a-z][a-z0-9+.-]*:\/\/[^/\s:@]+:[^/\s@]+@/i;

export interface BuildModelOptions {
  /**
   * Folder of the site file: files the site names (the edge inventory) are relative to it.
   * @default - the working directory
   */
  readonly siteDir?: string;
  /**
   * The add-ons the compiler knows (their facts); a test adds a fixture add-on here.
   * @default - every add-on of addons/catalog.ts
   */
  readonly addons?: readonly AddonFacts[];
}

/**
 * Derives the model from a validated site and runs every check that needs more than one field
 * (addresses against subnets, placement against host capacity, apps against the GPUs). All problems
 * are collected before throwing, so one run shows everything to fix.
 */
export function buildModel(site: Site, source = 'site', options: BuildModelOptions = {}): SiteModel {
  const problems: SiteProblem[] = [];
  const warnings: string[] = [];
  const fail = (path: string, value: unknown, message: string, fix: string): void => {
    problems.push({ path, value, message, fix });
  };

  // --- networks -------------------------------------------------------------------------------
  const vlans: VlanModel[] = site.network.vlans.map((v) => ({ ...v, prefixLength: ip.subnet(v.cidr).prefixLength }));
  const byName: Record<string, VlanModel> = {};
  const byRole: Partial<Record<VlanModel['role'], VlanModel>> = {};
  const seenIds = new Map<number, number>();
  vlans.forEach((v, i) => {
    const path = `network.vlans[${i}]`;
    if (seenIds.has(v.id)) fail(`${path}.id`, v.id, `repeats the VLAN id of network.vlans[${seenIds.get(v.id)}]`, 'give every VLAN its own id');
    else seenIds.set(v.id, i);
    if (byName[v.name]) fail(`${path}.name`, v.name, 'repeats the name of another VLAN', 'give every VLAN its own name');
    else byName[v.name] = v;
    if (byRole[v.role]) fail(`${path}.role`, v.role, `repeats the role of VLAN "${byRole[v.role]?.name}"`, 'each role belongs to one VLAN; use another role or merge the VLANs');
    else byRole[v.role] = v;
    if (v.gateway && !ip.isHostAddress(ip.subnet(v.cidr), v.gateway)) {
      fail(`${path}.gateway`, v.gateway, `is not a host address of ${v.cidr}`, `use an address inside ${v.cidr}, e.g. ${ip.nth(ip.subnet(v.cidr), 1)}`);
    }
  });

  const k = site.kubernetes;
  const ranges: { path: string; cidr: string; label: string }[] = [
    ...vlans.map((v, i) => ({ path: `network.vlans[${i}].cidr`, cidr: v.cidr, label: `VLAN ${v.name}` })),
    { path: 'kubernetes.podCidr', cidr: k.podCidr, label: 'the pod network' },
    { path: 'kubernetes.serviceCidr', cidr: k.serviceCidr, label: 'the service network' },
  ];
  for (let a = 0; a < ranges.length; a++) {
    for (let b = a + 1; b < ranges.length; b++) {
      if (ip.overlaps(ip.subnet(ranges[a].cidr), ip.subnet(ranges[b].cidr))) {
        fail(ranges[b].path, ranges[b].cidr, `overlaps ${ranges[a].label} (${ranges[a].cidr}, ${ranges[a].path})`, 'choose non-overlapping ranges; routing cannot tell them apart');
      }
    }
  }

  // Every fixed address in the site, to find duplicates across layers.
  const owners = new Map<string, string>();
  const claim = (address: string, path: string): void => {
    const other = owners.get(address);
    if (other) fail(path, address, `is already used by ${other}`, 'give every host, VM and virtual IP its own address');
    else owners.set(address, path);
  };
  vlans.forEach((v, i) => v.gateway && claim(v.gateway, `network.vlans[${i}].gateway`));

  const inVlan = (vlanName: string, address: string, path: string): void => {
    const v = byName[vlanName];
    if (!v) return;
    if (!ip.isHostAddress(ip.subnet(v.cidr), address)) {
      fail(path, address, `is not a host address of VLAN ${v.name} (${v.cidr})`, `use an address inside ${v.cidr}`);
    }
  };

  // --- Proxmox hosts --------------------------------------------------------------------------
  const hostNames = new Set<string>();
  const gpuNames = new Set<string>();
  site.proxmox.nodes.forEach((n, i) => {
    const path = `proxmox.nodes[${i}]`;
    if (hostNames.has(n.name)) fail(`${path}.name`, n.name, 'repeats the name of another Proxmox node', 'node names must be unique in a Proxmox cluster');
    hostNames.add(n.name);
    for (const [vlanName, address] of Object.entries(n.addresses)) {
      if (!byName[vlanName]) {
        fail(`${path}.addresses.${vlanName}`, address, `names a VLAN that does not exist`, `use one of: ${Object.keys(byName).join(', ')}`);
        continue;
      }
      inVlan(vlanName, address, `${path}.addresses.${vlanName}`);
      claim(address, `${path}.addresses.${vlanName}`);
    }
    if (byRole.management && !n.addresses[byRole.management.name]) {
      fail(`${path}.addresses`, n.addresses, `has no address on the management VLAN "${byRole.management.name}"`, `add addresses.${byRole.management.name}`);
    }
    n.gpus.forEach((g, j) => {
      if (gpuNames.has(g.name)) fail(`${path}.gpus[${j}].name`, g.name, 'repeats the name of another GPU mapping', 'PCI mappings are cluster-wide; give each GPU its own name');
      gpuNames.add(g.name);
      if (g.iommuGroup === undefined || g.subsystemId === undefined) {
        warnings.push(`${path}.gpus[${j}] (${g.name}): iommuGroup/subsystemId unset; Proxmox will mark the PCI mapping incomplete until they are added`);
      }
    });
  });
  if (site.proxmox.insecureTls) {
    warnings.push(`proxmox.insecureTls is on: Terraform will not verify the certificate of ${site.proxmox.endpoint}`);
  }

  // --- management hosts: machines on the management network that are not Proxmox nodes --------
  const managementHosts: ManagementHostModel[] = [];
  const machineNames = new Set(hostNames);
  site.managementHosts.forEach((m, i) => {
    const path = `managementHosts[${i}]`;
    if (machineNames.has(m.name)) fail(`${path}.name`, m.name, 'repeats the name of a Proxmox node or another management host', 'give every machine its own name');
    machineNames.add(m.name);
    const mgmt = byRole.management;
    if (!mgmt) {
      fail(`${path}.address`, m.address, 'is an address on the management network, but network.vlans has no VLAN with role "management"', 'add the management VLAN, or remove the host');
      return;
    }
    inVlan(mgmt.name, m.address, `${path}.address`);
    claim(m.address, `${path}.address`);
    managementHosts.push({ name: m.name, role: m.role, address: m.address, vlan: mgmt.name, purpose: m.purpose });
  });

  // --- Kubernetes VMs and placement -----------------------------------------------------------
  const nodeVlan = byName[k.nodeVlan];
  if (!nodeVlan) fail('kubernetes.nodeVlan', k.nodeVlan, 'names a VLAN that does not exist', `use one of: ${Object.keys(byName).join(', ')}`);
  else {
    inVlan(k.nodeVlan, k.apiVip, 'kubernetes.apiVip');
  }
  claim(k.apiVip, 'kubernetes.apiVip');

  const hosts = site.proxmox.nodes.map((n) => ({
    spec: n,
    allocatable: { cpuCores: n.cpuCores - site.proxmox.reservedCpuCores, memoryMiB: (n.memoryGiB - site.proxmox.reservedMemoryGiB) * GIB_PER_MIB },
    cpu: 0,
    mem: 0,
    vms: [] as string[],
    poolCount: new Map<string, number>(),
    freeGpus: [...n.gpus],
  }));

  const vms: VmModel[] = [];
  const vmIds = new Map<number, string>();
  const vmNames = new Map<string, string>();
  if (!k.nodePools.some((p) => p.role === 'control-plane')) {
    fail('kubernetes.nodePools', k.nodePools.map((p) => p.name), 'has no control-plane pool', 'add a pool with role "control-plane"');
  }
  const poolNames = new Set<string>();
  const pending: { pool: NodePoolSpec; spread: 'required' | 'preferred'; path: string; i: number; name: string; vmId: number; address: string }[] = [];
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
      if (nodeVlan) inVlan(k.nodeVlan, address, i === 1 ? `${path}.firstIp` : `${path}.firstIp (+${i - 1} for ${name})`);
      claim(address, i === 1 ? `${path}.firstIp` : `${vmPath}, address ${address}`);

      pending.push({ pool, spread, path, i, name, vmId, address });
    }
  });

  // GPU pools are placed first: their hosts are fixed by the hardware, and the other pools must fit
  // around them. VM names, ids and addresses stay in site order whatever the placement order.
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
  const siteOrder = pending.map((p) => p.name);
  // In-cluster Ceph clients reach the monitors over a second NIC on the Ceph public VLAN.
  const cephClients = site.ceph?.clientFirstIp ? byName[site.ceph.publicVlan] : undefined;
  pending.forEach((p, n) => {
    const vm = placed.get(p.name);
    if (!vm) return;
    if (!cephClients || !site.ceph?.clientFirstIp) {
      vms.push(vm);
      return;
    }
    const address = ip.add(site.ceph.clientFirstIp, n);
    const where = n === 0 ? 'ceph.clientFirstIp' : `ceph.clientFirstIp (+${n} for ${vm.name})`;
    inVlan(cephClients.name, address, where);
    claim(address, where);
    vms.push({ ...vm, cephPublic: { vlanId: cephClients.id, ip: address, prefixLength: cephClients.prefixLength } });
  });
  for (const h of hosts) h.vms.sort((a, b) => siteOrder.indexOf(a) - siteOrder.indexOf(b));
  // Allowed (a one-host site has no choice), but the reviewer must see what a host failure takes down.
  k.nodePools.forEach((pool, pi) => {
    if (pool.role !== 'control-plane') return;
    const crowded = hosts.filter((h) => (h.poolCount.get(pool.name) ?? 0) > 1);
    if (crowded.length === 0) return;
    warnings.push(
      `kubernetes.nodePools[${pi}]: ${crowded.map((h) => `${h.poolCount.get(pool.name)} control planes share ${h.spec.name}`).join(', ')} (spread "preferred"): ` +
        'losing that node loses etcd quorum and the API; add Proxmox nodes to spread them',
    );
  });

  // --- service VMs: placed after the Kubernetes nodes, spread over the hosts by role -----------
  const serviceVms: ServiceVmModel[] = [];
  const roleCount = new Map<string, number>();
  site.serviceVms.forEach((s, i) => {
    const path = `serviceVms[${i}]`;
    if (vmNames.has(s.name)) fail(`${path}.name`, s.name, `is already the name of a VM of ${vmNames.get(s.name)}`, 'give every VM its own name');
    vmNames.set(s.name, path);
    if (vmIds.has(s.vmId)) fail(`${path}.vmId`, s.vmId, `is already the VM id of ${vmIds.get(s.vmId)}`, 'give every VM its own id');
    vmIds.set(s.vmId, s.name);
    if (nodeVlan) inVlan(k.nodeVlan, s.ip, `${path}.ip`);
    claim(s.ip, `${path}.ip`);
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
  if (k.vip.provider === 'haproxy' && loadBalancers.length === 1) {
    warnings.push(`serviceVms: ${loadBalancers[0].name} is the only api-load-balancer VM: the Kubernetes API is unreachable while it is down; a second one takes the VIP over through keepalived`);
  }

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

  // --- Ceph -----------------------------------------------------------------------------------
  let ceph: CephModel | undefined;
  if (site.ceph) {
    const c = site.ceph;
    const pub = byName[c.publicVlan];
    const clusterName = c.clusterVlan ?? c.publicVlan;
    const clu = byName[clusterName];
    if (!pub) fail('ceph.publicVlan', c.publicVlan, 'names a VLAN that does not exist', `use one of: ${Object.keys(byName).join(', ')}`);
    if (c.clusterVlan && !clu) fail('ceph.clusterVlan', c.clusterVlan, 'names a VLAN that does not exist', `use one of: ${Object.keys(byName).join(', ')}`);
    const osdHosts = site.proxmox.nodes.filter((n) => n.osdDevices.length > 0);
    const monitors: { host: string; ip: string }[] = [];
    site.proxmox.nodes.forEach((n, i) => {
      if (n.osdDevices.length === 0) return;
      if (pub && !n.addresses[pub.name]) fail(`proxmox.nodes[${i}].addresses`, n.addresses, `has OSDs but no address on the Ceph public VLAN "${pub.name}"`, `add addresses.${pub.name}`);
      else if (pub) monitors.push({ host: n.name, ip: n.addresses[pub.name] });
      if (c.clusterVlan && clu && !n.addresses[clu.name]) fail(`proxmox.nodes[${i}].addresses`, n.addresses, `has OSDs but no address on the Ceph cluster VLAN "${clu.name}"`, `add addresses.${clu.name}`);
    });
    if (site.platform.addons.rookCeph && !c.clientFirstIp && pub && !pub.gateway) {
      fail('ceph.clientFirstIp', c.clientFirstIp, `is unset and the Ceph public VLAN "${pub.name}" has no gateway, so Rook in the cluster cannot reach the Ceph monitors`,
        `set ceph.clientFirstIp to a free address in ${pub.cidr} (the VMs get a NIC there), or route the VLAN and give it a gateway`);
    }
    if (osdHosts.length === 0) fail('proxmox.nodes', site.proxmox.nodes.map((n) => n.name), 'have no osdDevices, but the site defines Ceph', 'list the OSD disks under proxmox.nodes[].osdDevices, or remove ceph');
    const poolNames = new Set<string>();
    const storages = new Set<string>();
    c.pools.forEach((p, i) => {
      const path = `ceph.pools[${i}]`;
      if (poolNames.has(p.name)) fail(`${path}.name`, p.name, 'repeats the name of another pool', 'pool names are unique in a Ceph cluster');
      poolNames.add(p.name);
      if (p.minSize > p.size) fail(`${path}.minSize`, p.minSize, `is above the pool size ${p.size}`, 'min_size must be at most size (the plan uses size 3, min_size 2)');
      if (p.size > osdHosts.length) {
        fail(`${path}.size`, p.size, `needs ${p.size} hosts with OSDs to place its replicas, but only ${osdHosts.length} ha${osdHosts.length === 1 ? 's' : 've'} OSDs (${osdHosts.map((h) => h.name).join(', ') || 'none'})`,
          `lower size to ${Math.max(1, osdHosts.length)} or add OSDs on more nodes`);
      }
      if (p.pveStorage) {
        if (storages.has(p.pveStorage)) fail(`${path}.pveStorage`, p.pveStorage, 'repeats the PVE storage id of another pool', 'give each pool its own storage id');
        storages.add(p.pveStorage);
      }
    });
    if (c.filesystem) {
      for (const key of ['metadataPool', 'dataPool'] as const) {
        const name = c.filesystem[key];
        const pool = c.pools.find((p) => p.name === name);
        if (!pool) fail(`ceph.filesystem.${key}`, name, 'names a pool that is not in ceph.pools', `add a pool "${name}" with application "cephfs"`);
        else if (pool.application !== 'cephfs') fail(`ceph.filesystem.${key}`, name, `names a pool whose application is "${pool.application}"`, 'set that pool\'s application to "cephfs"');
      }
    }
    ceph = {
      publicNetwork: pub?.cidr ?? '',
      clusterNetwork: clu?.cidr ?? pub?.cidr ?? '',
      monitors,
      osdHosts: osdHosts.map((h) => h.name),
      pools: c.pools,
      filesystem: c.filesystem,
    };
  }

  // --- add-ons that reach into other layers ---------------------------------------------------
  const addons = site.platform.addons;
  const checkRange = (path: string, range: { start: string; stop: string }): void => {
    if (!nodeVlan) return;
    const net = ip.subnet(nodeVlan.cidr);
    for (const end of ['start', 'stop'] as const) {
      if (!ip.isHostAddress(net, range[end])) fail(`${path}.${end}`, range[end], `is outside the node VLAN ${nodeVlan.name} (${nodeVlan.cidr})`, `the load-balancer range must be announced on the node VLAN: use addresses inside ${nodeVlan.cidr}`);
    }
    if (ip.toInt(range.start) > ip.toInt(range.stop)) {
      fail(`${path}.stop`, range.stop, `comes before start ${range.start}`, 'swap start and stop');
      return;
    }
    for (const [address, owner] of owners) {
      const n = ip.toInt(address);
      if (n >= ip.toInt(range.start) && n <= ip.toInt(range.stop)) {
        fail(path, `${range.start}-${range.stop}`, `contains ${address}, used by ${owner}`, 'move the range so it holds no VM, host, gateway or virtual IP address');
      }
    }
  };
  if (addons.cilium) checkRange('platform.addons.cilium.loadBalancerRange', addons.cilium.loadBalancerRange);
  if (addons.metallb) checkRange('platform.addons.metallb.addressRange', addons.metallb.addressRange);
  if (addons.cilium && addons.calico) fail('platform.addons.calico', 'calico', 'is set together with cilium', 'a cluster has one CNI: remove one of them');
  if (!addons.cilium && !addons.calico) warnings.push('platform.addons: no CNI (cilium or calico); nodes stay NotReady until one is installed');
  if (addons.longhorn) {
    // Longhorn keeps each replica of a volume on a different node, and only workers run its manager.
    const workers = vms.filter((v) => v.role === 'worker').length;
    if (addons.longhorn.replicas > workers) {
      fail('platform.addons.longhorn.replicas', addons.longhorn.replicas, `needs ${addons.longhorn.replicas} workers to keep the replicas apart, but the site has ${workers}`,
        `lower replicas to ${Math.max(1, workers)} or add workers`);
    }
  }
  let nfsProvisioner: NfsExportModel | undefined;
  if (addons.nfsProvisioner) {
    const spec = addons.nfsProvisioner;
    const servers = serviceVms.filter((v) => v.role === 'nfs-server');
    const vm = spec.server !== undefined ? servers.find((v) => v.ip === spec.server) : servers.length === 1 ? servers[0] : undefined;
    const server = spec.server ?? vm?.ip;
    const owner = spec.server !== undefined ? owners.get(spec.server) : undefined;
    if (server === undefined) {
      fail('platform.addons.nfsProvisioner.server', spec.server,
        servers.length === 0 ? 'is not set, and the site has no nfs-server VM to take it from' : `is not set, and the site has ${servers.length} nfs-server VMs (${servers.map((v) => v.name).join(', ')})`,
        servers.length === 0 ? 'set server and path to an existing NFS export, or add a serviceVms entry with role "nfs-server"' : 'set server to the address of the one the provisioner uses');
    } else if (!vm && owner) {
      fail('platform.addons.nfsProvisioner.server', server, `is the address of ${owner}, which is not an nfs-server VM`, 'use the address of an nfs-server VM, or of an NFS server outside the site');
    } else {
      const exportPath = spec.path ?? vm?.exportPath;
      if (exportPath === undefined) {
        fail('platform.addons.nfsProvisioner.path', spec.path, `is not set, and ${server} is not an nfs-server VM of this site whose export it could take`, 'set path to the folder that server exports');
      } else if (vm?.exportPath && exportPath !== vm.exportPath && !exportPath.startsWith(`${vm.exportPath}/`)) {
        fail('platform.addons.nfsProvisioner.path', exportPath, `is outside what ${vm.name} exports (${vm.exportPath})`, `use ${vm.exportPath} or a folder inside it`);
      } else {
        nfsProvisioner = { server, path: exportPath, ...(vm ? { vm: vm.name } : {}) };
      }
    }
  }
  if (addons.rookCeph) {
    if (!site.ceph) fail('platform.addons.rookCeph', 'rookCeph', 'is set but the site has no ceph section', 'add ceph (Rook runs in external mode against the Proxmox Ceph) or remove rookCeph');
    else if (!site.ceph.pools.some((p) => p.name === addons.rookCeph?.rbdPool)) {
      fail('platform.addons.rookCeph.rbdPool', addons.rookCeph.rbdPool, 'is not one of the pools Terraform creates (ceph.pools)', `use one of: ${site.ceph.pools.map((p) => p.name).join(', ')}`);
    }
  }

  // --- apps -----------------------------------------------------------------------------------
  const appNamespace = site.appNamespace ?? site.name;
  const services: Record<string, ServiceAddress> = {};
  if (site.dataStores.postgres) services.postgres = { host: site.dataStores.postgres.serviceName, port: 5432, scheme: 'postgresql' };
  if (site.dataStores.redis) services.redis = { host: site.dataStores.redis.serviceName, port: 6379, scheme: 'redis' };
  const serviceNames = new Map<string, string>(Object.entries(services).map(([n, s]) => [s.host, `dataStores.${n}`]));
  const appNames = new Set<string>();
  site.apps.forEach((a, i) => {
    const path = `apps[${i}]`;
    if (appNames.has(a.name) || services[a.name]) fail(`${path}.name`, a.name, 'repeats the name of another app or data store', 'give every app its own name');
    appNames.add(a.name);
    const owner = serviceNames.get(a.service.name);
    if (owner) fail(`${path}.service.name`, a.service.name, `is already the Service of ${owner}`, 'give every app its own Service name');
    serviceNames.set(a.service.name, path);
    services[a.name] = { host: a.service.name, port: a.service.port, scheme: 'http' };
  });
  const gpuWorkers = vms.filter((v) => v.gpu);
  const apps: AppModel[] = site.apps.map((a, i) => {
    const path = `apps[${i}]`;
    a.dependsOn.forEach((d, j) => {
      if (!services[d]) fail(`${path}.dependsOn[${j}]`, d, 'is not an app or data store of this site', `use one of: ${Object.keys(services).sort().join(', ')}`);
      if (d === a.name) fail(`${path}.dependsOn[${j}]`, d, 'is the app itself', 'remove it');
    });
    const env = a.env.map((e, j) => {
      const ePath = `${path}.env[${j}]`;
      if ('value' in e) {
        if (SECRET_NAME.test(e.name) || CREDENTIALS_IN_URL.test(e.value)) {
          fail(`${ePath}.value`, '(redacted)', `puts a secret in plain text (${e.name})`, `use { name: "${e.name}", secret: { name, key, remoteKey } } so the value arrives through an ExternalSecret`);
        }
        return { name: e.name, value: e.value };
      }
      if ('secret' in e) return { name: e.name, secret: e.secret };
      const target = services[e.serviceOf.app];
      if (!target) {
        fail(`${ePath}.serviceOf.app`, e.serviceOf.app, 'is not an app or data store of this site', `use one of: ${Object.keys(services).sort().join(', ')}`);
        return { name: e.name, value: '' };
      }
      if (!a.dependsOn.includes(e.serviceOf.app)) {
        fail(`${ePath}.serviceOf.app`, e.serviceOf.app, `is called by ${a.name} but not listed in ${path}.dependsOn`, `add "${e.serviceOf.app}" to ${path}.dependsOn so its network policy and ordering follow`);
      }
      const value = e.serviceOf.format.replace(/\{host\}/g, target.host).replace(/\{port\}/g, String(target.port)).replace(/\{scheme\}/g, target.scheme);
      return { name: e.name, value };
    });
    a.egress.forEach((e, j) => {
      const outer = ip.subnet(e.cidr);
      e.except.forEach((x, k) => {
        const inner = ip.subnet(x);
        if (inner.network < outer.network || inner.broadcast > outer.broadcast) {
          fail(`${path}.egress[${j}].except[${k}]`, x, `is not inside ${e.cidr}`, `list only ranges inside ${e.cidr}, or remove it`);
        }
      });
    });
    let gpu: AppModel['gpu'];
    if (a.gpu) {
      if (gpuWorkers.length === 0) {
        fail(`${path}.gpu`, a.gpu, `needs a GPU but the site has no GPU worker for ${a.name}`, 'add a node pool with gpuModel (and the GPU under proxmox.nodes[].gpus), or remove the app\'s gpu');
      } else {
        const memoryGiB = Math.min(...gpuWorkers.map((v) => v.gpu?.memoryGiB ?? 0));
        const { fit, problem } = checkGpuFit({ ...a.gpu, gpuMemoryGiB: memoryGiB, gpuCount: a.gpu.count });
        if (problem) fail(`${path}.gpu.${problem.field}`, problem.value, problem.message, problem.fix);
        if (a.gpu.count > 1) warnings.push(`${path}.gpu.count is ${a.gpu.count}: each GPU worker VM has one GPU; the pod needs a node with ${a.gpu.count}`);
        if (fit) gpu = { count: a.gpu.count, nodeLabel: 'nvidia.com/gpu', ...fit };
      }
    }
    return { spec: a, name: a.name, namespace: appNamespace, container: a.container ?? a.name, env, dependsOn: [...a.dependsOn].sort(), gpu };
  });

  // --- edge -----------------------------------------------------------------------------------
  if (site.edge) {
    if (!byName[site.edge.vlan]) fail('edge.vlan', site.edge.vlan, 'names a VLAN that does not exist', `use one of: ${Object.keys(byName).join(', ')}`);
    else {
      inVlan(site.edge.vlan, site.edge.wireguard.hubAddress, 'edge.wireguard.hubAddress');
    }
  }

  const edgeFleet = buildEdgeFleet(site, problems, { siteDir: options.siteDir, source });

  const catalog = options.addons ?? ADDON_CATALOG;
  const components = buildComponents(site, appNamespace, problems, catalog);
  const configured = site.platform.addons as Readonly<Record<string, unknown>>;
  const addonModels = presentAddons(site, catalog).map((f) => ({ facts: f, key: f.key, component: f.component, namespace: f.namespace, provides: f.provides, config: configured[f.key] }));
  if (problems.length > 0) throw new SiteError(source, problems);

  const cp = vms.filter((v) => v.role === 'control-plane');
  const serviceNet = ip.subnet(k.serviceCidr);
  const kubernetes: KubernetesModel = {
    version: k.version.replace(/^v/, ''),
    minorVersion: k.version.replace(/^v/, '').split('.').slice(0, 2).join('.'),
    clusterName: k.clusterName,
    nodeVlan,
    apiVip: k.apiVip,
    apiPort: k.apiPort,
    controlPlaneEndpoint: `${k.apiVip}:${k.apiPort}`,
    podCidr: k.podCidr,
    serviceCidr: k.serviceCidr,
    apiServiceIp: ip.nth(serviceNet, 1),
    dnsServiceIp: ip.nth(serviceNet, 10),
    dnsDomain: k.dnsDomain,
    vip: k.vip,
    containerdVersion: k.containerdVersion,
    image: { ...k.image, fileName: k.image.url.slice(k.image.url.lastIndexOf('/') + 1) },
    adminUser: k.adminUser,
    dnsServers: site.network.dnsServers ?? (nodeVlan.gateway ? [nodeVlan.gateway] : []),
    controlPlanes: cp,
    workers: vms.filter((v) => v.role === 'worker'),
    gpuWorkers,
    firstControlPlane: cp[0],
  };

  const hostModels: HostModel[] = hosts.map((h) => ({
    name: h.spec.name,
    cpuCores: h.spec.cpuCores,
    memoryGiB: h.spec.memoryGiB,
    addresses: h.spec.addresses,
    managementIp: byRole.management ? h.spec.addresses[byRole.management.name] : undefined,
    cephPublicIp: site.ceph ? h.spec.addresses[site.ceph.publicVlan] : undefined,
    cephClusterIp: site.ceph ? h.spec.addresses[site.ceph.clusterVlan ?? site.ceph.publicVlan] : undefined,
    osdDevices: h.spec.osdDevices,
    gpus: h.spec.gpus,
    allocatable: h.allocatable,
    allocated: { cpuCores: h.cpu, memoryMiB: h.mem },
    vms: h.vms,
  }));

  return {
    site,
    name: site.name,
    network: { uplink: site.network.uplink, bridge: site.network.bridge, mtu: site.network.mtu, vlans, byName, byRole },
    hosts: hostModels,
    vms,
    serviceVms,
    managementHosts,
    ...(nfsProvisioner ? { nfsProvisioner } : {}),
    kubernetes,
    ceph,
    appNamespace,
    apps,
    components,
    addons: addonModels,
    services,
    edgeFleet,
    warnings,
  };
}

interface HostSlot {
  readonly spec: { readonly name: string };
  readonly allocatable: { readonly cpuCores: number; readonly memoryMiB: number };
  cpu: number;
  mem: number;
  readonly vms: string[];
  readonly poolCount: Map<string, number>;
  readonly freeGpus: GpuSpec[];
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

export { ADDONS };

import { CEPH_RELEASES } from '../site/spec';
import type { AddonFacts } from '../addons/addon-facts';
import { presentAddons } from './components';
import type { ModelContext } from './model-context';
import type { CephModel } from './types';

/**
 * Ceph on the Proxmox nodes: the public and cluster VLANs exist, every OSD host has an address on them (the monitors),
 * pools fit the OSD hosts and the filesystem's pools are CephFS pools, and the add-ons that are Ceph clients in the
 * cluster (cephClient in their facts) can reach the monitors. Undefined when the site has no Ceph.
 */
export function cephPhase(ctx: ModelContext, catalog: readonly AddonFacts[]): CephModel | undefined {
  const { site, fail, byName } = ctx;
  if (!site.ceph) return undefined;
  const c = site.ceph;
  const pub = byName[c.publicVlan];
  const clusterName = c.clusterVlan ?? c.publicVlan;
  const clu = byName[clusterName];
  if (!pub) fail('ceph.publicVlan', c.publicVlan, 'names a VLAN that does not exist', `use one of: ${Object.keys(byName).join(', ')}`);
  if (c.clusterVlan && !clu) fail('ceph.clusterVlan', c.clusterVlan, 'names a VLAN that does not exist', `use one of: ${Object.keys(byName).join(', ')}`);
  const release = CEPH_RELEASES[c.release];
  if (!release?.supported) {
    const allowed = Object.entries(CEPH_RELEASES).filter(([, r]) => r.supported).map(([name]) => name);
    fail('ceph.release', c.release, release ? `is a Ceph release that ${release.note}` : 'is not a Ceph release pveceph installs', `set ceph.release to ${allowed.map((a) => `"${a}"`).join(' or ')} (Proxmox VE 8.2+ offers squid)`);
  }
  const osdHosts = site.proxmox.nodes.filter((n) => n.osdDevices.length > 0);
  const monitors: { host: string; ip: string }[] = [];
  site.proxmox.nodes.forEach((n, i) => {
    if (n.osdDevices.length === 0) return;
    if (pub && !n.addresses[pub.name]) fail(`proxmox.nodes[${i}].addresses`, n.addresses, `has OSDs but no address on the Ceph public VLAN "${pub.name}"`, `add addresses.${pub.name}`);
    else if (pub) monitors.push({ host: n.name, ip: n.addresses[pub.name] });
    if (c.clusterVlan && clu && !n.addresses[clu.name]) fail(`proxmox.nodes[${i}].addresses`, n.addresses, `has OSDs but no address on the Ceph cluster VLAN "${clu.name}"`, `add addresses.${clu.name}`);
  });
  const clients = presentAddons(site, catalog).filter((f) => f.cephClient !== undefined);
  if (clients.length > 0 && !c.clientFirstIp && pub && !pub.gateway) {
    const who = clients.map((f) => f.cephClient?.name).join(' and ');
    fail('ceph.clientFirstIp', c.clientFirstIp, `is unset and the Ceph public VLAN "${pub.name}" has no gateway, so ${who} in the cluster cannot reach the Ceph monitors`,
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
    // Ceph keeps CephFS metadata and data in separate pools; `ceph fs new` refuses one pool for both.
    if (c.filesystem.dataPool === c.filesystem.metadataPool) {
      fail('ceph.filesystem.dataPool', c.filesystem.dataPool, 'is also the metadataPool; CephFS needs one pool for metadata and another for data', 'add a second pool with application "cephfs" to ceph.pools and name it in ceph.filesystem.dataPool');
    }
  }
  return {
    release: c.release,
    publicNetwork: pub?.cidr ?? '',
    clusterNetwork: clu?.cidr ?? pub?.cidr ?? '',
    monitors,
    osdHosts: osdHosts.map((h) => h.name),
    pools: c.pools,
    filesystem: c.filesystem,
    clients: clients.map((f) => f.component),
  };
}

import type { ModelContext } from './model-context';
import type { ManagementHostModel } from './types';

/** Proxmox nodes: unique names, addresses on existing VLANs and inside them, OSD disks and GPU mappings unique. Returns the node names. */
export function proxmoxHostPhase(ctx: ModelContext): Set<string> {
  const { site, byName, byRole, fail, warnings } = ctx;
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
      ctx.inVlan(vlanName, address, `${path}.addresses.${vlanName}`);
      ctx.claim(address, `${path}.addresses.${vlanName}`);
    }
    if (byRole.management && !n.addresses[byRole.management.name]) {
      fail(`${path}.addresses`, n.addresses, `has no address on the management VLAN "${byRole.management.name}"`, `add addresses.${byRole.management.name}`);
    }
    // One disk is one OSD, and the OSD's Terraform name comes from the device path with "/" read as "-".
    const osds = new Map<string, number>();
    n.osdDevices.forEach((d, j) => {
      const key = d.replace(/^\/dev\//, '').replace(/[^A-Za-z0-9_-]/g, '-');
      const first = osds.get(key);
      if (first === undefined) osds.set(key, j);
      else if (n.osdDevices[first] === d) fail(`${path}.osdDevices[${j}]`, d, `repeats osdDevices[${first}]: one disk makes one OSD`, `list each disk once in ${path}.osdDevices`);
      else fail(`${path}.osdDevices[${j}]`, d, `names its OSD like osdDevices[${first}] (${n.osdDevices[first]}): the paths differ only in "/" and "-", which OSD names write alike`, `name one of the disks by another path (e.g. /dev/disk/by-id/...) in ${path}.osdDevices`);
    });
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
  return hostNames;
}

/** Machines on the management network that are not Proxmox nodes: names unique among all machines, addresses on that VLAN. */
export function managementHostPhase(ctx: ModelContext, hostNames: ReadonlySet<string>): ManagementHostModel[] {
  const { site, fail } = ctx;
  const managementHosts: ManagementHostModel[] = [];
  const machineNames = new Set(hostNames);
  site.managementHosts.forEach((m, i) => {
    const path = `managementHosts[${i}]`;
    if (machineNames.has(m.name)) fail(`${path}.name`, m.name, 'repeats the name of a Proxmox node or another management host', 'give every machine its own name');
    machineNames.add(m.name);
    const mgmt = ctx.byRole.management;
    if (!mgmt) {
      fail(`${path}.address`, m.address, 'is an address on the management network, but network.vlans has no VLAN with role "management"', 'add the management VLAN, or remove the host');
      return;
    }
    ctx.inVlan(mgmt.name, m.address, `${path}.address`);
    ctx.claim(m.address, `${path}.address`);
    managementHosts.push({ name: m.name, role: m.role, address: m.address, vlan: mgmt.name, purpose: m.purpose });
  });
  return managementHosts;
}

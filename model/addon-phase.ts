import * as ip from './ip';
import type { ModelContext } from './model-context';
import type { AddonFacts } from '../addons/addon-facts';
import { presentAddons } from './components';
import type { NfsExportModel, ServiceVmModel, VlanModel } from './types';

/**
 * Add-on settings that need the IP plan: every load-balancer provider's range on the node VLAN and clear of every
 * address. Returns the export of the site's NFS client add-on, resolved against its nfs-server VMs (nfsExportPhase).
 * The add-ons' own checks (model/checks/addons.ts) run with the other site checks.
 */
export function addonPhase(ctx: ModelContext, nodeVlan: VlanModel | undefined, serviceVms: readonly ServiceVmModel[], catalog: readonly AddonFacts[]): NfsExportModel | undefined {
  const { site, fail, owners } = ctx;
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
  const configured = site.platform.addons as Readonly<Record<string, unknown>>;
  const present = presentAddons(site, catalog);
  for (const f of present) {
    const range = f.loadBalancerRange?.(configured[f.key]);
    if (range) checkRange(`platform.addons.${f.key}${f.loadBalancerRangeField ? `.${f.loadBalancerRangeField}` : ''}`, range);
  }
  const nfs = present.find((f) => f.nfsExport !== undefined);
  return nfs ? nfsExportPhase(ctx, serviceVms, `platform.addons.${nfs.key}`, nfs.nfsExport?.(configured[nfs.key]) ?? {}) : undefined;
}

/**
 * Where an NFS client add-on creates its volumes: the server and folder its configuration (at `path`) names, or the
 * site's one nfs-server VM's export.
 */
function nfsExportPhase(ctx: ModelContext, serviceVms: readonly ServiceVmModel[], path: string, spec: { readonly server?: string; readonly path?: string }): NfsExportModel | undefined {
  const { fail, owners } = ctx;
  const servers = serviceVms.filter((v) => v.role === 'nfs-server');
  const vm = spec.server !== undefined ? servers.find((v) => v.ip === spec.server) : servers.length === 1 ? servers[0] : undefined;
  const server = spec.server ?? vm?.ip;
  const owner = spec.server !== undefined ? owners.get(spec.server) : undefined;
  if (server === undefined) {
    fail(`${path}.server`, spec.server,
      servers.length === 0 ? 'is not set, and the site has no nfs-server VM to take it from' : `is not set, and the site has ${servers.length} nfs-server VMs (${servers.map((v) => v.name).join(', ')})`,
      servers.length === 0 ? 'set server and path to an existing NFS export, or add a serviceVms entry with role "nfs-server"' : 'set server to the address of the one the provisioner uses');
  } else if (!vm && owner) {
    fail(`${path}.server`, server, `is the address of ${owner}, which is not an nfs-server VM`, 'use the address of an nfs-server VM, or of an NFS server outside the site');
  } else {
    const exportPath = spec.path ?? vm?.exportPath;
    if (exportPath === undefined) {
      fail(`${path}.path`, spec.path, `is not set, and ${server} is not an nfs-server VM of this site whose export it could take`, 'set path to the folder that server exports');
    } else if (vm?.exportPath && exportPath !== vm.exportPath && !exportPath.startsWith(`${vm.exportPath}/`)) {
      fail(`${path}.path`, exportPath, `is outside what ${vm.name} exports (${vm.exportPath})`, `use ${vm.exportPath} or a folder inside it`);
    } else {
      return { server, path: exportPath, ...(vm ? { vm: vm.name } : {}) };
    }
  }
  return undefined;
}

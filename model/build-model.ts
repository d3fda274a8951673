import type { Site } from '../site';
import { SiteError } from '../site/errors';
import { readWriteManyClassOf, type AddonFacts } from '../addons/addon-facts';
import { ADDON_CATALOG } from '../addons/catalog';
import { addonPhase } from './addon-phase';
import { appPhase } from './app-phase';
import { cephPhase } from './ceph-phase';
import { ADDONS, buildComponents, cniReplacesKubeProxy, nodeRequirements, presentAddons } from './components';
import { type DeliveredChart, runSiteChecks } from './checks';
import { buildEdgeFleet } from './edge-fleet';
import { managementHostPhase, proxmoxHostPhase } from './host-phase';
import * as ip from './ip';
import { ModelContext, networkPhase } from './model-context';
import type { AddonModel, HostModel, KubernetesModel, SiteModel, VmModel } from './types';
import { HostSlot, capacityPhase, kubernetesVmPhase, serviceVmPhase } from './vm-placement';

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
  /**
   * The charts the site's lock delivers with their Chart.yaml kubeVersion (from the chart facts), so the version
   * check sees what helm would refuse.
   * @default - none: kubernetes.version is checked against the add-ons' upstream ranges only
   */
  readonly charts?: readonly DeliveredChart[];
}

/**
 * Derives the model from a validated site and runs every check that needs more than one field
 * (addresses against subnets, placement against host capacity, apps against the GPUs). All problems
 * are collected before throwing, so one run shows everything to fix. Each phase is its own function
 * (model/*-phase.ts, vm-placement.ts), in the order their addresses and names are claimed.
 */
export function buildModel(site: Site, source = 'site', options: BuildModelOptions = {}): SiteModel {
  const ctx = networkPhase(site);
  const hostNames = proxmoxHostPhase(ctx);
  const managementHosts = managementHostPhase(ctx, hostNames);
  const { placement, vms } = kubernetesVmPhase(ctx);
  const serviceVms = serviceVmPhase(ctx, placement);
  capacityPhase(ctx, placement.hosts);
  const catalog = options.addons ?? ADDON_CATALOG;
  const ceph = cephPhase(ctx, catalog);
  const nfsExport = addonPhase(ctx, placement.nodeVlan, serviceVms, catalog);
  const { appNamespace, services, apps, gpuWorkers } = appPhase(ctx, vms);
  edgeVlanPhase(ctx);
  const edgeFleet = buildEdgeFleet(site, ctx.problems, { siteDir: options.siteDir, source });
  // Site-only checks by class (references, addressing, scheduling, values, versions): model/checks/.
  const checked = runSiteChecks({ site, catalog, vms, charts: options.charts ?? [] });
  ctx.problems.push(...checked.problems);
  ctx.warnings.push(...checked.warnings);
  const components = buildComponents(site, appNamespace, ctx.problems, catalog);
  if (ctx.problems.length > 0) throw new SiteError(source, ctx.problems);

  const addons = addonModels(site, catalog);
  const readWriteManyClass = readWriteManyClassOf(addons, site);
  return {
    name: site.name,
    ...(site.description !== undefined ? { description: site.description } : {}),
    proxmox: {
      endpoint: site.proxmox.endpoint,
      insecureTls: site.proxmox.insecureTls,
      sshUser: site.proxmox.sshUser,
      imageStorage: site.proxmox.imageStorage,
      stateBackend: site.terraform.backend,
    },
    gitops: site.gitops,
    ...(site.platform.backupStore ? { backupStore: site.platform.backupStore } : {}),
    dataStores: site.dataStores,
    policyExceptions: site.policy.exceptions,
    ...(readWriteManyClass ? { readWriteManyClass } : {}),
    network: { uplink: site.network.uplink, bridge: site.network.bridge, mtu: site.network.mtu, vlans: [...ctx.vlans], byName: ctx.byName, byRole: ctx.byRole },
    hosts: hostModels(ctx, placement.hosts),
    vms,
    serviceVms,
    managementHosts,
    ...(nfsExport ? { nfsExport } : {}),
    kubernetes: kubernetesModel(site, placement.nodeVlan, vms, gpuWorkers, catalog),
    ceph,
    appNamespace,
    apps,
    components,
    addons,
    services,
    edgeFleet,
    warnings: ctx.warnings,
  };
}

/** The edge tunnel VLAN exists and holds the WireGuard hub. */
function edgeVlanPhase(ctx: ModelContext): void {
  const { site, byName } = ctx;
  if (!site.edge) return;
  if (!byName[site.edge.vlan]) ctx.fail('edge.vlan', site.edge.vlan, 'names a VLAN that does not exist', `use one of: ${Object.keys(byName).join(', ')}`);
  else ctx.inVlan(site.edge.vlan, site.edge.wireguard.hubAddress, 'edge.wireguard.hubAddress');
}

/** The installed add-ons with their validated configuration, in catalog order. */
function addonModels(site: Site, catalog: readonly AddonFacts[]): AddonModel[] {
  const configured = site.platform.addons as Readonly<Record<string, unknown>>;
  return presentAddons(site, catalog).map((f) => ({ facts: f, key: f.key, component: f.component, namespace: f.namespace, provides: f.provides, config: configured[f.key] }));
}

function kubernetesModel(site: Site, nodeVlan: KubernetesModel['nodeVlan'], vms: readonly VmModel[], gpuWorkers: readonly VmModel[], catalog: readonly AddonFacts[]): KubernetesModel {
  const k = site.kubernetes;
  const cp = vms.filter((v) => v.role === 'control-plane');
  const serviceNet = ip.subnet(k.serviceCidr);
  return {
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
    // Proxmox stores downloads of content type iso only under .img/.iso names; a qcow2 image boots the same from a .img name.
    image: { ...k.image, fileName: k.image.url.slice(k.image.url.lastIndexOf('/') + 1).replace(/\.qcow2$/, '.img') },
    adminUser: k.adminUser,
    dnsServers: site.network.dnsServers ?? (nodeVlan.gateway ? [nodeVlan.gateway] : []),
    controlPlanes: cp,
    workers: vms.filter((v) => v.role === 'worker'),
    gpuWorkers: [...gpuWorkers],
    firstControlPlane: cp[0],
    nodePools: k.nodePools,
    kubeProxy: !cniReplacesKubeProxy(site, catalog),
    nodeRequirements: nodeRequirements(site, catalog),
  };
}

function hostModels(ctx: ModelContext, hosts: readonly HostSlot[]): HostModel[] {
  const { site, byRole } = ctx;
  return hosts.map((h) => ({
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
}

export { ADDONS };

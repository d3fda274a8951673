import type { AddonName, Delivery, Site } from '../site';
import type { SiteProblem } from '../site/errors';
import type { ComponentKind, ComponentModel } from './types';
import { byCodePoint } from './order';

/**
 * The Kubernetes side as a dependency graph. Add-ons declare the capabilities they need, not each
 * other's names, so a site that swaps Cilium for Calico or Rook for Longhorn keeps a correct order.
 */

type Capability = 'cni' | 'storage' | 'monitoring' | 'secrets' | 'certificates' | 'ingress' | 'postgres-operator' | 'load-balancer';

interface AddonInfo {
  /** Component (and Argo CD Application, and dist/ folder) name: a contract, renaming it is breaking. */
  readonly component: string;
  readonly namespace: string;
  readonly provides: readonly Capability[];
  readonly needs: readonly Capability[];
  /**
   * Pod Security Standards level of the add-on's namespace, and why when it is not "restricted":
   * every exception is visible here and in the rendered namespace's annotations.
   */
  readonly podSecurity: { readonly level: PodSecurityLevel; readonly reason?: string };
  /** What the add-on needs installed and running on every Kubernetes node (cloud-init installs it). @default - nothing */
  readonly node?: { readonly packages: readonly string[]; readonly services?: readonly string[] };
}

export type PodSecurityLevel = 'restricted' | 'baseline' | 'privileged';

const RESTRICTED = { level: 'restricted' } as const;

export const ADDONS: Readonly<Record<AddonName, AddonInfo>> = {
  cilium: { component: 'cilium', namespace: 'kube-system', provides: ['cni', 'load-balancer'], needs: [] , podSecurity: { level: 'privileged', reason: 'the CNI agent needs host networking, BPF mounts and NET_ADMIN/SYS_ADMIN on every node' } },
  calico: { component: 'calico', namespace: 'tigera-operator', provides: ['cni'], needs: [] , podSecurity: { level: 'privileged', reason: 'the CNI agent needs host networking and privileged access on every node' } },
  metallb: { component: 'metallb', namespace: 'metallb-system', provides: ['load-balancer'], needs: ['cni'] , podSecurity: { level: 'privileged', reason: 'the speaker answers ARP on the host network with NET_RAW' } },
  rookCeph: { component: 'rook-ceph', namespace: 'rook-ceph', provides: ['storage'], needs: ['cni', 'secrets'] , podSecurity: { level: 'privileged', reason: 'the Ceph CSI node plugin mounts volumes into kubelet on the host' } },
  longhorn: { component: 'longhorn', namespace: 'longhorn-system', provides: ['storage'], needs: ['cni'] , podSecurity: { level: 'privileged', reason: 'the Longhorn manager and CSI plugin manage block devices on the host' },
    // Volumes attach over iSCSI (iscsid must run); ReadWriteMany volumes and backups mount over NFSv4.
    node: { packages: ['open-iscsi', 'nfs-common'], services: ['iscsid'] } },
  nfsProvisioner: { component: 'nfs-provisioner', namespace: 'nfs-provisioner', provides: ['storage'], needs: ['cni'] , podSecurity: { level: 'baseline', reason: 'the provisioner mounts the NFS export as an nfs volume, which restricted does not allow' },
    // kubelet mounts the volumes on the node: the NFS client must be there.
    node: { packages: ['nfs-common'] } },
  localPath: { component: 'local-path', namespace: 'local-path-storage', provides: ['storage'], needs: ['cni'] , podSecurity: { level: 'privileged', reason: 'the provisioner creates volume directories through hostPath on each node' } },
  nvidiaGpu: { component: 'nvidia-gpu', namespace: 'nvidia-gpu', provides: [], needs: ['cni'] , podSecurity: { level: 'privileged', reason: 'the device plugin registers with kubelet through a hostPath socket; DCGM reads the GPU from the host' } },
  monitoring: { component: 'monitoring', namespace: 'monitoring', provides: ['monitoring'], needs: ['cni', 'storage', 'secrets'] , podSecurity: { level: 'privileged', reason: 'node-exporter reads host metrics with hostNetwork, hostPID and hostPath' } },
  argocd: { component: 'argocd', namespace: 'argocd', provides: [], needs: ['cni'] , podSecurity: RESTRICTED },
  velero: { component: 'velero', namespace: 'velero', provides: [], needs: ['cni', 'secrets'] , podSecurity: { level: 'privileged', reason: 'the node agent reads pod volumes through hostPath for file-system backups' } },
  falco: { component: 'falco', namespace: 'falco', provides: [], needs: ['cni'] , podSecurity: { level: 'privileged', reason: 'runtime security watches every syscall through a privileged eBPF probe' } },
  ingressNginx: { component: 'ingress-nginx', namespace: 'ingress-nginx', provides: ['ingress'], needs: ['cni', 'load-balancer'] , podSecurity: RESTRICTED },
  certManager: { component: 'cert-manager', namespace: 'cert-manager', provides: ['certificates'], needs: ['cni'] , podSecurity: RESTRICTED },
  externalSecrets: { component: 'external-secrets', namespace: 'external-secrets', provides: ['secrets'], needs: ['cni'] , podSecurity: RESTRICTED },
  cloudnativePg: { component: 'cloudnative-pg', namespace: 'cnpg-system', provides: ['postgres-operator'], needs: ['cni'] , podSecurity: RESTRICTED },
};

/**
 * Whether the site's CNI serves Services itself (Cilium, or Calico's eBPF data plane), so kubeadm must not install
 * kube-proxy and nothing should expect it.
 */
export function cniReplacesKubeProxy(site: Site): boolean {
  const { cilium, calico } = site.platform.addons;
  return cilium !== undefined || calico?.dataplane === 'bpf';
}

/** Packages and services the site's add-ons need on every Kubernetes node, sorted and without repeats. */
export function nodeRequirements(site: Site): { packages: string[]; services: string[] } {
  const present = (Object.keys(ADDONS) as AddonName[]).filter((k) => site.platform.addons[k] !== undefined);
  const packages = new Set(present.flatMap((k) => ADDONS[k].node?.packages ?? []));
  const services = new Set(present.flatMap((k) => ADDONS[k].node?.services ?? []));
  return { packages: [...packages].sort(), services: [...services].sort() };
}

/** Storage providers in order of preference for the default StorageClass. */
const STORAGE_PREFERENCE: readonly AddonName[] = ['rookCeph', 'longhorn', 'nfsProvisioner', 'localPath'];

interface Node {
  readonly name: string;
  readonly kind: ComponentKind;
  readonly namespace: string;
  readonly dependsOn: Set<string>;
  readonly delivery?: Delivery;
  /** Where in the site the component comes from, for error paths. */
  readonly path: string;
  readonly ownsNamespace: boolean;
  readonly podSecurity: AddonInfo['podSecurity'];
}

/** The component of the edge fleet (WireGuard peers, fleet scrape targets), present when the site has an edge section. */
export const EDGE_FLEET_COMPONENT = 'edge-fleet';

export function baseComponentName(appNamespace: string): string {
  return `${appNamespace}-base`;
}

/**
 * Builds the component graph and returns it in dependency order, or reports the cycle it found
 * (every component on it, in order) as a problem.
 */
export function buildComponents(site: Site, appNamespace: string, problems: SiteProblem[]): ComponentModel[] {
  const addons = site.platform.addons;
  const present = (Object.keys(ADDONS) as AddonName[]).filter((k) => addons[k] !== undefined);
  const providers = new Map<Capability, string>();
  for (const key of [...STORAGE_PREFERENCE, ...present]) {
    if (!present.includes(key)) continue;
    for (const cap of ADDONS[key].provides) if (!providers.has(cap)) providers.set(cap, ADDONS[key].component);
  }
  const need = (caps: readonly Capability[], self: string): string[] =>
    caps.map((c) => providers.get(c)).filter((p): p is string => p !== undefined && p !== self);

  const nodes = new Map<string, Node>();
  for (const key of present) {
    const info = ADDONS[key];
    const cfg = addons[key] as { delivery?: Delivery; chartVersion?: string };
    nodes.set(info.component, {
      name: info.component,
      kind: 'addon',
      namespace: info.namespace,
      dependsOn: new Set(need(info.needs, info.component)),
      delivery: cfg.chartVersion !== undefined ? (cfg.delivery ?? site.platform.delivery) : undefined,
      path: `platform.addons.${key}`,
      ownsNamespace: info.namespace !== 'kube-system',
      podSecurity: info.podSecurity,
    });
  }

  const hasWorkloads = site.apps.length > 0 || site.dataStores.postgres !== undefined || site.dataStores.redis !== undefined;
  const base = baseComponentName(appNamespace);
  if (hasWorkloads) {
    nodes.set(base, {
      name: base,
      kind: 'app',
      namespace: appNamespace,
      dependsOn: new Set(need(['cni'], base)),
      path: 'appNamespace',
      ownsNamespace: true,
      podSecurity: RESTRICTED,
    });
  }
  const { postgres, redis } = site.dataStores;
  if (postgres) {
    nodes.set('postgres', {
      name: 'postgres',
      kind: 'data-store',
      namespace: appNamespace,
      dependsOn: new Set([base, ...need(['postgres-operator', 'storage', 'secrets'], 'postgres')]),
      path: 'dataStores.postgres',
      ownsNamespace: false,
      podSecurity: RESTRICTED,
    });
  }
  if (redis) {
    nodes.set('redis', {
      name: 'redis',
      kind: 'data-store',
      namespace: appNamespace,
      dependsOn: new Set([base, ...need(['storage'], 'redis')]),
      path: 'dataStores.redis',
      ownsNamespace: false,
      podSecurity: RESTRICTED,
    });
  }
  if (site.edge) {
    nodes.set(EDGE_FLEET_COMPONENT, {
      name: EDGE_FLEET_COMPONENT,
      kind: 'addon',
      namespace: EDGE_FLEET_COMPONENT,
      dependsOn: new Set(need(['cni'], EDGE_FLEET_COMPONENT)),
      path: 'edge',
      ownsNamespace: true,
      podSecurity: RESTRICTED,
    });
  }
  site.apps.forEach((app, i) => {
    const caps: Capability[] = [];
    if (app.volumes.length > 0) caps.push('storage');
    if (app.env.some((e) => 'secret' in e)) caps.push('secrets');
    if (app.ingress) caps.push('ingress', 'certificates');
    if (app.metricsPath) caps.push('monitoring');
    const deps = new Set([base, ...need(caps, app.name), ...app.dependsOn]);
    if (app.gpu && addons.nvidiaGpu) deps.add(ADDONS.nvidiaGpu.component);
    nodes.set(app.name, { name: app.name, kind: 'app', namespace: appNamespace, dependsOn: deps, path: `apps[${i}]`, ownsNamespace: false, podSecurity: RESTRICTED });
  });

  const cycle = findCycle(nodes);
  if (cycle) {
    const first = nodes.get(cycle[0]);
    problems.push({
      path: first ? `${first.path}.dependsOn` : 'apps',
      value: cycle,
      message: `components depend on each other in a cycle: ${cycle.join(' -> ')}`,
      fix: 'remove one of these dependencies; a component cannot wait for something that waits for it',
    });
    return [];
  }

  const depth = new Map<string, number>();
  const depthOf = (name: string): number => {
    const known = depth.get(name);
    if (known !== undefined) return known;
    const node = nodes.get(name);
    const d = node && node.dependsOn.size > 0 ? 1 + Math.max(...[...node.dependsOn].filter((n) => nodes.has(n)).map(depthOf), -1) : 0;
    depth.set(name, d);
    return d;
  };
  return [...nodes.values()]
    .map((n) => ({
      name: n.name,
      kind: n.kind,
      namespace: n.namespace,
      dependsOn: [...n.dependsOn].filter((d) => nodes.has(d)).sort(),
      depth: depthOf(n.name),
      ...(n.delivery ? { delivery: n.delivery } : {}),
      ownsNamespace: n.ownsNamespace,
      podSecurity: n.podSecurity,
    }))
    .sort((a, b) => a.depth - b.depth || byCodePoint(a.name, b.name));
}

/** Depth-first search for a cycle; returns it closed (first name repeated at the end). */
function findCycle(nodes: ReadonlyMap<string, Node>): string[] | undefined {
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (name: string): string[] | undefined => {
    const s = state.get(name);
    if (s === 'done') return undefined;
    if (s === 'open') return [...stack.slice(stack.indexOf(name)), name];
    state.set(name, 'open');
    stack.push(name);
    for (const dep of [...(nodes.get(name)?.dependsOn ?? [])].sort()) {
      if (!nodes.has(dep)) continue;
      const found = visit(dep);
      if (found) return found;
    }
    stack.pop();
    state.set(name, 'done');
    return undefined;
  };
  for (const name of [...nodes.keys()].sort()) {
    const found = visit(name);
    if (found) return found;
  }
  return undefined;
}

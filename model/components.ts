import { AddonFacts, Capability, RESTRICTED } from '../addons/addon-facts';
import { ADDON_CATALOG, AddonCatalog } from '../addons/catalog';
import type { Delivery, Site } from '../site';
import type { SiteProblem } from '../site/errors';
import type { AddonModel, ComponentKind, ComponentModel } from './types';
import { byCodePoint } from '../core/order';

/**
 * The Kubernetes side as a dependency graph. Add-ons declare the capabilities they need, not each
 * other's names, so a site that swaps Cilium for Calico or Rook for Longhorn keeps a correct order.
 */

/** Facts of every add-on the compiler knows, by site key (the catalog, addons/catalog.ts, is their one list). */
export const ADDONS = Object.fromEntries(ADDON_CATALOG.map((f) => [f.key, f])) as { readonly [F in AddonCatalog[number] as F['key']]: F };

export type { Capability, PodSecurityLevel } from '../addons/addon-facts';

/**
 * Whether the site's CNI serves Services itself (Cilium, or Calico's eBPF data plane), so kubeadm must not install
 * kube-proxy and nothing should expect it.
 */
export function cniReplacesKubeProxy(site: Site, catalog: readonly AddonFacts[] = ADDON_CATALOG): boolean {
  const configured = site.platform.addons as Readonly<Record<string, unknown>>;
  return presentAddons(site, catalog).some((f) => f.replacesKubeProxy?.(configured[f.key]) === true);
}

/** The catalog's add-ons the site installs (its platform.addons keys), in catalog order. */
export function presentAddons(site: Site, catalog: readonly AddonFacts[] = ADDON_CATALOG): AddonFacts[] {
  const configured = site.platform.addons as Readonly<Record<string, unknown>>;
  return catalog.filter((f) => configured[f.key] !== undefined);
}

/** Packages and services the site's add-ons need on every Kubernetes node, sorted and without repeats. */
export function nodeRequirements(site: Site, catalog: readonly AddonFacts[] = ADDON_CATALOG): { packages: string[]; services: string[] } {
  const present = presentAddons(site, catalog);
  const packages = new Set(present.flatMap((f) => f.node?.packages ?? []));
  const services = new Set(present.flatMap((f) => f.node?.services ?? []));
  return { packages: [...packages].sort(), services: [...services].sort() };
}

/**
 * The installed add-on that serves a capability (the first in catalog order that provides it), if any. Consumers
 * ask this, never for a named add-on.
 */
export function providerOf(model: { readonly addons: readonly AddonModel[] }, capability: Capability): AddonModel | undefined {
  return model.addons.find((a) => a.provides.includes(capability));
}

/** Every installed add-on that provides a capability, in catalog order (the first is providerOf's). */
export function providersOf(model: { readonly addons: readonly AddonModel[] }, capability: Capability): AddonModel[] {
  return model.addons.filter((a) => a.provides.includes(capability));
}

/**
 * Which component serves each capability: the first present add-on in catalog order that provides it (the catalog
 * lists storage add-ons in order of preference for the default StorageClass).
 */
export function capabilityProviders(present: readonly AddonFacts[]): Map<Capability, AddonFacts> {
  const providers = new Map<Capability, AddonFacts>();
  for (const f of present) for (const cap of f.provides) if (!providers.has(cap)) providers.set(cap, f);
  return providers;
}

interface Node {
  readonly name: string;
  readonly kind: ComponentKind;
  readonly namespace: string;
  readonly dependsOn: Set<string>;
  readonly delivery?: Delivery;
  /** Where in the site the component comes from, for error paths. */
  readonly path: string;
  readonly ownsNamespace: boolean;
  readonly podSecurity: AddonFacts['podSecurity'];
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
export function buildComponents(site: Site, appNamespace: string, problems: SiteProblem[], catalog: readonly AddonFacts[] = ADDON_CATALOG): ComponentModel[] {
  const configured = site.platform.addons as Readonly<Record<string, { delivery?: Delivery; chartVersion?: string } | undefined>>;
  const present = presentAddons(site, catalog);
  const providers = capabilityProviders(present);
  const need = (caps: readonly Capability[], self: string): string[] =>
    caps.map((c) => providers.get(c)?.component).filter((p): p is string => p !== undefined && p !== self);

  const nodes = new Map<string, Node>();
  for (const info of present) {
    const cfg = configured[info.key] ?? {};
    nodes.set(info.component, {
      name: info.component,
      kind: 'addon',
      namespace: info.namespace,
      dependsOn: new Set(need(info.needs, info.component)),
      delivery: cfg.chartVersion !== undefined ? (cfg.delivery ?? site.platform.delivery) : undefined,
      path: `platform.addons.${info.key}`,
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
      dependsOn: new Set([base, ...need(['postgres-operator', 'storage', 'secret-store'], 'postgres')]),
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
    if (app.env.some((e) => 'secret' in e)) caps.push('secret-store');
    if (app.ingress) caps.push('ingress', 'certificates');
    if (app.metricsPath) caps.push('metrics');
    if (app.gpu) caps.push('gpu');
    const deps = new Set([base, ...need(caps, app.name), ...app.dependsOn]);
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

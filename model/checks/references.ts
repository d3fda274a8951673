import { readWriteManyClassOf, type Capability } from '../../addons/addon-facts';
import type { SiteProblem } from '../../site/errors';
import type { CheckContext, CheckFindings } from './types';
import { candidates, installed, providerOf } from './types';

/** Words for a capability in a message ("needs a secret store"). */
const CAPABILITY_WORDS: Readonly<Record<Capability, string>> = {
  cni: 'a CNI',
  'load-balancer': 'a load-balancer provider',
  ingress: 'an ingress controller',
  storage: 'a storage provider (a default StorageClass)',
  'secret-store': 'a secret store',
  metrics: 'a metrics stack',
  certificates: 'a certificate issuer',
  'postgres-operator': 'a PostgreSQL operator',
  gpu: 'the GPU device plugin',
  gitops: 'Argo CD',
};

/**
 * References between parts of the site: every add-on's prerequisites, what apps and data stores need from the
 * platform, and the storages VMs are created on. Each of these used to surface as a builder's exception (one at a
 * time, as an internal error) or not at all (Argo CD Applications with no Argo CD to read them).
 */
export function checkReferences(ctx: CheckContext, found: CheckFindings): void {
  checkAddonNeeds(ctx, found);
  checkDelivery(ctx, found);
  checkWorkloadNeeds(ctx, found);
  checkStorages(ctx, found);
  checkAddonSettings(ctx, found);
}

function missing(ctx: CheckContext, found: CheckFindings, path: string, value: unknown, who: string, capability: Capability, orElse: string): void {
  if (providerOf(ctx, capability)) return;
  found.problems.push({
    path,
    value,
    message: `${who} needs ${CAPABILITY_WORDS[capability]}, but the site installs none`,
    fix: `add ${candidates(ctx, capability)}, or ${orElse}`,
  });
}

/** An installed add-on's needs (its facts) are installed too; a missing CNI stays a warning (nodes wait NotReady). */
function checkAddonNeeds(ctx: CheckContext, found: CheckFindings): void {
  for (const f of installed(ctx)) {
    for (const need of f.needs) {
      if (need === 'cni') continue;
      missing(ctx, found, `platform.addons.${f.key}`, f.key, `the ${f.component} add-on`, need, `remove platform.addons.${f.key}`);
    }
  }
}

/** A chart delivered through Argo CD is an Application that only Argo CD reads. */
function checkDelivery(ctx: CheckContext, found: CheckFindings): void {
  if (providerOf(ctx, 'gitops')) return;
  const configured = ctx.site.platform.addons as Readonly<Record<string, { chartVersion?: string; delivery?: string } | undefined>>;
  const viaArgo = installed(ctx).filter((f) => {
    const cfg = configured[f.key];
    return cfg?.chartVersion !== undefined && (cfg.delivery ?? ctx.site.platform.delivery) === 'argocd';
  });
  if (viaArgo.length === 0) return;
  // The problem points at the first add-on that would read the Applications; the fix offers each with its starter.
  const gitops = ctx.catalog.filter((f) => f.provides.includes('gitops'));
  const add = gitops.map((f) => `platform.addons.${f.key}${f.starter ? ` (${f.starter})` : ''}`).join(' or ');
  found.problems.push({
    path: gitops.length > 0 ? `platform.addons.${gitops[0].key}` : 'platform.delivery',
    message: `is not set, but ${viaArgo.length} chart${viaArgo.length === 1 ? ' is' : 's are'} delivered through Argo CD (${viaArgo.map((f) => f.key).join(', ')}): nothing would install them`,
    fix: `${add ? `add ${add}, or ` : ''}set platform.delivery: "rendered" and each add-on's delivery to "rendered"`,
  });
}

/** Apps and data stores: secrets need the store, ingresses a controller and an issuer, claims a StorageClass, GPUs the plugin. */
function checkWorkloadNeeds(ctx: CheckContext, found: CheckFindings): void {
  const { site } = ctx;
  const configured = site.platform.addons as Readonly<Record<string, unknown>>;
  const rwx = readWriteManyClassOf(installed(ctx).map((f) => ({ facts: f, config: configured[f.key] })), site) !== undefined;
  site.apps.forEach((app, i) => {
    const at = `apps[${i}]`;
    const secret = app.env.findIndex((e) => 'secret' in e);
    if (secret >= 0) missing(ctx, found, `${at}.env[${secret}].secret`, app.env[secret].name, `app ${app.name} (a secret env)`, 'secret-store', 'give the value another way');
    if (app.ingress) {
      missing(ctx, found, `${at}.ingress`, app.ingress.host, `app ${app.name} (published on ${app.ingress.host})`, 'ingress', `remove ${at}.ingress`);
      missing(ctx, found, `${at}.ingress`, app.ingress.host, `app ${app.name} (published with TLS)`, 'certificates', `remove ${at}.ingress`);
    }
    app.volumes.forEach((v, j) => {
      if (v.claim.storageClass) return;
      missing(ctx, found, `${at}.volumes[${j}].claim`, v.claim.name, `claim ${v.claim.name} (no storageClass named)`, 'storage', 'name an existing class in storageClass');
      if (v.claim.accessMode === 'ReadWriteMany' && !rwx && providerOf(ctx, 'storage')) found.problems.push(readWriteManyMissing(ctx, `${at}.volumes[${j}].claim.accessMode`));
    });
    if (app.gpu) missing(ctx, found, `${at}.gpu`, app.gpu.count, `app ${app.name} (a GPU)`, 'gpu', `remove ${at}.gpu`);
  });
  // Each edge cluster is registered in Argo CD from its credentials in the secret store (charts/edge-fleet-chart.ts).
  if (site.edge?.inventory && providerOf(ctx, 'gitops')) missing(ctx, found, 'edge.inventory', site.edge.inventory, 'the edge fleet (each edge\'s Argo CD cluster credentials)', 'secret-store', 'remove edge.inventory');
  const { postgres, redis } = site.dataStores;
  if (postgres) {
    for (const cap of ['postgres-operator', 'storage', 'secret-store'] as const) missing(ctx, found, 'dataStores.postgres', postgres.serviceName, 'the PostgreSQL cluster', cap, 'remove dataStores.postgres');
    if (postgres.backup && !site.platform.backupStore) {
      found.problems.push({
        path: 'dataStores.postgres.backup',
        value: postgres.backup.schedule,
        message: 'writes base backups to platform.backupStore, which is not set',
        fix: 'add platform.backupStore (bucket, region, and endpoint for MinIO), or remove dataStores.postgres.backup',
      });
    }
  }
  if (redis) missing(ctx, found, 'dataStores.redis', redis.serviceName, 'Redis (its volume)', 'storage', 'remove dataStores.redis');
}

/** A ReadWriteMany claim on a site whose storage serves none: the fix offers each add-on that can, as it says. */
function readWriteManyMissing(ctx: CheckContext, path: string): SiteProblem {
  const offers = ctx.catalog.filter((f) => f.readWriteManyOffer !== undefined);
  const words = offers.map((f) => f.readWriteManyOffer?.as).join(', or ');
  const adds = offers.map((f) => `${f.readWriteManyOffer?.with ? `${f.readWriteManyOffer.with} with ` : ''}platform.addons.${f.key}`).join(', or ');
  return {
    path,
    value: 'ReadWriteMany',
    message: `needs a ReadWriteMany StorageClass, and the site has none${words ? ` (${words})` : ''}`,
    fix: `${adds ? `add ${adds}, or ` : ''}use accessMode "ReadWriteOnce" with replicas: 1`,
  };
}

/**
 * Every storage a VM's disks name exists: a Ceph pool of the site exposed to Proxmox (pveStorage), or a storage the
 * site declares as already there (proxmox.existingStorages). Terraform would otherwise fail at apply, VM by VM.
 */
function checkStorages(ctx: CheckContext, found: CheckFindings): void {
  const { site } = ctx;
  const created = new Map<string, string>();
  site.ceph?.pools.forEach((p) => p.pveStorage && created.set(p.pveStorage, p.application));
  const known = [...created.keys(), ...site.proxmox.existingStorages];
  const check = (path: string, storage: string): void => {
    if (created.has(storage) || site.proxmox.existingStorages.includes(storage)) return;
    found.problems.push({
      path,
      value: storage,
      message: 'is not a storage of the site: no Ceph pool creates it (ceph.pools[].pveStorage) and proxmox.existingStorages does not list it',
      fix: `use one of: ${known.join(', ') || '(none)'}; or, if the storage exists in Proxmox, add "${storage}" to proxmox.existingStorages`,
    });
  };
  site.kubernetes.nodePools.forEach((p, i) => check(`kubernetes.nodePools[${i}].storage`, p.storage));
  site.serviceVms.forEach((v, i) => {
    check(`serviceVms[${i}].storage`, v.storage);
    if (v.role === 'nfs-server' && v.dataDisk.storage) check(`serviceVms[${i}].dataDisk.storage`, v.dataDisk.storage);
  });
  site.ceph?.pools.forEach((p, i) => {
    if (p.pveStorage && p.application !== 'rbd') {
      found.problems.push({ path: `ceph.pools[${i}].pveStorage`, value: p.pveStorage, message: `exposes a "${p.application}" pool to Proxmox; VM disks live on RBD`, fix: `set ceph.pools[${i}].application to "rbd", or remove pveStorage` });
    }
  });
}

/** Settings that only make sense against the rest of the site (each was a builder's exception); an add-on's own are its checks. */
function checkAddonSettings(ctx: CheckContext, found: CheckFindings): void {
  const { site } = ctx;
  if (!site.network.vlans.some((v) => v.role === 'management')) {
    found.problems.push({ path: 'network.vlans', value: site.network.vlans.map((v) => v.role), message: 'has no VLAN with role "management": Terraform reaches the Proxmox nodes (API, SSH) on it', fix: 'add a VLAN with role "management" and give every node an address on it (proxmox.nodes[].addresses)' });
  }
  checkAppSharedNames(ctx, found);
}

/** Claims are per app, and one key of a Secret has one source, across all apps that read it. */
function checkAppSharedNames(ctx: CheckContext, found: CheckFindings): void {
  const claims = new Map<string, string>();
  const keys = new Map<string, { path: string; source: string }>();
  ctx.site.apps.forEach((app, i) => {
    app.volumes.forEach((v, j) => {
      const path = `apps[${i}].volumes[${j}].claim.name`;
      const other = claims.get(v.claim.name);
      if (other) found.problems.push({ path, value: v.claim.name, message: `is also the claim of ${other}`, fix: 'give each volume its own claim name (a shared volume needs ReadWriteMany and one owner)' });
      else claims.set(v.claim.name, path);
    });
    app.env.forEach((e, j) => {
      if (!('secret' in e)) return;
      const id = `${e.secret.name}/${e.secret.key}`;
      const source = `${e.secret.remoteKey}${e.secret.remoteProperty ? `#${e.secret.remoteProperty}` : ''}`;
      const path = `apps[${i}].env[${j}].secret`;
      const known = keys.get(id);
      if (known && known.source !== source) {
        found.problems.push({ path, value: source, message: `differs from "${known.source}" given at ${known.path} for the same key "${e.secret.key}" of Secret "${e.secret.name}"`, fix: 'one key of a Secret has one source: use the same remoteKey/remoteProperty, or another key' });
      } else if (!known) keys.set(id, { path, source });
    });
  });
}

import type { HelmDelivery } from '../constructs/helm-release';
import { providerOf } from '../model';
import type { Capability } from './addon-facts';
import { ADDON_CATALOG } from './catalog';
import type { ComponentModel, SiteModel } from '../model';

/**
 * Names one component hands to others (a StorageClass, the secret store, the ingress class, the certificate issuer).
 * Each is computed here from the model, once, so the producer and every consumer agree without retyping it.
 */

/** Node label and taint key of GPU nodes, as the model sets them on GPU pools. */
export const GPU_NODE_LABEL = 'nvidia.com/gpu';

/** RuntimeClass (and containerd runtime handler) of the NVIDIA container runtime. */
export const NVIDIA_RUNTIME_CLASS = 'nvidia';

// Each storage add-on names its classes in its own facts; re-exported for the builders that create them.
export { CEPHFS_STORAGE_CLASS } from './rook-ceph/spec';
export { LONGHORN_STORAGE_CLASS } from './longhorn/spec';
export { NFS_STORAGE_CLASS } from './nfs-provisioner/spec';
export { LOCAL_PATH_STORAGE_CLASS } from './local-path/spec';

/** How a component's charts reach the cluster; chart-based add-ons always have one. */
export function releaseDelivery(component: ComponentModel, override?: HelmDelivery): HelmDelivery {
  const delivery = override ?? component.delivery;
  if (!delivery) {
    throw new Error(`component ${component.name}: no chart delivery in the model; chart-based add-ons need a chartVersion (platform.addons)`);
  }
  return delivery;
}

/**
 * The StorageClass claims get when they name none: the class of the site's preferred storage add-on (the first
 * storage provider in catalog order), which is the one class marked default.
 */
export function defaultStorageClassName(model: SiteModel): string | undefined {
  const provider = providerOf(model, 'storage');
  return provider?.facts.storageClass?.(provider.config);
}

/** A StorageClass for ReadWriteMany claims, when a storage add-on of the site serves them (in catalog order). */
export function readWriteManyStorageClassName(model: SiteModel): string | undefined {
  return model.readWriteManyClass;
}

/**
 * The ClusterSecretStore every ExternalSecret of the site reads from. Throws, naming the component that needs it,
 * when the site has no external-secrets add-on.
 */
export function clusterSecretStoreName(model: SiteModel, neededBy: string): string {
  if (!providerOf(model, 'secret-store')) {
    const stores = ADDON_CATALOG.filter((f) => (f.provides as readonly Capability[]).includes('secret-store')).map((f) => `platform.addons.${f.key}`);
    throw new Error(`${neededBy} takes its credentials from the secret store, but ${stores.join(' or ') || 'no secret-store provider'} is not set; add it (credentials never go into the manifests)`);
  }
  return `${model.name}-secrets`;
}

/**
 * The address the ingress controller's LoadBalancer Service is pinned to (the first of the load-balancer provider's
 * range, so DNS records can point at a fixed address) and the annotation that pins it, when the site has a provider.
 */
export function ingressLoadBalancerAddress(model: SiteModel): { readonly ip: string; readonly annotation: string } | undefined {
  const provider = providerOf(model, 'load-balancer');
  const range = provider?.facts.loadBalancerRange?.(provider.config);
  const annotation = provider?.facts.loadBalancerIpAnnotation;
  return range && annotation ? { ip: range.start, annotation } : undefined;
}

/** IngressClass of the site's ingress provider, if it has one. */
export function ingressClassName(model: SiteModel): string | undefined {
  return providerOf(model, 'ingress')?.facts.ingressClass;
}

/** The ClusterIssuer that signs the site's ingress certificates, if the site has a certificates provider. */
export function clusterIssuerName(model: SiteModel): string | undefined {
  return providerOf(model, 'certificates')?.facts.clusterIssuer;
}

/** In-cluster DNS name of a Service. */
export function serviceHost(model: SiteModel, service: string, namespace: string): string {
  return `${service}.${namespace}.svc.${model.kubernetes.dnsDomain}`;
}

import type { AddonFacts } from './addon-facts';
import { argocdFacts } from './argocd/spec';
import { calicoFacts } from './calico/spec';
import { certManagerFacts } from './cert-manager/spec';
import { ciliumFacts } from './cilium/spec';
import { cloudnativePgFacts } from './cloudnative-pg/spec';
import { externalSecretsFacts } from './external-secrets/spec';
import { falcoFacts } from './falco/spec';
import { ingressNginxFacts } from './ingress-nginx/spec';
import { localPathFacts } from './local-path/spec';
import { longhornFacts } from './longhorn/spec';
import { metallbFacts } from './metallb/spec';
import { monitoringFacts } from './monitoring/spec';
import { nfsProvisionerFacts } from './nfs-provisioner/spec';
import { nvidiaGpuFacts } from './nvidia-gpu/spec';
import { rookCephFacts } from './rook-ceph/spec';
import { veleroFacts } from './velero/spec';

/**
 * Every add-on's schema part and facts, in the order the site schema lists them. The order is also the preference
 * when two present add-ons provide one capability: storage add-ons come Rook, Longhorn, NFS, local-path, so the
 * default StorageClass is the first of them the site has.
 */
export const ADDON_CATALOG = [
  ciliumFacts,
  calicoFacts,
  metallbFacts,
  rookCephFacts,
  longhornFacts,
  nfsProvisionerFacts,
  localPathFacts,
  nvidiaGpuFacts,
  monitoringFacts,
  argocdFacts,
  veleroFacts,
  falcoFacts,
  ingressNginxFacts,
  certManagerFacts,
  externalSecretsFacts,
  cloudnativePgFacts,
] as const satisfies readonly AddonFacts[];

export type AddonCatalog = typeof ADDON_CATALOG;

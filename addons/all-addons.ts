import type { AddonDefinition } from './addon-definition';
import { argocdAddon } from './argocd';
import { calicoAddon } from './calico';
import { AddonCatalog } from './catalog';
import { certManagerAddon } from './cert-manager';
import { ciliumAddon } from './cilium';
import { cloudnativePgAddon } from './cloudnative-pg';
import { externalSecretsAddon } from './external-secrets';
import { falcoAddon } from './falco';
import { ingressNginxAddon } from './ingress-nginx';
import { localPathAddon } from './local-path';
import { longhornAddon } from './longhorn';
import { metallbAddon } from './metallb';
import { monitoringAddon } from './monitoring';
import { nfsProvisionerAddon } from './nfs-provisioner';
import { nvidiaGpuAddon } from './nvidia-gpu';
import { rookCephAddon } from './rook-ceph';
import { veleroAddon } from './velero';

/**
 * Every add-on's definition, by its site key. The type requires one entry per add-on of the catalog (the site schema
 * and the model know them from there), so an add-on cannot be in the schema and silently build nothing.
 */
const REGISTRY: { readonly [F in AddonCatalog[number] as F['key']]: AddonDefinition<F> } = {
  cilium: ciliumAddon,
  calico: calicoAddon,
  metallb: metallbAddon,
  rookCeph: rookCephAddon,
  longhorn: longhornAddon,
  nfsProvisioner: nfsProvisionerAddon,
  localPath: localPathAddon,
  nvidiaGpu: nvidiaGpuAddon,
  monitoring: monitoringAddon,
  argocd: argocdAddon,
  velero: veleroAddon,
  falco: falcoAddon,
  ingressNginx: ingressNginxAddon,
  certManager: certManagerAddon,
  externalSecrets: externalSecretsAddon,
  cloudnativePg: cloudnativePgAddon,
};

/** Every add-on the compiler builds. */
export const ALL_ADDONS: readonly AddonDefinition[] = Object.values(REGISTRY);

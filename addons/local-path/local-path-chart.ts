import { ComponentChart, DefaultDenyNetworkPolicy, LocalPathProvisioner, WorkloadNetworkPolicy } from '../../constructs';
import type { NetworkRule } from '../../constructs';
import { CiliumNetworkPolicy, CiliumNetworkPolicySpecEgressToEntities } from '../../imports/k8s-crds/cilium.io';
import { LOCAL_PATH_STORAGE_CLASS, defaultStorageClassName } from '../addon-contracts';
import type { AddonBuildContext } from '../addon-definition';
import type { LocalPathSpec } from './spec';

/**
 * Node-local volumes: Rancher's local-path provisioner at the site's pinned version, as first-party objects (upstream
 * publishes no chart repository). Its namespace denies all traffic except the provisioner's calls to the API server;
 * the helper pods it starts only create and remove folders on their node.
 */
export function buildLocalPathChart(chart: ComponentChart, { config: spec, model, component }: AddonBuildContext<LocalPathSpec>): void {
  const ns = component.namespace;
  const provisioner = new LocalPathProvisioner(chart, 'provisioner', {
    namespace: ns,
    version: spec.version,
    storageClassName: LOCAL_PATH_STORAGE_CLASS,
    defaultClass: defaultStorageClassName(model) === LOCAL_PATH_STORAGE_CLASS,
  });

  // The provisioner resolves the API server's Service name like any client.
  new DefaultDenyNetworkPolicy(chart, 'default-deny', { namespace: ns }).allowClusterDns();
  const k = model.kubernetes;
  const cilium = model.site.platform.addons.cilium !== undefined;
  // The API server after Service translation (the control planes), the VIP, and the `kubernetes` Service itself.
  const egress: NetworkRule[] = cilium
    ? []
    : [
        ...[...k.controlPlanes.map((c) => c.ip), k.apiVip].map((address) => ({ peer: { cidr: `${address}/32` }, ports: [{ port: k.apiPort }] })),
        { peer: { cidr: `${k.apiServiceIp}/32` }, ports: [{ port: 443 }] },
      ];
  if (egress.length > 0) {
    new WorkloadNetworkPolicy(chart, 'provisioner-egress', { name: 'local-path-provisioner', namespace: ns, podSelector: provisioner.podLabels, egress, policyTypes: ['Egress'] });
  } else {
    // Cilium gives node addresses (where the API server listens) their own identity, which CIDR rules do not match.
    new CiliumNetworkPolicy(chart, 'provisioner-apiserver', {
      metadata: { name: 'local-path-provisioner-to-apiserver', namespace: ns },
      spec: {
        endpointSelector: { matchLabels: { ...provisioner.podLabels } },
        egress: [{ toEntities: [CiliumNetworkPolicySpecEgressToEntities.KUBE_HYPHEN_APISERVER] }],
      },
    });
  }
}

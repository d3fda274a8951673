import { ComponentChart, HelmRelease } from '../../constructs';
import * as tigera from '../../imports/k8s-crds/operator.tigera.io';
import { ip } from '../../model';
import { releaseDelivery } from '../addon-contracts';
import { applyAtBootstrap } from '../../constructs/apply-at-bootstrap';
import type { AddonBuildContext } from '../addon-definition';
import { containerResources } from '../container-resources';
import type { CalicoSpec } from './spec';
import { CALICO_BLOCK_SIZE as BLOCK_SIZE } from './spec';

export const CALICO_RELEASE = 'calico';

/**
 * Calico as the CNI, installed by the Tigera operator chart and configured by one Installation: pods get addresses
 * from the site's pod CIDR, carried between the nodes in VXLAN (one L2 network, no BGP router to peer with), and each
 * node is known by the address kubelet registers (the model's node IP). With the eBPF data plane Calico also serves
 * Services: kubeadm then installs no kube-proxy, and the operator reaches the API server through the site's VIP,
 * since the `kubernetes` Service has nobody to serve it until Calico runs.
 */
export function buildCalicoChart(chart: ComponentChart, { config: spec, model, component }: AddonBuildContext<CalicoSpec>): void {
  const k = model.kubernetes;
  if (ip.subnet(k.podCidr).prefixLength > BLOCK_SIZE) {
    throw new Error(`kubernetes.podCidr ${k.podCidr} is smaller than one node's /${BLOCK_SIZE} address block; use a /${BLOCK_SIZE} or larger (e.g. a /16)`);
  }
  const bpf = spec.dataplane === 'bpf';

  new HelmRelease(chart, 'tigera-operator', {
    repoUrl: 'https://docs.tigera.io/calico/charts',
    chart: 'tigera-operator',
    version: spec.chartVersion,
    releaseName: CALICO_RELEASE,
    namespace: component.namespace,
    delivery: releaseDelivery(component, spec.delivery),
    values: {
      // The Installation is this component's own object (below), checked against its CRD like every other.
      installation: { enabled: false },
      // The Calico API server serves projectcalico.org/v3, the API Calico's own network policies are written in.
      apiServer: { enabled: true },
      // Flow aggregation and its UI are not part of the site.
      goldmane: { enabled: false },
      whisker: { enabled: false },
      resources: containerResources([100, 500], [128, 256]),
      ...(bpf ? { kubernetesServiceEndpoint: { host: k.apiVip, port: String(k.apiPort) } } : {}),
    },
  });

  // Cluster-scoped, and the operator only acts on the one named "default".
  const installation = new tigera.Installation(chart, 'installation', {
    metadata: { name: 'default' },
    spec: {
      variant: tigera.InstallationSpecVariant.CALICO,
      calicoNetwork: {
        linuxDataplane: bpf ? tigera.InstallationSpecCalicoNetworkLinuxDataplane.BPF : tigera.InstallationSpecCalicoNetworkLinuxDataplane.IPTABLES,
        bgp: tigera.InstallationSpecCalicoNetworkBgp.DISABLED,
        ipPools: [
          {
            name: 'default-ipv4-ippool',
            cidr: k.podCidr,
            blockSize: BLOCK_SIZE,
            // VXLAN works in both data planes (eBPF has no IP-in-IP) and needs nothing from the network but UDP 4789.
            encapsulation: tigera.InstallationSpecCalicoNetworkIpPoolsEncapsulation.VXLAN,
            natOutgoing: tigera.InstallationSpecCalicoNetworkIpPoolsNatOutgoing.ENABLED,
            nodeSelector: 'all()',
          },
        ],
        nodeAddressAutodetectionV4: { kubernetes: tigera.InstallationSpecCalicoNetworkNodeAddressAutodetectionV4Kubernetes.NODE_INTERNAL_IP },
      },
      serviceCidRs: [k.serviceCidr],
    },
  });
  // Without it the operator installs nothing and no node turns Ready, so Argo CD could never apply it.
  applyAtBootstrap(installation);
}

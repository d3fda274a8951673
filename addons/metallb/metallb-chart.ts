import { ComponentChart, HelmRelease } from '../../constructs';
import * as metallb from '../../imports/k8s-crds/metallb.io';
import { releaseDelivery } from '../addon-contracts';
import type { AddonBuildContext } from '../addon-definition';
import { containerResources } from '../container-resources';
import type { MetallbSpec } from './spec';

export const METALLB_RELEASE = 'metallb';

/**
 * MetalLB in layer-2 mode: LoadBalancer Services get addresses from the site's range (which the model has checked is
 * inside the node VLAN and holds no other address of the site), and the node serving one answers ARP for it.
 */
export function buildMetallbChart(chart: ComponentChart, { config: spec, model, component }: AddonBuildContext<MetallbSpec>): void {
  const ns = component.namespace;

  new HelmRelease(chart, 'metallb', {
    repoUrl: 'https://metallb.github.io/metallb',
    chart: 'metallb',
    version: spec.chartVersion,
    releaseName: METALLB_RELEASE,
    namespace: ns,
    delivery: releaseDelivery(component, spec.delivery),
    values: {
      // Layer 2 only: the site has no BGP router, so no BGP backend runs (frr-k8s is the chart's default since 0.16).
      frrk8s: { enabled: false },
      controller: { resources: containerResources([10, 200], [64, 128]) },
      speaker: { frr: { enabled: false }, resources: containerResources([10, 200], [64, 128]) },
    },
  });

  const poolName = model.kubernetes.nodeVlan.name;
  const range = spec.addressRange;
  new metallb.IpAddressPool(chart, 'pool', {
    metadata: { name: poolName, namespace: ns },
    spec: { addresses: [`${range.start}-${range.stop}`], autoAssign: true },
  });
  new metallb.L2Advertisement(chart, 'l2-advertisement', {
    metadata: { name: poolName, namespace: ns },
    spec: { ipAddressPools: [poolName] },
  });
}

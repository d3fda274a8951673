import { ComponentChart, HelmRelease } from '../constructs';
import * as metallb from '../imports/k8s-crds/metallb.io';
import type { ComponentModel, SiteModel } from '../model';
import { releaseDelivery } from './addon-contracts';

export const METALLB_RELEASE = 'metallb';

/**
 * MetalLB in layer-2 mode: LoadBalancer Services get addresses from the site's range (which the model has checked is
 * inside the node VLAN and holds no other address of the site), and the node serving one answers ARP for it.
 */
export function buildMetallbChart(chart: ComponentChart, model: SiteModel, component: ComponentModel): void {
  const spec = model.site.platform.addons.metallb;
  if (!spec) throw new Error(`component ${component.name}: platform.addons.metallb is not set`);
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
      speaker: { frr: { enabled: false } },
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

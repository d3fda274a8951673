import { ComponentChart, HelmRelease } from '../../constructs';
import * as cilium from '../../imports/k8s-crds/cilium.io';
import { ip } from '../../model';
import { releaseDelivery } from '../addon-contracts';
import type { AddonBuildContext } from '../addon-definition';
import { ONE_SHOT_RESOURCES, containerResources } from '../container-resources';
import type { CiliumSpec } from './spec';
import { CILIUM_NODE_POD_MASK as NODE_POD_MASK } from './spec';


/**
 * Cilium as the CNI and kube-proxy replacement: the agents reach the API server through the site's VIP (there is no
 * kube-proxy to serve the `kubernetes` Service), pods get addresses from the site's pod CIDR, and LoadBalancer
 * Services get addresses from the site's range, announced with ARP on the node VLAN.
 */
export function buildCiliumChart(chart: ComponentChart, { config: spec, model, component }: AddonBuildContext<CiliumSpec>): void {
  const k = model.kubernetes;
  const podNet = ip.subnet(k.podCidr);
  if (podNet.prefixLength > NODE_POD_MASK) {
    throw new Error(`kubernetes.podCidr ${k.podCidr} is smaller than one node's /${NODE_POD_MASK} pod range; use a /${NODE_POD_MASK} or larger (e.g. a /16)`);
  }

  new HelmRelease(chart, 'cilium', {
    repoUrl: 'https://helm.cilium.io/',
    chart: 'cilium',
    version: spec.chartVersion,
    releaseName: 'cilium',
    namespace: component.namespace,
    delivery: releaseDelivery(component, spec.delivery),
    values: {
      kubeProxyReplacement: true,
      k8sServiceHost: k.apiVip,
      k8sServicePort: k.apiPort,
      ipam: { mode: 'cluster-pool', operator: { clusterPoolIPv4PodCIDRList: [k.podCidr], clusterPoolIPv4MaskSize: NODE_POD_MASK } },
      l2announcements: { enabled: true },
      // Every L2-announced Service holds a lease renewed through the API server; the defaults throttle that.
      k8sClientRateLimit: { qps: 20, burst: 40 },
      // Agents restart when their ConfigMap changes, so a values change takes effect without a manual rollout.
      rollOutCiliumPods: true,
      // The chart sets no resources but the CNI installer's request; initResources covers the agent's other init containers.
      // Not certgen.resources: chart 1.18.0 indents it one level too shallow, so it renders as unknown container fields.
      resources: containerResources([100, 1000], [256, 1024]),
      initResources: ONE_SHOT_RESOURCES,
      cni: { resources: containerResources([100, 500], [10, 128]) },
      envoy: { resources: containerResources([50, 1000], [64, 512]) },
      operator: { resources: containerResources([50, 500], [128, 256]) },
      cgroup: { autoMount: { resources: ONE_SHOT_RESOURCES } },
      hubble: spec.hubble
        ? {
            enabled: true,
            relay: { enabled: true, resources: containerResources([50, 500], [64, 256]) },
            ui: { enabled: true, backend: { resources: containerResources([10, 200], [32, 128]) }, frontend: { resources: containerResources([10, 200], [32, 128]) } },
            // Certificates are made in the cluster by Cilium's certgen job: the chart's default ("helm") would
            // generate them at render time, putting private keys into rendered manifests.
            tls: { auto: { enabled: true, method: 'cronJob', schedule: '0 0 1 */4 *' } },
          }
        : { enabled: false },
    },
  });

  const range = spec.loadBalancerRange;
  const poolName = k.nodeVlan.name;
  // LB-IPAM pool and L2 policy are cluster-scoped: no namespace.
  new cilium.CiliumLoadBalancerIpPool(chart, 'lb-pool', {
    metadata: { name: poolName },
    spec: { blocks: [{ start: range.start, stop: range.stop }] },
  });
  new cilium.CiliumL2AnnouncementPolicy(chart, 'l2-policy', {
    metadata: { name: poolName },
    spec: {
      loadBalancerIPs: true,
      externalIPs: false,
      // Control planes already answer ARP for the API VIP (kube-vip); Service addresses are announced by workers.
      ...(k.workers.length > 0
        ? {
            nodeSelector: {
              matchExpressions: [{ key: 'node-role.kubernetes.io/control-plane', operator: cilium.CiliumL2AnnouncementPolicySpecNodeSelectorMatchExpressionsOperator.DOES_NOT_EXIST }],
            },
          }
        : {}),
    },
  });
}

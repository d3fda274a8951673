import { z } from 'zod';
import { chartAddon } from '../../site/addon-fields';
import { ipv4 } from '../../site/primitives';
import { addonFacts } from '../addon-facts';

/** platform.addons.cilium: the add-on's part of the site schema. */
export const ciliumSpec = z
  .strictObject({
    ...chartAddon,
    hubble: z.boolean().default(true).describe('Hubble flow visibility (relay and UI). Default: true.'),
    loadBalancerRange: z
      .strictObject({ start: ipv4.describe('First address of the range.'), stop: ipv4.describe('Last address of the range.') })
      .describe('LoadBalancer IP range announced with L2 (inside the node VLAN, outside every VM address).'),
  });
export type CiliumSpec = z.output<typeof ciliumSpec>;

export const ciliumFacts = addonFacts({
  key: 'cilium',
  spec: ciliumSpec,
  description: 'Cilium as the CNI (replacing kube-proxy) and L2 LoadBalancer. Default: not installed.',
  component: 'cilium',
  namespace: 'kube-system',
  provides: ['cni', 'load-balancer'],
  needs: [],
  replacesKubeProxy: () => true,
  loadBalancerRange: (config) => config.loadBalancerRange,
  loadBalancerIpAnnotation: 'lbipam.cilium.io/ips',
  network: {
    // Pods, nodes and the API server have Cilium identities of their own; CIDR rules match only addresses outside the cluster.
    ipBlockMatchesCluster: false,
    policyKinds: ['cilium.io/CiliumNetworkPolicy', 'cilium.io/CiliumClusterwideNetworkPolicy'],
    externalTrafficPolicyLocal: {
      supported: false,
      reason: 'Cilium\'s L2 announcements answer for an address from one elected node, which need not run a backend pod, and its documentation lists externalTrafficPolicy: Local as unsupported with them',
    },
  },
  podSecurity: { level: 'privileged', reason: 'the CNI agent needs host networking, BPF mounts and NET_ADMIN/SYS_ADMIN on every node' },
  // The agent programs the node's network, so it lives in the host's network namespace with BPF and cgroup mounts.
  policyExceptions: [
    {
      objects: ['DaemonSet/{ns}/cilium', 'DaemonSet/{ns}/cilium-envoy'],
      rules: ['host-namespaces', 'host-path', 'host-port', 'no-privileged', 'capabilities-add', 'capabilities-drop-all', 'no-privilege-escalation', 'run-as-non-root', 'read-only-root-fs'],
      reason: 'CNI agent: programs the node\'s network from the host network namespace, with BPF, cgroup and CNI-config host mounts and NET_ADMIN/SYS_ADMIN',
    },
    {
      objects: ['Deployment/{ns}/cilium-operator'],
      rules: ['host-namespaces', 'host-port'],
      reason: 'CNI operator: runs on the host network because pod networking does not exist until the CNI it manages is up',
    },
  ],
});

/** Per-node pod range of Cilium's cluster-pool IPAM: a /24 gives each node 254 pod addresses; the pod CIDR must hold one per node. */
export const CILIUM_NODE_POD_MASK = 24;

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

/** Per-node pod range of Cilium's cluster-pool IPAM: a /24 gives each node 254 pod addresses; the pod CIDR must hold one per node. */
export const CILIUM_NODE_POD_MASK = 24;

export const ciliumFacts = addonFacts({
  key: 'cilium',
  spec: ciliumSpec,
  description: 'Cilium as the CNI (replacing kube-proxy) and L2 LoadBalancer. Default: not installed.',
  component: 'cilium',
  namespace: 'kube-system',
  // Cilium's compatibility page lists the Kubernetes releases each line is e2e tested with and guarantees them.
  kubernetesSupport: [
    { chartVersions: '1.18.x', release: 'Cilium 1.18', minKubernetes: '1.30', maxKubernetes: '1.33', upstreamSays: 'supported', source: 'https://docs.cilium.io/en/v1.18/network/kubernetes/compatibility/' },
  ],
  provides: ['cni', 'load-balancer'],
  needs: [],
  replacesKubeProxy: () => true,
  loadBalancerRange: (config) => config.loadBalancerRange,
  loadBalancerRangeField: 'loadBalancerRange',
  podRangePerNode: { prefixLength: CILIUM_NODE_POD_MASK, unit: 'pod range', by: 'Cilium' },
  // cilium-operator registers the cilium.io CRDs when it starts; the chart renders none.
  runtimeCrdGroups: ['cilium.io'],
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
      rules: ['host-namespaces', 'host-path', 'host-port', 'no-privileged', 'capabilities-add', 'capabilities-drop-all', 'no-privilege-escalation', 'run-as-non-root', 'read-only-root-fs', 'seccomp-profile'],
      reason: 'CNI agent: programs the node\'s network from the host network namespace, with BPF, cgroup and CNI-config host mounts and NET_ADMIN/SYS_ADMIN (the agent\'s BPF and mount syscalls are outside the runtime\'s default seccomp profile)',
    },
    {
      objects: ['Deployment/{ns}/cilium-operator'],
      rules: ['host-namespaces', 'host-port'],
      reason: 'CNI operator: runs on the host network because pod networking does not exist until the CNI it manages is up',
    },
    {
      objects: ['Deployment/{ns}/cilium-operator', 'Deployment/{ns}/hubble-relay', 'Deployment/{ns}/hubble-ui'],
      rules: ['run-as-non-root', 'read-only-root-fs', 'capabilities-drop-all', 'seccomp-profile'],
      reason: 'upstream security settings: chart 1.18.0 gives the operator no user and the Hubble relay and UI writable root filesystems (the UI\'s nginx writes its cache and PID there) and no seccomp profile; the chart has no values that change all of it',
    },
    {
      objects: ['Deployment/{ns}/hubble-ui'],
      rules: ['probes'],
      reason: 'the chart probes the Hubble UI frontend only; its backend container has no probe value',
    },
    {
      objects: ['Job/{ns}/hubble-generate-certs', 'CronJob/{ns}/hubble-generate-certs'],
      rules: ['run-as-non-root', 'read-only-root-fs', 'resources-requests', 'resources-limits'],
      reason: 'Hubble certificate Job (runs for seconds every four months): chart 1.18.0 indents certgen.resources one level too shallow, so any value renders as unknown container fields, and it sets no user',
    },
    {
      objects: ['Namespace/cilium-secrets'],
      rules: ['namespace-pss-labels', 'namespace-default-deny'],
      reason: 'created by the cilium chart to hold the Secrets of TLS interception for the agents; no pod runs in it, and the chart\'s Namespace takes no labels',
    },
  ],
});


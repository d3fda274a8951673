import { z } from 'zod';
import { chartAddon } from '../../site/addon-fields';
import { addonFacts } from '../addon-facts';

/** platform.addons.calico: the add-on's part of the site schema. */
export const calicoSpec = z
  .strictObject({
    ...chartAddon,
    dataplane: z.enum(['iptables', 'bpf'], { message: 'must be "iptables" or "bpf"' }).default('iptables').describe(
      'Data plane of calico-node. "bpf" serves Services itself in place of kube-proxy: the nodes are then built without kube-proxy (kubeadm skips it) and the operator reaches the API server through the site\'s VIP. Default: "iptables", Calico\'s own default.',
    ),
  });
export type CalicoSpec = z.output<typeof calicoSpec>;

/** Per-node pod address block: /26 (64 addresses), Calico's default; a node takes more blocks as it needs them, and at least one. */
export const CALICO_BLOCK_SIZE = 26;

export const calicoFacts = addonFacts({
  key: 'calico',
  spec: calicoSpec,
  description: 'Calico (tigera-operator) as the CNI. Default: not installed.',
  component: 'calico',
  namespace: 'tigera-operator',
  // Calico 3.30's requirements: tested on Kubernetes 1.31 to 1.33; API changes keep it from working on 1.20 or older
  // (the tigera-operator chart states no kubeVersion, so only this says so).
  kubernetesSupport: [
    { chartVersions: '3.30.x', release: 'Calico 3.30', minKubernetes: '1.21', upstreamSays: 'supported', source: 'https://docs.tigera.io/calico/3.30/getting-started/kubernetes/requirements' },
    { chartVersions: '3.30.x', release: 'Calico 3.30', minKubernetes: '1.31', maxKubernetes: '1.33', upstreamSays: 'tested', source: 'https://docs.tigera.io/calico/3.30/getting-started/kubernetes/requirements' },
  ],
  provides: ['cni'],
  // Calico matches ipBlock against the addresses as they are (pods, nodes and the API server included).
  network: { policyKinds: ['projectcalico.org/NetworkPolicy', 'projectcalico.org/GlobalNetworkPolicy', 'crd.projectcalico.org/NetworkPolicy', 'crd.projectcalico.org/GlobalNetworkPolicy'] },
  needs: [],
  // Calico's eBPF data plane serves Services itself; with iptables kube-proxy stays.
  replacesKubeProxy: (config) => config.dataplane === 'bpf',
  podSecurity: { level: 'privileged', reason: 'the CNI agent needs host networking and privileged access on every node' },
  podRangePerNode: { prefixLength: CALICO_BLOCK_SIZE, unit: 'address block', by: 'Calico' },
  // The Calico API server, started by the tigera operator, serves projectcalico.org; no chart renders its CRDs.
  runtimeCrdGroups: ['projectcalico.org'],
  policyExceptions: [
    {
      objects: ['Deployment/{ns}/tigera-operator'],
      rules: ['host-namespaces', 'host-path'],
      reason: 'CNI operator: runs on the host network because pod networking does not exist until the CNI it installs is up',
    },
    {
      objects: ['Deployment/{ns}/tigera-operator'],
      rules: ['run-as-non-root', 'read-only-root-fs', 'no-privilege-escalation', 'capabilities-drop-all', 'seccomp-profile', 'probes'],
      reason: 'upstream security settings: tigera-operator chart v3.30.7 sets no securityContext and no probes for the operator and has no values for either',
    },
    {
      objects: ['Job/{ns}/tigera-operator-uninstall'],
      rules: ['host-namespaces', 'run-as-non-root', 'read-only-root-fs', 'no-privilege-escalation', 'capabilities-drop-all', 'seccomp-profile', 'resources-requests', 'resources-limits'],
      reason: 'uninstall hook: runs only when the release is deleted, on the host network like the operator, to remove what the operator installed; the chart has no values for it',
    },
  ],
});


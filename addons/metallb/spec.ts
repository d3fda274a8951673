import { z } from 'zod';
import { chartAddon } from '../../site/addon-fields';
import { ipv4 } from '../../site/primitives';
import { addonFacts } from '../addon-facts';

/** platform.addons.metallb: the add-on's part of the site schema. */
export const metallbSpec = z
  .strictObject({
    ...chartAddon,
    addressRange: z
      .strictObject({ start: ipv4.describe('First address of the range.'), stop: ipv4.describe('Last address of the range.') })
      .describe('LoadBalancer IP range announced with L2 (inside the node VLAN, outside every VM address).'),
  });
export type MetallbSpec = z.output<typeof metallbSpec>;

export const metallbFacts = addonFacts({
  key: 'metallb',
  spec: metallbSpec,
  description: 'MetalLB as the LoadBalancer provider. Default: not installed.',
  component: 'metallb',
  namespace: 'metallb-system',
  provides: ['load-balancer'],
  needs: ['cni'],
  loadBalancerRange: (config) => config.addressRange,
  loadBalancerRangeField: 'addressRange',
  loadBalancerIpAnnotation: 'metallb.io/loadBalancerIPs',
  podSecurity: { level: 'privileged', reason: 'the speaker answers ARP on the host network with NET_RAW' },
  policyExceptions: [
    {
      objects: ['DaemonSet/{ns}/*speaker'],
      rules: ['host-namespaces', 'host-port', 'capabilities-add', 'run-as-non-root'],
      reason: 'load-balancer speaker: answers ARP for Service addresses on the node network, which needs the host network and NET_RAW (as root: the capability is not kept across a user change)',
    },
    {
      objects: ['DaemonSet/{ns}/*speaker', 'Deployment/{ns}/*controller'],
      rules: ['seccomp-profile'],
      reason: 'metallb chart 0.16.1 sets no seccomp profile and has no value for one',
    },
  ],
});

import * as kplus from 'cdk8s-plus-30';
import { Construct } from 'constructs';

/**
 * Who traffic may come from or go to: pods by label (in the policy's namespace unless `namespace` is
 * given), every pod of a namespace, or an address block.
 */
export type NetworkPeer =
  | { readonly pods: Readonly<Record<string, string>>; readonly namespace?: string }
  | { readonly namespace: string }
  | { readonly cidr: string; readonly except?: readonly string[] };

export interface NetworkPort {
  readonly port: number;
  /** @default 'TCP' */
  readonly protocol?: 'TCP' | 'UDP';
}

export interface NetworkRule {
  readonly peer: NetworkPeer;
  readonly ports: readonly NetworkPort[];
}

export interface WorkloadNetworkPolicyProps {
  readonly name: string;
  readonly namespace: string;
  /** Labels of the pods the policy applies to; empty selects every pod of the namespace. */
  readonly podSelector: Readonly<Record<string, string>>;
  /** Allowed incoming connections. @default - none */
  readonly ingress?: readonly NetworkRule[];
  /** Allowed outgoing connections. @default - none */
  readonly egress?: readonly NetworkRule[];
  /**
   * Directions the policy isolates. A direction listed with no rules denies all traffic that way.
   * @default - both
   */
  readonly policyTypes?: readonly ('Ingress' | 'Egress')[];
}

/**
 * A NetworkPolicy written as data: one rule per peer, each with explicit ports, so a dependency added
 * to or removed from the site shows up as exactly one rule in the review diff.
 */
export class WorkloadNetworkPolicy extends Construct {
  public readonly policy: kplus.NetworkPolicy;

  constructor(scope: Construct, id: string, props: WorkloadNetworkPolicyProps) {
    super(scope, id);
    const types = new Set(props.policyTypes ?? ['Ingress', 'Egress']);
    const ingress = props.ingress ?? [];
    const egress = props.egress ?? [];
    if (!types.has('Ingress') && ingress.length > 0) throw new Error(`WorkloadNetworkPolicy ${props.name}: ingress rules given but policyTypes ${JSON.stringify([...types])} omits Ingress; add it or drop the rules`);
    if (!types.has('Egress') && egress.length > 0) throw new Error(`WorkloadNetworkPolicy ${props.name}: egress rules given but policyTypes ${JSON.stringify([...types])} omits Egress; add it or drop the rules`);

    const selector = Object.keys(props.podSelector).length === 0
      ? kplus.Pods.all(this, 'selector')
      : kplus.Pods.select(this, 'selector', { labels: { ...props.podSelector } });
    const deny = { default: kplus.NetworkPolicyTrafficDefault.DENY };
    this.policy = new kplus.NetworkPolicy(this, 'Resource', {
      metadata: { name: props.name, namespace: props.namespace },
      selector,
      ingress: types.has('Ingress') ? deny : undefined,
      egress: types.has('Egress') ? deny : undefined,
    });
    ingress.forEach((rule, i) => this.policy.addIngressRule(this.peer(`from-${i}`, rule.peer, props.name), rule.ports.map(toPort)));
    egress.forEach((rule, i) => this.policy.addEgressRule(this.peer(`to-${i}`, rule.peer, props.name), rule.ports.map(toPort)));
  }

  private peer(id: string, peer: NetworkPeer, policy: string): kplus.INetworkPolicyPeer {
    if ('cidr' in peer) {
      if (!/^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$/.test(peer.cidr)) throw new Error(`WorkloadNetworkPolicy ${policy}: peer cidr "${peer.cidr}" is not an IPv4 CIDR like 10.0.0.0/24`);
      return kplus.NetworkPolicyIpBlock.ipv4(this, id, peer.cidr, peer.except && peer.except.length > 0 ? [...peer.except] : undefined);
    }
    const namespaces = peer.namespace ? kplus.Namespaces.select(this, `${id}-namespace`, { names: [peer.namespace] }) : undefined;
    if ('pods' in peer) return kplus.Pods.select(this, id, { labels: { ...peer.pods }, namespaces });
    return namespaces as kplus.Namespaces;
  }
}

function toPort(p: NetworkPort): kplus.NetworkPolicyPort {
  if (!Number.isInteger(p.port) || p.port < 1 || p.port > 65535) throw new Error(`WorkloadNetworkPolicy: port ${p.port} is not a port number from 1 to 65535`);
  return p.protocol === 'UDP' ? kplus.NetworkPolicyPort.udp(p.port) : kplus.NetworkPolicyPort.tcp(p.port);
}

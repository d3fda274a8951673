import { ApiObject } from 'cdk8s';
import { k8s } from 'cdk8s-plus-30';
import { Construct } from 'constructs';
import { WorkloadNetworkPolicy } from './workload-network-policy';

/** The cluster DNS pods as kubeadm deploys CoreDNS: every connection a pod makes starts with a lookup there. */
export const CLUSTER_DNS = { namespace: 'kube-system', podLabels: { 'k8s-app': 'kube-dns' }, port: 53 } as const;

export interface DefaultDenyNetworkPolicyProps {
  /** Namespace whose pods get no traffic in or out unless another policy allows it. */
  readonly namespace: string;
}

/**
 * `default-deny-all` for a namespace (an empty pod selector, Ingress and Egress, no rules), with
 * verbs that add the exact allowances the namespace's workloads need.
 */
export class DefaultDenyNetworkPolicy extends Construct {
  public readonly namespace: string;
  public readonly apiObject: ApiObject;

  constructor(scope: Construct, id: string, props: DefaultDenyNetworkPolicyProps) {
    super(scope, id);
    this.namespace = props.namespace;
    this.apiObject = new k8s.KubeNetworkPolicy(this, 'Resource', {
      metadata: { name: 'default-deny-all', namespace: props.namespace },
      spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'] },
    });
  }

  /**
   * Lets every pod of the namespace resolve names: UDP and TCP 53 to the cluster DNS (large answers retry over TCP).
   * Without it a pod that looks up anything, a Service name included, fails behind the default deny.
   */
  public allowClusterDns(): WorkloadNetworkPolicy {
    return new WorkloadNetworkPolicy(this, 'allow-cluster-dns', {
      name: 'allow-cluster-dns',
      namespace: this.namespace,
      podSelector: {},
      policyTypes: ['Egress'],
      egress: [{ peer: { pods: CLUSTER_DNS.podLabels, namespace: CLUSTER_DNS.namespace }, ports: [{ port: CLUSTER_DNS.port, protocol: 'UDP' }, { port: CLUSTER_DNS.port, protocol: 'TCP' }] }],
    });
  }

  /**
   * Lets pods of another namespace reach the selected pods on one TCP port (e.g. Prometheus scraping
   * an exporter). Returns the policy it creates.
   */
  public allowFromNamespace(fromNamespace: string, podLabels: Readonly<Record<string, string>>, port: number): ApiObject {
    if (!Number.isInteger(port) || port < 1 || port > 65535) {
      throw new Error(`DefaultDenyNetworkPolicy ${this.namespace}: port ${port} is not a TCP port; give 1-65535`);
    }
    return new k8s.KubeNetworkPolicy(this, `allow-${fromNamespace}-${port}`, {
      metadata: { name: `allow-${fromNamespace}-${port}`, namespace: this.namespace },
      spec: {
        podSelector: { matchLabels: { ...podLabels } },
        policyTypes: ['Ingress'],
        ingress: [
          {
            from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': fromNamespace } } }],
            ports: [{ protocol: 'TCP', port: k8s.IntOrString.fromNumber(port) }],
          },
        ],
      },
    });
  }
}

import { stringify } from 'yaml';
import { RELEASE_TAG } from '../model/builder-contracts';

export interface KubeVipManifestOptions {
  /** The API virtual IP. */
  readonly address: string;
  /** API server port. */
  readonly port: number;
  /** Interface inside the VM that holds the node VLAN address. */
  readonly interface: string;
  /** kube-vip release, the image tag (e.g. v0.8.9). */
  readonly version: string;
  /**
   * Kubeconfig kube-vip uses for leader election. On the node running `kubeadm init` with Kubernetes
   * 1.29+, admin.conf has no rights until init has finished; super-admin.conf does (kube-vip issue 684).
   * @default "/etc/kubernetes/admin.conf"
   */
  readonly kubeconfig?: string;
}

/**
 * kube-vip as a static pod on a control plane: ARP mode, leader election on a Lease, control-plane VIP
 * only (Services get their load-balancer addresses from the CNI). Pure: returns the manifest text.
 */
export function kubeVipManifest(options: KubeVipManifestOptions): string {
  if (!RELEASE_TAG.test(options.version)) throw new Error(`kubeVipManifest: version ${JSON.stringify(options.version)} must be a release tag like v0.8.9`);
  if (!/^[a-z][a-z0-9.@_-]*$/i.test(options.interface)) throw new Error(`kubeVipManifest: interface ${JSON.stringify(options.interface)} is not an interface name`);
  const env: Record<string, string> = {
    vip_arp: 'true',
    port: String(options.port),
    vip_interface: options.interface,
    vip_subnet: '32',
    dns_mode: 'first',
    cp_enable: 'true',
    cp_namespace: 'kube-system',
    svc_enable: 'false',
    vip_leaderelection: 'true',
    vip_leasename: 'plndr-cp-lock',
    vip_leaseduration: '5',
    vip_renewdeadline: '3',
    vip_retryperiod: '1',
    address: options.address,
    prometheus_server: ':2112',
  };
  const pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'kube-vip', namespace: 'kube-system' },
    spec: {
      containers: [
        {
          name: 'kube-vip',
          image: `ghcr.io/kube-vip/kube-vip:${options.version}`,
          imagePullPolicy: 'IfNotPresent',
          args: ['manager'],
          env: [
            { name: 'vip_nodename', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
            ...Object.entries(env).map(([name, value]) => ({ name, value })),
          ],
          securityContext: { capabilities: { drop: ['ALL'], add: ['NET_ADMIN', 'NET_RAW'] } },
          volumeMounts: [{ name: 'kubeconfig', mountPath: '/etc/kubernetes/admin.conf', readOnly: true }],
        },
      ],
      // kube-vip reaches the API server as kubernetes:<port> (the VIP is what it is about to bring up): the local one.
      hostAliases: [{ ip: '127.0.0.1', hostnames: ['kubernetes'] }],
      hostNetwork: true,
      priorityClassName: 'system-node-critical',
      volumes: [{ name: 'kubeconfig', hostPath: { path: options.kubeconfig ?? '/etc/kubernetes/admin.conf', type: 'File' } }],
    },
  };
  return stringify(pod, { lineWidth: 0 });
}

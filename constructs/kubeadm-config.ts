import { Document } from 'yaml';
import { styleScalars } from '../core/yaml-scalar-style';
import { kubeletReserves } from '../model';
import type { KubeletReserves, KubernetesModel, VmModel } from '../model';
import { byCodePoint } from '../core/order';
import { KUBEADM_V1BETA4_SINCE, kubeletMaySetLabel } from '../model/builder-contracts';

/**
 * kubeadm configuration files for the cluster's nodes, as YAML text. Pure functions of the model: the
 * secrets are passed in as whatever text should stand in the file — Terraform expressions such as
 * `${var.kubeadm_token}` in the synthesized output, literals in tests — so nothing secret is ever a value
 * here, and the same function is what the tests check.
 */

export const KUBEADM_API_VERSION = 'kubeadm.k8s.io/v1beta4';
/** containerd's CRI socket on Ubuntu. */
export const CONTAINERD_SOCKET = 'unix:///run/containerd/containerd.sock';
/** Where joining nodes find the kubeconfig that pins the cluster CA (file discovery). */
export const DISCOVERY_KUBECONFIG = '/etc/kubeadm-bootstrap/discovery.conf';
/**
 * kubeadm's patches directory on every node. It is kept after the bootstrap: `kubeadm upgrade node` rewrites the
 * kubelet's configuration from the cluster's ConfigMap and keeps the node's reserves only when given
 * `--patches /etc/kubeadm-bootstrap/patches`.
 */
export const KUBEADM_PATCHES_DIR = '/etc/kubeadm-bootstrap/patches';
/** The patch of the node's KubeletConfiguration (target kubeletconfiguration, JSON merge patch). */
export const KUBELET_PATCH_FILE = `${KUBEADM_PATCHES_DIR}/kubeletconfiguration+merge.yaml`;

export interface KubeadmSecrets {
  /** Bootstrap token (`[a-z0-9]{6}.[a-z0-9]{16}`) or the expression that yields it. */
  readonly token: string;
  /** Key (64 hex digits) that encrypts the control-plane certificates uploaded by `kubeadm init --upload-certs`. */
  readonly certificateKey: string;
}

export interface KubeadmConfigOptions {
  readonly kubernetes: KubernetesModel;
  /** The node the file is for. */
  readonly vm: VmModel;
  readonly secrets: KubeadmSecrets;
  /** Leave kube-proxy out: Cilium replaces it. @default false */
  readonly skipKubeProxy?: boolean;
  /** Bootstrap token lifetime. @default "24h0m0s" - long enough for one apply, short enough not to linger */
  readonly tokenTtl?: string;
}

/** The taint kubeadm gives a control plane whose registration names no taints. */
export const CONTROL_PLANE_TAINT = { key: 'node-role.kubernetes.io/control-plane', value: '', effect: 'NoSchedule' } as const;

/** The taints the node carries once it has joined: its pool's, or kubeadm's default on a control plane without any. */
export function registeredTaints(vm: VmModel): readonly { readonly key: string; readonly value: string; readonly effect: string }[] {
  return vm.role === 'control-plane' && vm.taints.length === 0 ? [CONTROL_PLANE_TAINT] : vm.taints;
}

/**
 * The labels the node carries once it has joined: kubelet's well-known ones (the cloud image is amd64), kubeadm's
 * control-plane role labels, and the pool's (node-labels).
 */
export function registeredLabels(vm: VmModel): Readonly<Record<string, string>> {
  return {
    'kubernetes.io/arch': 'amd64',
    'kubernetes.io/hostname': vm.name,
    'kubernetes.io/os': 'linux',
    ...(vm.role === 'control-plane' ? { 'node-role.kubernetes.io/control-plane': '', 'node.kubernetes.io/exclude-from-external-load-balancers': '' } : {}),
    ...vm.labels,
  };
}

/** The file for `vm`: InitConfiguration + ClusterConfiguration + KubeletConfiguration on the first control plane, JoinConfiguration elsewhere. */
export function kubeadmConfig(options: KubeadmConfigOptions): string {
  return options.vm.name === options.kubernetes.firstControlPlane.name ? kubeadmInitConfig(options) : kubeadmJoinConfig(options);
}

export function kubeadmInitConfig(options: KubeadmConfigOptions): string {
  const { kubernetes: k, vm, secrets } = options;
  checkVersion(k);
  checkVm(k, vm);
  if (vm.role !== 'control-plane') throw new Error(`kubeadmInitConfig: ${vm.name} is a ${vm.role}; kubeadm init runs on a control plane`);
  const init: Record<string, unknown> = {
    apiVersion: KUBEADM_API_VERSION,
    kind: 'InitConfiguration',
    bootstrapTokens: [
      {
        token: secrets.token,
        description: 'joins the nodes created with the cluster',
        ttl: options.tokenTtl ?? '24h0m0s',
        usages: ['signing', 'authentication'],
        groups: ['system:bootstrappers:kubeadm:default-node-token'],
      },
    ],
    certificateKey: secrets.certificateKey,
    localAPIEndpoint: { advertiseAddress: vm.ip, bindPort: k.apiPort },
    nodeRegistration: nodeRegistration(vm),
    patches: { directory: KUBEADM_PATCHES_DIR },
  };
  if (options.skipKubeProxy) init.skipPhases = ['addon/kube-proxy'];
  const cluster: Record<string, unknown> = {
    apiVersion: KUBEADM_API_VERSION,
    kind: 'ClusterConfiguration',
    clusterName: k.clusterName,
    kubernetesVersion: `v${k.version}`,
    controlPlaneEndpoint: k.controlPlaneEndpoint,
    networking: { podSubnet: k.podCidr, serviceSubnet: k.serviceCidr, dnsDomain: k.dnsDomain },
    apiServer: { certSANs: [k.apiVip, ...k.controlPlanes.map((c) => c.ip)] },
    // Prometheus scrapes these from the pod network: kubeadm binds them to 127.0.0.1 by default, which
    // leaves the control-plane targets of kube-prometheus-stack down. The controller manager and the
    // scheduler still require an authorized token (HTTPS); etcd serves only metrics on 2381, never data.
    controllerManager: { extraArgs: [{ name: 'bind-address', value: '0.0.0.0' }] },
    scheduler: { extraArgs: [{ name: 'bind-address', value: '0.0.0.0' }] },
    etcd: { local: { extraArgs: [{ name: 'listen-metrics-urls', value: 'http://0.0.0.0:2381' }] } },
  };
  // Recorded in the cluster's kubeadm-config, so `kubeadm upgrade` keeps kube-proxy out as well.
  if (options.skipKubeProxy) cluster.proxy = { disabled: true };
  // The cluster-wide part only: kubeadm stores it in the kubelet-config ConfigMap that every joining node reads.
  // The reserves depend on the node's size, so each node gets them from its own patch (kubeletReservesPatch).
  const kubelet = {
    apiVersion: 'kubelet.config.k8s.io/v1beta1',
    kind: 'KubeletConfiguration',
    // containerd is configured with SystemdCgroup = true; both must use the systemd driver.
    cgroupDriver: 'systemd',
  };
  return toYaml([init, cluster, kubelet], [secrets.token, secrets.certificateKey]);
}

export function kubeadmJoinConfig(options: KubeadmConfigOptions): string {
  const { kubernetes: k, vm, secrets } = options;
  checkVersion(k);
  checkVm(k, vm);
  if (vm.name === k.firstControlPlane.name) throw new Error(`kubeadmJoinConfig: ${vm.name} is the first control plane; it runs kubeadm init`);
  const join: Record<string, unknown> = {
    apiVersion: KUBEADM_API_VERSION,
    kind: 'JoinConfiguration',
    // File discovery: the kubeconfig holds the cluster CA, so the node verifies the API server it joins.
    discovery: { file: { kubeConfigPath: DISCOVERY_KUBECONFIG }, tlsBootstrapToken: secrets.token },
    nodeRegistration: nodeRegistration(vm),
    patches: { directory: KUBEADM_PATCHES_DIR },
  };
  if (vm.role === 'control-plane') {
    join.controlPlane = { localAPIEndpoint: { advertiseAddress: vm.ip, bindPort: k.apiPort }, certificateKey: secrets.certificateKey };
  }
  return toYaml([join], vm.role === 'control-plane' ? [secrets.token, secrets.certificateKey] : [secrets.token]);
}

/**
 * The node's own part of its KubeletConfiguration, which kubeadm init/join merges into the cluster's before kubelet
 * first starts: kubeReserved and systemReserved sized for this VM, so kubelet reports as allocatable exactly what
 * model/node-allocatable.ts computes and the scheduling check places pods against. Only the pods' cgroup is
 * enforced (kubelet's default enforceNodeAllocatable), so the reserves lower allocatable without capping the daemons.
 * @param reserves @default - kubeletReserves(vm), GKE's rule for kubelet and containerd plus a fixed reserve for the OS
 */
export function kubeletReservesPatch(vm: Pick<VmModel, 'cores' | 'memoryMiB'>, reserves: KubeletReserves = kubeletReserves(vm)): string {
  const quantities = (r: KubeletReserves['kubeReserved']): Record<string, string> => ({ cpu: `${r.cpuMilli}m`, memory: `${r.memoryMiB}Mi` });
  return toYaml(
    [
      {
        apiVersion: 'kubelet.config.k8s.io/v1beta1',
        kind: 'KubeletConfiguration',
        kubeReserved: quantities(reserves.kubeReserved),
        systemReserved: quantities(reserves.systemReserved),
      },
    ],
    [],
  );
}

/**
 * The kubeconfig a joining node discovers the cluster with: the API endpoint and the CA certificate,
 * no credentials (the bootstrap token authenticates). `caCertificateBase64` is the PEM, base64-encoded.
 */
export function discoveryKubeconfig(kubernetes: Pick<KubernetesModel, 'clusterName' | 'controlPlaneEndpoint'>, caCertificateBase64: string): string {
  const name = kubernetes.clusterName;
  return toYaml(
    [
      {
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [{ name, cluster: { server: `https://${kubernetes.controlPlaneEndpoint}`, 'certificate-authority-data': caCertificateBase64 } }],
        contexts: [{ name, context: { cluster: name } }],
        'current-context': name,
        users: [],
      },
    ],
    [caCertificateBase64],
  );
}

function nodeRegistration(vm: VmModel): Record<string, unknown> {
  const labels = Object.entries(vm.labels).sort(([a], [b]) => byCodePoint(a, b));
  for (const [key] of labels) {
    if (!kubeletMaySetLabel(key)) {
      throw new Error(
        `kubeadm: node label "${key}" of ${vm.name} (pool ${vm.pool}) is in a kubernetes.io/k8s.io namespace that kubelet may not set on its own node; ` +
          'use your own prefix (e.g. hookprobe.io/role) or node.kubernetes.io/..., or label the node after it joins',
      );
    }
  }
  const kubeletExtraArgs: { name: string; value: string }[] = [{ name: 'node-ip', value: vm.ip }];
  if (labels.length > 0) kubeletExtraArgs.push({ name: 'node-labels', value: labels.map(([key, value]) => `${key}=${value}`).join(',') });
  const registration: Record<string, unknown> = {
    name: vm.name,
    criSocket: CONTAINERD_SOCKET,
    kubeletExtraArgs,
  };
  // Left unset on control planes so kubeadm applies its control-plane taint; workers get exactly theirs.
  if (vm.taints.length > 0 || vm.role === 'worker') {
    registration.taints = vm.taints.map((t) => ({ key: t.key, ...(t.value ? { value: t.value } : {}), effect: t.effect }));
  }
  return registration;
}

function checkVersion(k: KubernetesModel): void {
  const [major, minor] = k.minorVersion.split('.').map(Number);
  if (major !== KUBEADM_V1BETA4_SINCE.major || minor < KUBEADM_V1BETA4_SINCE.minor) {
    throw new Error(`kubeadm: kubernetes.version ${k.version} predates kubeadm.k8s.io/v1beta4 (Kubernetes 1.31); use 1.31 or later`);
  }
}

function checkVm(k: KubernetesModel, vm: VmModel): void {
  if (![...k.controlPlanes, ...k.workers].some((v) => v.name === vm.name)) {
    throw new Error(`kubeadm: ${vm.name} is not a node of cluster ${k.clusterName}; pass one of model.vms`);
  }
}

/**
 * Multi-document YAML. Values in `quoted` are written double-quoted: a token or key made only of digits
 * would otherwise read back as a number once Terraform substitutes it.
 */
function toYaml(docs: readonly object[], quoted: readonly string[]): string {
  const force = new Set(quoted);
  return docs
    .map((obj) => {
      const doc = new Document(obj);
      styleScalars(doc, force, 'QUOTE_DOUBLE');
      return doc.toString({ lineWidth: 0 });
    })
    .join('---\n');
}

import { Document } from 'yaml';
import { styleScalars } from '../core/yaml-scalar-style';
import type { KubernetesModel, VmModel } from '../model';
import { DISCOVERY_KUBECONFIG, KUBELET_PATCH_FILE, KubeadmSecrets, kubeadmConfig, discoveryKubeconfig, kubeletReservesPatch } from './kubeadm-config';
import { kubeVipManifest } from './kube-vip-manifest';
import { KUBERNETES_RELEASE } from '../model/builder-contracts';

/**
 * The cloud-init user-data that turns a fresh Ubuntu cloud image into a Kubernetes node: containerd,
 * pinned kubelet/kubeadm/kubectl, kernel settings, and `kubeadm init` or `kubeadm join`. Pure: the secrets
 * are passed in as the text that stands in the file (Terraform expressions in the synthesized output).
 *
 * The cluster CA's private key is never part of it. The user-data stays where cloud-init and Proxmox put it (a
 * snippet on the node's storage, /var/lib/cloud/instances/<id>/user-data.txt in the VM) long after the bootstrap,
 * so the first control plane instead waits for the key at CA_KEY_DELIVERED, where Terraform puts it over SSH
 * (constructs/vm-secret-file.ts), and runs kubeadm init once it is there.
 */

export interface NodeBootstrapSecrets extends KubeadmSecrets {
  /** The cluster CA certificate (PEM), base64-encoded. */
  readonly caCertificateBase64: string;
  /** The admin user's SSH public keys as a YAML/JSON flow sequence, e.g. `${jsonencode(var.ssh_authorized_keys)}`. */
  readonly sshAuthorizedKeys: string;
}

export interface NodeCloudConfigOptions {
  readonly kubernetes: KubernetesModel;
  readonly vm: VmModel;
  readonly secrets: NodeBootstrapSecrets;
  /** The CNI replaces kube-proxy (Cilium, Calico eBPF). @default false */
  readonly skipKubeProxy?: boolean;
  /**
   * Debian packages and systemd services the site's add-ons need on the node (e.g. open-iscsi and iscsid for
   * Longhorn, nfs-common for NFS volumes), installed and started before the node joins.
   * @default - none
   */
  readonly addonRequirements?: { readonly packages: readonly string[]; readonly services?: readonly string[] };
  /** NVIDIA driver package for GPU workers. @default "nvidia-driver-550" (the plan's driver) */
  readonly nvidiaDriverPackage?: string;
  /**
   * Files several nodes have alike (each control plane's kube-vip manifest, each joining node's discovery kubeconfig,
   * the kubelet patch of each node size), by what they are made from: the nodes of one cluster share one map, so
   * each such file is written once instead of once per node (YAML documents made while the code is still cold).
   * @default - none: every file is made for this node
   */
  readonly sharedFiles?: Map<string, string>;
  /**
   * Name of the VM's NIC inside the guest. Proxmox's cloud-init network config names the first NIC eth0
   * (matched by MAC address), whatever the PCI slot.
   * @default "eth0"
   */
  readonly nicName?: string;
}

const BOOTSTRAP_DIR = '/etc/kubeadm-bootstrap';
const BOOTSTRAP_SCRIPT = '/usr/local/sbin/k8s-bootstrap';
const KUBEADM_FILE = `${BOOTSTRAP_DIR}/kubeadm.yaml`;
const VIP_FILE = `${BOOTSTRAP_DIR}/kube-vip.yaml`;
const VIP_INIT_FILE = `${BOOTSTRAP_DIR}/kube-vip-init.yaml`;
const CA_CERT_FILE = `${BOOTSTRAP_DIR}/ca.crt`;
/** Where Terraform delivers the cluster CA key on the first control plane: where kubeadm init looks for it. */
export const CA_KEY_DELIVERED = '/etc/kubernetes/pki/ca.key';
/** The bootstrap's own copy of the delivered key while it may still need it: `kubeadm reset` between attempts empties pki/. */
const CA_KEY_KEPT = `${BOOTSTRAP_DIR}/ca.key`;
/**
 * How long the first control plane waits for the CA key, in seconds. Terraform delivers it as soon as the VM
 * resource is created (the guest agent answers, before the bootstrap starts), so the wait is normally over before
 * the packages are installed; 30 minutes is the VM's agent timeout, past which that apply has failed anyway.
 */
export const CA_KEY_WAIT_SECONDS = 30 * 60;
/** Join attempts, 20 s apart: the first control plane needs its packages and `kubeadm init` first. */
const JOIN_ATTEMPTS = 90;

export function nodeCloudConfig(options: NodeCloudConfigOptions): string {
  const { kubernetes: k, vm, secrets } = options;
  const nic = options.nicName ?? 'eth0';
  const driver = options.nvidiaDriverPackage ?? 'nvidia-driver-550';
  if (!/^[a-z0-9][a-z0-9.+-]*$/.test(driver)) throw new Error(`nodeCloudConfig: nvidiaDriverPackage ${JSON.stringify(driver)} is not a Debian package name`);
  const extraPackages = options.addonRequirements?.packages ?? [];
  const services = options.addonRequirements?.services ?? [];
  for (const p of extraPackages) if (!/^[a-z0-9][a-z0-9.+-]*$/.test(p)) throw new Error(`nodeCloudConfig: addonRequirements.packages: ${JSON.stringify(p)} is not a Debian package name`);
  for (const u of services) if (!/^[a-zA-Z0-9@._-]+$/.test(u)) throw new Error(`nodeCloudConfig: addonRequirements.services: ${JSON.stringify(u)} is not a systemd unit name`);
  if (!KUBERNETES_RELEASE.test(k.version)) throw new Error(`nodeCloudConfig: kubernetes.version ${k.version} must be an exact release like 1.31.13 so the packages can be pinned`);
  const isFirst = vm.name === k.firstControlPlane.name;
  const isControlPlane = vm.role === 'control-plane';
  const kubeVip = isControlPlane && k.vip.provider === 'kube-vip';

  const files: Record<string, unknown>[] = [
    { path: '/etc/modules-load.d/kubernetes.conf', permissions: '0644', content: 'overlay\nbr_netfilter\n' },
    {
      path: '/etc/sysctl.d/99-kubernetes.conf',
      permissions: '0644',
      content: 'net.bridge.bridge-nf-call-iptables = 1\nnet.bridge.bridge-nf-call-ip6tables = 1\nnet.ipv4.ip_forward = 1\n',
    },
    { path: KUBEADM_FILE, permissions: '0600', content: kubeadmConfig({ kubernetes: k, vm, secrets, skipKubeProxy: options.skipKubeProxy }) },
  ];
  const shared = (kind: string, from: unknown, make: () => string): string => {
    const key = `${kind} ${JSON.stringify(from)}`;
    let text = options.sharedFiles?.get(key);
    if (text === undefined) {
      text = make();
      options.sharedFiles?.set(key, text);
    }
    return text;
  };
  const size = { cores: vm.cores, memoryMiB: vm.memoryMiB };
  files.push({ path: KUBELET_PATCH_FILE, permissions: '0644', content: shared('kubelet', size, () => kubeletReservesPatch(size)) });
  const discoveryCluster = { clusterName: k.clusterName, controlPlaneEndpoint: k.controlPlaneEndpoint };
  if (isFirst) {
    files.push({ path: CA_CERT_FILE, permissions: '0644', encoding: 'b64', content: secrets.caCertificateBase64 });
  } else {
    files.push({ path: DISCOVERY_KUBECONFIG, permissions: '0600', content: shared('discovery', [discoveryCluster, secrets.caCertificateBase64], () => discoveryKubeconfig(discoveryCluster, secrets.caCertificateBase64)) });
  }
  if (kubeVip) {
    const vip = { address: k.apiVip, port: k.apiPort, interface: nic, version: k.vip.version };
    files.push({ path: VIP_FILE, permissions: '0600', content: shared('kube-vip', vip, () => kubeVipManifest(vip)) });
    if (isFirst) files.push({ path: VIP_INIT_FILE, permissions: '0600', content: kubeVipManifest({ ...vip, kubeconfig: '/etc/kubernetes/super-admin.conf' }) });
  }
  files.push({ path: BOOTSTRAP_SCRIPT, permissions: '0700', content: bootstrapScript(options, { isFirst, kubeVip, driver }) });

  const rebootWhen = vm.gpu ? 'test -f /var/run/reboot-required || ! nvidia-smi >/dev/null 2>&1' : 'test -f /var/run/reboot-required';
  const config = {
    hostname: vm.name,
    manage_etc_hosts: true,
    users: [
      {
        name: k.adminUser,
        gecos: 'Kubernetes node administrator',
        shell: '/bin/bash',
        groups: ['sudo'],
        sudo: 'ALL=(ALL) NOPASSWD:ALL',
        // SSH keys only: the account has no password at all.
        lock_passwd: true,
        ssh_authorized_keys: secrets.sshAuthorizedKeys,
      },
    ],
    disable_root: true,
    ssh_pwauth: false,
    package_update: true,
    package_upgrade: true,
    // The guest agent first: Terraform waits for it to report the VM's address.
    packages: ['qemu-guest-agent', 'apt-transport-https', 'ca-certificates', 'curl', 'gpg', ...extraPackages],
    write_files: files,
    runcmd: [['systemctl', 'start', 'qemu-guest-agent'], ...services.map((u) => ['systemctl', 'enable', '--now', u]), [BOOTSTRAP_SCRIPT]],
    power_state: {
      mode: 'reboot',
      message: vm.gpu ? 'rebooting for a new kernel or to load the NVIDIA driver' : 'rebooting for a new kernel',
      timeout: 30,
      condition: rebootWhen,
    },
  };

  const doc = new Document(config);
  // The key list is a flow sequence once Terraform substitutes it: it must stay unquoted.
  styleScalars(doc, new Set([secrets.sshAuthorizedKeys]), 'PLAIN');
  return `#cloud-config\n${doc.toString({ lineWidth: 0 })}`;
}

/**
 * The first control plane's wait for the CA key Terraform delivers, bounded, with the fix in the log when it
 * does not come. The key is copied aside for the init attempts; a re-run after a failed init finds that copy.
 */
function caKeyWait(): string[] {
  return [
    '',
    `if [ ! -s ${CA_KEY_KEPT} ]; then`,
    `  log "waiting up to ${CA_KEY_WAIT_SECONDS / 60} minutes for the cluster CA key at ${CA_KEY_DELIVERED}, which terraform apply delivers over SSH"`,
    '  waited=0',
    `  until [ -s ${CA_KEY_DELIVERED} ]; do`,
    `    if [ "$waited" -ge ${CA_KEY_WAIT_SECONDS} ]; then`,
    `      log "no cluster CA key at ${CA_KEY_DELIVERED} after ${CA_KEY_WAIT_SECONDS / 60} minutes: let terraform apply finish (it needs SSH to this VM as the admin user), then run ${BOOTSTRAP_SCRIPT} again"`,
    '      exit 1',
    '    fi',
    '    sleep 10',
    '    waited=$((waited + 10))',
    '  done',
    `  install -m 0600 ${CA_KEY_DELIVERED} ${CA_KEY_KEPT}`,
    'fi',
  ];
}

function bootstrapScript(options: NodeCloudConfigOptions, flags: { isFirst: boolean; kubeVip: boolean; driver: string }): string {
  const { kubernetes: k, vm } = options;
  const cri = k.containerdVersion.split('.').length === 3 ? `${k.containerdVersion}-*` : `${k.containerdVersion}.*`;
  const repo = `https://pkgs.k8s.io/core:/stable:/v${k.minorVersion}/deb/`;
  const keyring = '/etc/apt/keyrings/kubernetes-apt-keyring.gpg';
  const lines: string[] = [
    '#!/bin/bash',
    `# Makes ${vm.name} a ${vm.role} of Kubernetes cluster ${k.clusterName}. Generated by site-compiler.`,
    '# cloud-init runs it once; after a failure, run it again by hand: it stops at once on a node that has joined.',
    'set -euo pipefail',
    'export DEBIAN_FRONTEND=noninteractive',
    'log() { echo "k8s-bootstrap: $*" >&2; }',
    '',
    'if [ -f /etc/kubernetes/kubelet.conf ]; then',
    '  log "already a member of the cluster; nothing to do"',
    '  exit 0',
    'fi',
    '',
    'log "swap off, kernel modules, sysctls"',
    'swapoff -a',
    "sed -i -E '/^[^#].*[[:space:]]swap[[:space:]]/ s/^/#/' /etc/fstab",
    'modprobe overlay',
    'modprobe br_netfilter',
    'sysctl --system >/dev/null',
    '',
    `log "containerd ${k.containerdVersion} with the systemd cgroup driver"`,
    `apt-get install -y 'containerd=${cri}'`,
    'install -d -m 0755 /etc/containerd',
    'containerd config default > /etc/containerd/config.toml',
    "sed -i 's/SystemdCgroup = false/SystemdCgroup = true/' /etc/containerd/config.toml",
    '',
    `log "kubelet, kubeadm and kubectl ${k.version} from pkgs.k8s.io"`,
    'install -d -m 0755 /etc/apt/keyrings',
    `curl -fsSL ${repo}Release.key | gpg --dearmor --yes -o ${keyring}`,
    `echo 'deb [signed-by=${keyring}] ${repo} /' > /etc/apt/sources.list.d/kubernetes.list`,
    'apt-get update',
    `apt-get install -y 'kubelet=${k.version}-*' 'kubeadm=${k.version}-*' 'kubectl=${k.version}-*'`,
    'apt-mark hold kubelet kubeadm kubectl containerd',
    "# containerd's default sandbox image is older than the one kubeadm expects; use kubeadm's.",
    `pause=$(kubeadm config images list --kubernetes-version v${k.version} | grep /pause:)`,
    'sed -i "s#sandbox_image = .*#sandbox_image = \\"$pause\\"#" /etc/containerd/config.toml',
    'systemctl restart containerd',
    'systemctl enable containerd kubelet',
  ];

  if (vm.gpu) {
    const toolkitKeyring = '/etc/apt/keyrings/nvidia-container-toolkit.gpg';
    lines.push(
      '',
      `log "NVIDIA ${vm.gpu.model}: ${flags.driver}, container toolkit, containerd nvidia runtime"`,
      // Headers for the running kernel and for the newest one, so the driver module is built for both.
      `apt-get install -y linux-headers-generic "linux-headers-$(uname -r)" ${flags.driver}`,
      `curl -fsSL https://nvidia.github.io/libnvidia-container/gpgkey | gpg --dearmor --yes -o ${toolkitKeyring}`,
      `curl -fsSL https://nvidia.github.io/libnvidia-container/stable/deb/nvidia-container-toolkit.list | sed 's#deb https://#deb [signed-by=${toolkitKeyring}] https://#' > /etc/apt/sources.list.d/nvidia-container-toolkit.list`,
      'apt-get update',
      'apt-get install -y nvidia-container-toolkit',
      // Registers the runtime "nvidia" in containerd (not as the default): GPU pods and the device plugin
      // select it through the RuntimeClass of the nvidia-gpu add-on.
      'nvidia-ctk runtime configure --runtime=containerd',
      'systemctl restart containerd',
      'modprobe nvidia || log "the NVIDIA module loads after the reboot at the end of cloud-init"',
    );
  }

  const home = `/home/${k.adminUser}`;
  const adminKubeconfig = [
    `install -d -m 0700 -o ${k.adminUser} -g ${k.adminUser} ${home}/.kube`,
    `install -m 0600 -o ${k.adminUser} -g ${k.adminUser} /etc/kubernetes/admin.conf ${home}/.kube/config`,
  ];

  if (flags.isFirst) {
    lines.push(
      ...caKeyWait(),
      '',
      `log "kubeadm init (control-plane endpoint ${k.controlPlaneEndpoint})"`,
      'initialised=0',
      'for attempt in 1 2 3; do',
      '  install -d -m 0755 /etc/kubernetes/pki /etc/kubernetes/manifests',
      // The site's CA: joining nodes pin it through the discovery kubeconfig.
      `  install -m 0644 ${CA_CERT_FILE} /etc/kubernetes/pki/ca.crt`,
      `  install -m 0600 ${CA_KEY_KEPT} ${CA_KEY_DELIVERED}`,
      ...(flags.kubeVip ? [`  install -m 0600 ${VIP_INIT_FILE} /etc/kubernetes/manifests/kube-vip.yaml`] : []),
      `  if kubeadm init --config ${KUBEADM_FILE} --upload-certs --skip-token-print --skip-certificate-key-print; then initialised=1; break; fi`,
      '  log "kubeadm init attempt $attempt failed; resetting"',
      '  kubeadm reset -f || true',
      '  sleep 30',
      'done',
      '[ "$initialised" = 1 ] || { log "kubeadm init failed 3 times; see the log above"; exit 1; }',
      ...(flags.kubeVip ? ['# init is done: admin.conf has its rights now, super-admin.conf is not needed.', `install -m 0600 ${VIP_FILE} /etc/kubernetes/manifests/kube-vip.yaml`] : []),
      ...adminKubeconfig,
      // kubeadm keeps the key in pki/, where the control plane needs it; the bootstrap's copy goes.
      `rm -f ${CA_KEY_KEPT}`,
    );
  } else {
    lines.push(
      '',
      `log "kubeadm join ${k.controlPlaneEndpoint} as ${vm.role}"`,
      'joined=0',
      `for attempt in $(seq 1 ${JOIN_ATTEMPTS}); do`,
      `  if kubeadm join --config ${KUBEADM_FILE}; then joined=1; break; fi`,
      '  log "join attempt $attempt failed (the control plane may still be coming up); retrying in 20s"',
      '  kubeadm reset -f >/dev/null 2>&1 || true',
      '  sleep 20',
      'done',
      `[ "$joined" = 1 ] || { log "could not join after ${JOIN_ATTEMPTS} attempts"; exit 1; }`,
    );
    if (flags.kubeVip) lines.push(`install -m 0600 ${VIP_FILE} /etc/kubernetes/manifests/kube-vip.yaml`);
    if (vm.role === 'control-plane') lines.push(...adminKubeconfig);
  }
  lines.push(`rm -f ${KUBEADM_FILE}`, 'log "done"', '');
  return lines.join('\n');
}

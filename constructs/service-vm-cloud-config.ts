import { Document } from 'yaml';
import { styleScalars } from '../core/yaml-scalar-style';
import type { KubernetesModel, ServiceVmModel } from '../model';
import { KEEPALIVED_PRIORITY_STEP, KEEPALIVED_TOP_PRIORITY, MAX_API_LOAD_BALANCERS } from '../model/builder-contracts';

/**
 * The cloud-init user-data of the service VMs beside the Kubernetes nodes, as text. Pure functions of the model:
 * the SSH keys are passed in as the text that stands in the file (a Terraform expression in the synthesized output).
 *
 * - api-load-balancer: HAProxy forwards the API port (TCP, TLS untouched) to every control plane that answers
 *   /readyz, and keepalived holds kubernetes.apiVip on the VM whose HAProxy runs, so a second VM of the role can take
 *   the address over without any kubeconfig or certificate changing.
 * - nfs-server: formats the data disk when it is blank, mounts it on the export path and exports it to the node VLAN.
 */

export interface ServiceVmCloudConfigOptions {
  readonly vm: ServiceVmModel;
  readonly kubernetes: KubernetesModel;
  /** The admin user's SSH public keys as a YAML/JSON flow sequence, e.g. `${jsonencode(var.ssh_authorized_keys)}`. */
  readonly sshAuthorizedKeys: string;
  /** Every api-load-balancer VM of the site: keepalived's peers. @default - the VM alone */
  readonly loadBalancers?: readonly ServiceVmModel[];
  /** Name of the VM's NIC inside the guest (Proxmox's cloud-init network config names the first one eth0). @default "eth0" */
  readonly nicName?: string;
}

/** How the guest names the first data disk (scsi1) of a Proxmox VM on virtio-scsi: by the drive name, whatever its letter. */
export const FIRST_DATA_DISK = '/dev/disk/by-id/scsi-0QEMU_QEMU_HARDDISK_drive-scsi1';
const NFS_SETUP_SCRIPT = '/usr/local/sbin/nfs-export-setup';
const NFS_EXPORTS_FILE = '/etc/exports.d/kubernetes.exports';
const FILESYSTEM_LABEL = 'nfs-data';

export function serviceVmCloudConfig(options: ServiceVmCloudConfigOptions): string {
  const { vm, kubernetes: k } = options;
  const nic = options.nicName ?? 'eth0';
  if (!/^[a-z][a-z0-9]*$/.test(nic)) throw new Error(`serviceVmCloudConfig: nicName ${JSON.stringify(nic)} is not an interface name like eth0`);
  let packages: string[];
  let files: Record<string, unknown>[];
  let commands: string[][];
  switch (vm.role) {
    case 'api-load-balancer': {
      const peers = (options.loadBalancers ?? [vm]).filter((v) => v.role === 'api-load-balancer');
      if (!peers.some((v) => v.name === vm.name)) throw new Error(`serviceVmCloudConfig: loadBalancers does not include ${vm.name} itself`);
      packages = ['haproxy', 'keepalived'];
      // Deferred: written after the packages are installed, so they replace the packaged defaults.
      files = [
        { path: '/etc/haproxy/haproxy.cfg', permissions: '0644', defer: true, content: haproxyConfig(k) },
        { path: '/etc/keepalived/keepalived.conf', permissions: '0644', defer: true, content: keepalivedConfig(vm, peers, k, nic) },
      ];
      commands = [
        ['haproxy', '-c', '-f', '/etc/haproxy/haproxy.cfg'],
        ['systemctl', 'enable', 'haproxy', 'keepalived'],
        ['systemctl', 'restart', 'haproxy'],
        ['systemctl', 'restart', 'keepalived'],
      ];
      break;
    }
    case 'nfs-server': {
      const exportPath = vm.exportPath;
      if (!exportPath) throw new Error(`serviceVmCloudConfig: nfs-server ${vm.name} has no exportPath`);
      if (vm.dataDisks.length === 0) throw new Error(`serviceVmCloudConfig: nfs-server ${vm.name} has no data disk to export; give it one (serviceVms[].dataDisk)`);
      packages = ['nfs-kernel-server'];
      files = [
        { path: NFS_EXPORTS_FILE, permissions: '0644', defer: true, content: nfsExports(exportPath, k.nodeVlan.cidr) },
        { path: NFS_SETUP_SCRIPT, permissions: '0700', content: nfsSetupScript(vm.name, exportPath) },
      ];
      commands = [[NFS_SETUP_SCRIPT]];
      break;
    }
  }

  const config = {
    hostname: vm.name,
    manage_etc_hosts: true,
    users: [
      {
        name: k.adminUser,
        gecos: 'Service VM administrator',
        shell: '/bin/bash',
        groups: ['sudo'],
        sudo: 'ALL=(ALL) NOPASSWD:ALL',
        // SSH keys only: the account has no password at all.
        lock_passwd: true,
        ssh_authorized_keys: options.sshAuthorizedKeys,
      },
    ],
    disable_root: true,
    ssh_pwauth: false,
    package_update: true,
    package_upgrade: true,
    // The guest agent first: Terraform waits for it to report the VM's address.
    packages: ['qemu-guest-agent', ...packages],
    write_files: files,
    runcmd: [['systemctl', 'start', 'qemu-guest-agent'], ...commands],
    power_state: { mode: 'reboot', message: 'rebooting for a new kernel', timeout: 30, condition: 'test -f /var/run/reboot-required' },
  };
  const doc = new Document(config);
  // The key list is a flow sequence once Terraform substitutes it: it must stay unquoted.
  styleScalars(doc, new Set([options.sshAuthorizedKeys]), 'PLAIN');
  return `#cloud-config\n${doc.toString({ lineWidth: 0 })}`;
}

/**
 * HAProxy in TCP mode: the TLS session runs from the client to an API server untouched (clients verify the API
 * server's certificate, which carries the VIP). Backends are health-checked on /readyz over TLS, which the API
 * server answers without credentials; the check does not verify the certificate because it carries no data.
 */
export function haproxyConfig(k: KubernetesModel): string {
  if (k.controlPlanes.length === 0) throw new Error('haproxyConfig: the cluster has no control planes to balance');
  return [
    `# HAProxy for the Kubernetes API of cluster ${k.clusterName}. Generated by site-compiler.`,
    'global',
    '    log /dev/log local0',
    '    chroot /var/lib/haproxy',
    '    user haproxy',
    '    group haproxy',
    '    daemon',
    '    maxconn 4000',
    '',
    'defaults',
    '    log global',
    '    mode tcp',
    '    option tcplog',
    '    option dontlognull',
    '    timeout connect 5s',
    // Watches, logs and exec sessions hold their connection open for a long time.
    '    timeout client 1h',
    '    timeout server 1h',
    '    timeout check 5s',
    '',
    'frontend kubernetes-api',
    `    bind :${k.apiPort}`,
    '    default_backend kubernetes-api',
    '',
    'backend kubernetes-api',
    '    balance roundrobin',
    '    option httpchk GET /readyz',
    '    http-check expect status 200',
    '    default-server check check-ssl verify none inter 5s fall 3 rise 2',
    ...k.controlPlanes.map((cp) => `    server ${cp.name} ${cp.ip}:${k.apiPort}`),
    '',
  ].join('\n');
}

/**
 * keepalived holds the API VIP on the highest-priority VM whose HAProxy is running. With more than one load balancer
 * the adverts go unicast to the others' addresses; the VRRP router id is the VIP's last octet, which is unique among
 * the addresses of the node VLAN.
 */
export function keepalivedConfig(vm: ServiceVmModel, loadBalancers: readonly ServiceVmModel[], k: KubernetesModel, nic = 'eth0'): string {
  const routerId = Number(k.apiVip.split('.')[3]);
  if (!Number.isInteger(routerId) || routerId < 1 || routerId > 255) throw new Error(`keepalivedConfig: the API VIP ${k.apiVip} gives no VRRP router id (1-255)`);
  const peers = loadBalancers.filter((v) => v.name !== vm.name).map((v) => v.ip);
  // The first in site order holds the VIP: it has the highest priority.
  const priority = KEEPALIVED_TOP_PRIORITY - (vm.index - 1) * KEEPALIVED_PRIORITY_STEP;
  if (priority < 1) throw new Error(`keepalivedConfig: ${vm.name} is load balancer ${vm.index}; keepalived priorities run out after ${MAX_API_LOAD_BALANCERS} of them`);
  return [
    `# keepalived: holds the API VIP ${k.apiVip} of cluster ${k.clusterName} where HAProxy runs. Generated by site-compiler.`,
    'global_defs {',
    `    router_id ${vm.name}`,
    '    enable_script_security',
    '    script_user root',
    '}',
    '',
    'vrrp_script haproxy_running {',
    '    script "/usr/bin/systemctl is-active --quiet haproxy"',
    '    interval 2',
    '    fall 2',
    '    rise 2',
    '}',
    '',
    'vrrp_instance kubernetes_api {',
    // Every VM starts as backup; the highest priority with a running HAProxy becomes master.
    '    state BACKUP',
    `    interface ${nic}`,
    `    virtual_router_id ${routerId}`,
    `    priority ${priority}`,
    '    advert_int 1',
    ...(peers.length > 0 ? [`    unicast_src_ip ${vm.ip}`, '    unicast_peer {', ...peers.map((p) => `        ${p}`), '    }'] : []),
    '    virtual_ipaddress {',
    `        ${k.apiVip}/${k.nodeVlan.prefixLength} dev ${nic}`,
    '    }',
    '    track_script {',
    '        haproxy_running',
    '    }',
    '}',
    '',
  ].join('\n');
}

/**
 * The export: read-write to the node VLAN (kubelet mounts from the node addresses, and pod traffic leaves the node
 * from its address), root squashed to nobody, who owns the export, so a container running as root cannot plant
 * root-owned files on the server.
 */
export function nfsExports(exportPath: string, clientsCidr: string): string {
  if (!/^(\/[a-z0-9][a-z0-9._-]*)+$/.test(exportPath)) throw new Error(`nfsExports: exportPath ${JSON.stringify(exportPath)} must be an absolute path of plain folder names`);
  if (!/^\d+\.\d+\.\d+\.\d+\/\d+$/.test(clientsCidr)) throw new Error(`nfsExports: clientsCidr ${JSON.stringify(clientsCidr)} must be an IPv4 CIDR`);
  return `${exportPath} ${clientsCidr}(rw,sync,no_subtree_check,root_squash)\n`;
}

function nfsSetupScript(vmName: string, exportPath: string): string {
  return [
    '#!/bin/bash',
    `# Prepares the NFS export of ${vmName}. Generated by site-compiler.`,
    '# cloud-init runs it once; it is safe to run again: it formats only a blank disk and mounts only once.',
    'set -euo pipefail',
    'log() { echo "nfs-export-setup: $*" >&2; }',
    `disk=${FIRST_DATA_DISK}`,
    'for attempt in $(seq 1 30); do [ -b "$disk" ] && break; sleep 2; done',
    '[ -b "$disk" ] || { log "data disk $disk not found"; exit 1; }',
    '# A disk that already holds a filesystem (the VM was re-created on an old disk) keeps its data.',
    'if ! blkid "$disk" >/dev/null 2>&1; then',
    '  log "formatting the blank data disk"',
    `  mkfs.ext4 -q -L ${FILESYSTEM_LABEL} "$disk"`,
    'fi',
    `install -d -m 0755 ${exportPath}`,
    `grep -q '^LABEL=${FILESYSTEM_LABEL} ' /etc/fstab || echo 'LABEL=${FILESYSTEM_LABEL} ${exportPath} ext4 defaults,nofail 0 2' >> /etc/fstab`,
    'systemctl daemon-reload',
    `mountpoint -q ${exportPath} || mount ${exportPath}`,
    `chown nobody:nogroup ${exportPath}`,
    `chmod 0755 ${exportPath}`,
    'systemctl enable --now nfs-server',
    'exportfs -ra',
    `log "exporting ${exportPath}"`,
    '',
  ].join('\n');
}

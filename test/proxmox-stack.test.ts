import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { PROXMOX_TOKEN, checkInfrastructure } from '../validate/check-infrastructure';
import { App } from '../core/cdktf';
import { BOOTSTRAP_EXPRESSIONS, ProxmoxStack } from '../infra/proxmox-stack';
import { buildModel, SiteModel } from '../model';
import { parseSite } from '../site';
import { loadSite } from '../site/load';
import { referenceSite } from './support/sites';

type Doc = { [key: string]: any };

const outdirs: string[] = [];
afterAll(() => {
  for (const dir of outdirs) fs.rmSync(dir, { recursive: true, force: true });
});

function referenceModel(edit?: (site: Record<string, any>) => void): SiteModel {
  const site = referenceSite();
  edit?.(site);
  return buildModel(parseSite(site, 'test'), 'test');
}

/** The stack's Terraform document as synth writes it (cdktf's `//` metadata removed). */
function synthStack(model: SiteModel, change?: (stack: ProxmoxStack) => void): Doc {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'proxmox-stack-test-'));
  outdirs.push(outdir);
  const stack = new ProxmoxStack(new App({ outdir, skipValidation: true }), 'proxmox', { model });
  change?.(stack);
  stack.prepareStack();
  return strip(stack.toTerraform()) as Doc;
}

function strip(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(strip);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).filter(([k]) => k !== '//').map(([k, v]) => [k, strip(v)]));
  return value;
}

const model = referenceModel();
const doc = synthStack(model);
const resources = (type: string): Record<string, Doc> => doc.resource[type] ?? {};
const json = JSON.stringify(doc);

describe('ProxmoxStack on the reference site', () => {
  it('passes the provider schema check and the secret scan with no findings', () => {
    expect(checkInfrastructure(new Map([['proxmox', doc]]))).toEqual([]);
  });

  it('creates the 7 VMs of the model with their placement, ids, sizes and addresses', () => {
    const vms = resources('proxmox_virtual_environment_vm');
    expect(Object.keys(vms).sort()).toEqual(model.vms.map((v) => v.name).sort());
    expect(Object.keys(vms)).toHaveLength(7);
    for (const v of model.vms) {
      const r = vms[v.name];
      expect(r).toMatchObject({ name: v.name, node_name: v.host, vm_id: v.vmId, on_boot: true, started: true });
      expect(r.cpu).toEqual({ cores: v.cores, sockets: 1, type: 'host' });
      expect(r.memory).toEqual({ dedicated: v.memoryMiB, floating: 0 });
      expect(r.agent.enabled).toBe(true);
      expect(r.disk).toEqual([expect.objectContaining({ interface: 'scsi0', datastore_id: 'ceph-storage', size: v.diskGiB, file_id: `\${proxmox_download_file.cloud-image_${v.host}.id}` })]);
      // The node VLAN, then the Ceph public VLAN for in-cluster Ceph clients (no gateway there).
      expect(r.network_device).toEqual([
        expect.objectContaining({ bridge: 'vmbr0', vlan_id: 20, model: 'virtio' }),
        expect.objectContaining({ bridge: 'vmbr0', vlan_id: 30, model: 'virtio' }),
      ]);
      expect(r.initialization.ip_config).toEqual([{ ipv4: { address: `${v.ip}/24`, gateway: '10.100.0.1' } }, { ipv4: { address: `${v.cephPublic?.ip}/24` } }]);
      expect(r.initialization.dns).toEqual({ servers: ['10.100.0.1'] });
      expect(r.initialization.datastore_id).toBe('ceph-storage');
      expect(r.initialization.user_data_file_id).toBe(`\${proxmox_virtual_environment_file.${v.name}_user-data_${v.host}.id}`);
      expect(r.initialization.user_account).toBeUndefined();
    }
    expect(Object.fromEntries(model.vms.map((v) => [v.name, `${v.host} ${v.vmId} ${v.ip}`]))).toEqual({
      'k8s-control-1': 'pve-node-1 100 10.100.0.10',
      'k8s-control-2': 'pve-node-2 101 10.100.0.11',
      'k8s-control-3': 'pve-node-3 102 10.100.0.12',
      'k8s-worker-1': 'pve-node-1 110 10.100.0.20',
      'k8s-worker-2': 'pve-node-2 111 10.100.0.21',
      'k8s-worker-3': 'pve-node-3 112 10.100.0.22',
      'k8s-gpu-worker-1': 'pve-node-2 120 10.100.0.30',
    });
  });

  it('passes the GPU through to the GPU worker only, by mapping, on a q35 machine', () => {
    const vms = resources('proxmox_virtual_environment_vm');
    const withPci = Object.entries(vms).filter(([, r]) => r.hostpci !== undefined).map(([n]) => n);
    expect(withPci).toEqual(['k8s-gpu-worker-1']);
    expect(vms['k8s-gpu-worker-1'].hostpci).toEqual([{ device: 'hostpci0', mapping: 'a100', pcie: true, rombar: true }]);
    expect(vms['k8s-gpu-worker-1'].machine).toBe('q35');
    expect(vms['k8s-gpu-worker-1'].depends_on).toContain('proxmox_hardware_mapping_pci.a100');
    expect(Object.entries(vms).filter(([, r]) => r.machine === 'q35').map(([n]) => n)).toEqual(['k8s-gpu-worker-1']);
    expect(resources('proxmox_hardware_mapping_pci')).toEqual({
      a100: { name: 'a100', comment: 'nvidia-a100-40gb on pve-node-2', map: [{ id: '10de:20f1', node: 'pve-node-2', path: '0000:01:00.0' }] },
    });
  });

  it('makes every VM on Ceph an HA resource except the GPU worker, which stays with its GPU', () => {
    const ha = resources('proxmox_haresource');
    expect(Object.keys(ha).sort()).toEqual(model.vms.filter((v) => !v.gpu).map((v) => v.name).sort());
    for (const v of model.vms.filter((x) => !x.gpu)) {
      expect(ha[v.name]).toMatchObject({ resource_id: `vm:${v.vmId}`, state: 'started', depends_on: [`proxmox_virtual_environment_vm.${v.name}`] });
    }
  });

  it('builds a VLAN-aware bridge on the uplink and the Ceph VLAN interfaces on every node', () => {
    const bridges = resources('proxmox_network_linux_bridge');
    expect(Object.keys(bridges).sort()).toEqual(['pve-node-1_vmbr0', 'pve-node-2_vmbr0', 'pve-node-3_vmbr0']);
    expect(bridges['pve-node-1_vmbr0']).toMatchObject({
      node_name: 'pve-node-1',
      name: 'vmbr0',
      ports: ['eno1'],
      vlan_aware: true,
      vids: '20 30 40 50',
      address: '192.168.1.10/24',
      gateway: '192.168.1.1',
    });
    // The installer's vmbr0 is adopted, not created a second time.
    expect(doc.import).toEqual(model.hosts.map((h) => ({ to: `proxmox_network_linux_bridge.${h.name}_vmbr0`, id: `${h.name}:vmbr0` })));
    const vlans = resources('proxmox_network_linux_vlan');
    expect(Object.fromEntries(Object.entries(vlans).map(([n, r]) => [n, `${r.node_name} ${r.name} ${r.address}`]))).toEqual({
      'pve-node-1_vmbr0_30': 'pve-node-1 vmbr0.30 10.0.1.10/24',
      'pve-node-1_vmbr0_40': 'pve-node-1 vmbr0.40 10.0.2.10/24',
      'pve-node-2_vmbr0_30': 'pve-node-2 vmbr0.30 10.0.1.11/24',
      'pve-node-2_vmbr0_40': 'pve-node-2 vmbr0.40 10.0.2.11/24',
      'pve-node-3_vmbr0_30': 'pve-node-3 vmbr0.30 10.0.1.12/24',
      'pve-node-3_vmbr0_40': 'pve-node-3 vmbr0.40 10.0.2.12/24',
    });
    expect(vlans['pve-node-1_vmbr0_40'].depends_on).toEqual(['proxmox_network_linux_vlan.pve-node-1_vmbr0_30']);
  });

  it('creates the site Ceph pools with size 3 / min_size 2 and the PVE storage for VM disks', () => {
    const pools = resources('proxmox_ceph_pool');
    expect(Object.fromEntries(Object.entries(pools).map(([n, p]) => [n, [p.size, p.min_size, p.application, p.node_name]]))).toEqual({
      'k8s-storage': [3, 2, 'rbd', 'pve-node-1'],
      'k8s-rbd': [3, 2, 'rbd', 'pve-node-1'],
      'k8s-fs-metadata': [3, 2, 'cephfs', 'pve-node-1'],
      'k8s-fs-data': [3, 2, 'cephfs', 'pve-node-1'],
    });
    const data = resources('terraform_data');
    expect(data['pve-storage_ceph-storage'].provisioner[0]['remote-exec'].inline).toContain(
      "grep -qx 'rbd: ceph-storage' /etc/pve/storage.cfg || pvesm add rbd ceph-storage --pool k8s-storage --content images",
    );
    expect(data['pve-storage_ceph-storage'].depends_on).toEqual(['proxmox_ceph_pool.k8s-storage']);
    // The VM disks wait for that storage.
    expect(resources('proxmox_virtual_environment_vm')['k8s-worker-1'].depends_on).toContain('terraform_data.pve-storage_ceph-storage');
  });

  it('sets up Ceph daemons with guarded pveceph commands, monitors one after the other', () => {
    const data = resources('terraform_data');
    const script = (name: string): string[] => data[name].provisioner[0]['remote-exec'].inline;
    expect(script('ceph-init')).toContain('test -f /etc/pve/ceph.conf || pveceph init --network 10.0.1.0/24 --cluster-network 10.0.2.0/24');
    expect(script('ceph-mon_pve-node-2')).toContain('test -d /var/lib/ceph/mon/ceph-pve-node-2 || pveceph mon create --mon-address 10.0.1.11');
    expect(data['ceph-mon_pve-node-2'].depends_on).toEqual(['terraform_data.ceph-mgr_pve-node-1']);
    expect(script('ceph-osd_pve-node-3_nvme0n1')).toContain('ceph-volume lvm list /dev/nvme0n1 >/dev/null 2>&1 || pveceph osd create /dev/nvme0n1');
    expect(script('ceph-mds_pve-node-1')).toContain('test -d /var/lib/ceph/mds/ceph-pve-node-1 || pveceph mds create');
    expect(script('ceph-fs_k8s-fs')).toContain('ceph fs get k8s-fs >/dev/null 2>&1 || ceph fs new k8s-fs k8s-fs-metadata k8s-fs-data');
    // Without --version, Proxmox VE 8.4 installs quincy (end of life): the site's release (default squid) is named.
    expect(script('ceph-install_pve-node-1').join('\n')).toContain('pveceph install --version squid --repository ${var.ceph_repository}');
    expect(script('ceph-install_pve-node-1').join('\n')).toContain('ceph --version | grep -qw squid ||');
    // Every host-side step; the CA key's delivery goes to a VM and has its own test.
    for (const [name, r] of Object.entries(data).filter(([n]) => !n.endsWith('_ca-key'))) {
      const lines: string[] = r.provisioner[0]['remote-exec'].inline;
      expect(lines.slice(0, 2), name).toEqual(['#!/bin/bash', 'set -euo pipefail']);
      expect(r.connection, name).toEqual({ type: 'ssh', host: expect.stringMatching(/^192\.168\.1\.1[0-2]$/), user: 'root', agent: 'true' });
      // Every pveceph/pvesm/ceph change is behind a guard (`test ... ||`, `grep ... ||`, `if ...`).
      for (const line of lines.slice(2).filter((l) => /\b(pveceph|pvesm (add|set)|ceph fs new)\b/.test(l))) {
        expect(line, name).toMatch(/\|\||^if |^\[ .* \] \|\|/);
      }
    }
  });

  it('downloads the pinned cloud image on every node with VMs and verifies its sha256', () => {
    const images = resources('proxmox_download_file');
    expect(Object.keys(images).sort()).toEqual(['cloud-image_pve-node-1', 'cloud-image_pve-node-2', 'cloud-image_pve-node-3']);
    for (const img of Object.values(images)) {
      expect(img).toMatchObject({
        url: model.kubernetes.image.url,
        checksum: model.kubernetes.image.sha256,
        checksum_algorithm: 'sha256',
        content_type: 'iso',
        datastore_id: 'local',
        file_name: 'ubuntu-24.04-server-cloudimg-amd64.img',
      });
    }
  });

  it('uploads one user-data snippet per VM, on every node an HA VM may start on', () => {
    const files = resources('proxmox_virtual_environment_file');
    expect(Object.keys(files)).toHaveLength(6 * 3 + 1);
    expect(Object.keys(files).filter((n) => n.startsWith('k8s-gpu-worker-1_'))).toEqual(['k8s-gpu-worker-1_user-data_pve-node-2']);
    expect(Object.keys(files).filter((n) => n.startsWith('k8s-control-1_')).sort()).toEqual(
      ['pve-node-1', 'pve-node-2', 'pve-node-3'].map((n) => `k8s-control-1_user-data_${n}`),
    );
    for (const f of Object.values(files)) {
      expect(f).toMatchObject({ content_type: 'snippets', datastore_id: 'local' });
      expect(f.source_raw.data.startsWith('#cloud-config\n')).toBe(true);
    }
  });

  it('writes no secret: the bootstrap secrets are sensitive variables referenced by expression', () => {
    for (const name of ['proxmox_api_token', 'kubeadm_token', 'kubeadm_certificate_key', 'kubernetes_ca_key']) {
      expect(doc.variable[name], name).toMatchObject({ sensitive: true, nullable: false });
      expect(doc.variable[name].default, name).toBeUndefined();
    }
    expect(doc.provider.proxmox[0].api_token).toBe('${var.proxmox_api_token}');
    expect(doc.provider.proxmox[0].insecure).toBe(false);
    expect(doc.provider.proxmox[0].ssh).toEqual([
      { agent: true, username: 'root', node: model.hosts.map((h) => ({ name: h.name, address: h.managementIp })) },
    ]);
    // No password anywhere, no token- or key-shaped literal, and the snippets carry the expressions.
    expect(json).not.toMatch(/"password"|"cipassword"|lock_passwd: false/);
    expect(json).not.toMatch(/\b[a-z0-9]{6}\.[a-z0-9]{16}\b/);
    expect(json.replaceAll(model.kubernetes.image.sha256, '')).not.toMatch(/\b[0-9a-f]{64}\b/);
    expect(json).not.toMatch(/BEGIN [A-Z ]*PRIVATE KEY/);
    const control = resources('proxmox_virtual_environment_file')['k8s-control-1_user-data_pve-node-1'].source_raw.data as string;
    for (const expr of Object.values(BOOTSTRAP_EXPRESSIONS)) expect(control).toContain(expr);
    const worker = resources('proxmox_virtual_environment_file')['k8s-worker-1_user-data_pve-node-1'].source_raw.data as string;
    expect(worker).toContain('tlsBootstrapToken: "${var.kubeadm_token}"');
    expect(worker).not.toContain('kubeadm_certificate_key');
    expect(worker).not.toContain('kubernetes_ca_key');
  });

  it('keeps the CA key out of every snippet and delivers it to the first control plane over SSH, after the VM is up', () => {
    for (const [name, f] of Object.entries(resources('proxmox_virtual_environment_file'))) {
      expect(f.source_raw.data, name).not.toContain('kubernetes_ca_key');
      expect(f.source_raw.data, name).not.toMatch(/PRIVATE KEY/);
    }
    const delivery = resources('terraform_data')['k8s-control-1_ca-key'];
    expect(delivery.connection).toEqual({ type: 'ssh', host: '10.100.0.10', user: 'ubuntu', agent: 'true', timeout: '30m' });
    expect(delivery.depends_on).toEqual(['proxmox_virtual_environment_vm.k8s-control-1']);
    // A replaced VM (id unknown until apply) gets the key again; the key itself is no trigger, so not in the state.
    expect(delivery.triggers_replace).toEqual({ vm: '${proxmox_virtual_environment_vm.k8s-control-1.id}' });
    const [stage, file, install] = delivery.provisioner;
    expect(stage['remote-exec'].inline).toContain('chmod 0700 /home/ubuntu/.secret-delivery');
    expect(file.file).toEqual({ content: '${var.kubernetes_ca_key}', destination: '/home/ubuntu/.secret-delivery/ca.key' });
    const script: string[] = install['remote-exec'].inline;
    expect(script.join('\n')).not.toContain('var.kubernetes_ca_key');
    // Installed as root, 0600, under a temporary name, then renamed: the bootstrap never reads half a key.
    const temp = script.findIndex((l) => l === 'sudo install -m 0600 -o root -g root /home/ubuntu/.secret-delivery/ca.key /etc/kubernetes/pki/.ca.key.delivery');
    expect(temp).toBeGreaterThan(0);
    expect(script[temp + 1]).toBe('sudo mv -f /etc/kubernetes/pki/.ca.key.delivery /etc/kubernetes/pki/ca.key');
    expect(script).toContain("trap 'rm -f /home/ubuntu/.secret-delivery/ca.key' EXIT");
    expect(script.findIndex((l) => l.startsWith('if sudo test -e /etc/kubernetes/pki/ca.key; then'))).toBeLessThan(temp);
    // No other resource carries the key.
    const others = Object.entries(doc.resource).flatMap(([type, rs]) => Object.entries(rs as Doc).filter(([n]) => !(type === 'terraform_data' && n === 'k8s-control-1_ca-key')));
    expect(JSON.stringify(others)).not.toContain('kubernetes_ca_key');
  });

  it('fails when a snippet references the CA key variable', () => {
    const bad = synthStack(model, (stack) => {
      stack.snippets.get('k8s-control-1')?.byNode.get('pve-node-2')?.addOverride('source_raw.data', '#cloud-config\nwrite_files: [{path: /k, content: "${base64encode(var.kubernetes_ca_key)}"}]\n');
    });
    expect(checkInfrastructure(new Map([['proxmox', bad]]))).toEqual([
      expect.stringContaining('resource.proxmox_virtual_environment_file.k8s-control-1_user-data_pve-node-2.source_raw: a cloud-init snippet references var.kubernetes_ca_key, a private key'),
    ]);
  });

  it('fails when a snippet references a variable whose validation asks for a PEM private key, whatever its name', () => {
    const bad = synthStack(model, (stack) => {
      stack.addOverride('variable.node_secret', { type: 'string', sensitive: true, validation: [{ condition: '${can(regex("-----BEGIN (RSA |EC )?PRIVATE KEY-----", var.node_secret))}', error_message: 'PEM' }] });
      stack.snippets.get('k8s-worker-1')?.byNode.get('pve-node-1')?.addOverride('source_raw.data', '#cloud-config\n# ${var.node_secret}\n');
    });
    expect(checkInfrastructure(new Map([['proxmox', bad]]))).toEqual([expect.stringContaining('references var.node_secret, a private key')]);
  });

  it('validates the secrets with the regexes of the issue before anything is created', () => {
    const regexOf = (name: string): RegExp => {
      const condition: string = doc.variable[name].validation[0].condition;
      const m = /regex\("((?:[^"\\]|\\.)*)"/.exec(condition);
      if (!m) throw new Error(`no regex in ${condition}`);
      return new RegExp(JSON.parse(`"${m[1]}"`));
    };
    const token = regexOf('kubeadm_token');
    expect(token.test('abcdef.0123456789abcdef')).toBe(true);
    expect(token.test('abcdef-0123456789abcdef')).toBe(false);
    expect(token.test('ABCDEF.0123456789abcdef')).toBe(false);
    const key = regexOf('kubeadm_certificate_key');
    expect(key.test('a'.repeat(64))).toBe(true);
    expect(key.test('a'.repeat(63))).toBe(false);
    expect(key.test('g'.repeat(64))).toBe(false);
    const ssh = regexOf('ssh_authorized_keys');
    expect(ssh.test('ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB admin@laptop')).toBe(true);
    expect(ssh.test('hunter2')).toBe(false);
  });

  it('fails the plan early unless the nodes are one online Proxmox cluster', () => {
    const post = doc.data.proxmox_virtual_environment_nodes.cluster.lifecycle.postcondition[0];
    expect(post.condition).toBe('${length(setsubtract(["pve-node-1","pve-node-2","pve-node-3"], [for i, n in self.names : n if self.online[i]])) == 0}');
    expect(post.error_message).toContain('pvecm');
  });

  it('denies incoming traffic to the hosts except SSH/API from management, corosync, and Ceph on its networks', () => {
    expect(resources('proxmox_virtual_environment_cluster_firewall').cluster).toMatchObject({ enabled: true, input_policy: 'DROP', output_policy: 'ACCEPT' });
    const rules: Doc[] = resources('proxmox_virtual_environment_firewall_rules').cluster.rule;
    const summary = rules.map((r) => `${r.type} ${r.action} ${r.proto} ${r.dport ?? '-'} from ${r.source}`);
    expect(summary).toEqual([
      'in ACCEPT tcp 22 from 192.168.1.0/24',
      'in ACCEPT tcp 8006 from 192.168.1.0/24',
      'in ACCEPT icmp - from 192.168.1.0/24',
      'in ACCEPT udp 5405:5412 from 192.168.1.10,192.168.1.11,192.168.1.12',
      'in ACCEPT tcp 60000:60050 from 192.168.1.10,192.168.1.11,192.168.1.12',
      'in ACCEPT tcp 3300,6789 from 10.0.1.0/24',
      'in ACCEPT tcp 6800:7568 from 10.0.1.0/24',
      'in ACCEPT tcp 6800:7568 from 10.0.2.0/24',
      'in ACCEPT tcp 3300,6789 from 10.100.0.0/24',
      'in ACCEPT tcp 6800:7568 from 10.100.0.0/24',
    ]);
    // The policy switches to DROP only after the rules exist.
    expect(resources('proxmox_virtual_environment_cluster_firewall').cluster.depends_on).toContain('proxmox_virtual_environment_firewall_rules.cluster');
    expect(Object.keys(resources('proxmox_node_firewall')).sort()).toEqual(['pve-node-1', 'pve-node-2', 'pve-node-3']);
  });

  it('outputs the VIP, node and VM addresses', () => {
    expect(doc.output.api_vip.value).toBe('10.100.0.100:6443');
    expect(doc.output.node_ips.value).toEqual({ 'pve-node-1': '192.168.1.10', 'pve-node-2': '192.168.1.11', 'pve-node-3': '192.168.1.12' });
    expect(Object.keys(doc.output.vm_ips.value)).toHaveLength(7);
  });

  it('is deterministic', () => {
    expect(JSON.stringify(synthStack(referenceModel()))).toBe(json);
  });
});

describe('checkInfrastructure', () => {
  it('fails when a construct writes an attribute the provider does not have', () => {
    const bad = synthStack(model, (stack) => {
      stack.vms.get('k8s-worker-1')?.vm.addOverride('cpu.core_count', 8);
      stack.vms.get('k8s-worker-2')?.vm.addOverride('on_boot', 'yes');
    });
    const findings = checkInfrastructure(new Map([['proxmox', bad]]));
    expect(findings).toEqual([
      'terraform/proxmox: resource.proxmox_virtual_environment_vm.k8s-worker-1.cpu[0].core_count: unknown attribute or block "core_count". ' +
        'Fix: remove it or use one of the valid attribute/blocks: affinity, architecture, cores, flags, hotplugged, limit, numa, sockets, type, units',
      'terraform/proxmox: resource.proxmox_virtual_environment_vm.k8s-worker-2.on_boot: expected bool, got string "yes". Fix: set a bool value',
    ]);
  });

  it('fails when an object-typed attribute is written partially', () => {
    // A second NIC written the way the bindings emit it when only the used fields are given.
    const bad = synthStack(model, (stack) => stack.vms.get('k8s-worker-1')?.vm.addOverride('network_device', [{ bridge: 'vmbr0', vlan_id: 30 }]));
    expect(checkInfrastructure(new Map([['proxmox', bad]]))).toEqual([
      expect.stringMatching(/^terraform\/proxmox: resource\.proxmox_virtual_environment_vm\.k8s-worker-1\.network_device\[2\]: object is missing "disconnected", "enabled", /),
    ]);
  });

  it('fails when a secret is written as a value', () => {
    const bad = synthStack(model, (stack) => {
      stack.addOverride('provider.proxmox.0.api_token', 'terraform@pve!ci=0b5f8a9e-2f3c-4c1d-9e7a-6a1b2c3d4e5f');
      stack.snippets.get('k8s-worker-1')?.byNode.get('pve-node-1')?.addOverride('source_raw.data', '#cloud-config\n# token abcdef.0123456789abcdef\n');
    });
    const findings = checkInfrastructure(new Map([['proxmox', bad]]));
    expect(findings).toEqual(
      expect.arrayContaining([
        expect.stringContaining('provider.proxmox[0].api_token: "api_token" is set to a literal value'),
        expect.stringContaining('source_raw.data: contains what looks like a kubeadm bootstrap token'),
      ]),
    );
  });

  it('fails when a Proxmox API token is written into a snippet, as a token id and secret or as an Authorization header', () => {
    for (const token of ['terraform@pve!ci=0b5f8a9e-2f3c-4c1d-9e7a-6a1b2c3d4e5f', 'Authorization: pveapitoken=x']) {
      const bad = synthStack(model, (stack) => stack.snippets.get('k8s-worker-1')?.byNode.get('pve-node-1')?.addOverride('source_raw.data', `#cloud-config\n# ${token}\n`));
      expect(checkInfrastructure(new Map([['proxmox', bad]])), token).toEqual([expect.stringContaining('source_raw.data: contains what looks like a Proxmox API token')]);
    }
  });
});

describe('the Proxmox API token shape', () => {
  it('matches the strings the pattern without its run-start lookbehind matches, and no others', () => {
    const unanchored = /\bPVEAPIToken=|[a-z0-9._-]+@[a-z0-9.-]+![a-z0-9._-]+=[0-9a-f-]{36}/i;
    const token = fc.constantFrom('ci@pve!t=0b5f8a9e-2f3c-4c1d-9e7a-6a1b2c3d4e5f', 'a.b-c@pam!x_1=ffffffff-ffff-ffff-ffff-ffffffffffff', 'PVEAPIToken=');
    const text = fc.array(fc.oneof(fc.constantFrom('a', 'Z', '9', '.', '_', '-', '@', '!', '=', ' ', '/', '+', 'f'), token), { maxLength: 40 }).map((parts) => parts.join(''));
    fc.assert(fc.property(text, (s) => PROXMOX_TOKEN.test(s) === unanchored.test(s)), { seed: 7, numRuns: 3000 });
  });
});

describe('ProxmoxStack on other sites', () => {
  it('keeps the CA key out of every snippet of both committed trees and delivers it to each first control plane', () => {
    for (const [tree, first] of [['dist', 'k8s-control-1'], ['dist-homelab', 'k8s-master-1']]) {
      const committed = JSON.parse(fs.readFileSync(path.join(__dirname, '..', tree, 'terraform', 'proxmox', 'main.tf.json'), 'utf8')) as Doc;
      const snippets = Object.entries(committed.resource.proxmox_virtual_environment_file as Record<string, Doc>).filter(([, f]) => f.content_type === 'snippets');
      expect(snippets.length, tree).toBeGreaterThan(0);
      for (const [name, f] of snippets) {
        expect(f.source_raw.data, `${tree} ${name}`).not.toContain('kubernetes_ca_key');
        expect(f.source_raw.data, `${tree} ${name}`).not.toMatch(/-----BEGIN [A-Z ]*PRIVATE KEY-----/);
      }
      const carriers = Object.entries(committed.resource).flatMap(([type, rs]) => Object.keys(rs as Doc).filter((n) => JSON.stringify((rs as Doc)[n]).includes('var.kubernetes_ca_key')).map((n) => `${type}.${n}`));
      expect(carriers, tree).toEqual([`terraform_data.${first}_ca-key`]);
    }
  });

  it('synthesizes the single-node fixture: local storage, no Ceph, no HA, no import for a bridge it creates', () => {
    const loaded = loadSite(path.join(__dirname, 'fixtures', 'sites', 'valid', 'single-node.yaml'));
    const single = buildModel(loaded.site, loaded.source);
    const d = synthStack(single);
    expect(checkInfrastructure(new Map([['proxmox', d]]))).toEqual([]);
    expect(Object.keys(d.resource.proxmox_virtual_environment_vm).sort()).toEqual(['cp-1', 'worker-1']);
    expect(d.resource.proxmox_haresource).toBeUndefined();
    expect(d.resource.proxmox_ceph_pool).toBeUndefined();
    expect(Object.keys(d.resource.terraform_data)).toEqual(['pve-storage-content_local', 'cp-1_ca-key']);
    expect(Object.keys(d.resource.proxmox_virtual_environment_file)).toEqual(['cp-1_user-data_pve', 'worker-1_user-data_pve']);
    expect(d.variable.ceph_repository).toBeUndefined();
  });

  it('synthesizes the three-node Ceph fixture with one Ceph network for public and cluster traffic', () => {
    const loaded = loadSite(path.join(__dirname, 'fixtures', 'sites', 'valid', 'three-node-ceph.json'));
    const d = synthStack(buildModel(loaded.site, loaded.source));
    expect(checkInfrastructure(new Map([['proxmox', d]]))).toEqual([]);
    expect(d.resource.terraform_data['ceph-init'].provisioner[0]['remote-exec'].inline).toContain('test -f /etc/pve/ceph.conf || pveceph init --network 10.30.0.0/24');
    expect(Object.keys(d.resource.proxmox_haresource).sort()).toEqual(['cp-1', 'cp-2', 'cp-3', 'w-1', 'w-2']);
    expect(d.terraform.backend).toEqual({ pg: { schema_name: 'terraform_remote_state' } });
  });

  it('fails when the site has no management VLAN to reach the nodes on (refused by the model, before the stack)', () => {
    expect(() =>
      referenceModel((site) => {
        site.network.vlans[0].role = 'storage';
      }),
    ).toThrow(/network\.vlans: has no VLAN with role "management"[\s\S]*fix: add a VLAN with role "management"/);
  });
});

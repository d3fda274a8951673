import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { ProxmoxVm, PveFirewall, haproxyConfig, keepalivedConfig, nfsExports, serviceVmCloudConfig } from '../constructs';
import { App, TerraformStack } from '../core/cdktf';
import { buildModel, ip } from '../model';
import type { SiteModel } from '../model';
import { SiteError, parseSite } from '../site';
import homelab from '../sites/homelab';
import { PROJECT_ROOT, runSynth } from '../synth/run-synth';
import { committedCompile } from './support/compiled';
import { tempDir, writeSiteYaml } from './support/sites';
import { hashTree } from './support/tree';

/**
 * The second site against its seed (darkknight-homelab-architecture.md). The seed's numbers are written out here,
 * not read from ../shared: a clone of the project has no such folder.
 */
const SEED = {
  host: { cpuThreads: 32, memoryGiB: 128 },
  networks: { management: '10.0.0.0/24', kubernetes: '10.2.0.0/24', storage: '10.3.0.0/24', dmz: '10.4.0.0/24', iot: '192.168.50.0/24' },
  /** The seed's IP plan of the Kubernetes network, first and last address of each range. */
  ranges: {
    loadBalancers: ['10.2.0.1', '10.2.0.10'],
    masters: ['10.2.0.11', '10.2.0.30'],
    workers: ['10.2.0.31', '10.2.0.80'],
    storage: ['10.2.0.81', '10.2.0.99'],
    metallb: ['10.2.0.100', '10.2.0.150'],
    dhcp: ['10.2.0.200', '10.2.0.254'],
  },
  proxmoxHosts: ['10.0.0.10', '10.0.0.20'],
  infrastructureServices: ['10.0.0.50', '10.0.0.99'],
  podCidr: '10.244.0.0/16',
  serviceCidr: '10.96.0.0/12',
  /** vCPU, GB RAM, GB disk per VM kind. */
  vms: {
    loadBalancer: { count: 1, cores: 2, memoryGiB: 2, diskGiB: 20 },
    master: { count: 3, cores: 4, memoryGiB: 8, diskGiB: 100 },
    worker: { count: 3, cores: 4, memoryGiB: 16, diskGiB: 200 },
    nfs: { count: 1, cores: 4, memoryGiB: 8, diskGiB: 500, dataGiB: 1024 },
  },
} as const;

const compiled = committedCompile('sites/homelab.ts');
const model = compiled.model;

function inRange(address: string, [first, last]: readonly [string, string] | readonly string[]): boolean {
  const n = ip.toInt(address);
  return n >= ip.toInt(first) && n <= ip.toInt(last);
}

/** A changed copy of the homelab site, validated and modelled. */
function modelWith(change: (site: Record<string, any>) => void): SiteModel {
  const site = JSON.parse(JSON.stringify(homelab)) as Record<string, any>;
  change(site);
  return buildModel(parseSite(site, 'homelab (changed)'), 'homelab (changed)');
}

function problemsOf(change: (site: Record<string, any>) => void): { path: string; message: string }[] {
  try {
    modelWith(change);
  } catch (err) {
    if (err instanceof SiteError) return err.problems.map((p) => ({ path: p.path, message: p.message }));
    throw err;
  }
  return [];
}

function objects(component: string): Record<string, any>[] {
  return (compiled.result.manifests.get(component) ?? []) as unknown as Record<string, any>[];
}

/** The Helm values text of a chart in a component's Argo CD Application, parsed. */
function applicationValues(component: string, chart: string): Record<string, any> {
  const app = objects('argocd-apps').find((o) => o.kind === 'Application' && o.metadata.name === component);
  expect(app, `Application ${component}`).toBeDefined();
  const sources = (app?.spec.sources ?? [app?.spec.source]) as { chart?: string; helm?: { values?: string } }[];
  const source = sources.find((s) => s.chart === chart);
  expect(source, `Helm source ${chart} of ${component}`).toBeDefined();
  return parse(source?.helm?.values ?? '') as Record<string, any>;
}

function terraform(): Record<string, any> {
  return compiled.result.terraform.get('proxmox') as Record<string, any>;
}

function userData(vm: string): string {
  const files = terraform().resource.proxmox_virtual_environment_file as Record<string, { source_raw: { data: string } | { data: string }[] }>;
  const raw = files[`${vm}_user-data_pve`].source_raw;
  return (Array.isArray(raw) ? raw[0] : raw).data;
}

describe('the homelab site', () => {
  it('compiles with no schema finding and no policy finding, and needs no exception of its own', () => {
    // compileSite refuses the tree on any Terraform or Kubernetes schema finding and any policy finding.
    expect(compiled.policy.findings).toEqual([]);
    expect(compiled.policy.exceptions.filter((e) => e.source === 'site')).toEqual([]);
    // The upstream local-path image has no health endpoint: a built-in exception with its reason, not the user's job.
    const localPath = compiled.policy.exceptions.find((e) => e.object === 'Deployment/local-path-storage/local-path-provisioner');
    expect(localPath?.rule).toBe('probes');
    expect(localPath?.reason.length).toBeGreaterThan(40);
    expect(compiled.policy.warnings).toEqual([]);
    expect(compiled.tree.has('REVIEW.md')).toBe(true);
  });

  it('has one component per add-on of the seed, in dependency order after the CNI', () => {
    const names = model.components.map((c) => c.name);
    for (const c of ['calico', 'metallb', 'ingress-nginx', 'longhorn', 'nfs-provisioner', 'local-path', 'monitoring', 'velero', 'cert-manager', 'argocd']) {
      expect(names, c).toContain(c);
    }
    expect(names[0]).toBe('calico');
    expect(model.components.find((c) => c.name === 'ingress-nginx')?.dependsOn).toEqual(['calico', 'metallb']);
    expect(model.components.find((c) => c.name === 'monitoring')?.dependsOn).toContain('longhorn');
  });

  it('plans the seed\'s VMs on its one host: names, sizes, and addresses in the seed\'s ranges', () => {
    expect(model.hosts.map((h) => [h.name, h.cpuCores, h.memoryGiB, h.managementIp])).toEqual([['pve', SEED.host.cpuThreads, SEED.host.memoryGiB, '10.0.0.10']]);
    expect(inRange(model.hosts[0].managementIp ?? '', SEED.proxmoxHosts)).toBe(true);

    const masters = model.kubernetes.controlPlanes;
    const workers = model.kubernetes.workers;
    expect(masters.map((v) => v.name)).toEqual(['k8s-master-1', 'k8s-master-2', 'k8s-master-3']);
    expect(workers.map((v) => v.name)).toEqual(['k8s-worker-1', 'k8s-worker-2', 'k8s-worker-3']);
    for (const [vms, size, range] of [
      [masters, SEED.vms.master, SEED.ranges.masters],
      [workers, SEED.vms.worker, SEED.ranges.workers],
    ] as const) {
      expect(vms).toHaveLength(size.count);
      for (const v of vms) {
        expect([v.cores, v.memoryMiB / 1024, v.diskGiB, v.storage], v.name).toEqual([size.cores, size.memoryGiB, size.diskGiB, 'local-lvm']);
        expect(inRange(v.ip, range), `${v.name} ${v.ip}`).toBe(true);
      }
    }

    const lb = model.serviceVms.filter((v) => v.role === 'api-load-balancer');
    const nfs = model.serviceVms.filter((v) => v.role === 'nfs-server');
    expect(lb.map((v) => [v.name, v.cores, v.memoryMiB / 1024, v.diskGiB])).toEqual([['haproxy-lb', SEED.vms.loadBalancer.cores, SEED.vms.loadBalancer.memoryGiB, SEED.vms.loadBalancer.diskGiB]]);
    expect(nfs.map((v) => [v.name, v.cores, v.memoryMiB / 1024, v.diskGiB, v.dataDisks.map((d) => d.sizeGiB)])).toEqual([
      ['nfs-storage', SEED.vms.nfs.cores, SEED.vms.nfs.memoryGiB, SEED.vms.nfs.diskGiB, [SEED.vms.nfs.dataGiB]],
    ]);
    expect(inRange(lb[0].ip, SEED.ranges.loadBalancers)).toBe(true);
    expect(inRange(model.kubernetes.apiVip, SEED.ranges.loadBalancers)).toBe(true);
    expect(inRange(nfs[0].ip, SEED.ranges.storage)).toBe(true);

    // Every VM on the one host, which holds all of them (30 vCPU of 32, 82 GiB of the 120 GiB left after the reserve).
    const all = [...model.vms, ...model.serviceVms];
    expect(all).toHaveLength(8);
    expect(new Set(all.map((v) => v.host))).toEqual(new Set(['pve']));
    expect(model.hosts[0].vms).toEqual(all.map((v) => v.name));
    expect(model.hosts[0].allocated).toEqual({ cpuCores: 30, memoryMiB: 82 * 1024 });
    // Nothing of the site in the seed's DHCP range.
    for (const v of all) expect(inRange(v.ip, SEED.ranges.dhcp), v.name).toBe(false);
  });

  it('transcribes the seed\'s networks, the management node and the cluster ranges', () => {
    expect(Object.fromEntries(model.network.vlans.map((v) => [v.name, v.cidr]))).toEqual(SEED.networks);
    expect(model.kubernetes.podCidr).toBe(SEED.podCidr);
    expect(model.kubernetes.serviceCidr).toBe(SEED.serviceCidr);
    expect([model.kubernetes.apiServiceIp, model.kubernetes.dnsServiceIp]).toEqual(['10.96.0.1', '10.96.0.10']);
    const pi = model.managementHosts.find((m) => m.role === 'management-node');
    expect(pi?.vlan).toBe('management');
    expect(inRange(pi?.address ?? '', SEED.infrastructureServices)).toBe(true);
  });

  it('warns that the three control planes share the one host, and that one load balancer holds the VIP', () => {
    expect(model.warnings.some((w) => /3 control planes share pve .*etcd quorum/.test(w))).toBe(true);
    expect(model.warnings.some((w) => /haproxy-lb is the only api-load-balancer VM/.test(w))).toBe(true);
  });

  it('runs Calico on the site\'s pod CIDR with the eBPF data plane, reaching the API through the VIP, and no kube-proxy', () => {
    const installation = objects('calico').find((o) => o.kind === 'Installation');
    expect(installation?.apiVersion).toBe('operator.tigera.io/v1');
    expect(installation?.spec.calicoNetwork.ipPools.map((p: { cidr: string }) => p.cidr)).toEqual([model.kubernetes.podCidr]);
    expect(installation?.spec.calicoNetwork.linuxDataplane).toBe('BPF');
    expect(installation?.spec.serviceCIDRs).toEqual([model.kubernetes.serviceCidr]);
    const values = applicationValues('calico', 'tigera-operator');
    expect(values.installation).toEqual({ enabled: false });
    expect(values.kubernetesServiceEndpoint).toEqual({ host: model.kubernetes.apiVip, port: String(model.kubernetes.apiPort) });
    // kubeadm skips kube-proxy on the first control plane and records it for upgrades; monitoring does not expect it.
    expect(userData('k8s-master-1')).toMatch(/skipPhases:\n\s+- addon\/kube-proxy/);
    expect(applicationValues('monitoring', 'kube-prometheus-stack').kubeProxy).toEqual({ enabled: false });
  });

  it('applies the Installation in the bootstrap right after the operator chart, before waiting for Ready nodes', () => {
    const script = compiled.tree.get('bootstrap/bootstrap.sh') ?? '';
    const chart = script.indexOf('helm upgrade --install calico tigera-operator');
    const apply = script.indexOf('retry kubectl apply -f calico-objects.yaml');
    const wait = script.indexOf('kubectl wait --for=condition=Ready node');
    expect(chart).toBeGreaterThan(0);
    expect(apply).toBeGreaterThan(chart);
    expect(wait).toBeGreaterThan(apply);
    const docs = parseAllDocuments(compiled.tree.get('bootstrap/calico-objects.yaml') ?? '').map((d) => d.toJS());
    expect(docs.map((d) => `${d.kind}/${d.metadata.name}`)).toEqual(['Installation/default']);
    expect(docs[0]).toEqual(parse((compiled.tree.get('kubernetes/calico/installation-default.yaml') ?? '').split('\n').slice(1).join('\n')));
  });

  it('gives MetalLB the site\'s address range, and pins the ingress to its first address', () => {
    const pool = objects('metallb').find((o) => o.kind === 'IPAddressPool');
    const range = homelab.platform.addons.metallb;
    expect(pool?.spec.addresses).toEqual([`${range?.addressRange.start}-${range?.addressRange.stop}`]);
    expect([range?.addressRange.start, range?.addressRange.stop]).toEqual(SEED.ranges.metallb);
    const l2 = objects('metallb').find((o) => o.kind === 'L2Advertisement');
    expect(l2?.spec.ipAddressPools).toEqual([pool?.metadata.name]);
    expect(applicationValues('metallb', 'metallb').frrk8s).toEqual({ enabled: false });
    const ingress = applicationValues('ingress-nginx', 'ingress-nginx');
    expect(ingress.controller.service.annotations).toEqual({ 'metallb.io/loadBalancerIPs': '10.2.0.100' });
  });

  it('points the NFS provisioner at the NFS VM\'s address and export, which the VM exports to the node VLAN', () => {
    const nfsVm = model.serviceVms.find((v) => v.role === 'nfs-server');
    const values = applicationValues('nfs-provisioner', 'nfs-subdir-external-provisioner');
    expect(values.nfs).toEqual({ server: nfsVm?.ip, path: nfsVm?.exportPath });
    expect(model.nfsExport).toEqual({ server: '10.2.0.81', path: '/srv/nfs', vm: 'nfs-storage' });
    expect(values.storageClass).toMatchObject({ name: 'nfs-client', defaultClass: false, accessModes: 'ReadWriteMany' });
    const data = userData('nfs-storage');
    expect(data).toContain(`/srv/nfs ${SEED.networks.kubernetes}(rw,sync,no_subtree_check,root_squash)`);
    expect(data).toContain('/dev/disk/by-id/scsi-0QEMU_QEMU_HARDDISK_drive-scsi1');
    // Every node gets the NFS client (and Longhorn's iSCSI initiator) before it joins.
    for (const vm of model.vms) expect(parse(userData(vm.name)).packages, vm.name).toEqual(expect.arrayContaining(['nfs-common', 'open-iscsi']));
  });

  it('makes the replicated Longhorn class the only default StorageClass, with scheduled snapshots', () => {
    const classes = [...compiled.result.manifests.values()].flat().filter((o) => o.kind === 'StorageClass') as Record<string, any>[];
    const defaults = classes.filter((c) => c.metadata.annotations?.['storageclass.kubernetes.io/is-default-class'] === 'true');
    expect(defaults.map((c) => c.metadata.name)).toEqual(['longhorn-replicated']);
    expect(defaults[0].parameters.numberOfReplicas).toBe('3');
    expect(classes.map((c) => c.metadata.name).sort()).toEqual(['local-path', 'longhorn-replicated']);
    const job = objects('longhorn').find((o) => o.kind === 'RecurringJob');
    expect(job?.spec).toMatchObject({ task: 'snapshot', cron: '0 1 * * *', retain: 7, groups: ['default'] });
    expect(applicationValues('longhorn', 'longhorn').persistence).toEqual({ defaultClass: false, defaultClassReplicaCount: 3 });
    const monitoring = applicationValues('monitoring', 'kube-prometheus-stack');
    expect(monitoring.grafana.persistence.storageClassName).toBe('longhorn-replicated');
  });

  it('runs the local-path provisioner unprivileged behind a default-deny policy that lets it reach only the API server', () => {
    const deployment = objects('local-path').find((o) => o.kind === 'Deployment');
    const container = deployment?.spec.template.spec.containers[0];
    expect(container.image).toBe('rancher/local-path-provisioner:v0.0.32');
    expect(deployment?.spec.template.spec.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 65534 });
    const egress = objects('local-path').find((o) => o.kind === 'NetworkPolicy' && o.metadata.name === 'local-path-provisioner');
    const peers = (egress?.spec.egress as { to: { ipBlock: { cidr: string } }[] }[]).flatMap((r) => r.to.map((t) => t.ipBlock.cidr)).sort();
    expect(peers).toEqual(['10.2.0.10/32', '10.2.0.11/32', '10.2.0.12/32', '10.2.0.13/32', '10.96.0.1/32']);
  });

  it('builds the load balancer and the NFS server through ProxmoxVm, before the nodes that need the VIP', () => {
    const vms = terraform().resource.proxmox_virtual_environment_vm as Record<string, any>;
    expect(Object.keys(vms).sort()).toEqual(['haproxy-lb', 'k8s-master-1', 'k8s-master-2', 'k8s-master-3', 'k8s-worker-1', 'k8s-worker-2', 'k8s-worker-3', 'nfs-storage']);
    expect(vms['nfs-storage'].disk.map((d: { interface: string; size: number }) => [d.interface, d.size])).toEqual([['scsi0', 500], ['scsi1', 1024]]);
    expect(vms['haproxy-lb'].initialization.ip_config[0].ipv4.address).toBe('10.2.0.2/24');
    for (const name of Object.keys(vms).filter((n) => n.startsWith('k8s-'))) {
      expect(vms[name].depends_on, name).toContain('proxmox_virtual_environment_vm.haproxy-lb');
    }
    expect(terraform().output.service_vm_ips.value).toEqual({ 'haproxy-lb': '10.2.0.2', 'nfs-storage': '10.2.0.81' });
    // No Ceph on this site.
    expect(Object.keys(terraform().resource).filter((t) => /ceph/.test(t))).toEqual([]);
  });

  it('lets root SSH reach the hypervisor from the management node only; the web UI stays open to the management VLAN', () => {
    const rules = terraform().resource.proxmox_virtual_environment_firewall_rules.cluster.rule as { dport?: string; source?: string }[];
    expect(rules.filter((r) => r.dport === '22').map((r) => r.source)).toEqual(['10.0.0.50']);
    expect(rules.filter((r) => r.dport === '8006').map((r) => r.source)).toEqual([SEED.networks.management]);
  });

  it('balances the API over every master with HAProxy and holds the VIP with keepalived', () => {
    const k = model.kubernetes;
    const cfg = haproxyConfig(k);
    for (const cp of k.controlPlanes) expect(cfg).toContain(`server ${cp.name} ${cp.ip}:6443`);
    expect(cfg).toMatch(/bind :6443/);
    const lb = model.serviceVms[0];
    expect(keepalivedConfig(lb, [lb], k)).toContain('10.2.0.10/24 dev eth0');
    expect(keepalivedConfig(lb, [lb], k)).not.toContain('unicast_peer');
    const second = { ...lb, name: 'haproxy-lb-2', ip: '10.2.0.3', index: 2 };
    const backup = keepalivedConfig(second, [lb, second], k);
    expect(backup).toMatch(/priority 140/);
    expect(backup).toMatch(/unicast_src_ip 10\.2\.0\.3\n\s+unicast_peer \{\n\s+10\.2\.0\.2\n/);
    expect(userData('haproxy-lb')).toContain(cfg.split('\n')[1]);
  });

  it('writes its tree to --out and leaves dist/ untouched', () => {
    const dist = path.join(PROJECT_ROOT, 'dist');
    const before = fs.existsSync(dist) ? hashTree(dist) : undefined;
    const out = path.join(tempDir(), 'homelab');
    const err: string[] = [];
    const code = runSynth(['--site', 'sites/homelab.ts', '--out', out, '--quiet'], { out: () => undefined, err: (l) => err.push(l), cwd: PROJECT_ROOT });
    expect(code, err.join('\n')).toBe(0);
    expect(hashTree(out)).toEqual(Object.fromEntries([...compiled.tree.entries()].map(([f]) => [f, expect.any(String)])));
    expect(fs.readFileSync(path.join(out, 'terraform/proxmox/main.tf.json'), 'utf8')).toBe(compiled.tree.get('terraform/proxmox/main.tf.json'));
    expect(fs.existsSync(dist) ? hashTree(dist) : undefined).toEqual(before);
    // The chart lock beside the site is current: no warning about a missing lock.
    expect(err.join('\n')).not.toMatch(/no chart lock/);
  });

  it('gives the same tree from the site printed as YAML as from the TypeScript site', () => {
    const yamlSite = writeSiteYaml(JSON.parse(JSON.stringify(homelab)), 'homelab.yaml');
    const out = path.join(tempDir(), 'homelab');
    const code = runSynth(['--site', yamlSite, '--out', out, '--quiet'], { out: () => undefined, err: () => undefined, cwd: PROJECT_ROOT });
    expect(code).toBe(0);
    const expected = Object.fromEntries([...compiled.tree.entries()].map(([f, text]) => [f, text]));
    const written = Object.fromEntries(Object.keys(hashTree(out)).map((f) => [f, fs.readFileSync(path.join(out, f), 'utf8')]));
    expect(written).toEqual(expected);
  });
});

describe('construct options the homelab uses', () => {
  const stack = (): TerraformStack => new TerraformStack(new App({ outdir: tempDir(), skipValidation: true }), 'test');
  const vm = { name: 'nfs', vmId: 181, node: 'pve', cores: 4, memoryMiB: 8192, diskGiB: 500, storage: 'local-lvm', imageFileId: 'local:iso/x.img', userDataFileId: 'local:snippets/x.yaml', bridge: 'vmbr0', vlanId: 20, ipv4: '10.2.0.81/24' };

  it('fails when a ProxmoxVm data disk has no size', () => {
    expect(() => new ProxmoxVm(stack(), 'vm', { ...vm, dataDisks: [{ sizeGiB: 0, storage: 'local-lvm' }] })).toThrow(/dataDisks\[0\]\.sizeGiB 0 must be a whole number of at least 1/);
  });

  it('fails when the firewall would accept SSH from nobody', () => {
    expect(() => new PveFirewall(stack(), 'fw', { nodes: ['pve'], managementCidr: '10.0.0.0/24', nodeAddresses: ['10.0.0.10'], sshSources: [] })).toThrow(/sshSources is empty/);
    expect(() => new PveFirewall(stack(), 'fw', { nodes: ['pve'], managementCidr: '10.0.0.0/24', nodeAddresses: ['10.0.0.10'], sshSources: ['rpi'] })).toThrow(/sshSources\[0\] "rpi" must be an IPv4 address or CIDR/);
  });
});

describe('the homelab site\'s checks', () => {
  it('fails when the VIP provider is haproxy but no api-load-balancer VM runs it', () => {
    const problems = problemsOf((s) => {
      s.serviceVms = s.serviceVms.filter((v: { role: string }) => v.role !== 'api-load-balancer');
    });
    expect(problems).toContainEqual({ path: 'kubernetes.vip.provider', message: expect.stringMatching(/no VM with role "api-load-balancer"/) });
  });

  it('fails when an api-load-balancer VM would fight kube-vip for the VIP', () => {
    const problems = problemsOf((s) => {
      s.kubernetes.vip.provider = 'kube-vip';
    });
    expect(problems).toContainEqual({ path: 'serviceVms[0].role', message: expect.stringMatching(/kube-vip/) });
  });

  it('fails when a service VM takes an address the site already uses', () => {
    const problems = problemsOf((s) => {
      s.serviceVms[1].ip = '10.2.0.11';
    });
    expect(problems).toContainEqual({ path: 'serviceVms[1].ip', message: expect.stringMatching(/already used by kubernetes\.nodePools\[0\]\.firstIp/) });
  });

  it('fails when the MetalLB range covers a service VM', () => {
    const problems = problemsOf((s) => {
      s.platform.addons.metallb.addressRange = { start: '10.2.0.80', stop: '10.2.0.90' };
    });
    expect(problems).toContainEqual({ path: 'platform.addons.metallb.addressRange', message: expect.stringMatching(/contains 10\.2\.0\.81, used by serviceVms\[1\]\.ip/) });
  });

  it('fails when the NFS provisioner has no server and the site no nfs-server VM', () => {
    const problems = problemsOf((s) => {
      s.serviceVms = s.serviceVms.filter((v: { role: string }) => v.role !== 'nfs-server');
    });
    expect(problems).toContainEqual({ path: 'platform.addons.nfsProvisioner.server', message: expect.stringMatching(/no nfs-server VM/) });
  });

  it('fails when the NFS provisioner\'s path is outside what the NFS VM exports', () => {
    const problems = problemsOf((s) => {
      s.platform.addons.nfsProvisioner.path = '/srv/other';
    });
    expect(problems).toContainEqual({ path: 'platform.addons.nfsProvisioner.path', message: expect.stringMatching(/outside what nfs-storage exports \(\/srv\/nfs\)/) });
  });

  it('fails when the NFS provisioner\'s server is another VM of the site', () => {
    const problems = problemsOf((s) => {
      s.platform.addons.nfsProvisioner.server = '10.2.0.2';
    });
    expect(problems).toContainEqual({ path: 'platform.addons.nfsProvisioner.server', message: expect.stringMatching(/serviceVms\[0\]\.ip, which is not an nfs-server VM/) });
  });

  it('fails when Longhorn wants more replicas than there are workers', () => {
    const problems = problemsOf((s) => {
      s.platform.addons.longhorn.replicas = 4;
    });
    expect(problems).toContainEqual({ path: 'platform.addons.longhorn.replicas', message: expect.stringMatching(/needs 4 workers .* has 3/) });
  });

  it('fails when a management host is not on the management VLAN', () => {
    const problems = problemsOf((s) => {
      s.managementHosts[0].address = '10.2.0.60';
    });
    expect(problems).toContainEqual({ path: 'managementHosts[0].address', message: expect.stringMatching(/not a host address of VLAN management/) });
  });

  it('fails when the VMs need more cores than the one host has', () => {
    const problems = problemsOf((s) => {
      s.serviceVms[1].cores = 8;
    });
    expect(problems).toContainEqual({ path: 'proxmox.nodes[0].cpuCores', message: expect.stringMatching(/nfs-storage\): 34 cores against 32/) });
  });

  it('fails when an NFS server VM has no data disk to export', () => {
    expect(() =>
      modelWith((s) => {
        delete s.serviceVms[1].dataDisk;
      }),
    ).toThrow(/serviceVms\[1\]\.dataDisk: is required/);
  });

  it('fails when a service VM is asked for a cloud-config without what its role needs', () => {
    const nfs = { ...model.serviceVms[1], dataDisks: [] };
    expect(() => serviceVmCloudConfig({ vm: nfs, kubernetes: model.kubernetes, sshAuthorizedKeys: '[]' })).toThrow(/no data disk to export/);
    expect(() => nfsExports('srv/nfs', '10.2.0.0/24')).toThrow(/absolute path/);
  });
});

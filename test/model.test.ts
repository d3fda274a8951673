import { describe, expect, it } from 'vitest';
import { buildModel } from '../model';
import { SiteError, parseSite } from '../site';
import reference from '../sites/hookprobe';
import { baseSite, referenceSite, setPath } from './support/sites';

const homelabSite = (): Record<string, unknown> => baseSite('homelab');

const model = buildModel(reference);

describe('VM placement and IP plan', () => {
  it('puts control plane n on Proxmox node n, spreads workers and puts the GPU worker on the GPU node', () => {
    expect(model.vms.map((v) => [v.name, v.host, v.ip, v.vmId])).toEqual([
      ['k8s-control-1', 'pve-node-1', '10.100.0.10', 100],
      ['k8s-control-2', 'pve-node-2', '10.100.0.11', 101],
      ['k8s-control-3', 'pve-node-3', '10.100.0.12', 102],
      ['k8s-worker-1', 'pve-node-1', '10.100.0.20', 110],
      ['k8s-worker-2', 'pve-node-2', '10.100.0.21', 111],
      ['k8s-worker-3', 'pve-node-3', '10.100.0.22', 112],
      ['k8s-gpu-worker-1', 'pve-node-2', '10.100.0.30', 120],
    ]);
    expect(model.vms.filter((v) => v.gpu).map((v) => v.gpu?.mapping)).toEqual(['a100']);
  });

  it('labels and taints the GPU worker so only GPU workloads land there', () => {
    const gpu = model.kubernetes.gpuWorkers[0];
    expect(gpu.labels['nvidia.com/gpu']).toBe('true');
    expect(gpu.taints).toEqual([{ key: 'nvidia.com/gpu', value: 'true', effect: 'NoSchedule' }]);
  });

  it('derives the cluster addresses kubeadm and the CNI need', () => {
    expect(model.kubernetes).toMatchObject({
      controlPlaneEndpoint: '10.100.0.100:6443',
      apiServiceIp: '10.96.0.1',
      dnsServiceIp: '10.96.0.10',
      minorVersion: '1.31',
      dnsServers: ['10.100.0.1'],
    });
    expect(model.kubernetes.firstControlPlane.name).toBe('k8s-control-1');
    expect(model.vms.every((v) => v.gateway === '10.100.0.1' && v.prefixLength === 24)).toBe(true);
  });

  it('accounts host capacity after the reserve', () => {
    expect(model.hosts.map((h) => [h.name, h.allocated.cpuCores, h.allocated.memoryMiB / 1024, h.allocatable.memoryMiB / 1024])).toEqual([
      ['pve-node-1', 12, 40, 112],
      ['pve-node-2', 28, 104, 112],
      ['pve-node-3', 12, 40, 112],
    ]);
  });

  it('spreads a preferred-spread pool over more VMs than hosts', () => {
    const site = referenceSite();
    setPath(site, 'kubernetes.nodePools[1].count', 5);
    setPath(site, 'kubernetes.nodePools[1].memoryGiB', 16);
    const m = buildModel(parseSite(site, 'five-workers'));
    expect(m.vms.filter((v) => v.pool === 'worker').map((v) => v.host)).toEqual(['pve-node-1', 'pve-node-2', 'pve-node-3', 'pve-node-1', 'pve-node-3']);
  });
});

describe('Ceph', () => {
  it('gives every Kubernetes VM a second NIC on the Ceph public VLAN for in-cluster Ceph clients', () => {
    expect(model.vms.map((v) => v.cephPublic?.ip)).toEqual(['10.0.1.100', '10.0.1.101', '10.0.1.102', '10.0.1.103', '10.0.1.104', '10.0.1.105', '10.0.1.106']);
    expect(model.vms.every((v) => v.cephPublic?.vlanId === 30)).toBe(true);
  });

  it('puts a monitor on every OSD host at its Ceph public address', () => {
    expect(model.ceph?.monitors).toEqual([
      { host: 'pve-node-1', ip: '10.0.1.10' },
      { host: 'pve-node-2', ip: '10.0.1.11' },
      { host: 'pve-node-3', ip: '10.0.1.12' },
    ]);
    expect(model.ceph?.publicNetwork).toBe('10.0.1.0/24');
    expect(model.ceph?.clusterNetwork).toBe('10.0.2.0/24');
  });
});

describe('apps', () => {
  it('derives service URLs from the Services the compiler creates', () => {
    const django = model.apps.find((a) => a.name === 'django-central');
    expect(django?.env).toEqual(
      expect.arrayContaining([
        { name: 'REDIS_URL', value: 'redis://redis-service:6379/0' },
        { name: 'QSECBIT_API_URL', value: 'http://qsecbit-backend-service:8888' },
        { name: 'AI_CONTENT_API_URL', value: 'http://ai-content-service:8000' },
      ]),
    );
  });

  it('checks that the served model fits the GPU', () => {
    const llm = model.apps.find((a) => a.name === 'ai-content-generator');
    expect(llm?.gpu?.weightsGiB).toBeLessThan(llm?.gpu?.budgetGiB ?? 0);
  });
});

describe('what the builders read instead of the site', () => {
  it('says whether kubeadm installs kube-proxy from the CNI so configured (Cilium serves Services; Calico only with eBPF)', () => {
    expect(model.kubernetes.kubeProxy).toBe(false);
    expect(buildModel(parseSite(homelabSite(), 'homelab')).kubernetes.kubeProxy).toBe(false);
    const iptables = homelabSite();
    setPath(iptables, 'platform.addons.calico.dataplane', 'iptables');
    expect(buildModel(parseSite(iptables, 'homelab iptables')).kubernetes.kubeProxy).toBe(true);
  });

  it('collects the node packages of the installed add-ons, and the ReadWriteMany class of the storage that serves it', () => {
    const homelab = buildModel(parseSite(homelabSite(), 'homelab'));
    expect(homelab.kubernetes.nodeRequirements.packages).toContain('nfs-common');
    expect(homelab.readWriteManyClass).toBe('nfs-client');
    expect(model.readWriteManyClass).toBe('cephfs');
  });

  it('carries the Proxmox access and the state backend the stack is written with', () => {
    expect(model.proxmox).toMatchObject({ sshUser: reference.proxmox.sshUser ?? 'root', imageStorage: reference.proxmox.imageStorage ?? 'local', stateBackend: reference.terraform.backend });
  });
});

describe('components', () => {
  it('orders every component after what it depends on', () => {
    const position = new Map(model.components.map((c, i) => [c.name, i]));
    for (const c of model.components) for (const d of c.dependsOn) expect(position.get(d), `${d} before ${c.name}`).toBeLessThan(position.get(c.name) ?? -1);
    expect(model.components[0].name).toBe('cilium');
  });

  it('fails when components depend on each other in a cycle, naming the whole cycle', () => {
    const site = referenceSite();
    setPath(site, 'apps[0].dependsOn', ['redis', 'postgres', 'django-central']);
    let message = '';
    try {
      buildModel(parseSite(site, 'cycle'));
    } catch (err) {
      message = (err as SiteError).message;
    }
    expect(message).toContain('django-central -> qsecbit-backend -> django-central');
  });
});

describe('the cloud image', () => {
  it('keeps a .img image\'s file name and stores a .qcow2 image under a .img name, the only kind Proxmox keeps as iso content', () => {
    expect(model.kubernetes.image.fileName).toMatch(/\.img$/);
    const site = referenceSite();
    setPath(site, 'kubernetes.image.url', 'https://cloud.debian.org/images/cloud/trixie/latest/debian-13-genericcloud-amd64.qcow2');
    expect(buildModel(parseSite(site, 'site')).kubernetes.image.fileName).toBe('debian-13-genericcloud-amd64.img');
  });
});

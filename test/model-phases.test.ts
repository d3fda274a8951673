import { describe, expect, it } from 'vitest';
import { ADDON_CATALOG } from '../addons/catalog';
import { addonPhase } from '../model/addon-phase';
import { appPhase } from '../model/app-phase';
import { cephPhase } from '../model/ceph-phase';
import { managementHostPhase, proxmoxHostPhase } from '../model/host-phase';
import { networkPhase } from '../model/model-context';
import { capacityPhase, kubernetesVmPhase, serviceVmPhase } from '../model/vm-placement';
import { Site, parseSite } from '../site';
import { referenceSite } from './support/sites';

/** The phases of buildModel on their own: each gets the context the earlier ones filled. */
function site(change: (s: Record<string, any>) => void = () => undefined): Site {
  const s = referenceSite() as Record<string, any>;
  change(s);
  return parseSite(s, 'phase test');
}

describe('networkPhase', () => {
  it('indexes the VLANs by name and role', () => {
    const ctx = networkPhase(site());
    expect(ctx.byRole.kubernetes?.name).toBe(ctx.site.kubernetes.nodeVlan);
    expect(ctx.problems).toEqual([]);
  });

  it('fails when two ranges overlap, naming both', () => {
    const ctx = networkPhase(site((s) => void (s.kubernetes.serviceCidr = '10.96.0.0/12')));
    expect(ctx.problems.map((p) => p.path)).toEqual(['kubernetes.serviceCidr']);
  });

  it('fails when an address is claimed twice', () => {
    const ctx = networkPhase(site());
    ctx.claim('10.100.0.5', 'a');
    ctx.claim('10.100.0.5', 'b');
    expect(ctx.problems).toEqual([expect.objectContaining({ path: 'b', message: 'is already used by a' })]);
  });
});

describe('host phases', () => {
  it('fails when a management host repeats a Proxmox node name', () => {
    const ctx = networkPhase(site());
    const hosts = proxmoxHostPhase(ctx);
    const first = [...hosts][0];
    ctx.site.managementHosts.push({ name: first, role: 'network-device', address: '192.168.1.250' });
    managementHostPhase(ctx, hosts);
    expect(ctx.problems.map((p) => p.message)).toContain('repeats the name of a Proxmox node or another management host');
  });
});

describe('kubernetesVmPhase, serviceVmPhase, capacityPhase', () => {
  it('places every VM of every pool, GPU pools on the GPU host', () => {
    const ctx = networkPhase(site());
    const { vms, placement } = kubernetesVmPhase(ctx);
    expect(vms.length).toBe(ctx.site.kubernetes.nodePools.reduce((n, p) => n + p.count, 0));
    for (const vm of vms.filter((v) => v.gpu)) expect(ctx.site.proxmox.nodes.find((n) => n.name === vm.host)?.gpus.length).toBeGreaterThan(0);
    expect(serviceVmPhase(ctx, placement)).toEqual([]);
    capacityPhase(ctx, placement.hosts);
    expect(ctx.problems).toEqual([]);
  });

  it('fails when the VMs placed on a host exceed its memory', () => {
    const ctx = networkPhase(site((s) => s.kubernetes.nodePools.forEach((p: Record<string, any>) => void (p.memoryGiB = 120))));
    const { placement } = kubernetesVmPhase(ctx);
    capacityPhase(ctx, placement.hosts);
    expect(ctx.problems.some((p) => /memoryGiB$/.test(p.path) && /is exceeded by the VMs placed on/.test(p.message))).toBe(true);
  });
});

describe('cephPhase', () => {
  it('names a monitor on every OSD host', () => {
    const ctx = networkPhase(site());
    const ceph = cephPhase(ctx, ADDON_CATALOG);
    expect(ceph?.monitors.map((m) => m.host)).toEqual(ceph?.osdHosts);
  });

  it('names the add-ons that are Ceph clients in the cluster (Rook, by its facts)', () => {
    expect(cephPhase(networkPhase(site()), ADDON_CATALOG)?.clients).toEqual(['rook-ceph']);
    expect(cephPhase(networkPhase(site((s) => delete s.platform.addons.rookCeph)), ADDON_CATALOG)?.clients).toEqual([]);
  });

  it('fails when a Ceph client add-on cannot reach the monitors: no client NIC and no gateway on the public VLAN', () => {
    const ctx = networkPhase(site((s) => {
      delete s.ceph.clientFirstIp;
      for (const v of s.network.vlans) if (v.name === s.ceph.publicVlan) delete v.gateway;
    }));
    cephPhase(ctx, ADDON_CATALOG);
    expect(ctx.problems).toContainEqual(expect.objectContaining({ path: 'ceph.clientFirstIp', message: expect.stringContaining('so Rook in the cluster cannot reach the Ceph monitors') }));
  });

  it('fails when a pool has more replicas than hosts with OSDs', () => {
    const ctx = networkPhase(site((s) => void (s.ceph.pools[0].size = 9)));
    cephPhase(ctx, ADDON_CATALOG);
    expect(ctx.problems.map((p) => p.path)).toContain('ceph.pools[0].size');
  });
});

describe('addonPhase', () => {
  it('fails when the load-balancer range holds a VM address', () => {
    const ctx = networkPhase(site());
    const { vms, placement } = kubernetesVmPhase(ctx);
    const cilium = ctx.site.platform.addons.cilium;
    if (!cilium) throw new Error('the reference site has Cilium');
    cilium.loadBalancerRange = { start: vms[0].ip, stop: vms[0].ip };
    addonPhase(ctx, placement.nodeVlan, [], ADDON_CATALOG);
    expect(ctx.problems.map((p) => p.path)).toContain('platform.addons.cilium.loadBalancerRange');
  });
});

describe('appPhase', () => {
  it('resolves another app\'s address into the environment', () => {
    const ctx = networkPhase(site());
    const { vms } = kubernetesVmPhase(ctx);
    const { apps, services } = appPhase(ctx, vms);
    expect(Object.keys(services)).toEqual(expect.arrayContaining(apps.map((a) => a.name)));
    expect(ctx.problems).toEqual([]);
  });

  it('fails when a GPU app\'s model does not fit the GPU', () => {
    const ctx = networkPhase(site((s) => {
      const llm = s.apps.find((a: Record<string, any>) => a.gpu);
      llm.gpu.model.parametersBillions = 70.6;
    }));
    const { vms } = kubernetesVmPhase(ctx);
    appPhase(ctx, vms);
    expect(ctx.problems.map((p) => p.path)).toEqual([expect.stringMatching(/^apps\[\d+\]\.gpu\.model$/)]);
  });
});

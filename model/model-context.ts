import type { Site } from '../site';
import type { SiteProblem } from '../site/errors';
import * as ip from './ip';
import type { VlanModel } from './types';

/**
 * What the phases of buildModel share: the site, the problems and warnings found so far (all are collected before
 * anything throws, so one run shows everything to fix), the VLANs, and every fixed address already claimed, so a
 * duplicate is found across layers (gateways, hosts, VMs, virtual IPs).
 */
export interface ModelContext {
  readonly site: Site;
  readonly problems: SiteProblem[];
  readonly warnings: string[];
  readonly vlans: readonly VlanModel[];
  readonly byName: Readonly<Record<string, VlanModel>>;
  readonly byRole: Readonly<Partial<Record<VlanModel['role'], VlanModel>>>;
  /** Address -> the site path that uses it. */
  readonly owners: ReadonlyMap<string, string>;
  fail(path: string, value: unknown, message: string, fix: string): void;
  /** Records that `path` uses `address`; a second user of the address is a problem. */
  claim(address: string, path: string): void;
  /** A problem unless `address` is a host address of the named VLAN (an unknown VLAN is reported elsewhere). */
  inVlan(vlanName: string, address: string, path: string): void;
}

/** The first phase: the VLANs (unique ids, names and roles; gateways inside), and no two ranges overlapping. */
export function networkPhase(site: Site): ModelContext {
  const problems: SiteProblem[] = [];
  const fail = (path: string, value: unknown, message: string, fix: string): void => {
    problems.push({ path, value, message, fix });
  };
  const vlans: VlanModel[] = site.network.vlans.map((v) => ({ ...v, prefixLength: ip.subnet(v.cidr).prefixLength }));
  const byName: Record<string, VlanModel> = {};
  const byRole: Partial<Record<VlanModel['role'], VlanModel>> = {};
  const seenIds = new Map<number, number>();
  vlans.forEach((v, i) => {
    const path = `network.vlans[${i}]`;
    if (seenIds.has(v.id)) fail(`${path}.id`, v.id, `repeats the VLAN id of network.vlans[${seenIds.get(v.id)}]`, 'give every VLAN its own id');
    else seenIds.set(v.id, i);
    if (byName[v.name]) fail(`${path}.name`, v.name, 'repeats the name of another VLAN', 'give every VLAN its own name');
    else byName[v.name] = v;
    if (byRole[v.role]) fail(`${path}.role`, v.role, `repeats the role of VLAN "${byRole[v.role]?.name}"`, 'each role belongs to one VLAN; use another role or merge the VLANs');
    else byRole[v.role] = v;
    if (v.gateway && !ip.isHostAddress(ip.subnet(v.cidr), v.gateway)) {
      fail(`${path}.gateway`, v.gateway, `is not a host address of ${v.cidr}`, `use an address inside ${v.cidr}, e.g. ${ip.nth(ip.subnet(v.cidr), 1)}`);
    }
  });

  const k = site.kubernetes;
  const ranges: { path: string; cidr: string; label: string }[] = [
    ...vlans.map((v, i) => ({ path: `network.vlans[${i}].cidr`, cidr: v.cidr, label: `VLAN ${v.name}` })),
    { path: 'kubernetes.podCidr', cidr: k.podCidr, label: 'the pod network' },
    { path: 'kubernetes.serviceCidr', cidr: k.serviceCidr, label: 'the service network' },
  ];
  for (let a = 0; a < ranges.length; a++) {
    for (let b = a + 1; b < ranges.length; b++) {
      if (ip.overlaps(ip.subnet(ranges[a].cidr), ip.subnet(ranges[b].cidr))) {
        fail(ranges[b].path, ranges[b].cidr, `overlaps ${ranges[a].label} (${ranges[a].cidr}, ${ranges[a].path})`, 'choose non-overlapping ranges; routing cannot tell them apart');
      }
    }
  }

  const owners = new Map<string, string>();
  const claim = (address: string, path: string): void => {
    const other = owners.get(address);
    if (other) fail(path, address, `is already used by ${other}`, 'give every host, VM and virtual IP its own address');
    else owners.set(address, path);
  };
  vlans.forEach((v, i) => v.gateway && claim(v.gateway, `network.vlans[${i}].gateway`));
  const inVlan = (vlanName: string, address: string, path: string): void => {
    const v = byName[vlanName];
    if (!v) return;
    if (!ip.isHostAddress(ip.subnet(v.cidr), address)) {
      fail(path, address, `is not a host address of VLAN ${v.name} (${v.cidr})`, `use an address inside ${v.cidr}`);
    }
  };
  return { site, problems, warnings: [], vlans, byName, byRole, owners, fail, claim, inVlan };
}

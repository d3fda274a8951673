import { Construct } from 'constructs';
import { NodeFirewall } from '../imports/proxmox/node-firewall';
import { VirtualEnvironmentClusterFirewall } from '../imports/proxmox/virtual-environment-cluster-firewall';
import { VirtualEnvironmentFirewallRules, VirtualEnvironmentFirewallRulesRule } from '../imports/proxmox/virtual-environment-firewall-rules';
import type { ITerraformDependable } from '../core/cdktf';

export interface PveFirewallProps {
  /** Every Proxmox node (each gets its node-level firewall switched on). */
  readonly nodes: readonly string[];
  /** Network the operators and Terraform reach SSH and the API from (the management VLAN). */
  readonly managementCidr: string;
  /**
   * Addresses SSH to the nodes is accepted from: the management hosts operators and Terraform work from. Root on a
   * hypervisor is the most powerful login of the site, so it is narrowed further than the web UI.
   * @default - the whole management network
   */
  readonly sshSources?: readonly string[];
  /** The nodes' own cluster-link addresses: corosync and VM migration run between them only. */
  readonly nodeAddresses: readonly string[];
  /** Ceph public network: monitors, managers, OSDs and MDS serve it. @default - no Ceph */
  readonly cephPublicCidr?: string;
  /** Ceph cluster (replication) network. @default - the public network */
  readonly cephClusterCidr?: string;
  /** Further networks whose hosts are Ceph clients (e.g. Kubernetes nodes using Rook). @default - none */
  readonly cephClientCidrs?: readonly string[];
  /** @default - none */
  readonly dependsOn?: readonly ITerraformDependable[];
}

/** Ceph monitor ports (msgr2, msgr1) and the daemon port range of OSDs, managers and MDS. */
const CEPH_MON_PORTS = '3300,6789';
const CEPH_DAEMON_PORTS = '6800:7568';
const CIDR = /^\d+\.\d+\.\d+\.\d+\/\d+$/;
const IPV4 = /^\d+\.\d+\.\d+\.\d+$/;

/**
 * The plan's host hardening (section 8.1: deny incoming, allow SSH and the web UI) in the Proxmox
 * firewall, narrowed to the networks that need each service: SSH and the API from the management VLAN
 * only (not the plan's whole 10.0.0.0/8), corosync and migration between the nodes, Ceph on its own
 * networks. Outgoing traffic is allowed. Guest traffic is not filtered here (the VM NICs have the
 * firewall off). The rules are written before the firewall is switched on, so the switch cannot lock
 * Terraform out half-way — provided Terraform runs from the management network.
 */
export class PveFirewall extends Construct {
  public readonly rules: VirtualEnvironmentFirewallRules;
  public readonly cluster: VirtualEnvironmentClusterFirewall;

  constructor(scope: Construct, id: string, props: PveFirewallProps) {
    super(scope, id);
    for (const [name, value] of [
      ['managementCidr', props.managementCidr],
      ['cephPublicCidr', props.cephPublicCidr],
      ['cephClusterCidr', props.cephClusterCidr],
      ...(props.cephClientCidrs ?? []).map((c, i) => [`cephClientCidrs[${i}]`, c]),
    ] as const) {
      if (value !== undefined && !CIDR.test(value)) throw new Error(`PveFirewall: ${name} ${JSON.stringify(value)} must be an IPv4 CIDR like 10.0.1.0/24`);
    }
    if (props.nodeAddresses.length === 0) throw new Error('PveFirewall: nodeAddresses is empty; give every node its cluster-link address');
    props.nodeAddresses.forEach((a, i) => {
      if (!IPV4.test(a)) throw new Error(`PveFirewall: nodeAddresses[${i}] ${JSON.stringify(a)} must be an IPv4 address`);
    });
    if (props.sshSources !== undefined && props.sshSources.length === 0) {
      throw new Error('PveFirewall: sshSources is empty, which would lock SSH (and Terraform\'s uploads) out; leave it unset for the management network');
    }
    (props.sshSources ?? []).forEach((a, i) => {
      if (!IPV4.test(a) && !CIDR.test(a)) throw new Error(`PveFirewall: sshSources[${i}] ${JSON.stringify(a)} must be an IPv4 address or CIDR`);
    });

    const nodes = [...new Set(props.nodeAddresses)].sort().join(',');
    const accept = (comment: string, rule: Omit<VirtualEnvironmentFirewallRulesRule, 'type' | 'action' | 'comment' | 'enabled'>): VirtualEnvironmentFirewallRulesRule => ({
      type: 'in',
      action: 'ACCEPT',
      enabled: true,
      comment,
      ...rule,
    });
    const rules: VirtualEnvironmentFirewallRulesRule[] = [
      props.sshSources
        ? accept('SSH from the management hosts', { proto: 'tcp', dport: '22', source: [...new Set(props.sshSources)].sort().join(',') })
        : accept('SSH from the management network', { proto: 'tcp', dport: '22', source: props.managementCidr }),
      accept('Proxmox VE API and web UI from the management network', { proto: 'tcp', dport: '8006', source: props.managementCidr }),
      accept('ping from the management network', { proto: 'icmp', source: props.managementCidr }),
      accept('corosync between the cluster nodes', { proto: 'udp', dport: '5405:5412', source: nodes }),
      accept('VM live migration between the cluster nodes', { proto: 'tcp', dport: '60000:60050', source: nodes }),
    ];
    if (props.cephPublicCidr) {
      rules.push(accept('Ceph monitors on the Ceph public network', { proto: 'tcp', dport: CEPH_MON_PORTS, source: props.cephPublicCidr }));
      rules.push(accept('Ceph OSD, manager and MDS on the Ceph public network', { proto: 'tcp', dport: CEPH_DAEMON_PORTS, source: props.cephPublicCidr }));
      const clusterCidr = props.cephClusterCidr ?? props.cephPublicCidr;
      if (clusterCidr !== props.cephPublicCidr) {
        rules.push(accept('Ceph OSD replication on the Ceph cluster network', { proto: 'tcp', dport: CEPH_DAEMON_PORTS, source: clusterCidr }));
      }
      for (const client of [...new Set(props.cephClientCidrs ?? [])].sort()) {
        rules.push(accept(`Ceph clients on ${client}: monitors`, { proto: 'tcp', dport: CEPH_MON_PORTS, source: client }));
        rules.push(accept(`Ceph clients on ${client}: OSD, manager and MDS`, { proto: 'tcp', dport: CEPH_DAEMON_PORTS, source: client }));
      }
    } else if (props.cephClusterCidr || (props.cephClientCidrs ?? []).length > 0) {
      throw new Error('PveFirewall: cephClusterCidr/cephClientCidrs given without cephPublicCidr; set cephPublicCidr too');
    }

    // No node_name, vm_id or container_id: the datacenter rule list, which every node applies.
    this.rules = new VirtualEnvironmentFirewallRules(this, 'rules', {
      rule: rules,
      dependsOn: props.dependsOn ? [...props.dependsOn] : undefined,
    });
    this.rules.overrideLogicalId('cluster');

    const nodeSwitches = [...new Set(props.nodes)].map((node) => {
      const fw = new NodeFirewall(this, `node-${node}`, { nodeName: node, enabled: true, nosmurfs: true, dependsOn: [this.rules] });
      fw.overrideLogicalId(node);
      return fw;
    });

    this.cluster = new VirtualEnvironmentClusterFirewall(this, 'cluster', {
      enabled: true,
      inputPolicy: 'DROP',
      outputPolicy: 'ACCEPT',
      dependsOn: [this.rules, ...nodeSwitches],
    });
    this.cluster.overrideLogicalId('cluster');
  }
}

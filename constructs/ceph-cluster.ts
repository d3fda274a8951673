import { Construct } from 'constructs';
import type { ITerraformDependable } from '../core/cdktf';
import { RemoteCommand } from './remote-command';

export interface CephNode {
  /** Proxmox node name (also the Ceph daemon id Proxmox gives its monitor, manager and MDS). */
  readonly name: string;
  /** Management address Terraform reaches the node on over SSH. */
  readonly sshHost: string;
  /**
   * The node's address on the Ceph public network.
   * @default - none: the node only gets the Ceph packages (an RBD client), no daemons
   */
  readonly publicIp?: string;
  /** Whole disks given to OSDs. @default - none */
  readonly osdDevices?: readonly string[];
}

export interface CephClusterProps {
  /** Every Proxmox node of the cluster; daemons run on the ones with a publicIp. */
  readonly nodes: readonly CephNode[];
  /** CIDR of the Ceph public network (monitors, clients). */
  readonly publicNetwork: string;
  /** CIDR of the Ceph cluster (replication) network. @default - the public network */
  readonly clusterNetwork?: string;
  readonly sshUser: string;
  /** Ceph release to install (`pveceph install --version`): without it Proxmox VE installs its oldest offered release. */
  readonly release: string;
  /**
   * The Ceph package repository for `pveceph install`, a literal or a Terraform expression.
   * @default "no-subscription"
   */
  readonly repository?: string;
  /** Terraform expressions the commands may contain (e.g. the repository variable). @default - none */
  readonly expressions?: readonly string[];
  /** Run a metadata server (CephFS) on every daemon node. @default false */
  readonly metadataServers?: boolean;
  /** What must exist before Ceph is initialised (the nodes' Ceph VLAN interfaces). @default - none */
  readonly dependsOn?: readonly ITerraformDependable[];
}

const OSD_DEVICE = /^\/dev\/[a-z0-9/_-]+$/;

/**
 * A hyperconverged Proxmox Ceph cluster, built the way `pveceph` builds it: packages on every node,
 * one `pveceph init` with the public and cluster networks, then a monitor and a manager per daemon node
 * (one after the other: monitors join the monmap one at a time), OSDs on the listed disks and, for
 * CephFS, a metadata server per node. Every step is guarded so that applying again changes nothing; no
 * step ever wipes a disk, so a disk with old partitions stops the OSD step until a person zaps it.
 */
export class CephCluster extends Construct {
  public readonly monitors: readonly RemoteCommand[];
  public readonly osds: readonly RemoteCommand[];
  public readonly metadataServers: readonly RemoteCommand[];
  /** The node pool and storage commands run on (the first daemon node). */
  public readonly primary: CephNode;
  /** Depend on these to run once the cluster has quorum, managers and every OSD. */
  public readonly ready: readonly ITerraformDependable[];

  constructor(scope: Construct, id: string, props: CephClusterProps) {
    super(scope, id);
    const daemonNodes = props.nodes.filter((n) => n.publicIp);
    if (daemonNodes.length === 0) throw new Error('CephCluster: no node has a publicIp; give the Ceph daemon nodes their Ceph public address');
    for (const n of props.nodes) {
      for (const d of n.osdDevices ?? []) {
        if (!OSD_DEVICE.test(d)) throw new Error(`CephCluster: node ${n.name} osdDevices has ${JSON.stringify(d)}; use a block device path like /dev/nvme1n1`);
      }
      if ((n.osdDevices ?? []).length > 0 && !n.publicIp) throw new Error(`CephCluster: node ${n.name} has OSD disks but no publicIp; OSDs need the Ceph public network`);
    }
    this.primary = daemonNodes[0];
    const repository = props.repository ?? 'no-subscription';
    const cmd = (resourceName: string, node: CephNode, commands: string[], dependsOn: ITerraformDependable[]) =>
      new RemoteCommand(this, resourceName, {
        host: node.sshHost,
        user: props.sshUser,
        commands,
        expressions: props.expressions,
        resourceName,
        dependsOn,
      });

    const installs = props.nodes.map((n) =>
      cmd(`ceph-install_${n.name}`, n, [
        // pveceph asks before installing; the answer is piped in so the step runs unattended.
        `if ! command -v ceph-mon >/dev/null || ! command -v ceph-osd >/dev/null; then printf 'y\\n' | pveceph install --version ${props.release} --repository ${repository}; fi`,
        // The guard above skips nodes that already have Ceph: one installed earlier with another release is named, not upgraded.
        `ceph --version | grep -qw ${props.release} || { echo "$(hostname): installed Ceph is not ${props.release} ($(ceph --version)); upgrade it as the Proxmox VE Ceph upgrade guide describes" >&2; exit 1; }`,
      ], []).resource,
    );

    const networks = props.clusterNetwork && props.clusterNetwork !== props.publicNetwork
      ? `--network ${props.publicNetwork} --cluster-network ${props.clusterNetwork}`
      : `--network ${props.publicNetwork}`;
    const init = cmd('ceph-init', this.primary, [`test -f /etc/pve/ceph.conf || pveceph init ${networks}`], [...installs, ...(props.dependsOn ?? [])]);

    const monitors: RemoteCommand[] = [];
    const managers: RemoteCommand[] = [];
    let previous: ITerraformDependable = init.resource;
    for (const n of daemonNodes) {
      const mon = cmd(`ceph-mon_${n.name}`, n, [`test -d /var/lib/ceph/mon/ceph-${n.name} || pveceph mon create --mon-address ${n.publicIp}`], [previous]);
      const mgr = cmd(`ceph-mgr_${n.name}`, n, [`test -d /var/lib/ceph/mgr/ceph-${n.name} || pveceph mgr create`], [mon.resource]);
      monitors.push(mon);
      managers.push(mgr);
      previous = mgr.resource;
    }
    const quorum = [...monitors, ...managers].map((c) => c.resource);

    const osds: RemoteCommand[] = [];
    for (const n of daemonNodes) {
      for (const device of n.osdDevices ?? []) {
        const short = device.replace(/^\/dev\//, '').replace(/[^A-Za-z0-9_-]/g, '-');
        // ceph-volume exits non-zero when the disk carries no OSD.
        osds.push(cmd(`ceph-osd_${n.name}_${short}`, n, [`ceph-volume lvm list ${device} >/dev/null 2>&1 || pveceph osd create ${device}`], quorum));
      }
    }

    const mds = props.metadataServers
      ? daemonNodes.map((n) => cmd(`ceph-mds_${n.name}`, n, [`test -d /var/lib/ceph/mds/ceph-${n.name} || pveceph mds create`], quorum))
      : [];

    this.monitors = monitors;
    this.osds = osds;
    this.metadataServers = mds;
    this.ready = [...quorum, ...osds.map((o) => o.resource)];
  }
}

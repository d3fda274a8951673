import { Construct } from 'constructs';
import { NetworkLinuxBridge } from '../imports/proxmox/network-linux-bridge';
import { NetworkLinuxVlan } from '../imports/proxmox/network-linux-vlan';
import type { ITerraformDependable } from '../core/cdktf';

export interface NodeVlanInterface {
  readonly id: number;
  readonly name: string;
  /** Host address with prefix, e.g. 10.0.1.10/24. */
  readonly address: string;
}

export interface NodeNetworkProps {
  /** Proxmox node name. */
  readonly node: string;
  /** Bridge name, e.g. vmbr0. */
  readonly bridge: string;
  /** Physical interface the bridge is built on. */
  readonly uplink: string;
  /** VLAN ids the bridge carries tagged (guests and the host VLAN interfaces). */
  readonly vlanIds: readonly number[];
  /**
   * The node's own address on the bridge (untagged: the switch port's native VLAN), with prefix.
   * @default - no address on the bridge
   */
  readonly address?: string;
  /** Default gateway of the node. @default - none */
  readonly gateway?: string;
  /** Host interfaces on tagged VLANs (Ceph networks and the like), one per VLAN the node has an address on. @default - none */
  readonly vlanInterfaces?: readonly NodeVlanInterface[];
  /** @default 1500 */
  readonly mtu?: number;
  /**
   * Adopt an existing bridge of this name instead of creating it: the Proxmox installer always creates
   * vmbr0 (on the NIC chosen at install, holding the management address), so creating it again fails.
   * @default false
   */
  readonly adoptExisting?: boolean;
  /** Prefix of the Terraform resource names, e.g. `pve-node-1`. */
  readonly resourcePrefix: string;
}

/**
 * A Proxmox node's network for the cluster: one VLAN-aware Linux bridge on the uplink (guests attach to
 * it with a VLAN tag) and the node's own VLAN interfaces on it. Each interface waits for the previous one,
 * because every change makes the node reload its whole network configuration.
 */
export class NodeNetwork extends Construct {
  public readonly bridge: NetworkLinuxBridge;
  public readonly vlans: readonly NetworkLinuxVlan[];
  /** The last interface created on this node: depend on it to run after the node's network is in place. */
  public readonly ready: ITerraformDependable;

  constructor(scope: Construct, id: string, props: NodeNetworkProps) {
    super(scope, id);
    const mtu = props.mtu ?? 1500;
    const ids = [...new Set(props.vlanIds)].sort((a, b) => a - b);
    for (const v of ids) {
      if (!Number.isInteger(v) || v < 1 || v > 4094) throw new Error(`NodeNetwork ${props.node}: vlanIds contains ${v}; VLAN ids are 1-4094`);
    }
    for (const v of props.vlanInterfaces ?? []) {
      if (!ids.includes(v.id)) throw new Error(`NodeNetwork ${props.node}: vlanInterfaces has VLAN ${v.id} (${v.name}) which is not in vlanIds ${ids.join(' ')}; add it so the bridge carries it`);
    }
    this.bridge = new NetworkLinuxBridge(this, 'bridge', {
      nodeName: props.node,
      name: props.bridge,
      ports: [props.uplink],
      vlanAware: true,
      // Only the site's VLANs, not the 2-4094 default: a guest cannot reach a VLAN the site does not name.
      vids: ids.length > 0 ? ids.join(' ') : undefined,
      address: props.address,
      gateway: props.gateway,
      mtu,
      autostart: true,
      comment: 'VLAN-aware bridge for the Kubernetes VMs (site-compiler)',
    });
    this.bridge.overrideLogicalId(`${props.resourcePrefix}_${props.bridge}`);
    if (props.adoptExisting) this.bridge.importFrom(`${props.node}:${props.bridge}`);

    let previous: ITerraformDependable = this.bridge;
    this.vlans = (props.vlanInterfaces ?? []).map((v) => {
      const vlan = new NetworkLinuxVlan(this, `vlan-${v.id}`, {
        nodeName: props.node,
        // <bridge>.<id>: Proxmox derives the parent interface and the tag from the name.
        name: `${props.bridge}.${v.id}`,
        address: v.address,
        mtu,
        autostart: true,
        comment: `${v.name} (VLAN ${v.id})`,
        dependsOn: [previous],
      });
      vlan.overrideLogicalId(`${props.resourcePrefix}_${props.bridge}_${v.id}`);
      previous = vlan;
      return vlan;
    });
    this.ready = previous;
  }
}

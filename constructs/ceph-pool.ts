import { Construct } from 'constructs';
import { CephPool as CephPoolResource } from '../imports/proxmox/ceph-pool';
import type { ITerraformDependable } from '../core/cdktf';
import { RemoteCommand } from './remote-command';

export interface CephPoolProps {
  readonly name: string;
  /** Node the API call (and the storage command) goes to; any node running Ceph. */
  readonly node: string;
  /** @default 3 */
  readonly size?: number;
  /** @default 2 */
  readonly minSize?: number;
  /** @default "rbd" */
  readonly application?: 'rbd' | 'cephfs' | 'rgw';
  /**
   * Proxmox storage id that exposes an RBD pool to Proxmox for VM disks.
   * @default - none: the pool is for Kubernetes (Rook) or CephFS only
   */
  readonly pveStorage?: string;
  /** SSH address and user of `node`, for the storage command. Required with pveStorage. @default - none */
  readonly ssh?: { readonly host: string; readonly user: string };
  /** @default - none */
  readonly dependsOn?: readonly ITerraformDependable[];
}

/**
 * A replicated Ceph pool (proxmox_ceph_pool) and, for VM disks, the Proxmox RBD storage on it. The
 * provider has no RBD storage resource and the pool's own add_storages names the storage after the
 * pool, so the storage is added with `pvesm add rbd` under the site's storage id, once.
 */
export class CephPool extends Construct {
  public readonly pool: CephPoolResource;
  public readonly storage?: RemoteCommand;

  constructor(scope: Construct, id: string, props: CephPoolProps) {
    super(scope, id);
    const size = props.size ?? 3;
    const minSize = props.minSize ?? 2;
    const application = props.application ?? 'rbd';
    if (!Number.isInteger(size) || size < 1) throw new Error(`CephPool ${props.name}: size ${size} must be a whole number of replicas, at least 1`);
    if (!Number.isInteger(minSize) || minSize < 1 || minSize > size) throw new Error(`CephPool ${props.name}: minSize ${minSize} must be between 1 and size (${size})`);
    if (props.pveStorage && application !== 'rbd') {
      throw new Error(`CephPool ${props.name}: pveStorage ${props.pveStorage} needs application "rbd" (got "${application}"); VM disks live on RBD`);
    }
    if (props.pveStorage && !props.ssh) throw new Error(`CephPool ${props.name}: pveStorage ${props.pveStorage} needs ssh (host and user of ${props.node}) to add the storage`);

    this.pool = new CephPoolResource(this, 'pool', {
      nodeName: props.node,
      name: props.name,
      size,
      minSize,
      application,
      pgAutoscaleMode: 'on',
      dependsOn: props.dependsOn ? [...props.dependsOn] : undefined,
    });
    this.pool.overrideLogicalId(props.name);

    if (props.pveStorage && props.ssh) {
      const id = props.pveStorage;
      this.storage = new RemoteCommand(this, 'storage', {
        host: props.ssh.host,
        user: props.ssh.user,
        resourceName: `pve-storage_${id}`,
        // storage.cfg is cluster-wide (/etc/pve), so one node adds it for all. The hyperconverged
        // cluster's /etc/pve/ceph.conf supplies the monitors; no keyring is copied by hand.
        commands: [`grep -qx 'rbd: ${id}' /etc/pve/storage.cfg || pvesm add rbd ${id} --pool ${props.name} --content images`],
        dependsOn: [this.pool],
      });
    }
  }
}

import { Construct } from 'constructs';
import type { ITerraformDependable } from '../core/cdktf';
import { RemoteCommand } from './remote-command';

export interface CephFilesystemProps {
  readonly name: string;
  /** Existing pool (application cephfs) for the metadata. */
  readonly metadataPool: string;
  /** Existing pool (application cephfs) for the data. */
  readonly dataPool: string;
  /** SSH address and user of a Ceph node. */
  readonly ssh: { readonly host: string; readonly user: string };
  /** The pools and the metadata servers. */
  readonly dependsOn: readonly ITerraformDependable[];
}

/**
 * A CephFS filesystem on two pools the site declares. `pveceph fs create` would make its own pools
 * with its own names, so the filesystem is created with `ceph fs new` on the declared ones, once.
 */
export class CephFilesystem extends Construct {
  public readonly command: RemoteCommand;

  constructor(scope: Construct, id: string, props: CephFilesystemProps) {
    super(scope, id);
    if (props.metadataPool === props.dataPool) {
      throw new Error(`CephFilesystem ${props.name}: metadataPool and dataPool are both ${props.metadataPool}; CephFS needs two pools`);
    }
    this.command = new RemoteCommand(this, 'fs', {
      host: props.ssh.host,
      user: props.ssh.user,
      resourceName: `ceph-fs_${props.name}`,
      commands: [`ceph fs get ${props.name} >/dev/null 2>&1 || ceph fs new ${props.name} ${props.metadataPool} ${props.dataPool}`],
      dependsOn: props.dependsOn,
    });
  }
}

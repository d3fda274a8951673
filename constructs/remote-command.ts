import { Construct } from 'constructs';
import { DataResource, ITerraformDependable } from '../core/cdktf';
import { sshConnection, assertTerraformName } from './ssh-connection';
import { terraformTemplate } from './terraform-template';

export interface RemoteCommandProps {
  /** Address Terraform connects to over SSH (a Proxmox node's management address). */
  readonly host: string;
  /** SSH user; the key comes from the SSH agent, so no key material is in the output. */
  readonly user: string;
  /**
   * Shell lines run in order by bash with `set -euo pipefail`. Each must be idempotent (guarded, e.g.
   * `test -d /var/lib/ceph/mon/ceph-pve1 || pveceph mon create`), because Terraform runs them again
   * whenever the resource is replaced.
   */
  readonly commands: readonly string[];
  /**
   * Terraform expressions (`${var.x}`) the commands may contain; every other `${` is passed to the shell.
   * @default - none
   */
  readonly expressions?: readonly string[];
  /** Terraform resource name (logical id), e.g. `ceph-mon_pve1`. */
  readonly resourceName: string;
  /** @default - none */
  readonly dependsOn?: readonly ITerraformDependable[];
}

/**
 * A host-side step that has no provider resource (pveceph, pvesm): a terraform_data resource whose
 * remote-exec provisioner runs guarded commands on a Proxmox node. The commands are its replacement
 * trigger, so changing them re-runs the step, and the guards make a re-run change nothing that is
 * already in place. Nothing runs on destroy: taking Ceph apart is left to a person.
 */
export class RemoteCommand extends Construct {
  public readonly resource: DataResource;

  constructor(scope: Construct, id: string, props: RemoteCommandProps) {
    super(scope, id);
    if (props.commands.length === 0) throw new Error(`RemoteCommand ${id}: commands is empty; give at least one command`);
    assertTerraformName(`RemoteCommand ${id}`, props.resourceName);
    const expressions = props.expressions ?? [];
    const inline = ['#!/bin/bash', 'set -euo pipefail', ...props.commands].map((c) => terraformTemplate(c, expressions));
    this.resource = new DataResource(this, 'resource', {
      // The script itself (after Terraform substitutes its expressions) is the trigger.
      triggersReplace: { script: inline.join('\n') },
      connection: sshConnection(props.host, props.user),
      provisioners: [{ type: 'remote-exec', inline }],
      dependsOn: props.dependsOn && props.dependsOn.length > 0 ? [...props.dependsOn] : undefined,
    });
    this.resource.overrideLogicalId(props.resourceName);
  }
}

import { Construct } from 'constructs';
import { DataResource, ITerraformDependable } from '../core/cdktf';
import { assertTerraformName, sshConnection } from './ssh-connection';

export interface VmSecretFileProps {
  /** Address Terraform connects to over SSH: the VM's own address. */
  readonly host: string;
  /**
   * The VM's admin user, with passwordless sudo (the node cloud-config makes it). The key comes from the SSH agent,
   * so it must be one of the VM's authorized keys; no key material is in the output. Its home is /home/<user>, as
   * cloud-init makes it: the file is staged there.
   */
  readonly user: string;
  /** The file's content: a Terraform expression of a sensitive variable, e.g. `${var.kubernetes_ca_key}`. */
  readonly content: string;
  /** Absolute path of the file on the VM, owned by root. */
  readonly destination: string;
  /** @default "0600" */
  readonly mode?: string;
  /**
   * Values whose change delivers the file again, e.g. the VM's id: unknown while the VM is being replaced, so a new
   * VM gets the file. Stored in the state, so never the content itself.
   */
  readonly triggersReplace: Readonly<Record<string, string>>;
  /** How long Terraform keeps trying to reach the VM over SSH. @default "30m" - the VMs' guest agent timeout */
  readonly connectionTimeout?: string;
  /** Terraform resource name (logical id), e.g. `k8s-control-1_ca-key`. */
  readonly resourceName: string;
  /** @default - none */
  readonly dependsOn?: readonly ITerraformDependable[];
}

/**
 * A secret file that must not pass through cloud-init: Terraform copies it straight into the running VM over SSH
 * (a terraform_data with a file provisioner), so it is never in a snippet on the Proxmox storage nor in
 * cloud-init's copy of the user-data in the VM. The content travels through the `file` provisioner, not inside a
 * remote-exec script, because Terraform uploads those scripts to /tmp on the target. The admin user cannot write
 * root's folders, so the file is staged in a folder of its own (0700), installed as root under a temporary name
 * and renamed into place: a reader sees no file or the whole file. An existing file is left as it is, so a
 * re-delivery never swaps a key under a running cluster. The VM's SSH host key is not pinned (it is made at the
 * VM's first boot): Terraform trusts whatever answers at `host` on the node network.
 */
export class VmSecretFile extends Construct {
  public readonly resource: DataResource;

  constructor(scope: Construct, id: string, props: VmSecretFileProps) {
    super(scope, id);
    if (!/^\/[A-Za-z0-9._/-]+$/.test(props.destination) || props.destination.endsWith('/')) {
      throw new Error(`VmSecretFile ${id}: destination ${JSON.stringify(props.destination)} must be an absolute file path of letters, digits and ._-/`);
    }
    if (!/^[a-z_][a-z0-9_-]*$/.test(props.user)) throw new Error(`VmSecretFile ${id}: user ${JSON.stringify(props.user)} is not a Linux user name`);
    if (!props.content.includes('${')) throw new Error(`VmSecretFile ${id}: content must be a Terraform expression of a sensitive variable, never the secret itself`);
    const mode = props.mode ?? '0600';
    if (!/^0[0-7]{3}$/.test(mode)) throw new Error(`VmSecretFile ${id}: mode ${JSON.stringify(mode)} must be octal like 0600`);
    assertTerraformName(`VmSecretFile ${id}`, props.resourceName);
    const slash = props.destination.lastIndexOf('/');
    const folder = props.destination.slice(0, slash) || '/';
    const name = props.destination.slice(slash + 1);
    const staging = `/home/${props.user}/.secret-delivery`;
    const staged = `${staging}/${name}`;
    const temporary = `${folder}/.${name}.delivery`;

    this.resource = new DataResource(this, 'resource', {
      triggersReplace: { ...props.triggersReplace },
      connection: sshConnection(props.host, props.user, props.connectionTimeout ?? '30m'),
      provisioners: [
        { type: 'remote-exec', inline: ['#!/bin/bash', 'set -euo pipefail', 'umask 077', `mkdir -p ${staging}`, `chmod 0700 ${staging}`] },
        { type: 'file', content: props.content, destination: staged },
        {
          type: 'remote-exec',
          inline: [
            '#!/bin/bash',
            'set -euo pipefail',
            `trap 'rm -f ${staged}' EXIT`,
            `if sudo test -e ${props.destination}; then echo "${props.destination} is already there; left as it is" >&2; exit 0; fi`,
            `sudo mkdir -p ${folder}`,
            `sudo install -m ${mode} -o root -g root ${staged} ${temporary}`,
            `sudo mv -f ${temporary} ${props.destination}`,
          ],
        },
      ],
      dependsOn: props.dependsOn && props.dependsOn.length > 0 ? [...props.dependsOn] : undefined,
    });
    this.resource.overrideLogicalId(props.resourceName);
  }
}

/**
 * The SSH connection and resource-name rules shared by the terraform_data steps that reach a machine over SSH
 * (RemoteCommand on a Proxmox node, VmSecretFile into a VM). The key always comes from the SSH agent, so no key
 * material is ever in the output.
 */

/** A terraform_data `connection` block over SSH with the agent's key. */
export interface SshConnection {
  readonly type: 'ssh';
  readonly host: string;
  readonly user: string;
  readonly agent: string;
  readonly timeout?: string;
}

/**
 * The connection block for `user@host`. `timeout` is how long Terraform keeps trying to reach the machine.
 * @default timeout - Terraform's own (5 minutes)
 */
export function sshConnection(host: string, user: string, timeout?: string): SshConnection {
  // cdktf types agent as a string; Terraform reads "true" as the bool it expects.
  return timeout === undefined ? { type: 'ssh', host, user, agent: 'true' } : { type: 'ssh', host, user, agent: 'true', timeout };
}

/** Throws (a programming error) when `name` cannot be a Terraform resource name. */
export function assertTerraformName(owner: string, name: string): void {
  if (!/^[A-Za-z_][A-Za-z0-9_-]*$/.test(name)) {
    throw new Error(`${owner}: resourceName ${JSON.stringify(name)} is not a Terraform name; use letters, digits, "_" and "-", starting with a letter`);
  }
}

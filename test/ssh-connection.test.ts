import { describe, expect, it } from 'vitest';
import { assertTerraformName, sshConnection } from '../constructs/ssh-connection';

describe('sshConnection', () => {
  it('uses the SSH agent and adds a timeout only when one is given', () => {
    expect(sshConnection('10.0.0.5', 'ops')).toEqual({ type: 'ssh', host: '10.0.0.5', user: 'ops', agent: 'true' });
    expect(sshConnection('10.0.0.5', 'ops', '30m')).toEqual({ type: 'ssh', host: '10.0.0.5', user: 'ops', agent: 'true', timeout: '30m' });
  });

  it('fails when a resource name is not a Terraform name', () => {
    expect(() => assertTerraformName('RemoteCommand x', 'ceph-mon_pve1')).not.toThrow();
    expect(() => assertTerraformName('RemoteCommand x', '1st step')).toThrow(/RemoteCommand x: resourceName "1st step" is not a Terraform name/);
  });
});

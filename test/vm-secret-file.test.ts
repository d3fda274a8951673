import { afterAll, describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import { App, TerraformStack } from '../core/cdktf';
import { VmSecretFile, VmSecretFileProps } from '../constructs/vm-secret-file';
import { tempDir } from './support/sites';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

const PROPS: VmSecretFileProps = {
  host: '10.0.0.5',
  user: 'admin',
  content: '${var.tls_key}',
  destination: '/etc/app/tls/key.pem',
  triggersReplace: { vm: 'vm-1' },
  resourceName: 'vm-1_tls-key',
};

function synth(props: Partial<VmSecretFileProps> = {}): Record<string, any> {
  const outdir = tempDir();
  dirs.push(outdir);
  const stack = new TerraformStack(new App({ outdir, skipValidation: true }), 'test');
  new VmSecretFile(stack, 'key', { ...PROPS, ...props });
  stack.prepareStack();
  return (stack.toTerraform() as any).resource.terraform_data['vm-1_tls-key'];
}

describe('VmSecretFile', () => {
  it('stages the content in the user\'s own folder, installs it as root with the mode and renames it into place', () => {
    const r = synth({ mode: '0640' });
    expect(r.connection).toEqual({ type: 'ssh', host: '10.0.0.5', user: 'admin', agent: 'true', timeout: '30m' });
    expect(r.triggers_replace).toEqual({ vm: 'vm-1' });
    expect(r.provisioner[1]).toEqual({ file: { content: '${var.tls_key}', destination: '/home/admin/.secret-delivery/key.pem' } });
    expect(r.provisioner[2]['remote-exec'].inline.slice(3)).toEqual([
      'if sudo test -e /etc/app/tls/key.pem; then echo "/etc/app/tls/key.pem is already there; left as it is" >&2; exit 0; fi',
      'sudo mkdir -p /etc/app/tls',
      'sudo install -m 0640 -o root -g root /home/admin/.secret-delivery/key.pem /etc/app/tls/.key.pem.delivery',
      'sudo mv -f /etc/app/tls/.key.pem.delivery /etc/app/tls/key.pem',
    ]);
    expect(JSON.stringify(r.provisioner.filter((p: Record<string, unknown>) => 'remote-exec' in p))).not.toContain('var.tls_key');
  });

  it('fails when the content is not a Terraform expression (the secret itself would be in dist/)', () => {
    expect(() => synth({ content: '-----BEGIN PRIVATE KEY-----' })).toThrow(/content must be a Terraform expression/);
  });

  it('fails when the destination is not an absolute file path, or the mode not octal', () => {
    expect(() => synth({ destination: 'etc/key.pem' })).toThrow(/must be an absolute file path/);
    expect(() => synth({ destination: '/etc/app/' })).toThrow(/must be an absolute file path/);
    expect(() => synth({ destination: '/etc/$(id)' })).toThrow(/must be an absolute file path/);
    expect(() => synth({ mode: '600' })).toThrow(/must be octal like 0600/);
  });
});

import fc from 'fast-check';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { CA_KEY_WAIT_SECONDS, nodeCloudConfig } from '../constructs/node-cloud-config';
import { renderTerraformTemplate, terraformTemplate } from '../constructs/terraform-template';
import { BOOTSTRAP_EXPRESSIONS } from '../infra/proxmox-stack';
import { buildModel, kubeletReserves, VmModel } from '../model';
import reference from '../sites/hookprobe';

const model = buildModel(reference, 'sites/hookprobe.ts');
const k = model.kubernetes;
const vm = (name: string): VmModel => model.vms.find((v) => v.name === name) as VmModel;

const CA = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
const VALUES: Record<string, string> = {
  [BOOTSTRAP_EXPRESSIONS.token]: 'abcdef.0123456789abcdef',
  [BOOTSTRAP_EXPRESSIONS.certificateKey]: 'f'.repeat(64),
  [BOOTSTRAP_EXPRESSIONS.caCertificateBase64]: Buffer.from(CA).toString('base64'),
  [BOOTSTRAP_EXPRESSIONS.sshAuthorizedKeys]: JSON.stringify(['ssh-ed25519 AAAAC3NzaC1lZDI1NTE5 admin@laptop', 'ssh-rsa AAAAB3Nza "quoted" key']),
};

/** What a node receives: the snippet as Terraform renders it with the variables above. */
function rendered(name: string): { text: string; config: Record<string, any>; files: Record<string, { content: string; permissions: string; encoding?: string }> } {
  const template = terraformTemplate(nodeCloudConfig({ kubernetes: k, vm: vm(name), secrets: BOOTSTRAP_EXPRESSIONS, skipKubeProxy: true }), Object.values(BOOTSTRAP_EXPRESSIONS));
  const text = renderTerraformTemplate(template, VALUES);
  const config = parse(text) as Record<string, any>;
  const files = Object.fromEntries((config.write_files as any[]).map((f) => [f.path, f]));
  return { text, config, files };
}

describe('nodeCloudConfig', () => {
  it('makes the files nodes have alike once for all nodes sharing a map, and every node the same user-data as without it', () => {
    const sharedFiles = new Map<string, string>();
    const options = (v: VmModel) => ({ kubernetes: k, vm: v, secrets: BOOTSTRAP_EXPRESSIONS, skipKubeProxy: true });
    for (const v of model.vms) expect(nodeCloudConfig({ ...options(v), sharedFiles })).toBe(nodeCloudConfig(options(v)));
    const kinds = [...sharedFiles.keys()].map((key) => key.split(' ')[0]);
    expect(kinds.filter((kind) => kind === 'discovery')).toHaveLength(1);
    expect(kinds.filter((kind) => kind === 'kube-vip')).toHaveLength(1);
    expect(kinds.filter((kind) => kind === 'kubelet').length).toBe(new Set(model.vms.map((v) => `${v.cores}/${v.memoryMiB}`)).size);
  });

  it('gives the admin user the SSH keys and no password; no password login at all', () => {
    const { text, config } = rendered('k8s-worker-1');
    expect(text.startsWith('#cloud-config\n')).toBe(true);
    expect(config.users).toEqual([
      expect.objectContaining({ name: 'ubuntu', lock_passwd: true, ssh_authorized_keys: ['ssh-ed25519 AAAAC3NzaC1lZDI1NTE5 admin@laptop', 'ssh-rsa AAAAB3Nza "quoted" key'] }),
    ]);
    expect(config.users[0].passwd).toBeUndefined();
    expect(config.ssh_pwauth).toBe(false);
    expect(config.disable_root).toBe(true);
    expect(config.hostname).toBe('k8s-worker-1');
    expect(config.packages[0]).toBe('qemu-guest-agent');
    expect(text).not.toMatch(/chpasswd|plain_text_passwd|hashed_passwd/);
  });

  it('prepares the node as the plan does: modules, sysctls, swap off, containerd with systemd cgroups, pinned packages', () => {
    const { files } = rendered('k8s-worker-1');
    expect(files['/etc/modules-load.d/kubernetes.conf'].content).toBe('overlay\nbr_netfilter\n');
    expect(files['/etc/sysctl.d/99-kubernetes.conf'].content).toContain('net.ipv4.ip_forward = 1');
    const script = files['/usr/local/sbin/k8s-bootstrap'].content;
    expect(files['/usr/local/sbin/k8s-bootstrap'].permissions).toBe('0700');
    expect(script).toContain('swapoff -a');
    expect(script).toContain("apt-get install -y 'containerd=1.7.*'");
    expect(script).toContain("sed -i 's/SystemdCgroup = false/SystemdCgroup = true/' /etc/containerd/config.toml");
    expect(script).toContain('https://pkgs.k8s.io/core:/stable:/v1.31/deb/');
    expect(script).toContain("apt-get install -y 'kubelet=1.31.13-*' 'kubeadm=1.31.13-*' 'kubectl=1.31.13-*'");
    expect(script).toContain('apt-mark hold kubelet kubeadm kubectl containerd');
    expect(script).not.toContain('nvidia');
  });

  it('runs kubeadm init on the first control plane with the site CA and kube-vip on super-admin.conf until init is done', () => {
    const { files } = rendered('k8s-control-1');
    expect(Buffer.from(files['/etc/kubeadm-bootstrap/ca.crt'].content, 'base64').toString()).toBe(CA);
    expect(files['/etc/kubeadm-bootstrap/discovery.conf']).toBeUndefined();
    const kubeadm = parseAllDocuments(files['/etc/kubeadm-bootstrap/kubeadm.yaml'].content).map((d) => d.toJS());
    expect(kubeadm[0]).toMatchObject({ kind: 'InitConfiguration', bootstrapTokens: [expect.objectContaining({ token: 'abcdef.0123456789abcdef' })], certificateKey: 'f'.repeat(64) });
    expect(files['/etc/kubeadm-bootstrap/kubeadm.yaml'].permissions).toBe('0600');
    const script = files['/usr/local/sbin/k8s-bootstrap'].content;
    const init = script.indexOf('kubeadm init --config /etc/kubeadm-bootstrap/kubeadm.yaml --upload-certs --skip-token-print --skip-certificate-key-print');
    expect(init).toBeGreaterThan(0);
    expect(script.indexOf('install -m 0600 /etc/kubeadm-bootstrap/kube-vip-init.yaml /etc/kubernetes/manifests/kube-vip.yaml')).toBeLessThan(init);
    expect(script.indexOf('install -m 0600 /etc/kubeadm-bootstrap/kube-vip.yaml /etc/kubernetes/manifests/kube-vip.yaml')).toBeGreaterThan(init);
    expect(parse(files['/etc/kubeadm-bootstrap/kube-vip-init.yaml'].content).spec.volumes[0].hostPath.path).toBe('/etc/kubernetes/super-admin.conf');
    expect(script).not.toContain('kubeadm join');
  });

  it('joins the other control planes, then starts kube-vip with admin.conf', () => {
    const { files } = rendered('k8s-control-2');
    expect(files['/etc/kubeadm-bootstrap/ca.key']).toBeUndefined();
    const discovery = parse(files['/etc/kubeadm-bootstrap/discovery.conf'].content);
    expect(Buffer.from(discovery.clusters[0].cluster['certificate-authority-data'], 'base64').toString()).toBe(CA);
    const [join] = parseAllDocuments(files['/etc/kubeadm-bootstrap/kubeadm.yaml'].content).map((d) => d.toJS());
    expect(join.controlPlane.certificateKey).toBe('f'.repeat(64));
    const script = files['/usr/local/sbin/k8s-bootstrap'].content;
    const joinAt = script.indexOf('kubeadm join --config /etc/kubeadm-bootstrap/kubeadm.yaml');
    expect(joinAt).toBeGreaterThan(0);
    expect(script.indexOf('/etc/kubernetes/manifests/kube-vip.yaml')).toBeGreaterThan(joinAt);
    expect(parse(files['/etc/kubeadm-bootstrap/kube-vip.yaml'].content).spec.volumes[0].hostPath.path).toBe('/etc/kubernetes/admin.conf');
  });

  it('joins workers without kube-vip, the CA key or the certificate key', () => {
    const { text, files } = rendered('k8s-worker-2');
    expect(files['/etc/kubeadm-bootstrap/kube-vip.yaml']).toBeUndefined();
    expect(text).not.toContain('f'.repeat(64));
  });

  it('waits, bounded, for the CA key Terraform delivers, keeps a copy for the init retries and removes it after init', () => {
    const { text, files } = rendered('k8s-control-1');
    expect(files['/etc/kubeadm-bootstrap/ca.key']).toBeUndefined();
    expect(files['/etc/kubernetes/pki/ca.key']).toBeUndefined();
    expect(text).not.toMatch(/PRIVATE KEY|kubernetes_ca_key/);
    const script = files['/usr/local/sbin/k8s-bootstrap'].content;
    const wait = script.indexOf('  until [ -s /etc/kubernetes/pki/ca.key ]; do');
    const init = script.indexOf('kubeadm init --config');
    expect(wait).toBeGreaterThan(script.indexOf("apt-get install -y 'kubelet="));
    expect(wait).toBeLessThan(init);
    expect(script).toContain(`    if [ "$waited" -ge ${CA_KEY_WAIT_SECONDS} ]; then`);
    expect(script).toContain('log "no cluster CA key at /etc/kubernetes/pki/ca.key after 30 minutes: let terraform apply finish (it needs SSH to this VM as the admin user), then run /usr/local/sbin/k8s-bootstrap again"\n      exit 1');
    // kubeadm reset between attempts empties pki/: every attempt installs the key from the bootstrap's copy.
    expect(script).toContain('  install -m 0600 /etc/kubernetes/pki/ca.key /etc/kubeadm-bootstrap/ca.key\n');
    expect(script.indexOf('  install -m 0600 /etc/kubeadm-bootstrap/ca.key /etc/kubernetes/pki/ca.key')).toBeGreaterThan(script.indexOf('for attempt in 1 2 3; do'));
    expect(script.indexOf('rm -f /etc/kubeadm-bootstrap/ca.key')).toBeGreaterThan(init);
    // The other nodes neither wait for it nor get it.
    for (const name of ['k8s-control-2', 'k8s-worker-1']) expect(rendered(name).files['/usr/local/sbin/k8s-bootstrap'].content).not.toContain('ca.key');
  });

  it('fails when the CA key never arrives (exit 1 naming the fix), and copies it 0600 for the retries when it is there', () => {
    const script = rendered('k8s-control-1').files['/usr/local/sbin/k8s-bootstrap'].content;
    const start = script.indexOf('if [ ! -s /etc/kubeadm-bootstrap/ca.key ]; then');
    const wait = script.slice(start, script.indexOf('\nfi\n', start) + 4);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ca-key-wait-'));
    // The block as written, on a scratch folder, with the 10 s poll made instant (the shell's `:` builtin, not 180
    // `sleep 0` processes): only its logic runs.
    const run = (): ReturnType<typeof spawnSync> =>
      spawnSync('bash', ['-c', ['set -euo pipefail', 'log() { echo "k8s-bootstrap: $*" >&2; }', wait.replaceAll('/etc/kubeadm-bootstrap/', `${dir}/kept-`).replaceAll('/etc/kubernetes/pki/', `${dir}/pki-`).replaceAll('sleep 10', ':')].join('\n')], { encoding: 'utf8' });
    try {
      const missing = run();
      expect(missing.status).toBe(1);
      expect(missing.stderr).toContain('k8s-bootstrap: waiting up to 30 minutes for the cluster CA key');
      expect(missing.stderr).toContain('after 30 minutes: let terraform apply finish (it needs SSH to this VM as the admin user), then run /usr/local/sbin/k8s-bootstrap again');
      fs.writeFileSync(path.join(dir, 'pki-ca.key'), 'KEY\n');
      const present = run();
      expect(present.status).toBe(0);
      expect(fs.readFileSync(path.join(dir, 'kept-ca.key'), 'utf8')).toBe('KEY\n');
      expect(fs.statSync(path.join(dir, 'kept-ca.key')).mode & 0o777).toBe(0o600);
      // A re-run after a failed init (kubeadm reset emptied pki/) goes on with the kept copy.
      fs.rmSync(path.join(dir, 'pki-ca.key'));
      expect(run().status).toBe(0);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('gives every node the kubelet reserves for its own size as a kubeadm patch', () => {
    for (const name of ['k8s-control-1', 'k8s-worker-1', 'k8s-gpu-worker-1']) {
      const { files } = rendered(name);
      const patch = files['/etc/kubeadm-bootstrap/patches/kubeletconfiguration+merge.yaml'];
      expect(patch.permissions).toBe('0644');
      const { kubeReserved, systemReserved } = kubeletReserves(vm(name));
      expect(parse(patch.content)).toEqual({
        apiVersion: 'kubelet.config.k8s.io/v1beta1',
        kind: 'KubeletConfiguration',
        kubeReserved: { cpu: `${kubeReserved.cpuMilli}m`, memory: `${kubeReserved.memoryMiB}Mi` },
        systemReserved: { cpu: `${systemReserved.cpuMilli}m`, memory: `${systemReserved.memoryMiB}Mi` },
      });
      const [first] = parseAllDocuments(files['/etc/kubeadm-bootstrap/kubeadm.yaml'].content).map((d) => d.toJS());
      expect(first.patches).toEqual({ directory: '/etc/kubeadm-bootstrap/patches' });
    }
  });

  it('installs the NVIDIA driver, the container toolkit and the nvidia runtime on the GPU worker only', () => {
    const { config, files } = rendered('k8s-gpu-worker-1');
    const script = files['/usr/local/sbin/k8s-bootstrap'].content;
    expect(script).toContain('nvidia-driver-550');
    expect(script).toContain('apt-get install -y nvidia-container-toolkit');
    expect(script).toContain('nvidia-ctk runtime configure --runtime=containerd\n');
    // The runtime is configured before the node joins and receives GPU pods.
    expect(script.indexOf('nvidia-ctk')).toBeLessThan(script.indexOf('kubeadm join'));
    expect(config.power_state.condition).toContain('nvidia-smi');
    const [join] = parseAllDocuments(files['/etc/kubeadm-bootstrap/kubeadm.yaml'].content).map((d) => d.toJS());
    expect(join.nodeRegistration.taints).toEqual([{ key: 'nvidia.com/gpu', value: 'true', effect: 'NoSchedule' }]);
  });

  it('keeps shell ${...} for the shell and only the bootstrap expressions for Terraform', () => {
    const source = nodeCloudConfig({ kubernetes: k, vm: vm('k8s-worker-1'), secrets: BOOTSTRAP_EXPRESSIONS });
    const template = terraformTemplate(source, Object.values(BOOTSTRAP_EXPRESSIONS));
    const identity = Object.fromEntries(Object.values(BOOTSTRAP_EXPRESSIONS).map((e) => [e, e]));
    expect(renderTerraformTemplate(template, identity)).toBe(source);
  });

  it('fails when the Kubernetes version is not an exact release', () => {
    expect(() => nodeCloudConfig({ kubernetes: { ...k, version: '1.31' }, vm: vm('k8s-worker-1'), secrets: BOOTSTRAP_EXPRESSIONS })).toThrow(/must be an exact release like 1\.31\.13/);
  });
});

describe('terraformTemplate', () => {
  it('escapes every interpolation and directive except the given expressions', () => {
    const text = 'echo ${HOME} %{ if } ${var.kubeadm_token} $${already} "${var.other}"';
    const out = terraformTemplate(text, ['${var.kubeadm_token}']);
    expect(out).toBe('echo $${HOME} %%{ if } ${var.kubeadm_token} $$${already} "$${var.other}"');
    expect(renderTerraformTemplate(out, { '${var.kubeadm_token}': 'T' })).toBe('echo ${HOME} %{ if } T $${already} "${var.other}"');
  });

  it('gives back any text through Terraform, the expressions kept, however markers, braces and expressions mix', () => {
    const expressions = ['${var.a}', '${var.ab}', '${base64encode(var.x)}', '${jsonencode({a = 1})}'];
    const unit = fc.constantFrom('$', '%', '{', '}', '$$', 'a', ' ', '\n', ...expressions);
    fc.assert(
      fc.property(fc.array(unit, { maxLength: 40 }), fc.subarray(expressions), (parts, kept) => {
        const text = parts.join('');
        // A `$` just before a kept expression makes `$${`, which Terraform reads as an escaped `${`: no text does that.
        fc.pre(!kept.some((e) => text.includes(`$${e}`)));
        const identity = Object.fromEntries(kept.map((e) => [e, e]));
        expect(renderTerraformTemplate(terraformTemplate(text, kept), identity)).toBe(text);
      }),
      { seed: 15, numRuns: 2000 },
    );
  });

  it('fails when an expression is not one whole interpolation', () => {
    expect(() => terraformTemplate('x', ['var.kubeadm_token'])).toThrow(/is not one \$\{\.\.\.\} interpolation/);
  });
});

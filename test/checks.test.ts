import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildModel } from '../model';
import { parseSite } from '../site';
import reference from '../sites/hookprobe';
import { compileSite } from '../synth/compile-site';
import { DEFAULT_CHECKS, kubernetesSchemaCheck, terraformSchemaCheck } from '../synth/checks';
import { KubeObject, SynthError, synthesize } from '../synth/synthesize';

const model = buildModel(reference);
const result = synthesize(model, DEFAULT_CHECKS);

describe('output checks', () => {
  it('pass on the reference site', () => {
    expect(terraformSchemaCheck(result, model)).toEqual([]);
    expect(kubernetesSchemaCheck(result, model)).toEqual([]);
  });

  it('fails when a Terraform document has an attribute the provider does not know, naming its path', () => {
    const doc = structuredClone(result.terraform.get('proxmox')) as { provider: { proxmox: Record<string, unknown>[] } };
    doc.provider.proxmox[0].insecure_tls = true;
    const findings = terraformSchemaCheck({ ...result, terraform: new Map([['proxmox', doc]]) }, model);
    expect(findings.join('\n')).toContain('terraform/proxmox: provider.proxmox');
    expect(findings.join('\n')).toContain('insecure_tls');
  });

  it('fails when a Kubernetes object has an unknown field, naming the object and the path', () => {
    const bad: KubeObject = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'x', labelz: {} } };
    const findings = kubernetesSchemaCheck({ ...result, manifests: new Map([['x', [bad]]]) }, model);
    expect(findings.join('\n')).toMatch(/kubernetes\/x: Namespace\/x: metadata\.labelz/);
  });

  it('refuse the whole tree: synthesize throws before returning any file', () => {
    const refuse = (): string[] => ['kubernetes/x: something is wrong'];
    expect(() => synthesize(model, [refuse])).toThrow(SynthError);
  });
});

describe('compileSite', () => {
  it('fails when the policy finds a problem, naming the object and the rule, and returns no tree', () => {
    const site = parseSite({ ...structuredClone(reference), policy: { exceptions: [] } }, 'no-exceptions');
    const file = path.join(__dirname, '..', 'sites', 'hookprobe.ts');
    const compile = (): unknown => compileSite({ site, source: 'no-exceptions', file, dir: path.dirname(file), projectPath: 'sites/hookprobe.ts' });
    expect(compile).toThrow(SynthError);
    expect(compile).toThrow(/DaemonSet\/nvidia-gpu\/nvidia-device-plugin \(nvidia-gpu\): probes:/);
  });
});

import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { buildModel } from '../model';
import { defineSite, loadSite, parseSite, siteSchema } from '../site';
import reference from '../sites/hookprobe';
import { captureSiteError as problemsOf } from './support/site-error';
import { referenceSite, setPath, tempDir, validFixtureFiles } from './support/sites';


describe('reference site', () => {
  it('transcribes the plan: nodes, VLANs, Ceph networks, Kubernetes networks and VM sizes', () => {
    expect(reference.proxmox.nodes.map((n) => n.addresses.management)).toEqual(['192.168.1.10', '192.168.1.11', '192.168.1.12']);
    expect(reference.network.vlans.map((v) => [v.id, v.cidr])).toEqual([
      [10, '192.168.1.0/24'],
      [20, '10.100.0.0/24'],
      [30, '10.0.1.0/24'],
      [40, '10.0.2.0/24'],
      [50, '172.16.0.0/24'],
    ]);
    expect(reference.kubernetes).toMatchObject({ version: '1.31.13', apiVip: '10.100.0.100', apiPort: 6443, podCidr: '10.244.0.0/16' });
    const [cp, worker, gpu] = reference.kubernetes.nodePools;
    expect(cp).toMatchObject({ role: 'control-plane', count: 3, cores: 4, memoryGiB: 8, diskGiB: 50, storage: 'ceph-storage' });
    expect(worker).toMatchObject({ role: 'worker', count: 3, cores: 8, memoryGiB: 32, diskGiB: 100 });
    expect(gpu).toMatchObject({ role: 'worker', count: 1, gpuModel: 'nvidia-a100-40gb' });
    expect(reference.ceph?.pools.filter((p) => p.name.startsWith('k8s-') && p.application === 'rbd').map((p) => [p.name, p.size, p.minSize])).toEqual([
      ['k8s-storage', 3, 2],
      ['k8s-rbd', 3, 2],
    ]);
  });

  it('pins the versions whose schemas the compiler validates against', () => {
    expect(reference.platform.addons.cilium?.chartVersion).toMatch(/^1\.18\./);
    expect(reference.platform.addons.rookCeph?.chartVersion).toBe('v1.20.6');
    expect(reference.kubernetes.version).toMatch(/^1\.31\./);
  });

  it('parses its own validated form unchanged (defaults are idempotent)', () => {
    expect(parseSite(referenceSite(), 'copy')).toEqual(reference);
  });
});

describe('valid site fixtures', () => {
  it.each(validFixtureFiles().map((f) => [path.basename(f), f]))('%s validates and builds a model', (_name, file) => {
    const loaded = loadSite(file);
    expect(() => buildModel(loaded.site, loaded.source)).not.toThrow();
  });
});

// The invalid fixtures run through synth, the whole path: test/invalid-sites.test.ts.

describe('error messages', () => {
  it('fails when a key is misspelt, suggesting the right one', () => {
    const site = referenceSite();
    (site.kubernetes as Record<string, unknown>).apiVIP = '10.100.0.100';
    const err = problemsOf(() => parseSite(site, 'typo.yaml'));
    expect(err.message).toContain('kubernetes.apiVIP: is not a known field');
    expect(err.message).toContain('did you mean "apiVip"');
  });

  it('fails when a value has the wrong type, naming the path, the value and the fix', () => {
    const site = referenceSite();
    ((site.kubernetes as { nodePools: Record<string, unknown>[] }).nodePools[1]).memoryGiB = '32G';
    const err = problemsOf(() => defineSite(site as never, 'sizes.ts'));
    expect(err.message).toMatch(/kubernetes\.nodePools\[1\]\.memoryGiB: is text, not a number \(got "32G"\)/);
    expect(err.message).toContain('fix: give a whole number from 1 to 4096');
  });

  it.each([
    ['a mapping where a list belongs', 'network.vlans', { a: 1 }, /network\.vlans: is a mapping, not a list \(lines starting with -\)/, 'fix: give a list (lines starting with -)'],
    ['a number too large to store', 'kubernetes.nodePools[0].cores', Infinity, /cores: is Infinity, a number too large to store, not a number \(got Infinity\)/, 'fix: give a whole number from 1 to 512'],
    ['an empty value where a mapping belongs', 'proxmox', null, /proxmox: is nothing \(null, or an empty value\), not a mapping of fields/, 'fix: give a mapping of fields (key: value lines)'],
    ['a VLAN id out of range', 'network.vlans[0].id', 5000, /network\.vlans\[0\]\.id: .*\(got 5000\)/, 'fix: give a whole number from 1 to 4094'],
  ])('fails when a field is %s, in plain words with the allowed range', (_name, at, value, message, fix) => {
    const site = referenceSite();
    setPath(site, at, value);
    const err = problemsOf(() => defineSite(site as never, 'site.ts'));
    expect(err.message).toMatch(message);
    expect(err.message).toContain(fix);
    expect(err.message).not.toMatch(/give a (object|int|array|string)\b/);
  });

  it('prints the first 50 problems and counts the rest', () => {
    const site = referenceSite();
    // 80 misspelt keys in one list (within its bound of 500 entries): 80 problems.
    const env = (site.apps as { env: Record<string, unknown>[] }[])[0].env;
    for (let i = 0; i < 80; i += 1) env.push({ name: `X${i}`, value: 'x', bogus: i });
    const err = problemsOf(() => defineSite(site as never, 'many.ts'));
    expect(err.problems.length).toBeGreaterThanOrEqual(80);
    expect(err.message.split('\n').filter((l) => l.startsWith('  apps[0].env[')).length).toBe(50);
    expect(err.message).toMatch(new RegExp(`… and ${err.problems.length - 50} more`));
  });

  it('fails when a YAML file is malformed, naming the line', () => {
    const dir = tempDir();
    const file = path.join(dir, 'broken.yaml');
    fs.writeFileSync(file, 'name: lab\nnetwork:\n  vlans: [\n');
    const err = problemsOf(() => loadSite(file));
    expect(err.problems[0].path).toMatch(/^line \d+, column \d+$/);
  });

  it('fails when a YAML file repeats a key', () => {
    const dir = tempDir();
    const file = path.join(dir, 'dup.yaml');
    fs.writeFileSync(file, 'name: lab\nname: lab2\n');
    expect(problemsOf(() => loadSite(file)).message).toMatch(/line 2/);
  });

  it('fails when the site file does not exist', () => {
    expect(problemsOf(() => loadSite('no/such/site.yaml')).message).toContain('does not exist');
  });
});

describe('JSON Schema for editors', () => {
  it('is exported from the same schema and rejects unknown keys', () => {
    const schema = z.toJSONSchema(siteSchema, { io: 'input', unrepresentable: 'any' }) as { additionalProperties?: boolean; required?: string[] };
    expect(schema.additionalProperties).toBe(false);
    expect(schema.required).toEqual(expect.arrayContaining(['name', 'network', 'proxmox', 'kubernetes', 'gitops', 'terraform']));
  });
});

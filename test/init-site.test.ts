import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { INIT_DEFAULTS, InitAnswers, checkAnswers, starterFile } from '../cli/init-site';
import { runInit } from '../cli/run-init';
import { PROJECT_ROOT, runSynth } from '../synth/run-synth';
import { tempDir } from './support/sites';

function compile(site: string, cwd: string): { code: number; err: string } {
  const err: string[] = [];
  const code = runSynth(['--site', site, '--out', 'dist', '--quiet'], { out: () => undefined, err: (l) => err.push(l), cwd });
  return { code, err: err.join('\n') };
}

const ANSWERS: readonly [string, Partial<InitAnswers>][] = [
  ['the defaults (one host, YAML)', {}],
  ['no add-ons but the CNI', { addons: [] }],
  ['three hosts with every add-on', { hosts: 3, addons: ['argocd', 'ingress', 'certificates', 'secrets', 'monitoring'] }],
  ['TypeScript, two hosts, other networks', { format: 'ts', hosts: 2, name: 'edge-lab', managementVlan: 100, managementCidr: '192.168.50.0/24', nodeVlan: 200, nodeCidr: '172.20.1.0/24', addons: ['argocd', 'secrets'] }],
];

describe('site-compiler init', () => {
  it.each(ANSWERS)('writes a starter site that compiles as written: %s', async (_name, answers) => {
    const dir = tempDir();
    const file = answers.format === 'ts' ? 'site.ts' : 'site.yaml';
    const a = { ...INIT_DEFAULTS, ...answers };
    const flags = ['--yes', '--format', a.format, '--name', a.name, '--hosts', String(a.hosts), '--management-vlan', String(a.managementVlan), '--management-cidr', a.managementCidr, '--node-vlan', String(a.nodeVlan), '--node-cidr', a.nodeCidr, '--addons', a.addons.length > 0 ? a.addons.join(',') : 'none'];
    expect(await runInit(flags, dir)).toBe(0);
    const run = compile(file, dir);
    expect(run.code, run.err).toBe(0);
    expect(fs.existsSync(path.join(dir, 'dist', 'terraform', 'proxmox', 'main.tf.json'))).toBe(true);
    if (a.addons.includes('argocd')) expect(fs.existsSync(path.join(dir, 'dist', 'kubernetes', 'argocd-apps'))).toBe(true);
  });

  it('comments every section and points editors at the schema synth writes', () => {
    const text = starterFile(INIT_DEFAULTS, { schema: 'dist/site.schema.json', defineSite: '../site' });
    expect(text.split('\n')[0]).toBe('# yaml-language-server: $schema=dist/site.schema.json');
    for (const section of ['name', 'network', 'proxmox', 'kubernetes', 'platform', 'gitops', 'terraform']) {
      expect(text).toMatch(new RegExp(`#[^\\n]*\\n(#[^\\n]*\\n)*${section}:`));
    }
  });

  it('fails when the file exists, and writes nothing', async () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'site.yaml'), 'mine\n');
    expect(await runInit(['--yes'], dir)).toBe(1);
    expect(fs.readFileSync(path.join(dir, 'site.yaml'), 'utf8')).toBe('mine\n');
  });

  it('fails when an answer is unusable, naming the flag and what it takes', () => {
    expect(checkAnswers({ ...INIT_DEFAULTS, hosts: 12, nodeCidr: '10.0.0.0/16', name: 'Lab' })).toEqual([
      '--name "Lab": give a DNS label (lower-case letters, digits and -, at most 32 characters, starting with a letter)',
      '--hosts 12: give a whole number from 1 to 9',
      '--node-cidr 10.0.0.0/16: give a /24 network, like 10.0.0.0/24',
    ]);
  });

  it('imports defineSite from the project when it writes TypeScript', () => {
    const text = starterFile({ ...INIT_DEFAULTS, format: 'ts' }, { schema: '', defineSite: path.relative('/tmp/x', path.join(PROJECT_ROOT, 'site')) });
    expect(text).toContain("import { defineSite } from '");
    expect(text).toContain('export default defineSite({');
  });
});

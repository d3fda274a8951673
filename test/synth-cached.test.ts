import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import reference from '../sites/hookprobe';
import { PROJECT_ROOT } from '../synth/run-synth';
import { tempDir } from './support/sites';
import { hashTree } from './support/tree';

const BIN = path.join(PROJECT_ROOT, 'bin', 'site-compiler.js');

function synth(dir: string, out: string): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, 'synth', '--site', 'site.yaml', '--out', out], { cwd: dir, encoding: 'utf8' });
  // Without the timing, and without the note of a bundle built because a source changed since the last start.
  return { status: r.status, stdout: r.stdout.replace(/ in \d+ ms$/m, ''), stderr: r.stderr.replace(/^site-compiler: building the CLI bundle.*\n/m, '') };
}

describe('synth from the result cache (the executable)', () => {
  it('writes the same tree and says the same when nothing changed, and compiles again after an edit', () => {
    const dir = tempDir('site-compiler-synth-cached-');
    fs.writeFileSync(path.join(dir, 'site.yaml'), stringify(reference, { lineWidth: 0, aliasDuplicateObjects: false }));
    fs.copyFileSync(path.join(PROJECT_ROOT, 'sites', 'hookprobe.lock.yaml'), path.join(dir, 'site.lock.yaml'));
    fs.copyFileSync(path.join(PROJECT_ROOT, 'sites', 'hookprobe.facts.yaml'), path.join(dir, 'site.facts.yaml'));

    const first = synth(dir, 'one');
    expect(first.status, first.stderr).toBe(0);
    const again = synth(dir, 'two');
    expect(again.status, again.stderr).toBe(0);
    expect(again.stdout.replace('two/', 'one/')).toBe(first.stdout);
    expect(again.stderr).toBe(first.stderr);
    expect(hashTree(path.join(dir, 'two'))).toEqual(hashTree(path.join(dir, 'one')));

    const site = fs.readFileSync(path.join(dir, 'site.yaml'), 'utf8');
    expect(site).toContain('hookprobe/qsecbit:v5.0');
    fs.writeFileSync(path.join(dir, 'site.yaml'), site.replace('hookprobe/qsecbit:v5.0', 'hookprobe/qsecbit:v5.1'));
    const edited = synth(dir, 'two');
    expect(edited.status, edited.stderr).toBe(0);
    expect(edited.stdout).toMatch(/\(0 added, [1-9]\d* changed, 0 removed\)/);
    const deployment = fs.readFileSync(path.join(dir, 'two', 'kubernetes', 'qsecbit-backend', 'deployment-qsecbit-backend.yaml'), 'utf8');
    expect(deployment).toContain('hookprobe/qsecbit:v5.1');
  });
});

import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT, runSynth } from '../synth/run-synth';
import { tempDir } from './support/sites';
import { hashTree } from './support/tree';

const BIN = path.join(PROJECT_ROOT, 'bin', 'site-compiler.js');

/** The executable as a user's shell runs it, with stdout redirected to a file. */
function redirect(args: string[], file: string, cwd = PROJECT_ROOT): { status: number | null; stderr: string } {
  const fd = fs.openSync(file, 'w');
  try {
    const r = spawnSync(process.execPath, [BIN, ...args], { cwd, stdio: ['ignore', fd, 'pipe'], encoding: 'utf8' });
    return { status: r.status, stderr: r.stderr };
  } finally {
    fs.closeSync(fd);
  }
}

describe('site-compiler executable', () => {
  it('site --print > file gives a site that loads back and compiles to the committed tree', () => {
    const dir = tempDir();
    const file = path.join(dir, 'printed.yaml');
    const printed = redirect(['site', '--print'], file);
    expect(printed.status, printed.stderr).toBe(0);
    // Compiled in this process: the executable's own synth is run by test/cli.test.ts and test/synth-cached.test.ts.
    const err: string[] = [];
    expect(runSynth(['--site', file, '--out', path.join(dir, 'dist'), '--quiet'], { out: () => undefined, err: (l) => err.push(l), cwd: dir }), err.join('\n')).toBe(0);
    expect(hashTree(path.join(dir, 'dist'))).toEqual(hashTree(path.join(PROJECT_ROOT, 'dist')));
  });

  it('site --schema > file gives JSON that parses, the same as dist/site.schema.json', () => {
    const file = path.join(tempDir(), 'schema.json');
    const r = redirect(['site', '--schema'], file);
    expect(r.status, r.stderr).toBe(0);
    const schema = JSON.parse(fs.readFileSync(file, 'utf8')) as { $schema?: string };
    expect(schema.$schema).toMatch(/json-schema\.org/);
    expect(fs.readFileSync(file, 'utf8')).toBe(fs.readFileSync(path.join(PROJECT_ROOT, 'dist', 'site.schema.json'), 'utf8'));
  });

  it('fails with exit 2 and the list of commands on an unknown command', () => {
    const r = spawnSync(process.execPath, [BIN, 'synthesise'], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('unknown command "synthesise"');
    expect(r.stderr).toMatch(/synth\s+compile a site/);
  });
});

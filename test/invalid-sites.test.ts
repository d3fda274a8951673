import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { EXIT, runSynth } from '../synth/run-synth';
import { baseFactsFile, baseLockFile, invalidFixtures, tempDir, writeSiteYaml } from './support/sites';

/** A Node stack frame ("    at fn (file:line:col)"): never shown to a user without --debug. */
const STACK_FRAME = /^\s+at .+[:(]\d+/m;

/**
 * Every invalid fixture goes the whole way a user's site goes: written as a YAML file beside its base's chart lock and facts,
 * then `synth` in-process into a fresh output folder. Each must be refused (exit 1) with its field path and a fix,
 * without a stack trace, and leave the output folder unwritten.
 */
describe('invalid site fixtures through synth', () => {
  const fixtures = invalidFixtures();

  it('there are at least 80 of them, in folders per class of mistake', () => {
    expect(fixtures.length).toBeGreaterThanOrEqual(80);
    const perKind = new Map<string, number>();
    for (const f of fixtures) perKind.set(f.kind, (perKind.get(f.kind) ?? 0) + 1);
    expect(perKind.size).toBeGreaterThanOrEqual(8);
  });

  it.each(fixtures.map((f) => [f.name, f.description, f] as const))('%s: fails when %s', (_name, _d, fixture) => {
    const file = writeSiteYaml(fixture.site, 'site.yaml');
    fs.copyFileSync(baseLockFile(fixture.base), path.join(path.dirname(file), 'site.lock.yaml'));
    fs.copyFileSync(baseFactsFile(fixture.base), path.join(path.dirname(file), 'site.facts.yaml'));
    const out = path.join(tempDir(), 'out');
    const err: string[] = [];
    const code = runSynth(['--quiet', '--site', file, '--out', out], { out: () => undefined, err: (l) => err.push(l), cwd: path.dirname(file) });
    const text = err.join('\n');
    expect(code, text).toBe(EXIT.refused);
    expect(text, 'no stack trace').not.toMatch(STACK_FRAME);
    expect(text).not.toContain('internal error');
    expect(fs.existsSync(out), 'nothing was written').toBe(false);
    expect(text).toContain('nothing was written');
    // The problem: its line names the path and the message, and the next line is its fix.
    const lines = text.split('\n');
    // A problem line is indented two spaces (its fix four); the message may be on it or wrap into the fix.
    const at = lines.findIndex((l, n) => /^ {2}\S/.test(l) && l.includes(fixture.expect.path) && `${l} ${lines[n + 1] ?? ''}`.includes(fixture.expect.message));
    expect(at, `expected a problem at ${fixture.expect.path} mentioning "${fixture.expect.message}", got:\n${text}`).toBeGreaterThanOrEqual(0);
    const fix = lines[at + 1] ?? '';
    expect(fix, `every problem says how to fix it:\n${text}`).toMatch(/^\s+fix: \S/);
    if (fixture.expect.fix) expect(fix).toContain(fixture.expect.fix);
  });
});

import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { chartLockFileFor, readChartLock } from '../constructs/chart-lock';
import { ParsedYamlCache } from '../constructs/parsed-yaml-cache';
import { tempDir } from './support/sites';

describe('ParsedYamlCache', () => {
  it('keeps data by the text and the tag: another text or another kind of file never reads it', () => {
    const a = new ParsedYamlCache<unknown>(`test-a ${process.pid} ${Date.now()}`);
    const b = new ParsedYamlCache<unknown>(`test-b ${process.pid} ${Date.now()}`);
    expect(a.read('x: 1\n')).toBeUndefined();
    a.write('x: 1\n', { x: 1 });
    expect(a.read('x: 1\n')).toEqual({ x: 1 });
    expect(a.read('x: 2\n')).toBeUndefined();
    expect(b.read('x: 1\n')).toBeUndefined();
    expect(a.file('x: 1\n')).not.toBe(b.file('x: 1\n'));
    // A copy: the caller may change what it is given.
    const got = a.read('x: 1\n') as { x: number };
    got.x = 5;
    expect(a.read('x: 1\n')).toEqual({ x: 1 });
    fs.rmSync(a.file('x: 1\n'), { force: true });
  });

  it('fails when JSON would not carry the data unchanged: nothing is kept', () => {
    const c = new ParsedYamlCache<unknown>(`test-c ${process.pid} ${Date.now()}`);
    c.write('x: .inf\n', { x: Infinity });
    expect(c.read('x: .inf\n')).toBeUndefined();
  });
});

describe('readChartLock through the cache', () => {
  it('reads a kept lock the same as the YAML, and a lock that is not valid is never kept', () => {
    const dir = tempDir();
    const file = chartLockFileFor(path.join(dir, 'site.ts'));
    fs.copyFileSync('sites/hookprobe.lock.yaml', file);
    const first = readChartLock(file);
    const again = readChartLock(file);
    expect(again).toEqual(first);
    expect(first.charts.length).toBeGreaterThan(0);
    const broken = `${fs.readFileSync(file, 'utf8')}  - bogus: entry\n`;
    fs.writeFileSync(file, broken);
    expect(() => readChartLock(file)).toThrow();
    expect(() => readChartLock(file)).toThrow();
  });
});

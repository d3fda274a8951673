import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from './support/sites';
import { verifiedOnce } from './support/verified-once';

describe('verifiedOnce (test support)', () => {
  it('runs a check once per content of its inputs, again after any input changes, and not after a failure', () => {
    const file = path.join(tempDir(), 'input.txt');
    const name = `verified-once-test-${process.pid}-${Date.now()}`;
    let runs = 0;
    const check = (): void => {
      runs += 1;
    };
    fs.writeFileSync(file, 'one');
    expect(verifiedOnce(name, [file], check)).toBe(true);
    expect(verifiedOnce(name, [file], check)).toBe(false);
    fs.writeFileSync(file, 'two');
    expect(() => verifiedOnce(name, [file], () => expect(1).toBe(2))).toThrow();
    expect(verifiedOnce(name, [file], check)).toBe(true);
    expect(runs).toBe(2);
  });
});

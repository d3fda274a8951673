import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeFileAtomically } from '../core/atomic-file';
import { tempDir } from './support/sites';

describe('writeFileAtomically', () => {
  it('replaces the file whole and leaves no temporary file beside it', () => {
    const dir = tempDir();
    const file = path.join(dir, 'a.json');
    fs.writeFileSync(file, 'old');
    writeFileAtomically(file, 'new');
    writeFileAtomically(path.join(dir, 'tool'), new Uint8Array([1, 2]), { mode: 0o755 });
    expect(fs.readFileSync(file, 'utf8')).toBe('new');
    expect(fs.statSync(path.join(dir, 'tool')).mode & 0o777).toBe(0o755);
    expect(fs.readdirSync(dir).sort()).toEqual(['a.json', 'tool']);
  });

  it('fails when the rename fails, leaving the old file and no temporary file', () => {
    const dir = tempDir();
    const target = path.join(dir, 'folder');
    fs.mkdirSync(path.join(target, 'inside'), { recursive: true });
    // A file cannot be renamed over a folder that holds something.
    expect(() => writeFileAtomically(target, 'x')).toThrow();
    expect(fs.readdirSync(dir)).toEqual(['folder']);
    expect(fs.statSync(target).isDirectory()).toBe(true);
  });
});

import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { watchSite } from '../synth/watch-site';
import { tempDir, validFixtureFiles } from './support/sites';

function until(check: () => boolean, ms: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const poll = setInterval(() => {
      if (check()) {
        clearInterval(poll);
        resolve();
      } else if (Date.now() - started > ms) {
        clearInterval(poll);
        reject(new Error('timed out waiting for the watcher'));
      }
    }, 20);
  });
}

describe('synth --watch', () => {
  it('re-synthesizes after an edit of the site, printing the change per component, then writes it', async () => {
    const dir = tempDir();
    const site = path.join(dir, 'site.yaml');
    fs.copyFileSync(validFixtureFiles().find((f) => f.endsWith('single-node.yaml')) as string, site);
    const out: string[] = [];
    const err: string[] = [];
    const stop = new AbortController();
    const done = watchSite(['--site', 'site.yaml', '--out', 'dist', '--quiet', '--watch'], { out: (l) => out.push(l), err: (l) => err.push(l), cwd: dir }, stop.signal);
    expect(fs.existsSync(path.join(dir, 'dist', 'terraform', 'proxmox', 'main.tf.json'))).toBe(true);
    fs.writeFileSync(site, fs.readFileSync(site, 'utf8').replace('count: 1, namePrefix: worker', 'count: 2, namePrefix: worker'));
    await until(() => err.some((l) => l.startsWith('re-synth after the edit')), 60_000);
    stop.abort();
    expect(await done).toBe(0);
    expect(out.join('\n')).toMatch(/terraform\/proxmox \(\d+ (added|changed)/);
    expect(out.join('\n')).toMatch(/\+ proxmox_virtual_environment_vm\.\S*worker-?2/);
    expect(fs.readFileSync(path.join(dir, 'dist', 'terraform', 'proxmox', 'main.tf.json'), 'utf8')).toMatch(/worker-?2/);
  });
});

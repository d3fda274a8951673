import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { newerPatches } from '../scripts/verify-upstream';
import { tempDir } from './support/sites';

describe('newerPatches', () => {
  const mirror = tempDir();
  for (const name of ['cilium-1.18.0', 'cilium-1.18.3', 'cilium-1.19.0', 'rook-ceph-v1.20.6', 'rook-ceph-v1.20.7', 'cilium-extra-1.18.9']) fs.mkdirSync(path.join(mirror, name));
  fs.writeFileSync(path.join(mirror, 'cilium-1.18.2.tgz'), '');

  it('finds the higher patch releases of the pinned minor version, folders and archives alike', () => {
    expect(newerPatches(mirror, 'cilium', '1.18.0')).toEqual(['1.18.2', '1.18.3']);
    expect(newerPatches(mirror, 'rook-ceph', 'v1.20.6')).toEqual(['v1.20.7']);
  });

  it('finds nothing for the newest patch, another minor line or a version that is not x.y.z', () => {
    expect(newerPatches(mirror, 'cilium', '1.18.3')).toEqual([]);
    expect(newerPatches(mirror, 'cilium', '1.19.0')).toEqual([]);
    expect(newerPatches(mirror, 'cilium', '1.18')).toEqual([]);
  });
});

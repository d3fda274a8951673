import { describe, expect, it } from 'vitest';
import { namePatterns, numberRuns, summariseNames } from '../synth/name-summary';

/** What a pattern stands for, read back the way the note under the Terraform table says. */
function expand(pattern: string, separator = '_'): string[] {
  // Split at top-level commas of a brace list.
  const alternatives = (inner: string): string[] => {
    const out: string[] = [];
    let depth = 0;
    let from = 0;
    for (let i = 0; i < inner.length; i++) {
      if (inner[i] === '{') depth++;
      else if (inner[i] === '}') depth--;
      else if (inner[i] === ',' && depth === 0) {
        out.push(inner.slice(from, i).trim());
        from = i + 1;
      }
    }
    return [...out, inner.slice(from).trim()];
  };
  const run = (s: string): string[] => {
    const m = /^(.*?)(\d+)…(\d+)$/.exec(s);
    if (!m) return [s];
    return Array.from({ length: Number(m[3]) - Number(m[2]) + 1 }, (_, i) => `${m[1]}${Number(m[2]) + i}`);
  };
  // The first part (a brace list or a run), then the rest after the separator.
  const part = pattern.startsWith('{') ? pattern.slice(0, matchingBrace(pattern) + 1) : pattern.split(separator)[0];
  const heads = part.startsWith('{') ? alternatives(part.slice(1, -1)).flatMap((a) => expand(a, separator)) : run(part);
  const rest = pattern.slice(part.length + separator.length);
  if (pattern.length === part.length) return heads;
  const tails = rest.startsWith('{') && matchingBrace(rest) === rest.length - 1 ? alternatives(rest.slice(1, -1)).flatMap((a) => expand(a, separator)) : expand(rest, separator);
  return heads.flatMap((h) => tails.map((t) => `${h}${separator}${t}`));
}

function matchingBrace(s: string): number {
  let depth = 0;
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '{') depth++;
    else if (s[i] === '}' && --depth === 0) return i;
  }
  return -1;
}

const cloudInit = ['k8s-control-1', 'k8s-control-2', 'k8s-control-3', 'k8s-gpu-worker-1', 'k8s-worker-1', 'k8s-worker-2', 'k8s-worker-3'].flatMap((vm) =>
  (vm === 'k8s-gpu-worker-1' ? ['pve-node-2'] : ['pve-node-1', 'pve-node-2', 'pve-node-3']).map((node) => `${vm}_user-data_${node}`),
);

describe('numberRuns', () => {
  it('shortens three or more consecutive numbers, also across a change of width', () => {
    expect(numberRuns(['w-1', 'w-2', 'w-3', 'x', 'w-9', 'w-10', 'w-11'])).toEqual(['w-1…3', 'x', 'w-9…11']);
  });

  it('fails to shorten two in a row, a gap, or zero-padded numbers that change width', () => {
    expect(numberRuns(['a-1', 'a-2'])).toEqual(['a-1', 'a-2']);
    expect(numberRuns(['a-1', 'a-2', 'a-4'])).toEqual(['a-1', 'a-2', 'a-4']);
    expect(numberRuns(['a-08', 'a-09', 'a-010'])).toEqual(['a-08', 'a-09', 'a-010']);
  });
});

describe('namePatterns', () => {
  it('gives the reference site\'s 19 cloud-init file names as two patterns that stand for exactly them', () => {
    const patterns = namePatterns(cloudInit);
    expect(patterns).toEqual(['{k8s-control-1…3, k8s-worker-1…3}_user-data_pve-node-1…3', 'k8s-gpu-worker-1_user-data_pve-node-2']);
    expect(patterns.flatMap((p) => expand(p)).sort()).toEqual([...cloudInit].sort());
  });

  it('keeps the order in which names first appear', () => {
    const names = ['ceph-fs_k8s-fs', 'ceph-init', 'ceph-mon_pve-1', 'ceph-mon_pve-2', 'ceph-mon_pve-3', 'pve-storage_ceph'];
    expect(namePatterns(names)).toEqual(['ceph-fs_k8s-fs', 'ceph-init', 'ceph-mon_pve-1…3', 'pve-storage_ceph']);
    expect(namePatterns(names).flatMap((p) => expand(p))).toEqual(names);
  });
});

describe('summariseNames', () => {
  it('lists up to six names as they are', () => {
    expect(summariseNames(['a_1', 'a_2', 'a_3'])).toBe('a_1, a_2, a_3');
  });

  it('fails to shorten when the patterns are not shorter than the list', () => {
    const names = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot', 'golf'];
    expect(summariseNames(names)).toBe(names.join(', '));
  });

  it('shortens a long list to its patterns', () => {
    expect(summariseNames(cloudInit)).toBe('{k8s-control-1…3, k8s-worker-1…3}_user-data_pve-node-1…3, k8s-gpu-worker-1_user-data_pve-node-2');
  });
});

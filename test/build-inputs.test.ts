import { describe, expect, it } from 'vitest';
import { buildModel } from '../model';
import { kubeletMaySetLabel } from '../model/builder-contracts';
import { SiteError, parseSite } from '../site';
import { referenceSite, setPath } from './support/sites';

/** The problems buildModel reports for the reference site with some fields changed (none when it compiles). */
function problems(changes: Record<string, unknown>): { path: string; message: string; fix?: string }[] {
  const site = referenceSite();
  for (const [p, v] of Object.entries(changes)) setPath(site, p, v);
  try {
    buildModel(parseSite(site, 'site'));
    return [];
  } catch (err) {
    if (err instanceof SiteError) return [...err.problems];
    throw err;
  }
}

describe('values the builders need narrower than the schema', () => {
  it('accepts the reference site, a v-prefixed Kubernetes release, and a kube-vip version it does not use', () => {
    expect(problems({})).toEqual([]);
    expect(problems({ 'kubernetes.version': 'v1.31.13' })).toEqual([]);
    expect(problems({ 'kubernetes.vip.provider': 'haproxy', 'kubernetes.vip.version': '0.8.9' }).filter((p) => p.path === 'kubernetes.vip.version')).toEqual([]);
  });

  it('fails when kubernetes.version is a release candidate, proposing the release', () => {
    const p = problems({ 'kubernetes.version': '1.32.0-rc.1' }).find((x) => x.message.includes('exact Kubernetes release'));
    expect(p?.fix).toBe('give a release without a suffix in kubernetes.version, e.g. "1.32.0"');
  });

  it('fails when kubernetes.version is not a 1.x release, saying so rather than calling it older', () => {
    const p = problems({ 'kubernetes.version': '2.0.0' }).find((x) => x.message.includes('v1beta4'));
    expect(p?.message).toContain('is not a Kubernetes 1.x release');
  });

  it('fails when a kube-vip version has no leading v, proposing the tag', () => {
    expect(problems({ 'kubernetes.vip.version': '0.8.9-rc1' }).find((x) => x.path === 'kubernetes.vip.version')?.fix).toBe('set kubernetes.vip.version to "v0.8.9"');
  });

  it('lets kubelet set labels outside kubernetes.io and under node.kubernetes.io, and nothing else of kubernetes.io or k8s.io', () => {
    expect(kubeletMaySetLabel('hookprobe.io/role')).toBe(true);
    expect(kubeletMaySetLabel('node.kubernetes.io/pool')).toBe(true);
    expect(kubeletMaySetLabel('kubelet.kubernetes.io/x')).toBe(true);
    expect(kubeletMaySetLabel('node-role.kubernetes.io/worker')).toBe(false);
    expect(kubeletMaySetLabel('example.k8s.io/x')).toBe(false);
  });

  it('fails when a pool label is one kubelet may not set, naming the label and a prefix of the site\'s own', () => {
    const p = problems({ 'kubernetes.nodePools[1].labels': { 'node-role.kubernetes.io/worker': 'true' } }).find((x) => x.path === 'kubernetes.nodePools[1].labels');
    expect(p?.fix).toContain('"hookprobe.io/worker"');
  });
});

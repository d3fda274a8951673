import { describe, expect, it } from 'vitest';
import { destinationPermitted, globMatch, kindPermitted, projectRules, repoPermitted } from '../validate/argocd-project';

const project = projectRules({
  metadata: { name: 'p' },
  spec: {
    sourceRepos: ['https://github.com/org/*', '!https://github.com/org/secret'],
    destinations: [
      { server: 'https://kubernetes.default.svc', namespace: 'app-*' },
      { name: 'edge-*', namespace: 'edge-monitoring' },
      { server: 'https://kubernetes.default.svc', namespace: '!app-private' },
    ],
    clusterResourceWhitelist: [{ group: '', kind: 'Namespace' }],
    namespaceResourceBlacklist: [{ group: '', kind: 'ResourceQuota' }],
  },
});

describe('AppProject rules', () => {
  it('matches globs as Argo CD does: * is any run, ? one character, everything else literally', () => {
    expect(globMatch('edge-*', 'edge-sbc-1')).toBe(true);
    expect(globMatch('a.b', 'axb')).toBe(false);
    expect(globMatch('v?', 'v1')).toBe(true);
  });

  it('allows listed repositories and refuses denied ones', () => {
    expect(repoPermitted(project, 'https://github.com/org/site')).toBe(true);
    expect(repoPermitted(project, 'https://github.com/org/secret')).toBe(false);
    expect(repoPermitted(project, 'https://gitlab.com/org/site')).toBe(false);
  });

  it('allows destinations by server or by name, and a denied namespace wins', () => {
    expect(destinationPermitted(project, { server: 'https://kubernetes.default.svc', namespace: 'app-web' })).toBe(true);
    expect(destinationPermitted(project, { server: 'https://kubernetes.default.svc', namespace: 'app-private' })).toBe(false);
    expect(destinationPermitted(project, { name: 'edge-sbc-1', server: 'https://172.16.0.2:6443', namespace: 'edge-monitoring' })).toBe(true);
    expect(destinationPermitted(project, { server: 'https://kubernetes.default.svc', namespace: 'kube-system' })).toBe(false);
  });

  it('allows cluster-scoped kinds only from the whitelist (none without one), and namespaced ones unless blacklisted', () => {
    expect(kindPermitted(project, '', 'Namespace', true)).toBe(true);
    expect(kindPermitted(project, 'rbac.authorization.k8s.io', 'ClusterRole', true)).toBe(false);
    expect(kindPermitted(projectRules({ metadata: { name: 'empty' } }), '', 'Namespace', true)).toBe(false);
    expect(kindPermitted(project, 'apps', 'Deployment', false)).toBe(true);
    expect(kindPermitted(project, '', 'ResourceQuota', false)).toBe(false);
    const onlyApps = projectRules({ metadata: { name: 'root' }, spec: { namespaceResourceWhitelist: [{ group: 'argoproj.io', kind: 'Application' }] } });
    expect(kindPermitted(onlyApps, 'argoproj.io', 'Application', false)).toBe(true);
    expect(kindPermitted(onlyApps, '', 'ConfigMap', false)).toBe(false);
  });
});

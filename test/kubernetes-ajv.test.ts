import { describe, expect, it } from 'vitest';
import * as precompiledIndex from '../imports/schemas/kubernetes/validators';
import { K8sFinding, K8sRule, KUBERNETES_SCHEMA_DIR, createManifestValidator, validateManifests, validatorPathOf } from '../validate/kubernetes-schema';
import { filesUnder, sourcesOf, verifiedOnce } from './support/verified-once';

// Compiling schemas at run time (the reference the precompiled validators are compared with) takes seconds on a
// loaded machine.
const COMPILE_TIMEOUT_MS = 120_000;

type Manifest = Record<string, any>;

const podSpec = (): Manifest => ({
  containers: [{ name: 'api', image: 'ghcr.io/example/api:1.2.3', ports: [{ containerPort: 8080 }] }],
});

/** Bad objects of precompiled core and custom-resource kinds; together they break every rule a schema can. */
function badObjects(): Manifest[] {
  return [
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'api', namespace: 'web' },
      spec: {
        replicas: 'two',
        selector: { matchLabels: { app: 'api' } },
        template: {
          metadata: { labels: { app: 'api' } },
          spec: { containers: [{ name: 'api', image: 'api:1', imagePulPolicy: 'Always', ports: [{ containerPort: 8080.5 }] }] },
        },
      },
    },
    { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's', namespace: 'web' }, data: { TOKEN: 'plain text!' } },
    { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'data', namespace: 'web' }, spec: { accessModes: 'ReadWriteOnce' } },
    { apiVersion: 'v1', kind: 'Service', metadata: { namespace: 'web' }, spec: { ports: [{ port: '80' }], selectr: {} } },
    { apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name: 'r', namespace: 'web' }, spec: { jobTemplate: { spec: { template: { spec: podSpec() } } } } },
    {
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'PrometheusRule',
      metadata: { name: 'api', namespace: 'web' },
      spec: {
        groups: [
          { name: 'api', partial_response_strategy: 'sometimes', rules: [{ alert: 'ApiDown', expr: 'up == 0' }] },
          { name: 'api', rules: [] },
        ],
      },
    },
    {
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'ServiceMonitor',
      metadata: { name: 'api', namespace: 'web' },
      spec: { selector: {}, endpoints: [{ port: 'metrics' }], scrapeProtocols: ['PrometheusProto', 'PrometheusProto'], labelLimit: -1 },
    },
    { apiVersion: 'cilium.io/v2', kind: 'CiliumNetworkPolicy', metadata: { name: 'p', namespace: 'web' }, spec: { ingress: [{ toPorts: [{ ports: [{ port: 8080 }] }] }] } },
    { apiVersion: 'cilium.io/v2', kind: 'CiliumLoadBalancerIPPool', metadata: { name: 'lb', namespace: 'kube-system' }, spec: { blocks: [{ cidr: '10.0.0.0/33' }] } },
    { apiVersion: 'longhorn.io/v1beta2', kind: 'RecurringJob', metadata: { name: 'snap', namespace: 'longhorn-system' }, spec: { task: 'backups', retain: 'seven' } },
    {
      apiVersion: 'postgresql.cnpg.io/v1',
      kind: 'Cluster',
      metadata: { name: 'db', namespace: 'web', labelz: {} },
      spec: { instances: 0, storage: { size: '20 gigs' }, backup: { retentionPolicy: '30 days' } },
    },
    { apiVersion: 'argoproj.io/v1alpha1', kind: 'Application', metadata: { name: 'web', namespace: 'argocd' }, spec: { project: 'default', source: { repoURL: 'x', path: 1 } } },
  ];
}

const summary = (findings: readonly K8sFinding[]): string[] => findings.map((f) => `${f.object} ${f.path} ${f.rule}: ${f.message} | ${f.hint}`);

describe('precompiled Kubernetes validators', () => {
  it('give the same findings as the schemas compiled at run time, for bad objects of core and custom-resource kinds', () => {
    // Deterministic: run once per content of the schemas, the precompiled validators, this file and the modules it
    // imports (the validator among them).
    verifiedOnce('kubernetes-ajv-precompiled-as-compiled', [...filesUnder(KUBERNETES_SCHEMA_DIR), ...sourcesOf('test/kubernetes-ajv.test.ts')], samePrecompiledAsCompiled);
  }, COMPILE_TIMEOUT_MS);

  function samePrecompiledAsCompiled(): void {
    const objects = badObjects();
    const precompiled = createManifestValidator();
    const compiled = createManifestValidator({ precompiled: false });
    const fast = precompiled.validate(objects);
    const reference = compiled.validate(objects);
    expect(summary(fast)).toEqual(summary(reference));
    expect(fast).toEqual(reference);

    // Not a vacuous comparison: each object was checked by the path it claims, and the findings cover every rule.
    for (const o of objects) {
      const [apiVersion, kind] = [o.apiVersion as string, o.kind as string];
      expect(precompiled.pathOf(apiVersion, kind), `${apiVersion}/${kind}`).toBe('precompiled');
      expect(compiled.pathOf(apiVersion, kind), `${apiVersion}/${kind}`).toBe('compiled');
      expect(reference.some((f) => f.object.startsWith(`${kind}/`)), `findings for ${kind}`).toBe(true);
    }
    const rules: K8sRule[] = ['unknown-field', 'required-field', 'type', 'enum', 'format', 'pattern', 'one-of', 'range', 'duplicate-item', 'cluster-scoped-namespace'];
    expect([...new Set(reference.map((f) => f.rule))].sort()).toEqual(expect.arrayContaining(rules));
  }

  it('are used by validateManifests for a Deployment', () => {
    const deployment = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'api', namespace: 'web' }, spec: { selector: {}, template: { spec: podSpec() } } };
    expect(validateManifests([deployment])).toEqual([]);
    expect(validatorPathOf('apps/v1', 'Deployment')).toBe('precompiled');
  });

  it('cover every custom-resource kind and the core kinds the charts render', () => {
    expect(Object.keys(precompiledIndex.kinds)).toEqual(
      expect.arrayContaining(['v1/ConfigMap', 'apps/v1/Deployment', 'batch/v1/CronJob', 'networking.k8s.io/v1/NetworkPolicy', 'argoproj.io/v1alpha1/Application', 'postgresql.cnpg.io/v1/Cluster']),
    );
  });

  it('leave a kind without one to the run-time compiler, which still finds its errors', () => {
    expect(precompiledIndex.kinds).not.toHaveProperty('apps/v1/ReplicaSet');
    const replicaSet = { apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'rs', namespace: 'web' }, spec: { selector: {}, replicas: 'one', template: { spec: podSpec() } } };
    const validator = createManifestValidator();
    expect(validator.validate([replicaSet]).map((f) => `${f.path} ${f.rule}`)).toEqual(['spec.replicas type']);
    expect(validator.pathOf('apps/v1', 'ReplicaSet')).toBe('compiled');
  }, COMPILE_TIMEOUT_MS);
});

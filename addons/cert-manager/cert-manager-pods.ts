import { podSchedulingFact } from '../../constructs/pod-scheduling';
import type { OperatorPods, OperatorPodsContext } from '../addon-definition';
import { certManagerFacts } from './spec';
import type { CertManagerSpec } from './spec';

type Json = Record<string, unknown>;
const obj = (v: unknown): Json => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : {});

/**
 * The controller's defaults for the acmesolver pod (--acme-http01-solver-resource-request-cpu/-memory, 10m and 64Mi;
 * the chart passes none of those flags).
 */
const SOLVER_RESOURCES = { requests: { cpu: '10m', memory: '64Mi' }, limits: { cpu: '100m', memory: '64Mi' } };

/**
 * The HTTP-01 solver pods cert-manager starts for the Ingresses that ask the add-on's ClusterIssuer for a certificate:
 * one per TLS host (each DNS name is its own Challenge), in the Ingress' namespace, with no node selector or
 * tolerations (the ClusterIssuer's solver sets no podTemplate). They live only while a challenge runs (first issue,
 * then about every 60 days), so they are placed like Jobs: each must fit beside the long-running pods, and they are
 * not counted in the pools' requests.
 */
export function certManagerPods({ manifests }: OperatorPodsContext<CertManagerSpec>): OperatorPods[] {
  const issuer = certManagerFacts.clusterIssuer;
  return [...manifests.entries()].flatMap(([component, objects]) =>
    objects
      .filter((o) => o.kind === 'Ingress' && obj(o.metadata.annotations)['cert-manager.io/cluster-issuer'] === issuer)
      .map((o) => {
        const namespace = o.metadata.namespace ?? 'default';
        const tls = Array.isArray(obj(o.spec).tls) ? (obj(o.spec).tls as unknown[]).map(obj) : [];
        const hosts = tls.flatMap((t) => (Array.isArray(t.hosts) ? t.hosts : []));
        return {
          component,
          source: `Ingress.networking.k8s.io ${namespace}/${o.metadata.name}`,
          workload: `Pod ${namespace}/cm-acme-http-solver (one per TLS host, while a challenge runs)`,
          kind: 'Pod' as const,
          namespace,
          podLabels: { 'acme.cert-manager.io/http01-solver': 'true' },
          scheduling: podSchedulingFact('Job', { parallelism: Math.max(1, hosts.length) }, { containers: [{ resources: SOLVER_RESOURCES }] }),
          runsToCompletion: true,
        };
      }),
  );
}

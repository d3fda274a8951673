import { z } from 'zod';
import { chartAddon } from '../../site/addon-fields';
import { addonFacts, RESTRICTED } from '../addon-facts';

/** platform.addons.argocd: the add-on's part of the site schema. */
export const argocdSpec = z.strictObject({ ...chartAddon });
export type ArgocdSpec = z.output<typeof argocdSpec>;

export const argocdFacts = addonFacts({
  key: 'argocd',
  spec: argocdSpec,
  description: 'Argo CD, which syncs dist/kubernetes/ into the cluster. Default: not installed.',
  component: 'argocd',
  namespace: 'argocd',
  // Argo CD publishes the Kubernetes releases each minor is tested with; chart 10.1.1 installs Argo CD v3.4.4. Its chart
  // states kubeVersion >= 1.25, and Argo CD calls the list "tested", not a limit, so outside it is a warning.
  kubernetesSupport: [
    { chartVersions: '10.1.1', release: 'Argo CD 3.4 (chart 10.1.1)', minKubernetes: '1.32', maxKubernetes: '1.35', upstreamSays: 'tested', source: 'https://github.com/argoproj/argo-cd/blob/release-3.4/docs/operator-manual/tested-kubernetes-versions.md' },
  ],
  provides: ['gitops'],
  // The chart version the committed chart facts were measured with.
  starter: 'chartVersion: "10.1.1"',
  needs: ['cni'],
  podSecurity: RESTRICTED,
  // Upstream workloads, checked only with rendered delivery: what the chart's values cannot change.
  policyExceptions: [
    {
      objects: ['StatefulSet/{ns}/argocd-application-controller'],
      rules: ['probes'],
      reason: 'the argo-cd chart has only a readiness probe for the application controller (no liveness value); a stuck controller shows as Applications no longer reconciling',
    },
  ],
});

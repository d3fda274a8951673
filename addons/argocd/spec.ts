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
  provides: ['gitops'],
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

import { z } from 'zod';
import { chartAddon } from '../../site/addon-fields';
import { httpsUrl } from '../../site/primitives';
import { addonFacts, RESTRICTED } from '../addon-facts';

/** platform.addons.certManager: the add-on's part of the site schema. */
export const certManagerSpec = z
  .strictObject({
    ...chartAddon,
    acmeEmail: z
      .email({ message: 'must be an e-mail address' })
      .optional()
      .describe('ACME account e-mail of the ClusterIssuer. Default: none, the account has no contact address (ACME allows it; Let\'s Encrypt sends no expiry mail anyway).'),
    acmeServer: httpsUrl.default('https://acme-v02.api.letsencrypt.org/directory').describe('ACME directory. Default: Let\'s Encrypt production.'),
  });
export type CertManagerSpec = z.output<typeof certManagerSpec>;

export const certManagerFacts = addonFacts({
  key: 'certManager',
  spec: certManagerSpec,
  description: 'cert-manager with an ACME ClusterIssuer for the ingress certificates. Default: not installed.',
  component: 'cert-manager',
  namespace: 'cert-manager',
  // cert-manager's supported-releases table; its chart only states kubeVersion >= 1.22.
  kubernetesSupport: [
    { chartVersions: '1.19.x', release: 'cert-manager 1.19', minKubernetes: '1.31', maxKubernetes: '1.35', upstreamSays: 'supported', source: 'https://cert-manager.io/docs/releases/' },
  ],
  provides: ['certificates'],
  needs: ['cni'],
  podSecurity: RESTRICTED,
  clusterIssuer: 'acme',
  network: {
    http01: {
      // cert-manager's acmesolver pod: labelled http01-solver and serving the token on 8089 (port name http).
      solver: { podLabels: { 'acme.cert-manager.io/http01-solver': 'true' }, port: 8089, ports: [{ port: 8089, name: 'http' }] },
      // The controller runs the ACME client and checks the token through the ingress before presenting it.
      client: { podLabels: { 'app.kubernetes.io/name': 'cert-manager', 'app.kubernetes.io/component': 'controller' } },
    },
  },
  // Upstream workloads, checked only with rendered delivery: what the chart's values cannot change.
  policyExceptions: [
    {
      objects: ['Deployment/{ns}/cert-manager', 'Deployment/{ns}/cert-manager-cainjector'],
      rules: ['probes'],
      reason: 'the cert-manager chart offers a liveness probe for the controller only, and no readiness probe for it or the CA injector; their Services serve only metrics, so an unready pod costs no traffic',
    },
  ],
});

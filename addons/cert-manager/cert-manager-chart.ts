import { ComponentChart, HelmRelease } from '../../constructs';
import * as certManager from '../../imports/k8s-crds/cert-manager.io';
import { clusterIssuerName, ingressClassName, releaseDelivery } from '../addon-contracts';
import type { AddonBuildContext } from '../addon-definition';
import { ONE_SHOT_RESOURCES, containerResources } from '../container-resources';
import type { CertManagerSpec } from './spec';

/**
 * cert-manager with one ACME ClusterIssuer (the site's e-mail and directory) that answers HTTP-01 challenges through
 * the site's ingress controller.
 */
export function buildCertManagerChart(chart: ComponentChart, { config: spec, model, component }: AddonBuildContext<CertManagerSpec>): void {

  new HelmRelease(chart, 'cert-manager', {
    repoUrl: 'https://charts.jetstack.io',
    chart: 'cert-manager',
    version: spec.chartVersion,
    releaseName: 'cert-manager',
    namespace: component.namespace,
    delivery: releaseDelivery(component, spec.delivery),
    values: {
      // `keep` leaves the CRDs (and so every Certificate) in place if the release is ever removed.
      crds: { enabled: true, keep: true },
      resources: containerResources([50, 500], [128, 256]),
      webhook: { resources: containerResources([10, 200], [32, 128]) },
      cainjector: { resources: containerResources([50, 500], [128, 256]) },
      startupapicheck: { resources: ONE_SHOT_RESOURCES },
    },
  });

  const className = ingressClassName(model);
  // Cluster-scoped: no namespace.
  new certManager.ClusterIssuer(chart, 'cluster-issuer', {
    metadata: { name: clusterIssuerName(model) as string },
    spec: {
      acme: {
        email: spec.acmeEmail,
        server: spec.acmeServer,
        // cert-manager generates the ACME account key in the cluster; it is never in the manifests.
        privateKeySecretRef: { name: 'acme-account-key' },
        solvers: [{ http01: { ingress: className ? { ingressClassName: className } : {} } }],
      },
    },
  });
}

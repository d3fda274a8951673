import { ComponentChart, HelmRelease } from '../../constructs';
import { releaseDelivery } from '../addon-contracts';
import type { AddonBuildContext } from '../addon-definition';
import { containerResources } from '../container-resources';
import type { CloudnativePgSpec } from './spec';

/**
 * The CloudNativePG operator, which runs the site's PostgreSQL `Cluster`s. Its chart installs the
 * postgresql.cnpg.io CRDs, so the data-store components that use them sync after this one.
 */
export function buildCloudnativePgChart(chart: ComponentChart, { config: spec, model, component }: AddonBuildContext<CloudnativePgSpec>): void {

  new HelmRelease(chart, 'cloudnative-pg', {
    repoUrl: 'https://cloudnative-pg.github.io/charts',
    chart: 'cloudnative-pg',
    version: spec.chartVersion,
    releaseName: 'cnpg',
    namespace: component.namespace,
    delivery: releaseDelivery(component, spec.delivery),
    values: {
      crds: { create: true },
      // One operator for the cluster: Clusters live in the apps' namespace, not the operator's.
      config: { clusterWide: true },
      resources: containerResources([100, 500], [128, 512]),
    },
  });
}

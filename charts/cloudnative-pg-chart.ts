import { ComponentChart, HelmRelease } from '../constructs';
import type { ComponentModel, SiteModel } from '../model';
import { releaseDelivery } from './addon-contracts';

/**
 * The CloudNativePG operator, which runs the site's PostgreSQL `Cluster`s. Its chart installs the
 * postgresql.cnpg.io CRDs, so the data-store components that use them sync after this one.
 */
export function buildCloudnativePgChart(chart: ComponentChart, model: SiteModel, component: ComponentModel): void {
  const spec = model.site.platform.addons.cloudnativePg;
  if (!spec) throw new Error(`component ${component.name}: platform.addons.cloudnativePg is not set`);

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
    },
  });
}

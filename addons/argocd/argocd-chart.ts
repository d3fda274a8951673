import { ComponentChart, HelmRelease } from '../../constructs';
import { releaseDelivery } from '../addon-contracts';
import type { AddonBuildContext } from '../addon-definition';
import { ONE_SHOT_RESOURCES, containerResources } from '../container-resources';
import type { ArgocdSpec } from './spec';

/** The Argo Project's Helm repository. */
export const ARGO_HELM_REPO = 'https://argoproj.github.io/argo-helm';

/**
 * Health of an Argo CD Application as Argo CD itself sees it. Argo CD stopped assessing Application
 * health by default in 1.8, and without it a sync wave of Applications does not wait for the previous
 * wave to be healthy: the app-of-apps would apply CRD users before the CRDs exist.
 */
export const APPLICATION_HEALTH_LUA = [
  'local hs = { status = "Progressing", message = "" }',
  'if obj.status ~= nil and obj.status.health ~= nil then',
  '  hs.status = obj.status.health.status',
  '  if obj.status.health.message ~= nil then hs.message = obj.status.health.message end',
  'end',
  'return hs',
  '',
].join('\n');

/**
 * Argo CD, which then manages itself: its Application carries this very release, and the bootstrap
 * installs it once from the same values before anything else can sync.
 */
export function buildArgocdChart(chart: ComponentChart, { config: spec, model, component }: AddonBuildContext<ArgocdSpec>): void {
  new HelmRelease(chart, 'argocd', {
    repoUrl: ARGO_HELM_REPO,
    chart: 'argo-cd',
    version: spec.chartVersion,
    releaseName: 'argocd',
    namespace: component.namespace,
    delivery: releaseDelivery(component, spec.delivery),
    values: {
      configs: {
        cm: { 'resource.customizations.health.argoproj.io_Application': APPLICATION_HEALTH_LUA },
      },
      // The chart sets no resources; its init containers (copyutil) take those of their pod's main container.
      controller: { resources: containerResources([250, 1000], [512, 1024]) },
      server: { resources: containerResources([50, 500], [128, 256]) },
      repoServer: { resources: containerResources([100, 1000], [256, 1024]) },
      // The probes the chart ships switched off: a hung process is restarted and an unready one gets no traffic.
      dex: { resources: containerResources([10, 200], [32, 128]), livenessProbe: { enabled: true }, readinessProbe: { enabled: true } },
      redis: { resources: containerResources([50, 500], [64, 256]), livenessProbe: { enabled: true }, readinessProbe: { enabled: true } },
      redisSecretInit: { resources: ONE_SHOT_RESOURCES },
      applicationSet: { resources: containerResources([50, 500], [64, 256]), livenessProbe: { enabled: true }, readinessProbe: { enabled: true } },
      notifications: { resources: containerResources([50, 500], [64, 256]), livenessProbe: { enabled: true }, readinessProbe: { enabled: true } },
    },
  });
}

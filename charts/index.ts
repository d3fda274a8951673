import { App } from 'cdk8s';
import { ComponentChart, PodSecurityLevel, PodSecurityNamespace } from '../constructs';
import { ADDONS, EDGE_FLEET_COMPONENT } from '../model';
import type { ComponentKind, ComponentModel, SiteModel } from '../model';
import { buildAppComponent } from './app-chart';
import { buildArgoCdApps } from './argocd-apps-chart';
import { buildArgocdChart } from './argocd-chart';
import { buildCalicoChart } from './calico-chart';
import { buildCertManagerChart } from './cert-manager-chart';
import { buildCiliumChart } from './cilium-chart';
import { buildCloudnativePgChart } from './cloudnative-pg-chart';
import { buildDataStoreComponent } from './data-store-chart';
import { buildEdgeFleetChart } from './edge-fleet-chart';
import { buildExternalSecretsChart } from './external-secrets-chart';
import { buildFalcoChart } from './falco-chart';
import { buildIngressNginxChart } from './ingress-nginx-chart';
import { buildLocalPathChart } from './local-path-chart';
import { buildLonghornChart } from './longhorn-chart';
import { buildMetallbChart } from './metallb-chart';
import { buildMonitoringChart } from './monitoring-chart';
import { buildNfsProvisionerChart } from './nfs-provisioner-chart';
import { buildNvidiaGpuChart } from './nvidia-gpu-chart';
import { buildRookCephChart } from './rook-ceph-chart';
import { buildVeleroChart } from './velero-chart';

/**
 * Fills one component's chart. Each add-on, data store and app registers its builder here under its
 * component name; a component without a builder still gets its namespace.
 */
export type ChartBuilder = (chart: ComponentChart, model: SiteModel, component: ComponentModel) => void;

const BUILDERS: Readonly<Record<string, ChartBuilder>> = {
  [ADDONS.cilium.component]: buildCiliumChart,
  [ADDONS.rookCeph.component]: buildRookCephChart,
  [ADDONS.nvidiaGpu.component]: buildNvidiaGpuChart,
  [ADDONS.monitoring.component]: buildMonitoringChart,
  [ADDONS.argocd.component]: buildArgocdChart,
  [ADDONS.velero.component]: buildVeleroChart,
  [ADDONS.falco.component]: buildFalcoChart,
  [ADDONS.ingressNginx.component]: buildIngressNginxChart,
  [ADDONS.certManager.component]: buildCertManagerChart,
  [ADDONS.externalSecrets.component]: buildExternalSecretsChart,
  [ADDONS.cloudnativePg.component]: buildCloudnativePgChart,
  [ADDONS.calico.component]: buildCalicoChart,
  [ADDONS.metallb.component]: buildMetallbChart,
  [ADDONS.longhorn.component]: buildLonghornChart,
  [ADDONS.nfsProvisioner.component]: buildNfsProvisionerChart,
  [ADDONS.localPath.component]: buildLocalPathChart,
  [EDGE_FLEET_COMPONENT]: buildEdgeFleetChart,
};

/** Apps and data stores are named by the site, not the compiler: they fall back to the builder of their kind. */
const KIND_BUILDERS: Readonly<Partial<Record<ComponentKind, ChartBuilder>>> = { app: buildAppComponent, 'data-store': buildDataStoreComponent };

/** One ComponentChart per component of the model, in dependency order. */
export function buildCharts(app: App, model: SiteModel): void {
  for (const component of model.components) {
    const chart = new ComponentChart(app, component.name, { component: component.name });
    if (component.ownsNamespace) {
      new PodSecurityNamespace(chart, 'namespace', {
        name: component.namespace,
        level: PodSecurityLevel.of(component.podSecurity.level),
        reason: component.podSecurity.reason,
      });
    }
    (BUILDERS[component.name] ?? KIND_BUILDERS[component.kind])?.(chart, model, component);
  }
  // Last: the Applications describe every other component as built.
  buildArgoCdApps(app, model);
}

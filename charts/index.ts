import { App } from 'cdk8s';
import { ComponentChart, PodSecurityLevel, PodSecurityNamespace } from '../constructs';
import { ALL_ADDONS, AddonDefinition } from '../addons';
import { EDGE_FLEET_COMPONENT } from '../model';
import type { ComponentKind, ComponentModel, SiteModel } from '../model';
import { buildAppComponent } from './app-chart';
import { buildArgoCdApps } from './argocd-apps-chart';
import { buildDataStoreComponent } from './data-store-chart';
import { buildEdgeFleetChart } from './edge-fleet-chart';

/**
 * Fills one component's chart. Add-ons bring their builder in their definition (addons/<name>/); the edge fleet,
 * data stores and apps register theirs here. A component without a builder still gets its namespace.
 */
export type ChartBuilder = (chart: ComponentChart, model: SiteModel, component: ComponentModel, installed: readonly AddonDefinition[]) => void;

const BUILDERS: Readonly<Record<string, ChartBuilder>> = {
  [EDGE_FLEET_COMPONENT]: buildEdgeFleetChart,
};

/** Apps and data stores are named by the site, not the compiler: they fall back to the builder of their kind. */
const KIND_BUILDERS: Readonly<Partial<Record<ComponentKind, ChartBuilder>>> = { app: buildAppComponent, 'data-store': buildDataStoreComponent };

/**
 * One ComponentChart per component of the model, in dependency order.
 * @param addons the add-on definitions to build with (a test adds a fixture add-on here)
 */
export function buildCharts(app: App, model: SiteModel, addons: readonly AddonDefinition[] = ALL_ADDONS): void {
  const definitions = new Map(addons.map((a) => [a.facts.component, a]));
  const installed = model.addons.map((a) => definitions.get(a.component)).filter((d): d is AddonDefinition => d !== undefined);
  for (const component of model.components) {
    const chart = new ComponentChart(app, component.name, { component: component.name });
    if (component.ownsNamespace) {
      new PodSecurityNamespace(chart, 'namespace', {
        name: component.namespace,
        level: PodSecurityLevel.of(component.podSecurity.level),
        reason: component.podSecurity.reason,
      });
    }
    const addon = model.addons.find((a) => a.component === component.name);
    if (addon) {
      const definition = definitions.get(addon.component);
      if (!definition) throw new Error(`component ${component.name}: no add-on definition among those given to buildCharts`);
      definition.build?.(chart, { config: addon.config, model, component, installed });
      continue;
    }
    (BUILDERS[component.name] ?? KIND_BUILDERS[component.kind])?.(chart, model, component, installed);
  }
  // Last: the Applications describe every other component as built.
  buildArgoCdApps(app, model);
}

import { App } from 'cdk8s';
import { ComponentChart, PodSecurityLevel, PodSecurityNamespace } from '../constructs';
import type { ComponentModel, SiteModel } from '../model';

/**
 * Fills one component's chart. Each add-on, data store and app registers its builder here under its
 * component name; a component without a builder still gets its namespace.
 */
export type ChartBuilder = (chart: ComponentChart, model: SiteModel, component: ComponentModel) => void;

const BUILDERS: Readonly<Record<string, ChartBuilder>> = {};

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
    BUILDERS[component.name]?.(chart, model, component);
  }
}

import type { z } from 'zod';
import type { ComponentChart } from '../constructs/component-chart';
import type { ComponentModel, SiteModel } from '../model';
import type { AddonFacts } from './addon-facts';

/** What an add-on's builder receives: its own resolved configuration, the model and its component. */
export interface AddonBuildContext<C> {
  /** platform.addons.<key>, validated with every default filled in: present, since the component exists. */
  readonly config: C;
  readonly model: SiteModel;
  readonly component: ComponentModel;
  /** The definitions of every add-on the site installs (the metrics provider collects their scrape targets). */
  readonly installed: readonly AddonDefinition[];
}

/**
 * A Prometheus scrape target the add-on offers the site's metrics provider (a ServiceMonitor in the metrics
 * component's namespace selecting the add-on's Service).
 */
export interface AddonScrapeTarget {
  /** ServiceMonitor name (and Prometheus job). */
  readonly name: string;
  readonly selector: Readonly<Record<string, string>>;
  /** Name of the Service port that serves /metrics. */
  readonly port: string;
}

/** A Prometheus alert rule an add-on contributes to the site's rules. */
export interface AlertRule {
  readonly alert: string;
  readonly expr: string;
  readonly for: string;
  readonly severity: 'warning' | 'critical';
  readonly summary: string;
  /** Extra labels (e.g. which app), so one alert name covers many objects. @default - none */
  readonly labels?: Readonly<Record<string, string>>;
}

export interface AlertGroup {
  readonly name: string;
  readonly rules: readonly AlertRule[];
}

/**
 * One add-on, completely: its facts, part of the site schema and policy exceptions (spec.ts), how it builds its
 * objects and the monitoring it contributes. addons/all-addons.ts lists every definition.
 */
export interface AddonDefinition<F extends AddonFacts = AddonFacts> {
  readonly facts: F;
  /** Fills the add-on's component chart. @default - the component gets only its namespace */
  build?(chart: ComponentChart, context: AddonBuildContext<z.output<F['spec']>>): void;
  /** Scrape targets for the site's metrics provider, when the site has one, in this order. @default - none */
  readonly scrapeTargets?: readonly AddonScrapeTarget[];
  /** Alert rules for the site's metrics provider, when the site has one. @default - none */
  alertGroups?(context: AddonBuildContext<z.output<F['spec']>>): readonly AlertGroup[];
}

/** Identity function that keeps the facts' literal types, so `build` sees its own configuration type. */
export function defineAddon<F extends AddonFacts>(definition: AddonDefinition<F>): AddonDefinition<F> {
  return definition;
}

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
}

/**
 * A host-level exception to the output policy the add-on needs by what it is (a CNI agent on the host network, a CSI
 * node plugin mounting into kubelet), with the reason shown in REVIEW.md. Objects are `Kind/{ns}/name` patterns
 * (`{ns}` is the add-on's namespace, `*` any run of characters); rules are policy rule ids.
 */
export interface AddonPolicyException {
  readonly objects: readonly string[];
  readonly rules: readonly string[];
  readonly reason: string;
}

/**
 * A Prometheus scrape target the add-on offers the site's metrics provider (a ServiceMonitor in the metrics
 * component's namespace selecting the add-on's Service).
 */
export interface AddonScrapeTarget {
  /** ServiceMonitor name. */
  readonly name: string;
  readonly job: string;
  readonly selector: Readonly<Record<string, string>>;
  /** Name of the Service port that serves /metrics. */
  readonly port: string;
}

/**
 * One add-on, completely: its facts and part of the site schema (spec.ts), how it builds its objects, the
 * policy exceptions it needs and the monitoring it contributes. addons/all-addons.ts lists every definition.
 */
export interface AddonDefinition<F extends AddonFacts = AddonFacts> {
  readonly facts: F;
  /** Fills the add-on's component chart. @default - the component gets only its namespace */
  build?(chart: ComponentChart, context: AddonBuildContext<z.output<F['spec']>>): void;
  /** @default - none: every object meets the policy */
  readonly policyExceptions?: readonly AddonPolicyException[];
  /** Scrape targets for the site's metrics provider, when the site has one. @default - none */
  scrapeTargets?(context: AddonBuildContext<z.output<F['spec']>>): readonly AddonScrapeTarget[];
}

/** Identity function that keeps the facts' literal types, so `build` sees its own configuration type. */
export function defineAddon<F extends AddonFacts>(definition: AddonDefinition<F>): AddonDefinition<F> {
  return definition;
}

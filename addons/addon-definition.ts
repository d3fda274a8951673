import type { z } from 'zod';
import type { Construct } from 'constructs';
import type { ComponentChart } from '../constructs/component-chart';
import type { PodSchedulingFact, WorkloadFields } from '../constructs/pod-scheduling';
import type { KubeObject } from '../core/kube-object';
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

/** What an add-on's operatorPods reads: its configuration, the model, and every object of the tree by component. */
export interface OperatorPodsContext<C> {
  readonly config: C;
  readonly model: SiteModel;
  /** dist/kubernetes/ as synthesized: the custom resources the operator acts on, wherever a component put them. */
  readonly manifests: ReadonlyMap<string, readonly KubeObject[]>;
}

/**
 * Pods an operator creates at run time, which neither dist/ nor the chart facts hold: made from a custom resource of
 * the tree, or from one the add-on's chart renders out of the values the add-on sets.
 */
export interface OperatorPods {
  /** The component whose Argo CD Application holds the custom resource (where the fix and REVIEW.md place the pods). */
  readonly component: string;
  /** What the pods are made from: `Prometheus.monitoring.coreos.com monitoring/kube-prometheus-stack-prometheus`. */
  readonly source: string;
  /** The workload the operator makes, as the scheduler sees it: `StatefulSet monitoring/prometheus-kube-prometheus-stack-prometheus`. */
  readonly workload: string;
  /** DaemonSet (one pod per node it may use), Deployment or StatefulSet; Pod when the operator creates each pod itself. */
  readonly kind: 'DaemonSet' | 'Deployment' | 'StatefulSet' | 'Pod';
  readonly namespace: string;
  readonly podLabels: Readonly<Record<string, string>>;
  readonly scheduling: PodSchedulingFact;
  /** The site fields behind the pods. @default - those of the component (an app's, a data store's or an add-on's) */
  readonly fields?: WorkloadFields;
  /** Short-lived pods (a challenge solver): placed like a Job's, not counted in the pools' requests. @default false */
  readonly runsToCompletion?: boolean;
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
  /**
   * The pods the add-on's operator creates from custom resources, for the scheduling simulation: each operator's
   * defaults come from its upstream source, the rest from the resources the tree holds and the values the add-on sets.
   * @default - none: every pod of the add-on is in dist/ or its chart facts
   */
  operatorPods?(context: OperatorPodsContext<z.output<F['spec']>>): readonly OperatorPods[];
  /**
   * CNIs whose policies cannot reach the API server by its addresses (Cilium gives node addresses an identity that
   * CIDR rules never match): adds the CNI's own policy letting the selected pods call it. Consumers go through
   * allowApiServer (addons/api-server-access.ts), never a named CNI.
   * @default - consumers allow the API server's addresses in their NetworkPolicy
   */
  allowApiServer?(scope: Construct, id: string, access: ApiServerAccess): void;
}

/** Pods that call the Kubernetes API server, for a CNI's own policy. */
export interface ApiServerAccess {
  /** Name of the policy is `<name>-to-apiserver`. */
  readonly name: string;
  readonly namespace: string;
  readonly podSelector: Readonly<Record<string, string>>;
  /** @default - none */
  readonly labels?: Readonly<Record<string, string>>;
}

/** Identity function that keeps the facts' literal types, so `build` sees its own configuration type. */
export function defineAddon<F extends AddonFacts>(definition: AddonDefinition<F>): AddonDefinition<F> {
  return definition;
}

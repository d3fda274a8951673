import type { AddonFacts, Capability } from '../../addons/addon-facts';
import type { Site } from '../../site';
import type { SiteProblem } from '../../site/errors';
import type { VmModel } from '../types';

/**
 * What a check phase reads: the validated site, the add-ons the compiler knows, and the VMs the model placed (their
 * roles, sizes, labels and taints are what pods are scheduled onto). Nothing here is built yet: the phases run before
 * any construct, so every mistake they find is reported together, as a site problem.
 */
export interface CheckContext {
  readonly site: Site;
  readonly catalog: readonly AddonFacts[];
  readonly vms: readonly VmModel[];
  /** The third-party charts the site's lock delivers, with the Kubernetes versions each states. */
  readonly charts: readonly DeliveredChart[];
}

/**
 * A chart of the site's lock and the `kubeVersion` constraint of its Chart.yaml, as the chart facts recorded it when
 * they were measured from the chart the lock pins (constructs/chart-measure.ts). Plain data: the model reads no files.
 */
export interface DeliveredChart {
  readonly chart: string;
  readonly version: string;
  /** Components whose releases use it. */
  readonly components: readonly string[];
  /** The constraint, e.g. `>=1.25.0-0`; null when the chart states none. */
  readonly kubeVersion: string | null;
}

/** What a phase found: problems refuse the site, warnings are printed and the site compiles. */
export interface CheckFindings {
  readonly problems: SiteProblem[];
  readonly warnings: string[];
}

export type CheckPhase = (ctx: CheckContext, found: CheckFindings) => void;

/** The add-ons the site installs, in catalog order. */
export function installed(ctx: CheckContext): AddonFacts[] {
  const configured = ctx.site.platform.addons as Readonly<Record<string, unknown>>;
  return ctx.catalog.filter((f) => configured[f.key] !== undefined);
}

/** The installed add-on that provides a capability (the first in catalog order), if any. */
export function providerOf(ctx: CheckContext, capability: Capability): AddonFacts | undefined {
  return installed(ctx).find((f) => f.provides.includes(capability));
}

/** The add-ons that could provide a capability, as `platform.addons.<key>` for a fix. */
export function candidates(ctx: CheckContext, capability: Capability): string {
  const keys = ctx.catalog.filter((f) => f.provides.includes(capability)).map((f) => `platform.addons.${f.key}`);
  return keys.length === 0 ? '(no add-on provides it)' : keys.join(' or ');
}

import { minVersion, satisfies, validRange } from 'semver';
import type { AddonFacts, KubernetesSupport } from '../../addons/addon-facts';
import { type CheckContext, type CheckFindings, type DeliveredChart, installed } from './types';

/**
 * Kubernetes inside what every delivered add-on works on, from two sources of facts:
 * - the `kubeVersion` constraint of each chart the site's lock delivers (its Chart.yaml, recorded in the chart facts):
 *   `helm template` and Argo CD refuse to render a chart whose constraint the cluster's version fails, so the tree
 *   would not install;
 * - the ranges upstream documents where the chart says less (each add-on's `kubernetesSupport`, with its page):
 *   outside a `supported` range the site is refused, outside a `tested` one it is a warning.
 */
export function checkVersions(ctx: CheckContext, found: CheckFindings): void {
  const k8s = ctx.site.kubernetes.version.replace(/^v/, '');
  for (const chart of ctx.charts) checkChartConstraint(ctx, chart, k8s, found);
  for (const addon of installed(ctx)) checkUpstreamRanges(ctx, addon, k8s, found);
}

/** `1.31` from `1.31.13` or `v1.31.13`. */
export function releaseLine(version: string): string {
  return version.replace(/^v/, '').split('.').slice(0, 2).join('.');
}

/**
 * A Helm constraint (Masterminds semver: `>= 1.22.0-0`, `>=1.25, <1.34`, `||`) as a node-semver range: the same
 * grammar but for the comma, which Masterminds reads as "and" and node-semver as a space.
 */
export function helmRange(constraint: string): string | null {
  return validRange(constraint.replace(/,/g, ' '));
}

function checkChartConstraint(ctx: CheckContext, chart: DeliveredChart, k8s: string, found: CheckFindings): void {
  if (chart.kubeVersion === null) return;
  const addons = installed(ctx).filter((f) => chart.components.includes(f.component));
  if (addons.length === 0) return;
  const range = helmRange(chart.kubeVersion);
  const subject = `chart ${chart.chart} ${chart.version} (${chart.components.join(', ')})`;
  if (range === null) {
    found.warnings.push(`${subject}: its Chart.yaml states kubeVersion "${chart.kubeVersion}", which is not a range this compiler reads; kubernetes.version was not checked against it`);
    return;
  }
  // A prerelease Kubernetes (1.34.0-rc.1) is judged by its release: the "-0" charts write admits prereleases anyway.
  if (satisfies(k8s, range, { includePrerelease: true })) return;
  const lowest = minVersion(range);
  const newer = lowest !== null && !satisfies(k8s, `>=${lowest.version}`, { includePrerelease: true });
  const fields = addons.map((f) => `platform.addons.${f.key}`).join(' or ');
  found.problems.push({
    path: 'kubernetes.version',
    value: ctx.site.kubernetes.version,
    message: `is outside what ${subject} admits: its Chart.yaml states kubeVersion "${chart.kubeVersion}", and helm template and Argo CD refuse to render a chart for a cluster outside it`,
    fix: newer
      ? `use Kubernetes ${lowest.major}.${lowest.minor}.0 or newer in kubernetes.version, or pin a chart version in ${fields} whose kubeVersion admits ${k8s}`
      : `use a Kubernetes release that satisfies "${chart.kubeVersion}" in kubernetes.version, or pin a chart version in ${fields} whose kubeVersion admits ${k8s}`,
  });
}

function checkUpstreamRanges(ctx: CheckContext, addon: AddonFacts, k8s: string, found: CheckFindings): void {
  const config = (ctx.site.platform.addons as Readonly<Record<string, { chartVersion?: string; version?: string } | undefined>>)[addon.key];
  const field = config?.chartVersion !== undefined ? 'chartVersion' : 'version';
  const pinned = config?.chartVersion ?? config?.version;
  if (pinned === undefined) return;
  const minor = releaseLine(k8s);
  for (const support of addon.kubernetesSupport ?? []) {
    if (!satisfies(pinned, support.chartVersions, { includePrerelease: true }) || inRange(minor, support)) continue;
    const range = describeRange(support);
    if (support.upstreamSays === 'tested') {
      found.warnings.push(`kubernetes.version: Kubernetes ${minor} is outside the releases ${support.release} is tested with (${range}; ${support.source}); other releases may work, but upstream does not test them`);
      continue;
    }
    const target = support.maxKubernetes ?? support.minKubernetes;
    found.problems.push({
      path: 'kubernetes.version',
      value: ctx.site.kubernetes.version,
      message: `is Kubernetes ${minor}, outside what ${support.release} supports (${range}; ${support.source})`,
      fix: `use a Kubernetes ${target}.x release in kubernetes.version, or pin a release in platform.addons.${addon.key}.${field} that supports ${minor}`,
    });
  }
}

/** Whether a `1.31` minor is inside the range (bounds inclusive, compared as numbers: 1.9 < 1.30). */
function inRange(minor: string, support: KubernetesSupport): boolean {
  const key = (v: string): number => {
    const [major, min] = v.split('.').map(Number);
    return major * 10_000 + min;
  };
  if (support.minKubernetes !== undefined && key(minor) < key(support.minKubernetes)) return false;
  return support.maxKubernetes === undefined || key(minor) <= key(support.maxKubernetes);
}

function describeRange(support: KubernetesSupport): string {
  if (support.minKubernetes !== undefined && support.maxKubernetes !== undefined) return `Kubernetes ${support.minKubernetes} to ${support.maxKubernetes}`;
  if (support.minKubernetes !== undefined) return `Kubernetes ${support.minKubernetes} or newer`;
  return `Kubernetes up to ${support.maxKubernetes ?? '?'}`;
}

import { Construct, IConstruct } from 'constructs';

export type HelmDelivery = 'argocd' | 'rendered';

export interface HelmReleaseProps {
  /** Helm repository URL, e.g. https://helm.cilium.io/ */
  readonly repoUrl: string;
  /** Chart name in that repository. */
  readonly chart: string;
  /** Exact chart version (the lock file pins its digest). */
  readonly version: string;
  /** Release name (what `helm template <release>` and Argo CD's `helm.releaseName` get). */
  readonly releaseName: string;
  /** Namespace the release installs into. */
  readonly namespace: string;
  /**
   * Chart values. Derived from the model by the component that owns the release; the same object is
   * used by Argo CD, by `helm template` and by the bootstrap, so they cannot drift apart.
   * @default - the chart's defaults
   */
  readonly values?: Readonly<Record<string, unknown>>;
  /** How the chart reaches the cluster. */
  readonly delivery: HelmDelivery;
}

/**
 * A pinned third-party Helm chart that is part of a component. With `argocd` delivery it renders
 * nothing itself: the component's Argo CD Application gets the chart as a Helm source with these
 * values. With `rendered` delivery, `helm template` output becomes plain YAML in the component.
 */
export class HelmRelease extends Construct {
  /** Every release inside a scope (a component chart), in construct order. */
  public static releasesIn(scope: IConstruct): HelmRelease[] {
    return scope.node.findAll().filter((c): c is HelmRelease => c instanceof HelmRelease);
  }

  public readonly repoUrl: string;
  public readonly chart: string;
  public readonly version: string;
  public readonly releaseName: string;
  public readonly namespace: string;
  public readonly values: Readonly<Record<string, unknown>>;
  public readonly delivery: HelmDelivery;

  constructor(scope: Construct, id: string, props: HelmReleaseProps) {
    super(scope, id);
    if (!/^\d+\.\d+\.\d+/.test(props.version.replace(/^v/, ''))) {
      throw new Error(`HelmRelease ${props.chart}: version "${props.version}" is not an exact version; pin one like 1.18.0`);
    }
    this.repoUrl = props.repoUrl;
    this.chart = props.chart;
    this.version = props.version;
    this.releaseName = props.releaseName;
    this.namespace = props.namespace;
    this.values = props.values ?? {};
    this.delivery = props.delivery;
  }
}

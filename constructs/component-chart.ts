import { Chart } from 'cdk8s';
import { Construct } from 'constructs';

export interface ComponentChartProps {
  /**
   * The component this chart renders: its dist/kubernetes/<component>/ folder and its Argo CD
   * Application carry this name, so changing it is a breaking change for the GitOps repository.
   */
  readonly component: string;
  /**
   * Namespace stamped on the chart's namespaced objects.
   * @default - none: every object names its own namespace
   */
  readonly namespace?: string;
}

/** A cdk8s chart that is one component of the site: one folder in dist/, one Argo CD Application. */
export class ComponentChart extends Chart {
  public static isComponentChart(x: unknown): x is ComponentChart {
    return x instanceof ComponentChart;
  }

  public readonly component: string;

  constructor(scope: Construct, id: string, props: ComponentChartProps) {
    super(scope, id, { namespace: props.namespace, disableResourceNameHashes: true });
    if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(props.component)) {
      throw new Error(`ComponentChart ${id}: component "${props.component}" must be a DNS-1123 label (it names a folder and an Argo CD Application)`);
    }
    this.component = props.component;
  }
}

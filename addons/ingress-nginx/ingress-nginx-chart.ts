import { ComponentChart, HelmRelease } from '../../constructs';
import { ingressClassName, ingressLoadBalancerAddress, releaseDelivery } from '../addon-contracts';
import { providerOf } from '../../model';
import type { AddonBuildContext } from '../addon-definition';
import { ONE_SHOT_RESOURCES, containerResources } from '../container-resources';
import type { IngressNginxSpec } from './spec';

export const INGRESS_NGINX_RELEASE = 'ingress-nginx';
/** Service of the controller's metrics endpoint (chart naming: `<release>-controller-metrics`, port `metrics`). */
export const INGRESS_NGINX_METRICS = { labels: { 'app.kubernetes.io/name': 'ingress-nginx', 'app.kubernetes.io/instance': INGRESS_NGINX_RELEASE, 'app.kubernetes.io/component': 'controller' }, port: 'metrics' } as const;

/**
 * The ingress controller: ingress-nginx behind a LoadBalancer Service pinned to the first address of the site's
 * load-balancer range (so DNS records can point at a fixed address), as the default IngressClass.
 */
export function buildIngressNginxChart(chart: ComponentChart, { config: spec, model, component }: AddonBuildContext<IngressNginxSpec>): void {
  const className = ingressClassName(model) as string;
  const address = ingressLoadBalancerAddress(model);
  const annotations: Record<string, string> = address ? { [address.annotation]: address.ip } : {};
  // Local keeps the client's source address (edge SBCs are identified by it) and skips a second hop, where the
  // load-balancer provider supports it; where it does not (Cilium's L2 announcements), the address would answer from
  // a node without a controller pod and drop the traffic.
  const local = providerOf(model, 'load-balancer')?.facts.network?.externalTrafficPolicyLocal?.supported !== false;

  new HelmRelease(chart, 'ingress-nginx', {
    repoUrl: 'https://kubernetes.github.io/ingress-nginx',
    chart: 'ingress-nginx',
    version: spec.chartVersion,
    releaseName: INGRESS_NGINX_RELEASE,
    namespace: component.namespace,
    delivery: releaseDelivery(component, spec.delivery),
    values: {
      controller: {
        replicaCount: spec.replicas,
        ingressClass: className,
        ingressClassResource: { name: className, enabled: true, default: true },
        // Snippet annotations let any Ingress author inject nginx configuration: kept off.
        allowSnippetAnnotations: false,
        // The chart requests 100m and 90Mi and sets no limit; the admission Jobs set nothing.
        resources: containerResources([100, 1000], [90, 512]),
        admissionWebhooks: { createSecretJob: { resources: ONE_SHOT_RESOURCES }, patchWebhookJob: { resources: ONE_SHOT_RESOURCES } },
        service: {
          type: 'LoadBalancer',
          externalTrafficPolicy: local ? 'Local' : 'Cluster',
          ...(Object.keys(annotations).length > 0 ? { annotations } : {}),
        },
        metrics: { enabled: providerOf(model, 'metrics') !== undefined },
        ...(spec.replicas > 1
          ? {
              topologySpreadConstraints: [
                {
                  maxSkew: 1,
                  topologyKey: 'kubernetes.io/hostname',
                  whenUnsatisfiable: 'ScheduleAnyway',
                  labelSelector: { matchLabels: { ...INGRESS_NGINX_METRICS.labels } },
                },
              ],
            }
          : {}),
      },
    },
  });
}

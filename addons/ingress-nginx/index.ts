import { defineAddon } from '../addon-definition';
import { INGRESS_NGINX_METRICS, buildIngressNginxChart } from './ingress-nginx-chart';
import { ingressNginxFacts } from './spec';

export const ingressNginxAddon = defineAddon({
  facts: ingressNginxFacts,
  build: buildIngressNginxChart,
  scrapeTargets: [{ name: 'ingress-nginx', selector: INGRESS_NGINX_METRICS.labels, port: INGRESS_NGINX_METRICS.port }],
});

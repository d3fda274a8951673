import { defineAddon } from '../addon-definition';
import { INGRESS_NGINX_METRICS, buildIngressNginxChart } from './ingress-nginx-chart';
import { ingressNginxFacts } from './spec';

export const ingressNginxAddon = defineAddon({
  facts: ingressNginxFacts,
  build: buildIngressNginxChart,
  alertGroups: ({ model }) => [
    {
      name: `${model.name}.ingress`,
      rules: [
        {
          alert: 'IngressHighErrorRate',
          expr: 'sum by (host) (rate(nginx_ingress_controller_requests{status=~"5.."}[5m])) / sum by (host) (rate(nginx_ingress_controller_requests[5m])) > 0.05',
          for: '10m',
          severity: 'warning',
          summary: 'More than 5% of requests to a host fail with a 5xx status',
        },
      ],
    },
  ],
  scrapeTargets: [{ name: 'ingress-nginx', selector: INGRESS_NGINX_METRICS.labels, port: INGRESS_NGINX_METRICS.port }],
});

import { defineAddon } from '../addon-definition';
import { buildIngressNginxChart } from './ingress-nginx-chart';
import { ingressNginxFacts } from './spec';

export const ingressNginxAddon = defineAddon({
  facts: ingressNginxFacts,
  build: buildIngressNginxChart,
});

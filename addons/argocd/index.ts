import { defineAddon } from '../addon-definition';
import { buildArgocdChart } from './argocd-chart';
import { argocdFacts } from './spec';

export const argocdAddon = defineAddon({
  facts: argocdFacts,
  build: buildArgocdChart,
});

import { defineAddon } from '../addon-definition';
import { buildMetallbChart } from './metallb-chart';
import { metallbFacts } from './spec';

export const metallbAddon = defineAddon({
  facts: metallbFacts,
  build: buildMetallbChart,
});

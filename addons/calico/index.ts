import { defineAddon } from '../addon-definition';
import { buildCalicoChart } from './calico-chart';
import { calicoFacts } from './spec';

export const calicoAddon = defineAddon({
  facts: calicoFacts,
  build: buildCalicoChart,
});

import { defineAddon } from '../addon-definition';
import { calicoPods } from './calico-pods';
import { buildCalicoChart } from './calico-chart';
import { calicoFacts } from './spec';

export const calicoAddon = defineAddon({
  facts: calicoFacts,
  build: buildCalicoChart,
  operatorPods: calicoPods,
});

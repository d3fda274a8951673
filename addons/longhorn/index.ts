import { defineAddon } from '../addon-definition';
import { longhornPods } from './longhorn-pods';
import { buildLonghornChart } from './longhorn-chart';
import { longhornFacts } from './spec';

export const longhornAddon = defineAddon({
  facts: longhornFacts,
  build: buildLonghornChart,
  operatorPods: longhornPods,
});

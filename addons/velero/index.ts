import { defineAddon } from '../addon-definition';
import { buildVeleroChart } from './velero-chart';
import { veleroFacts } from './spec';

export const veleroAddon = defineAddon({
  facts: veleroFacts,
  build: buildVeleroChart,
});

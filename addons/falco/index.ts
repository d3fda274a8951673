import { defineAddon } from '../addon-definition';
import { buildFalcoChart } from './falco-chart';
import { falcoFacts } from './spec';

export const falcoAddon = defineAddon({
  facts: falcoFacts,
  build: buildFalcoChart,
});

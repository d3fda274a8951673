import { defineAddon } from '../addon-definition';
import { buildCiliumChart } from './cilium-chart';
import { ciliumFacts } from './spec';

export const ciliumAddon = defineAddon({
  facts: ciliumFacts,
  build: buildCiliumChart,
});

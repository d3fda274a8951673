import { defineAddon } from '../addon-definition';
import { buildLocalPathChart } from './local-path-chart';
import { localPathFacts } from './spec';

export const localPathAddon = defineAddon({
  facts: localPathFacts,
  build: buildLocalPathChart,
});

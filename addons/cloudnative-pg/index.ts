import { defineAddon } from '../addon-definition';
import { buildCloudnativePgChart } from './cloudnative-pg-chart';
import { cloudnativePgFacts } from './spec';

export const cloudnativePgAddon = defineAddon({
  facts: cloudnativePgFacts,
  build: buildCloudnativePgChart,
});

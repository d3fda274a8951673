import { defineAddon } from '../addon-definition';
import { buildCloudnativePgChart } from './cloudnative-pg-chart';
import { cloudnativePgPods } from './cloudnative-pg-pods';
import { cloudnativePgFacts } from './spec';

export const cloudnativePgAddon = defineAddon({
  facts: cloudnativePgFacts,
  build: buildCloudnativePgChart,
  operatorPods: cloudnativePgPods,
});

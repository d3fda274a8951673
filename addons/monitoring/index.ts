import { defineAddon } from '../addon-definition';
import { buildMonitoringChart } from './monitoring-chart';
import { monitoringFacts } from './spec';

export const monitoringAddon = defineAddon({
  facts: monitoringFacts,
  build: buildMonitoringChart,
});

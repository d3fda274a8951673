import { defineAddon } from '../addon-definition';
import { buildMonitoringChart } from './monitoring-chart';
import { monitoringPods } from './monitoring-pods';
import { monitoringFacts } from './spec';

export const monitoringAddon = defineAddon({
  facts: monitoringFacts,
  build: buildMonitoringChart,
  operatorPods: monitoringPods,
});

import { defineAddon } from '../addon-definition';
import { veleroAlertGroups } from './velero-alerts';
import { VELERO_METRICS, buildVeleroChart } from './velero-chart';
import { veleroFacts } from './spec';

export const veleroAddon = defineAddon({
  facts: veleroFacts,
  build: buildVeleroChart,
  alertGroups: veleroAlertGroups,
  scrapeTargets: [{ name: 'velero', selector: VELERO_METRICS.labels, port: VELERO_METRICS.port }],
});

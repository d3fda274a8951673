import { defineAddon } from '../addon-definition';
import { certManagerPods } from './cert-manager-pods';
import { buildCertManagerChart } from './cert-manager-chart';
import { certManagerFacts } from './spec';

export const certManagerAddon = defineAddon({
  facts: certManagerFacts,
  build: buildCertManagerChart,
  operatorPods: certManagerPods,
});

import { defineAddon } from '../addon-definition';
import { buildCertManagerChart } from './cert-manager-chart';
import { certManagerFacts } from './spec';

export const certManagerAddon = defineAddon({
  facts: certManagerFacts,
  build: buildCertManagerChart,
});

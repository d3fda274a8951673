import { defineAddon } from '../addon-definition';
import { buildRookCephChart } from './rook-ceph-chart';
import { rookCephFacts } from './spec';

export const rookCephAddon = defineAddon({
  facts: rookCephFacts,
  build: buildRookCephChart,
});

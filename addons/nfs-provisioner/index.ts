import { defineAddon } from '../addon-definition';
import { buildNfsProvisionerChart } from './nfs-provisioner-chart';
import { nfsProvisionerFacts } from './spec';

export const nfsProvisionerAddon = defineAddon({
  facts: nfsProvisionerFacts,
  build: buildNfsProvisionerChart,
});

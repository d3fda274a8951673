import { defineAddon } from '../addon-definition';
import { rookCephPods } from './rook-ceph-pods';
import { buildRookCephChart } from './rook-ceph-chart';
import { rookCephFacts } from './spec';

export const rookCephAddon = defineAddon({
  facts: rookCephFacts,
  build: buildRookCephChart,
  operatorPods: rookCephPods,
  alertGroups: ({ model }) => [
    {
      name: `${model.name}.storage`,
      rules: [
        {
          alert: 'VolumeClaimPending',
          expr: 'kube_persistentvolumeclaim_status_phase{phase="Pending"} == 1',
          for: '15m',
          severity: 'warning',
          summary: 'A volume claim has not been bound for 15 minutes (Ceph unreachable or a missing StorageClass)',
        },
      ],
    },
  ],
});

import { z } from 'zod';
import { chartAddon } from '../../site/addon-fields';
import { addonFacts, RESTRICTED } from '../addon-facts';

/** platform.addons.cloudnativePg: the add-on's part of the site schema. */
export const cloudnativePgSpec = z.strictObject({ ...chartAddon });
export type CloudnativePgSpec = z.output<typeof cloudnativePgSpec>;

export const cloudnativePgFacts = addonFacts({
  key: 'cloudnativePg',
  spec: cloudnativePgSpec,
  description: 'The CloudNativePG operator, which runs dataStores.postgres. Default: not installed.',
  component: 'cloudnative-pg',
  namespace: 'cnpg-system',
  provides: ['postgres-operator'],
  needs: ['cni'],
  podSecurity: RESTRICTED,
  network: {
    operator: {
      pods: { podLabels: { 'app.kubernetes.io/name': 'cloudnative-pg' } },
      manages: [
        {
          // Instance pods: PostgreSQL, the exporter and the instance manager's status endpoint, which the operator polls.
          kind: 'postgresql.cnpg.io/Cluster',
          podLabels: (name) => ({ 'cnpg.io/cluster': name }),
          ports: [{ port: 5432, name: 'postgresql' }, { port: 8000, name: 'status' }, { port: 9187, name: 'metrics' }],
          operatorCalls: [8000],
          // Streaming replication from the primary, and the instance managers asking each other's status.
          peerCalls: [5432, 8000],
          // The instance manager watches its Cluster and holds the primary's lease through the API server.
          usesApiServer: true,
        },
      ],
    },
  },
});

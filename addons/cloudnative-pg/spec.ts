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
});

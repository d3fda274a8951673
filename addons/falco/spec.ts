import { z } from 'zod';
import { chartAddon } from '../../site/addon-fields';
import { addonFacts } from '../addon-facts';

/** platform.addons.falco: the add-on's part of the site schema. */
export const falcoSpec = z.strictObject({ ...chartAddon });
export type FalcoSpec = z.output<typeof falcoSpec>;

export const falcoFacts = addonFacts({
  key: 'falco',
  spec: falcoSpec,
  description: 'Falco runtime security. Default: not installed.',
  component: 'falco',
  namespace: 'falco',
  provides: [],
  needs: ['cni'],
  podSecurity: { level: 'privileged', reason: 'runtime security watches every syscall through a privileged eBPF probe' },
});

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
  policyExceptions: [
    {
      objects: ['DaemonSet/{ns}/falco'],
      rules: ['host-namespaces', 'host-path', 'no-privileged', 'capabilities-add', 'capabilities-drop-all', 'no-privilege-escalation', 'run-as-non-root', 'read-only-root-fs', 'seccomp-profile'],
      reason: 'runtime security: watches every syscall on the node through a privileged eBPF probe (a privileged container runs unconfined whatever its seccomp profile)',
    },
    {
      objects: ['DaemonSet/{ns}/falco'],
      rules: ['probes'],
      reason: 'the falco chart probes Falco itself but not its falcoctl sidecar, which only downloads rule updates',
    },
  ],
});

import { z } from 'zod';
import { semver } from '../../site/primitives';
import { addonFacts } from '../addon-facts';

/** platform.addons.localPath: the add-on's part of the site schema. */
export const localPathSpec = z
  .strictObject({ version: semver.describe('Version of the local-path provisioner (its image tag).') });
export type LocalPathSpec = z.output<typeof localPathSpec>;

/** The local-path provisioner's StorageClass, as upstream names it. */
export const LOCAL_PATH_STORAGE_CLASS = 'local-path';

export const localPathFacts = addonFacts({
  key: 'localPath',
  spec: localPathSpec,
  description: 'The local-path provisioner (node-local volumes). Default: not installed.',
  component: 'local-path',
  namespace: 'local-path-storage',
  provides: ['storage'],
  needs: ['cni'],
  storageClass: () => LOCAL_PATH_STORAGE_CLASS,
  // The builder writes the provisioner's manifest itself, so the tag is the image's as upstream publishes it.
  releaseTagFields: [{ field: 'version', image: 'rancher/local-path-provisioner' }],
  podSecurity: { level: 'privileged', reason: 'the provisioner creates volume directories through hostPath on each node' },
  // An upstream image the site cannot change: no health endpoint to probe.
  policyExceptions: [
    {
      objects: ['Deployment/{ns}/local-path-provisioner'],
      rules: ['probes'],
      reason: 'the local-path provisioner serves no health endpoint and is its container\'s only process: when it dies the container restarts, and a hung provisioner shows as claims of the local-path class staying Pending',
    },
  ],
});

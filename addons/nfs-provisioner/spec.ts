import { z } from 'zod';
import { chartAddon } from '../../site/addon-fields';
import { ipv4 } from '../../site/primitives';
import { addonFacts } from '../addon-facts';

/** platform.addons.nfsProvisioner: the add-on's part of the site schema. */
export const nfsProvisionerSpec = z
  .strictObject({
    ...chartAddon,
    server: ipv4.optional().describe('Address of the NFS server. Default: the address of the site\'s nfs-server VM (serviceVms).'),
    path: z.string().startsWith('/', { message: 'must be an absolute path' }).optional().describe('Exported folder the volumes are created in. Default: the exportPath of the site\'s nfs-server VM.'),
  });
export type NfsProvisionerSpec = z.output<typeof nfsProvisionerSpec>;

/** The NFS provisioner's StorageClass (ReadWriteMany), as its chart names it by default. */
export const NFS_STORAGE_CLASS = 'nfs-client';

export const nfsProvisionerFacts = addonFacts({
  key: 'nfsProvisioner',
  spec: nfsProvisionerSpec,
  description: 'The NFS subdir external provisioner as a ReadWriteMany storage provider. Default: not installed.',
  component: 'nfs-provisioner',
  namespace: 'nfs-provisioner',
  provides: ['storage'],
  needs: ['cni'],
  storageClass: () => NFS_STORAGE_CLASS,
  readWriteManyClass: () => NFS_STORAGE_CLASS,
  readWriteManyOffer: { as: 'the NFS provisioner' },
  nfsExport: (config) => ({ server: config.server, path: config.path }),
  podSecurity: { level: 'baseline', reason: 'the provisioner mounts the NFS export as an nfs volume, which restricted does not allow' },
  // kubelet mounts the volumes on the node: the NFS client must be there.
  node: { packages: ['nfs-common'] },
  // The chart renders its Deployment without a namespace (Argo CD puts it in the Application's), hence no {ns}.
  policyExceptions: [
    {
      objects: ['Deployment/*-nfs-subdir-external-provisioner', 'Deployment/{ns}/*-nfs-subdir-external-provisioner'],
      rules: ['run-as-non-root', 'read-only-root-fs', 'no-privilege-escalation', 'capabilities-drop-all', 'seccomp-profile', 'probes'],
      reason: 'NFS provisioner: creates and archives per-claim folders on the export with the ownership the NFS server gives root; chart 4.0.18 has no securityContext or probe values for its container',
    },
  ],
});

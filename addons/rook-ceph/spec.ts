import { z } from 'zod';
import { chartAddon } from '../../site/addon-fields';
import { dnsLabel, semver } from '../../site/primitives';
import type { SiteProblem } from '../../site/errors';
import { addonFacts, type AddonCheckContext } from '../addon-facts';

/** platform.addons.rookCeph: the add-on's part of the site schema. */
export const rookCephSpec = z
  .strictObject({
    ...chartAddon,
    rbdPool: dnsLabel.describe('Ceph pool (from ceph.pools) behind the default RBD StorageClass.'),
    storageClass: dnsLabel.default('ceph-rbd').describe('Name of the default StorageClass. Default: "ceph-rbd".'),
    csiDriversChartVersion: semver.optional().describe(
      'Version of the ceph-csi-drivers chart (https://ceph.github.io/ceph-csi-operator), which Rook v1.20 and later need beside the operator chart: the ceph-csi-operator version the Rook chart bundles. Default: none (required from Rook v1.20).',
    ),
  });
export type RookCephSpec = z.output<typeof rookCephSpec>;

/** Name of the CephFS (ReadWriteMany) StorageClass, as Rook's own import script names it. */
export const CEPHFS_STORAGE_CLASS = 'cephfs';

/** Rook runs against the site's own Ceph: its pool must be an RBD pool Terraform creates, and v1.20 needs the CSI drivers chart. */
function rookCephChecks({ config, path, site }: AddonCheckContext<RookCephSpec>): SiteProblem[] {
  if (!site.ceph) return [{ path, value: 'rookCeph', message: 'is set but the site has no ceph section', fix: 'add ceph (Rook runs in external mode against the Proxmox Ceph) or remove rookCeph' }];
  const problems: SiteProblem[] = [];
  const pool = site.ceph.pools.find((p) => p.name === config.rbdPool);
  if (!pool) {
    problems.push({ path: `${path}.rbdPool`, value: config.rbdPool, message: 'is not one of the pools Terraform creates (ceph.pools)', fix: `use one of: ${site.ceph.pools.map((p) => p.name).join(', ')}` });
  } else if (pool.application !== 'rbd') {
    const rbd = site.ceph.pools.filter((p) => p.application === 'rbd').map((p) => p.name);
    problems.push({ path: `${path}.rbdPool`, value: pool.name, message: `is a "${pool.application}" pool; the RBD StorageClass needs a pool with application "rbd"`, fix: `use one of: ${rbd.join(', ') || '(add an rbd pool to ceph.pools)'}` });
  }
  const m = /^v?(\d+)\.(\d+)\./.exec(config.chartVersion);
  if (m && (Number(m[1]) > 1 || Number(m[2]) >= 20) && !config.csiDriversChartVersion) {
    problems.push({ path: `${path}.csiDriversChartVersion`, message: `is not set; Rook ${config.chartVersion} installs the CSI drivers from the separate ceph-csi-drivers chart`, fix: `set csiDriversChartVersion to the ceph-csi-operator version Rook ${config.chartVersion} bundles (its release notes name it)` });
  }
  return problems;
}

export const rookCephFacts = addonFacts({
  key: 'rookCeph',
  spec: rookCephSpec,
  description: 'Rook in external mode, consuming the Proxmox Ceph cluster as storage. Default: not installed.',
  component: 'rook-ceph',
  namespace: 'rook-ceph',
  // Rook's maintenance page gives each minor release's supported Kubernetes range (the rook-ceph chart states none).
  kubernetesSupport: [
    { chartVersions: '1.20.x', release: 'Rook 1.20', minKubernetes: '1.31', maxKubernetes: '1.36', upstreamSays: 'supported', source: 'https://rook.io/docs/rook/latest/Getting-Started/maintenance-and-support/' },
  ],
  provides: ['storage'],
  needs: ['cni', 'secret-store'],
  podSecurity: { level: 'privileged', reason: 'the Ceph CSI node plugin mounts volumes into kubelet on the host' },
  storageClass: (config) => config.storageClass,
  // The CephFS class exists when the site's Ceph has a filesystem (Rook's import script names it so).
  readWriteManyClass: (_config, site) => (site.ceph?.filesystem ? CEPHFS_STORAGE_CLASS : undefined),
  readWriteManyOffer: { as: 'Rook with ceph.filesystem', with: 'ceph.filesystem' },
  // External mode: the operator and the CSI plugins on the Kubernetes VMs talk to the Proxmox Ceph monitors and OSDs.
  cephClient: { name: 'Rook' },
  checks: rookCephChecks,
  // CSI agents mount and format block devices for kubelet, so they share the host's mount propagation.
  policyExceptions: [
    {
      objects: ['DaemonSet/{ns}/csi-*plugin', 'DaemonSet/{ns}/*.csi.ceph.com-nodeplugin'],
      rules: ['host-namespaces', 'host-path', 'no-privileged', 'capabilities-add', 'capabilities-drop-all', 'no-privilege-escalation', 'run-as-non-root', 'read-only-root-fs'],
      reason: 'Ceph CSI node plugin: maps RBD images and mounts CephFS into kubelet\'s pod folders on the host',
    },
    {
      objects: ['Deployment/{ns}/rook-ceph-operator', 'Deployment/{ns}/ceph-csi-controller-manager'],
      rules: ['no-privilege-escalation', 'read-only-root-fs', 'seccomp-profile', 'probes'],
      reason: 'upstream security settings: rook-ceph chart v1.20.6 runs the operator with a writable root filesystem (it writes Ceph config and keyrings under /var/lib/rook and /etc/ceph) and no probes, and ceph-csi-operator with no seccomp profile; neither chart has values for them',
    },
  ],
});

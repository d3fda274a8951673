import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Site } from '../site';
import { ImmutableChange, formatImmutable, reviewImmutableFields } from './immutable-fields';
import { terraformItems } from './output-diff';
import { TerraformImpact, formatImpact, terraformImpact } from './replacement-impact';
import type { FileTree } from './synthesize';
import { listTree } from './write-tree';

/**
 * Review beyond the diff: what applying the new tree does to what runs, judged against the committed tree in the
 * output folder. Terraform replacements come first (they destroy VMs and disks); synth refuses the ones that destroy
 * a control-plane VM, a VM with disks on Ceph or a Ceph pool unless the site acknowledges them.
 */
export interface ImpactReview {
  readonly terraform: readonly TerraformImpact[];
  /** Kubernetes fields the API server refuses to change; the recreatable ones now carry Argo CD's sync option in the tree. */
  readonly kubernetes: readonly ImmutableChange[];
  /** For a terminal, most destructive first. */
  readonly lines: readonly string[];
  /** Why synth must not write the tree; empty when it may. */
  readonly refusals: readonly string[];
  readonly warnings: readonly string[];
}

/**
 * The parts of a site the review reads: a plain-data subset, so a compiled result kept by the result cache
 * (synth/result-cache.ts) can be reviewed without the site.
 */
export interface ReviewedSite {
  readonly ceph?: { readonly pools?: readonly { readonly pveStorage?: string }[] };
  readonly terraform: Pick<Site['terraform'], 'acknowledgeReplacements'>;
  /** VM names, to name the site field of a disk the review refuses to shrink. */
  readonly serviceVms: readonly { readonly name: string }[];
  readonly kubernetes: { readonly nodePools: readonly { readonly namePrefix: string }[] };
}

/** The review's subset of `site`, as plain data. */
export function reviewedSite(site: ReviewedSite): ReviewedSite {
  return {
    ...(site.ceph ? { ceph: { pools: (site.ceph.pools ?? []).map((p) => (p.pveStorage === undefined ? {} : { pveStorage: p.pveStorage })) } } : {}),
    terraform: { acknowledgeReplacements: site.terraform.acknowledgeReplacements.map((a) => ({ address: a.address, reason: a.reason })) },
    serviceVms: site.serviceVms.map((v) => ({ name: v.name })),
    kubernetes: { nodePools: site.kubernetes.nodePools.map((p) => ({ namePrefix: p.namePrefix })) },
  };
}

/** Terraform working directories (`terraform/<dir>/`) with their resources on each side. */
function terraformSides(tree: FileTree, dir: string): { workdir: string; before: Map<string, unknown>; after: Map<string, unknown> }[] {
  const onDisk = listTree(dir).filter((f) => f.startsWith('terraform/') && f.endsWith('.tf.json'));
  const workdirs = [...new Set([...onDisk, ...[...tree.keys()].filter((f) => f.startsWith('terraform/') && f.endsWith('.tf.json'))].map((f) => f.split('/')[1]))].sort();
  return workdirs.map((workdir) => {
    const mine = (f: string): boolean => f.startsWith(`terraform/${workdir}/`) && f.endsWith('.tf.json');
    const before = new Map(onDisk.filter(mine).map((f) => [f, fs.readFileSync(path.join(dir, f), 'utf8')]));
    const after = new Map([...tree.keys()].filter(mine).map((f) => [f, tree.get(f) as string]));
    return { workdir, before: terraformItems(before), after: terraformItems(after) };
  });
}

type VmBody = { name?: string; tags?: string[]; boot_order?: string[]; disk?: { interface?: string; datastore_id?: string; size?: number }[] };

/** The site field that sets a VM disk's size: the pool's or service VM's diskGiB for the boot disk, dataDisk.sizeGiB else. */
function diskField(site: ReviewedSite, vmName: string | undefined, iface: string): string {
  const svc = site.serviceVms.findIndex((v) => v.name === vmName);
  if (svc >= 0) return iface === 'scsi0' ? `serviceVms[${svc}].diskGiB` : `serviceVms[${svc}].dataDisk.sizeGiB`;
  const pool = site.kubernetes.nodePools.findIndex((p) => vmName?.startsWith(`${p.namePrefix}-`));
  return pool >= 0 ? `kubernetes.nodePools[${pool}].diskGiB` : `the size of disk ${iface} of VM ${vmName}`;
}

/** What makes a replacement, a removal or a lost disk need the site's acknowledgement, or undefined when it may go ahead. */
function guarded(impact: TerraformImpact, before: ReadonlyMap<string, unknown>, cephStorages: ReadonlySet<string>): string | undefined {
  const [type] = impact.address.split('.');
  if (type === 'proxmox_ceph_pool') return 'it is a Ceph pool: every image in it is destroyed';
  if (type !== 'proxmox_virtual_environment_vm') return undefined;
  const body = before.get(impact.address) as VmBody | undefined;
  if (impact.action === 'remove-disk') {
    return (impact.disks ?? []).map((d) => `disk ${d.interface} holds data the guest loses${cephStorages.has(d.datastore) ? ` (Ceph storage ${d.datastore})` : ''}`).join('; ');
  }
  const why: string[] = [];
  if (body?.tags?.includes('control-plane')) why.push('it is a control-plane VM: its etcd member goes with it');
  const onCeph = [...new Set((body?.disk ?? []).map((d) => d.datastore_id).filter((s): s is string => !!s && cephStorages.has(s)))];
  if (onCeph.length > 0) why.push(`its disks on Ceph storage ${onCeph.join(', ')} are destroyed`);
  // A disk the VM does not boot from is a data disk (the NFS export): unlike the system disk, nothing rebuilds it.
  const data = (body?.disk ?? []).filter((d) => d.interface && !(body?.boot_order ?? ['scsi0']).includes(d.interface));
  if (data.length > 0) why.push(`its data ${data.length === 1 ? 'disk' : 'disks'} ${data.map((d) => `${d.interface} (${d.size ?? 8} GiB on ${d.datastore_id ?? 'local-lvm'})`).join(', ')} ${data.length === 1 ? 'is' : 'are'} destroyed`);
  return why.length > 0 ? why.join('; ') : undefined;
}

/**
 * Reviews `tree` against the committed tree in `dir` (a missing folder is a first synth: nothing to review).
 * The site's `terraform.acknowledgeReplacements` accepts guarded replacements one address at a time.
 * Kubernetes objects whose immutable fields change and that can be recreated get Argo CD's Force/Replace sync option
 * in `tree` itself (rewritten in place); the others are refused.
 */
export function reviewImpact(tree: FileTree, dir: string, site: ReviewedSite): ImpactReview {
  const cephStorages = new Set((site.ceph?.pools ?? []).map((p) => p.pveStorage).filter((s): s is string => !!s));
  const acks = new Map(site.terraform.acknowledgeReplacements.map((a) => [a.address, a.reason]));
  const used = new Set<string>();
  const impacts: TerraformImpact[] = [];
  const refusals: string[] = [];
  const lines: string[] = [];
  for (const { workdir, before, after } of terraformSides(tree, dir)) {
    const found = terraformImpact(before, after);
    impacts.push(...found);
    const shown = formatImpact(found);
    found.forEach((impact, i) => {
      lines.push(`terraform/${workdir}: ${shown[i]}`);
      if (impact.action === 'shrink-disk') {
        // Not acknowledgeable: the provider fails the apply whatever the site says.
        const vmName = (before.get(impact.address) as VmBody | undefined)?.name;
        const keep = (impact.disks ?? []).filter((d) => d.change === 'shrunk').map((d) => `set ${diskField(site, vmName, d.interface)} back to ${d.fromGiB} or more`);
        refusals.push(`terraform/${workdir}: ${shown[i]}. fix: ${keep.join('; ')} (a disk only grows; to get a smaller one, add a VM with the smaller disk, move the data, then remove the old VM)`);
        return;
      }
      if (!['replace', 'may-replace', 'destroy', 'remove-disk'].includes(impact.action)) return;
      const why = guarded(impact, before, cephStorages);
      if (!why) return;
      if (acks.has(impact.address)) {
        used.add(impact.address);
        lines.push(`  acknowledged in the site: ${acks.get(impact.address)}`);
        return;
      }
      refusals.push(
        `terraform/${workdir}: ${shown[i]}; ${why}. ` +
          `fix: undo the change that causes it, or accept it in the site: terraform.acknowledgeReplacements: [{ address: '${impact.address}', reason: '<why this is safe, e.g. the etcd member was removed and the data is backed up>' }]`,
      );
    });
  }
  const committed = new Map(listTree(dir).filter((f) => f.startsWith('kubernetes/')).map((f) => [f, fs.readFileSync(path.join(dir, f), 'utf8')]));
  const kubernetes = reviewImmutableFields(tree, committed);
  formatImmutable(kubernetes).forEach((line, i) => {
    lines.push(line);
    const c = kubernetes[i];
    if (c.remedy === 'refuse') refusals.push(`${line}. fix: ${c.fix}`);
  });
  const warnings = [...acks.keys()]
    .filter((a) => !used.has(a))
    .map((a) => `terraform.acknowledgeReplacements: ${a} is not replaced by this change (nothing to acknowledge); remove the entry once its change is applied`);
  return { terraform: impacts, kubernetes, lines, refusals, warnings };
}

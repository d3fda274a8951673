import facts from '../imports/schemas/terraform/bpg-proxmox-0.111.1-replacement.json';
import { byCodePoint } from '../core/order';

/**
 * What Terraform will do to each resource that differs between the committed Terraform JSON and the new one:
 * replace it (destroy, then create: a VM loses its disks, an etcd member goes with it), migrate it, or update it in
 * place. The answer comes from the provider's own rules, extracted from its source by
 * scripts/gen-proxmox-replacement-facts.ts, not from guesses about attribute names.
 */

export type TerraformAction = 'replace' | 'destroy' | 'shrink-disk' | 'remove-disk' | 'may-replace' | 'migrate' | 'update';

/**
 * A VM disk that an in-place update takes away, keyed by `interface` as the provider matches disks (the disk list's
 * order does not matter to it). At bpg/proxmox v0.111.1 (proxmoxtf/resource/vm/vm.go):
 * - removed: vmUpdate sends the interface in the VM config's `delete` list without `force`, so Proxmox detaches the
 *   volume as an `unused<n>` disk: the guest loses it at once and the volume is destroyed with the VM (PVE API,
 *   PUT /nodes/{node}/qemu/{vmid}/config, parameter `force`). A disk in boot_order makes the update fail instead.
 * - shrunk: vmUpdateDiskLocationAndSize fails with "Cannot shrink <disk> in VM <id>, it is not supported!", after the
 *   updates before it were applied; no acknowledgement can make it pass.
 */
export interface DiskLoss {
  readonly interface: string;
  readonly change: 'removed' | 'shrunk';
  readonly datastore: string;
  readonly fromGiB: number;
  /** The new size, for a shrink. */
  readonly toGiB?: number;
}

export interface TerraformImpact {
  /** `type.name` */
  readonly address: string;
  readonly action: TerraformAction;
  /** Why, per attribute: `node_name changed`, `disk.file_id: proxmox_download_file.x is replaced, so its id is new`. */
  readonly reasons: readonly string[];
  /** What is lost when it is replaced, in a reviewer's words; empty for updates. */
  readonly consequence: string;
  /** Disks an in-place update removes or shrinks (for `remove-disk` and `shrink-disk`). */
  readonly disks?: readonly DiskLoss[];
}

/** Resources by address, each its Terraform JSON body (as output-diff's terraformItems reads them). */
export type TerraformResources = ReadonlyMap<string, unknown>;

interface Fact {
  readonly path: string;
  readonly replaces: 'always' | 'conditional';
  readonly when?: string;
  readonly unless?: string;
}

const FACTS = facts.resources as unknown as Record<string, { readonly replaces: readonly Fact[] }>;
const ID_FORMULAS = facts.idFormulas as Record<string, { readonly parts: readonly string[] }>;

/**
 * terraform_data is Terraform's own resource, not the provider's: its documentation says a change to
 * `triggers_replace` replaces it, and `input` is updated in place
 * (https://developer.hashicorp.com/terraform/language/resources/terraform-data).
 */
const BUILTIN: Record<string, readonly Fact[]> = { terraform_data: [{ path: 'triggers_replace', replaces: 'always' }] };

/** Meta-arguments: Terraform reads them, the provider never sees them, so they never replace anything. */
const META = new Set(['depends_on', 'lifecycle', 'provider', 'count', 'for_each', 'provisioner', 'connection']);

const MAX_VALUE = 60;

const REFERENCE = /^\$\{([a-z0-9_]+)\.([A-Za-z0-9_-]+)\.([a-z0-9_]+)\}$/;

/** Leaf paths that differ, with list indexes dropped (disk[0].file_id -> disk.file_id) as the schema names them. */
function changedPaths(a: unknown, b: unknown, at = ''): string[] {
  if (a && b && typeof a === 'object' && typeof b === 'object') {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    return [...keys].flatMap((k) => {
      const next = Array.isArray(a) ? at : at ? `${at}.${k}` : k;
      return changedPaths((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], next);
    });
  }
  return JSON.stringify(a) === JSON.stringify(b) ? [] : [at];
}

/** Values at a schema path, through lists: `disk.file_id` -> every disk's file_id. */
function valuesAt(body: unknown, path: string): unknown[] {
  let cur: unknown[] = [body];
  for (const key of path.split('.')) {
    cur = cur.flatMap((v) => (Array.isArray(v) ? v : [v])).map((v) => (v && typeof v === 'object' ? (v as Record<string, unknown>)[key] : undefined));
  }
  return cur.flatMap((v) => (Array.isArray(v) ? v : [v]));
}

interface Context {
  readonly before: TerraformResources;
  readonly after: TerraformResources;
  /** Addresses whose attributes are unknown until apply: created, or replaced in an earlier round. */
  readonly unknown: Set<string>;
}

/** The value Terraform plans for a config value: references resolved where the id is computable, else kept. */
function resolve(value: unknown, side: TerraformResources, ctx: Context): { value: unknown; unknownBecause?: string } {
  if (typeof value !== 'string') return { value };
  const m = REFERENCE.exec(value);
  if (!m) return { value };
  const target = `${m[1]}.${m[2]}`;
  if (side === ctx.after && ctx.unknown.has(target)) return { value, unknownBecause: `${target} is ${ctx.before.has(target) ? 'replaced' : 'created'}, so its ${m[3]} is known only after apply` };
  const formula = ID_FORMULAS[m[1]];
  const body = side.get(target) as Record<string, unknown> | undefined;
  if (m[3] === 'id' && formula && body) {
    // A part `a|b` is the first of the attribute paths that is set (the provider's own fallback order).
    const parts = formula.parts.map((p) => (p === ':' || p === '/' ? p : p.split('|').map((alt) => valuesAt(body, alt)[0]).find((v) => v !== undefined)));
    if (parts.every((p) => typeof p === 'string')) return { value: parts.join('') };
  }
  return { value };
}

/** Why a fact fires for this change, or undefined when Terraform will not replace for it. */
function factFires(fact: Fact, oldBody: unknown, newBody: unknown, ctx: Context): string | undefined {
  const olds = valuesAt(oldBody, fact.path).map((v) => resolve(v, ctx.before, ctx));
  const news = valuesAt(newBody, fact.path).map((v) => resolve(v, ctx.after, ctx));
  const unknown = news.find((n) => n.unknownBecause);
  // Terraform diffs a list element by index, and an unset string in a removed element is "" on both sides: removing
  // a data disk (no file_id) does not touch disk.file_id, so a missing element compares as unset, not as a change.
  const values = (vs: { value: unknown }[]): unknown[] => Array.from({ length: Math.max(olds.length, news.length) }, (_, i) => vs[i]?.value ?? null);
  const differs = JSON.stringify(values(olds)) !== JSON.stringify(values(news));
  if (!unknown && !differs) return undefined;
  // CustomizeDiff rules that compare an old and a new block (efi_disk.type, tpm_state.version) leave adding or
  // removing the block alone: only a value present on both sides can force a new resource.
  const present = (vs: { value: unknown }[]): boolean => vs.some((v) => v.value !== undefined);
  if (fact.when?.startsWith('both old and new') && !(present(olds) && present(news))) return undefined;
  if (fact.unless) {
    const escape = valuesAt(newBody, fact.unless)[0];
    if (escape === true) return undefined;
  }
  if (unknown) return `${fact.path}: ${unknown.unknownBecause}`;
  const shown = (vs: { value: unknown }[]): string => {
    const text = vs.map((v) => JSON.stringify(v.value)).join(', ') || '(absent)';
    return text.length > MAX_VALUE ? `${text.slice(0, MAX_VALUE - 1)}…` : text;
  };
  return `${fact.path} changed (${shown(olds)} -> ${shown(news)})${fact.replaces === 'conditional' && fact.when ? `; the provider replaces when ${fact.when}` : ''}`;
}

function impactOf(address: string, ctx: Context): TerraformImpact | undefined {
  const oldBody = ctx.before.get(address);
  const newBody = ctx.after.get(address);
  const type = address.split('.')[0];
  const typeFacts = FACTS[type]?.replaces ?? BUILTIN[type] ?? [];
  const paths = changedPaths(oldBody, newBody).filter((p) => !META.has(p.split('.')[0]));
  const replaceReasons: string[] = [];
  let mayReplace: string | undefined;
  for (const fact of typeFacts) {
    const why = factFires(fact, oldBody, newBody, ctx);
    if (!why) continue;
    // A conditional fact whose condition is Go code the data cannot evaluate: say so rather than guess.
    if (fact.replaces === 'conditional' && !fact.unless && /decided by/.test(fact.when ?? '')) mayReplace = `${why}; ${fact.when}`;
    else replaceReasons.push(why);
  }
  // source_raw and source_raw.data both fire for one edit: the deepest path says what changed.
  const deepest = replaceReasons.filter((r) => !replaceReasons.some((o) => o !== r && o.startsWith(`${r.split(' ')[0].replace(/:$/, '')}.`)));
  if (deepest.length > 0) return { address, action: 'replace', reasons: deepest, consequence: consequenceOf(type) };
  if (mayReplace) return { address, action: 'may-replace', reasons: [mayReplace], consequence: consequenceOf(type) };
  if (paths.length === 0) return undefined;
  const disks = type === 'proxmox_virtual_environment_vm' ? diskLosses(oldBody, newBody) : [];
  if (disks.length > 0) {
    const action = disks.some((d) => d.change === 'shrunk') ? 'shrink-disk' : 'remove-disk';
    return { address, action, reasons: disks.map(describeLoss), consequence: action === 'shrink-disk' ? SHRINK_CONSEQUENCE : REMOVE_CONSEQUENCE, disks };
  }
  const migrates = typeFacts.find((f) => f.unless && paths.includes(f.path));
  if (migrates) {
    const [from, to] = [valuesAt(oldBody, migrates.path)[0], valuesAt(newBody, migrates.path)[0]];
    return { address, action: 'migrate', reasons: [`${migrates.path} changed (${JSON.stringify(from)} -> ${JSON.stringify(to)}) and ${migrates.unless} = true: the provider migrates it instead of replacing it`], consequence: '' };
  }
  return { address, action: 'update', reasons: [`${paths.slice(0, 3).join(', ')}${paths.length > 3 ? ` and ${paths.length - 3} more` : ''} changed in place`], consequence: '' };
}

const SHRINK_CONSEQUENCE = 'the provider cannot shrink a disk: the apply fails with "Cannot shrink …, it is not supported!" after the changes before it were made';
const REMOVE_CONSEQUENCE = 'the guest loses the disk at once; Proxmox keeps the volume as an unused disk until the VM is destroyed';

type DiskBody = { interface?: string; size?: number; datastore_id?: string };

/** Disks of the old body that the new one removes or makes smaller, by interface. */
export function diskLosses(oldBody: unknown, newBody: unknown): DiskLoss[] {
  const disks = (body: unknown): Map<string, DiskBody> => {
    const list = (body as { disk?: DiskBody[] } | undefined)?.disk ?? [];
    return new Map(list.filter((d) => d.interface).map((d) => [d.interface as string, d]));
  };
  const [olds, news] = [disks(oldBody), disks(newBody)];
  // The provider's default size, for a disk that does not set one (proxmoxtf/resource/vm/disk/schema.go dvDiskSize).
  const sizeOf = (d: DiskBody): number => d.size ?? 8;
  const losses: DiskLoss[] = [];
  for (const [iface, old] of olds) {
    const now = news.get(iface);
    const common = { interface: iface, datastore: old.datastore_id ?? 'local-lvm', fromGiB: sizeOf(old) };
    if (!now) losses.push({ ...common, change: 'removed' });
    else if (sizeOf(now) < sizeOf(old)) losses.push({ ...common, change: 'shrunk', toGiB: sizeOf(now) });
  }
  return losses.sort((a, b) => byCodePoint(a.interface, b.interface));
}

function describeLoss(d: DiskLoss): string {
  return d.change === 'removed'
    ? `disk ${d.interface} (${d.fromGiB} GiB on ${d.datastore}) removed`
    : `disk ${d.interface} (on ${d.datastore}) shrinks from ${d.fromGiB} GiB to ${d.toGiB} GiB`;
}

/** What is lost: `recreated` for a replacement, false when the resource is only destroyed. */
function consequenceOf(type: string, recreated = true): string {
  const again = recreated ? ' and created anew' : '';
  if (type === 'proxmox_virtual_environment_vm') return `the VM and its disks are destroyed${again}`;
  if (type === 'proxmox_ceph_pool') return 'the pool and every image in it are destroyed';
  if (type === 'proxmox_download_file' || type === 'proxmox_virtual_environment_file') {
    return recreated ? 'the file is deleted and written again; resources that take its id as a replace-forcing attribute are replaced too' : 'the file is deleted';
  }
  if (type === 'terraform_data') return recreated ? 'its create-time provisioners run again' : 'its destroy-time provisioners run, if any';
  return `it is destroyed${again}`;
}

/**
 * Every resource that changes between `before` and `after`, replacements first. Replacement spreads: a replaced file
 * has an id known only after apply, so a VM whose replace-forcing attribute references it is replaced too; rounds
 * repeat until nothing new is replaced.
 */
export function terraformImpact(before: TerraformResources, after: TerraformResources): TerraformImpact[] {
  const isResource = (a: string): boolean => /^[a-z0-9_]+\.[A-Za-z0-9_-]+$/.test(a) && !/^(data|var|local|output|provider|module)\./.test(a);
  const unknown = new Set([...after.keys()].filter((a) => isResource(a) && !before.has(a)));
  const ctx: Context = { before, after, unknown };
  let impacts: TerraformImpact[] = [];
  // Each round replaces at least one more resource or stops, so the number of resources bounds the rounds.
  for (let round = 0; round <= after.size; round++) {
    impacts = [...after.keys()].filter((a) => isResource(a) && before.has(a)).map((a) => impactOf(a, ctx)).filter((i): i is TerraformImpact => i !== undefined);
    const replaced = impacts.filter((i) => i.action === 'replace' && !unknown.has(i.address));
    if (replaced.length === 0) break;
    for (const r of replaced) unknown.add(r.address);
  }
  // A resource the new tree no longer has is destroyed outright: as final as a replacement, so reviewed with it.
  for (const a of [...before.keys()].filter((x) => isResource(x) && !after.has(x))) {
    impacts.push({ address: a, action: 'destroy', reasons: ['no longer in the site'], consequence: consequenceOf(a.split('.')[0], false) });
  }
  const order: Record<TerraformAction, number> = { replace: 0, destroy: 1, 'shrink-disk': 2, 'remove-disk': 3, 'may-replace': 4, migrate: 5, update: 6 };
  return impacts.sort((a, b) => order[a.action] - order[b.action] || byCodePoint(a.address, b.address));
}

/** One line per resource, replacements first: `replaces k8s-worker-2 (node_name changed): the VM and its disks are destroyed`. */
export function formatImpact(impacts: readonly TerraformImpact[]): string[] {
  const verb: Record<TerraformAction, string> = {
    destroy: 'destroys', replace: 'replaces', 'shrink-disk': 'cannot shrink a disk of', 'remove-disk': 'removes a disk of', 'may-replace': 'may replace', migrate: 'migrates', update: 'updates in place',
  };
  return impacts.map((i) => `${verb[i.action]} ${i.address} (${i.reasons.join('; ')})${i.consequence ? `: ${i.consequence}` : ''}`);
}

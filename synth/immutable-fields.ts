import { parse } from 'yaml';
import { toYamlText } from '../core/yaml-text';
import crdFacts from '../imports/schemas/kubernetes/crd-immutable-fields.json';
import type { FileTree } from './synthesize';
import { byCodePoint } from '../core/order';

/**
 * Fields the Kubernetes API server refuses to change on an existing object (Kubernetes 1.31 validation). Argo CD's
 * sync of such a change fails with "field is immutable" until someone deletes the object, so the review finds them
 * before the sync does: where recreating the object is safe, synth sets Argo CD's Force=true,Replace=true sync option
 * (delete, then create) on it; where it would lose data (a claim's volume), synth refuses with the fix.
 */

export type Remedy = 'recreate' | 'refuse';

interface ImmutableRule {
  /** `apiVersion group/Kind`, group empty for the core API: `apps/Deployment`, `/Service`. */
  readonly kinds: readonly string[];
  /** Only objects of this apiVersion (a CRD's rule belongs to one version of its schema). @default - every version */
  readonly apiVersion?: string;
  readonly path: string;
  readonly remedy: Remedy;
  /** Where the API server enforces it (kubernetes/kubernetes at v1.31). */
  readonly source: string;
  /** For refusals: what to do instead, given the committed value. */
  readonly fix?: string | ((before: unknown) => string);
  /** For refusals: what deleting the object to get past the refusal would lose. @default - the volume's data */
  readonly loss?: string;
  /** What the API refuses, in the review's words. @default - is immutable */
  readonly says?: string;
  /** Only a change this function accepts counts (a claim may grow, not shrink). */
  readonly when?: (before: unknown, after: unknown, oldObject: KubeObject, newObject: KubeObject) => boolean;
}

type KubeObject = { apiVersion?: string; kind?: string; metadata?: { name?: string; namespace?: string; annotations?: Record<string, string> }; [k: string]: unknown };

const CLAIM_FIX = 'keep the old value, or give the claim a new name (a new, empty volume) and copy the data across before removing the old one';

const quantityBytes = (q: unknown): number => {
  const m = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti|Pi|k|M|G|T|P)?$/.exec(String(q));
  if (!m) return Number.NaN;
  const unit: Record<string, number> = { '': 1, Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15 };
  return Number(m[1]) * unit[m[2] ?? ''];
};

/**
 * Custom resources whose delete loses what they hold: for these, an immutable field is refused rather than solved by
 * Argo CD's delete-and-create. Every other kind with a CRD rule (a policy, a class, a peer) is recreated.
 */
const KEEPS_STATE: Record<string, string> = {
  'ceph.rook.io/CephCluster': 'deleting the CephCluster takes down the storage cluster Rook runs for it',
  'ceph.rook.io/CephBlockPoolRadosNamespace': "deleting it deletes the namespace's images",
  'ceph.rook.io/CephFilesystemSubVolumeGroup': 'deleting it deletes the subvolumes in it',
  'ceph.rook.io/CephObjectStore': 'deleting it deletes the buckets in it',
  'ceph.rook.io/CephObjectZone': 'deleting it deletes the zone with its pools',
  'ceph.rook.io/CephObjectStoreAccount': "deleting it deletes the account and its users' keys",
  'ceph.rook.io/CephObjectStoreUser': "deleting it deletes the user's keys",
  'ceph.rook.io/CephClient': "deleting it deletes the client's key, which its users hold",
  'longhorn.io/Volume': 'deleting it deletes the volume',
  'longhorn.io/ShardGroup': 'deleting it deletes its shards',
  'postgresql.cnpg.io/Backup': 'deleting it deletes the record of the backup',
  'postgresql.cnpg.io/Database': 'with databaseReclaimPolicy delete, deleting it drops the database',
  'postgresql.cnpg.io/Publication': 'deleting it drops the publication its subscribers read',
  'postgresql.cnpg.io/Subscription': 'deleting it drops the subscription and its replication progress',
  'snapshot.storage.k8s.io/VolumeSnapshot': 'deleting it deletes the snapshot',
  'snapshot.storage.k8s.io/VolumeSnapshotContent': 'deleting it can delete the snapshot it stands for',
};

/** How a CRD's CEL transition rule limits a change (scripts/gen-crd-immutable-fields.ts reads them from the CRDs). */
export type CrdChange = 'immutable' | 'immutable-once-set' | 'through-unset' | 'no-decrease' | 'no-removal';

/** One transition rule of imports/schemas/kubernetes/crd-immutable-fields.json. */
export interface CrdRule {
  /** `group/version/Kind` */
  readonly kind: string;
  /** Dotted path of the field the rule sits on (for no-removal: of the field that must stay). */
  readonly path: string;
  readonly change: CrdChange;
  /** For immutable-once-set and through-unset: the value that counts as unset. */
  readonly unset?: string | number;
  readonly rule: string;
  readonly message: string;
  /** The CRD file under ../shared/schemas/kubernetes/crds. */
  readonly file: string;
}

const CRD_SAYS: Record<CrdChange, string> = {
  immutable: 'is immutable',
  'immutable-once-set': 'is immutable once set',
  'through-unset': 'may only change through its empty value',
  'no-decrease': 'may not decrease',
  'no-removal': 'may not be removed once set',
};

/** What to do instead, per form of the rule; `old` is the committed value. */
function crdFix(r: CrdRule, old: string): string {
  if (r.change === 'through-unset') return `change it in two syncs: first set ${r.path} to ${JSON.stringify(r.unset)} and let Argo CD sync, then set the new value`;
  if (r.change === 'no-decrease') return `keep ${r.path} at ${old} or more`;
  if (r.change === 'no-removal') return `keep ${r.path} set (it was ${old})`;
  return `keep ${r.path} at ${old}; a different value needs a new object under a new name, and moving what the old one holds`;
}

/**
 * The CEL transition rules of the CRDs (imports/schemas/kubernetes/crd-immutable-fields.json, generated by
 * scripts/gen-crd-immutable-fields.ts). The API server evaluates a transition rule only when the field is in both the
 * old and the new object, so setting a field for the first time or dropping it passes (a no-removal rule sits on
 * the parent, which must be in both).
 */
function crdRules(): ImmutableRule[] {
  const has = (v: unknown): boolean => v !== undefined && v !== null;
  return (crdFacts.rules as CrdRule[]).map((r) => {
    const [group, version, kind] = r.kind.split('/');
    const key = `${group}/${kind}`;
    const state = KEEPS_STATE[key];
    const parent = r.path.split('.').slice(0, -1).join('.');
    const when = (before: unknown, after: unknown, oldObject: KubeObject, newObject: KubeObject): boolean => {
      if (r.change === 'no-removal') return has(at(oldObject, parent)) && has(at(newObject, parent)) && has(before) && !has(after);
      if (!has(before) || !has(after)) return false;
      if (r.change === 'immutable-once-set') return before !== r.unset;
      if (r.change === 'through-unset') return before !== r.unset && after !== r.unset;
      if (r.change === 'no-decrease') return Number(after) < Number(before);
      return true;
    };
    return {
      kinds: [key],
      apiVersion: `${group}/${version}`,
      path: r.path,
      remedy: state ? ('refuse' as const) : ('recreate' as const),
      source: `CRD ${r.file} ${version}: x-kubernetes-validations "${r.rule}" (${r.message})`,
      ...(state ? { fix: (before: unknown) => crdFix(r, JSON.stringify(before)), loss: state } : {}),
      says: CRD_SAYS[r.change],
      when,
    };
  });
}

export const IMMUTABLE_RULES: readonly ImmutableRule[] = [
  ...['apps/Deployment', 'apps/ReplicaSet', 'apps/DaemonSet'].map((k) => ({ kinds: [k], path: 'spec.selector', remedy: 'recreate' as const, source: 'pkg/apis/apps/validation/validation.go (apps/v1 selectors are immutable)' })),
  // StatefulSet: only replicas, ordinals, template, updateStrategy, persistentVolumeClaimRetentionPolicy and
  // minReadySeconds may change (ValidateStatefulSetUpdate: "updates to statefulset spec for fields other than …
  // are forbidden"; later releases add revisionHistoryLimit). The fields the compiler writes are listed here.
  ...['spec.selector', 'spec.serviceName', 'spec.podManagementPolicy'].map((path) => ({ kinds: ['apps/StatefulSet'], path, remedy: 'recreate' as const, source: 'pkg/apis/apps/validation/validation.go ValidateStatefulSetUpdate' })),
  // Recreating the StatefulSet would not help: its existing claims keep their old class and size.
  { kinds: ['apps/StatefulSet'], path: 'spec.volumeClaimTemplates', remedy: 'refuse', source: 'pkg/apis/apps/validation/validation.go ValidateStatefulSetUpdate', fix: 'keep the old claim template (existing claims never follow it), or rename the template and copy the data to the new claims' },
  { kinds: ['batch/Job'], path: 'spec.selector', remedy: 'recreate', source: 'pkg/apis/batch/validation/validation.go ValidateJobSpecUpdate' },
  { kinds: ['batch/Job'], path: 'spec.template', remedy: 'recreate', source: 'pkg/apis/batch/validation/validation.go ValidateJobSpecUpdate (template is immutable except for suspended jobs)' },
  // A ClusterIP, once allocated, stays; a new explicit value (None for headless, or an address) is refused.
  ...['spec.clusterIP', 'spec.clusterIPs'].map((path) => ({ kinds: ['/Service'], path, remedy: 'recreate' as const, source: 'pkg/apis/core/validation/validation.go ValidateServiceUpdate', when: (_: unknown, after: unknown) => after !== undefined })),
  ...['spec.storageClassName', 'spec.accessModes', 'spec.volumeMode', 'spec.selector', 'spec.volumeName', 'spec.dataSource'].map((path) => ({ kinds: ['/PersistentVolumeClaim'], path, remedy: 'refuse' as const, source: 'pkg/apis/core/validation/validation.go ValidatePersistentVolumeClaimUpdate', fix: CLAIM_FIX })),
  {
    kinds: ['/PersistentVolumeClaim'],
    path: 'spec.resources.requests.storage',
    remedy: 'refuse',
    source: 'pkg/apis/core/validation/validation.go ValidatePersistentVolumeClaimUpdate (a claim may only grow)',
    fix: `keep the old size or a larger one; ${CLAIM_FIX}`,
    says: 'may only grow',
    when: (before, after) => quantityBytes(after) < quantityBytes(before),
  },
  ...['provisioner', 'parameters', 'reclaimPolicy', 'volumeBindingMode'].map((path) => ({ kinds: ['storage.k8s.io/StorageClass'], path, remedy: 'recreate' as const, source: 'pkg/apis/storage/validation/validation.go ValidateStorageClassUpdate' })),
  { kinds: ['rbac.authorization.k8s.io/RoleBinding', 'rbac.authorization.k8s.io/ClusterRoleBinding'], path: 'roleRef', remedy: 'recreate', source: 'pkg/apis/rbac/validation/validation.go (roleRef cannot be updated)' },
  ...['data', 'binaryData'].map((path) => ({
    kinds: ['/ConfigMap', '/Secret'],
    path,
    remedy: 'recreate' as const,
    source: 'pkg/apis/core/validation/validation.go ValidateConfigMapUpdate / ValidateSecretUpdate (immutable: true)',
    when: (_b: unknown, _a: unknown, oldObject: KubeObject) => oldObject.immutable === true,
  })),
  // Once set, `immutable: true` cannot be taken back; a Secret's type never changes.
  { kinds: ['/ConfigMap', '/Secret'], path: 'immutable', remedy: 'recreate', source: 'pkg/apis/core/validation/validation.go ValidateConfigMapUpdate / ValidateSecretUpdate (immutable cannot be unset)', when: (before) => before === true },
  { kinds: ['/Secret'], path: 'type', remedy: 'recreate', source: 'pkg/apis/core/validation/validation.go ValidateSecretUpdate' },
  { kinds: ['node.k8s.io/RuntimeClass'], path: 'handler', remedy: 'recreate', source: 'pkg/apis/node/validation/validation.go ValidateRuntimeClassUpdate' },
  { kinds: ['networking.k8s.io/IngressClass'], path: 'spec.controller', remedy: 'recreate', source: 'pkg/apis/networking/validation/validation.go ValidateIngressClassUpdate' },
  ...['value', 'preemptionPolicy'].map((path) => ({ kinds: ['scheduling.k8s.io/PriorityClass'], path, remedy: 'recreate' as const, source: 'pkg/apis/scheduling/validation/validation.go ValidatePriorityClassUpdate' })),
  // CloudNativePG's validating webhook, not its CRD (so not in the generated data): a claim it manages only grows,
  // and WAL storage, once there, stays (cloudnative-pg v1.27 internal/webhook/v1/cluster_webhook.go,
  // validateStorageConfigurationChange: "can't shrink existing storage from …"; validateWalStorageChange:
  // "walStorage cannot be disabled once the cluster is created").
  ...['spec.storage.size', 'spec.walStorage.size'].map((path) => ({
    kinds: ['postgresql.cnpg.io/Cluster'],
    path,
    remedy: 'refuse' as const,
    source: 'CloudNativePG admission webhook, cluster_webhook.go validateStorageConfigurationChange',
    fix: (before: unknown) => `keep ${path} at ${String(before)} or more; a smaller volume needs a new Cluster restored from the backup`,
    says: 'may only grow',
    loss: "deleting the Cluster deletes its instances' volumes",
    when: (before: unknown, after: unknown) => before !== undefined && after !== undefined && quantityBytes(after) < quantityBytes(before),
  })),
  {
    kinds: ['postgresql.cnpg.io/Cluster'],
    path: 'spec.walStorage',
    remedy: 'refuse',
    source: 'CloudNativePG admission webhook, cluster_webhook.go validateWalStorageChange',
    fix: 'keep spec.walStorage; WAL on the data volume needs a new Cluster restored from the backup',
    says: 'may not be removed',
    loss: "deleting the Cluster deletes its instances' volumes",
    when: (before, after) => before !== undefined && after === undefined,
  },
  ...crdRules(),
];

export const SYNC_OPTIONS = 'argocd.argoproj.io/sync-options';
/** Argo CD: delete and create the object instead of applying it. */
const RECREATE_OPTIONS = ['Force=true', 'Replace=true'];
/** Set beside the sync option, so a later synth knows the option is the review's and not the object's own. */
export const RECREATE_MARKER = 'site-compiler/recreate-because';

export interface ImmutableChange {
  readonly file: string;
  /** `Kind namespace/name` */
  readonly object: string;
  readonly path: string;
  readonly remedy: Remedy;
  readonly fix?: string;
  readonly loss?: string;
  readonly says?: string;
  readonly source: string;
}

function at(obj: unknown, path: string): unknown {
  return path.split('.').reduce<unknown>((o, k) => (o && typeof o === 'object' ? (o as Record<string, unknown>)[k] : undefined), obj);
}

const kindKey = (o: KubeObject): string => `${(o.apiVersion ?? '').includes('/') ? (o.apiVersion ?? '').split('/')[0] : ''}/${o.kind}`;
const idOf = (o: KubeObject): string => `${o.kind} ${o.metadata?.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata?.name}`;

/** The object as the review found it: without the recreate option and marker an earlier synth set. */
function withoutReview(o: KubeObject): KubeObject {
  const annotations = { ...(o.metadata?.annotations ?? {}) };
  if (!(RECREATE_MARKER in annotations)) return o;
  delete annotations[RECREATE_MARKER];
  const rest = (annotations[SYNC_OPTIONS] ?? '').split(',').filter((x) => x && !RECREATE_OPTIONS.includes(x));
  if (rest.length > 0) annotations[SYNC_OPTIONS] = rest.join(',');
  else delete annotations[SYNC_OPTIONS];
  const metadata = { ...o.metadata, annotations };
  if (Object.keys(annotations).length === 0) delete (metadata as { annotations?: unknown }).annotations;
  return { ...o, metadata };
}

/** Immutable fields that differ between the committed object and the new one. */
export function immutableChanges(file: string, before: KubeObject, after: KubeObject): ImmutableChange[] {
  return IMMUTABLE_RULES.filter((r) => r.kinds.includes(kindKey(after)) && (!r.apiVersion || r.apiVersion === after.apiVersion))
    .filter((r) => {
      const [b, a] = [at(before, r.path), at(after, r.path)];
      return JSON.stringify(b) !== JSON.stringify(a) && (!r.when || r.when(b, a, before, after));
    })
    .map((r) => ({
      file,
      object: idOf(after),
      path: r.path,
      remedy: r.remedy,
      fix: typeof r.fix === 'function' ? r.fix(at(before, r.path)) : r.fix,
      ...(r.loss ? { loss: r.loss } : {}),
      ...(r.says ? { says: r.says } : {}),
      source: r.source,
    }));
}

function withRecreate(o: KubeObject, because: string): KubeObject {
  const annotations = { ...(o.metadata?.annotations ?? {}) };
  const options = (annotations[SYNC_OPTIONS] ?? '').split(',').filter(Boolean);
  annotations[SYNC_OPTIONS] = [...options, ...RECREATE_OPTIONS.filter((x) => !options.includes(x))].join(',');
  annotations[RECREATE_MARKER] = because;
  const sorted = Object.fromEntries(Object.entries(annotations).sort(([a], [b]) => byCodePoint(a, b)));
  const { annotations: _drop, ...meta } = o.metadata ?? {};
  void _drop;
  return { ...o, metadata: { annotations: sorted, ...meta } };
}

/** The file's leading comment lines (the generated-by header), kept when the object is written again. */
function header(text: string): string {
  return text.split('\n').filter((l, i, all) => l.startsWith('#') && all.slice(0, i).every((p) => p.startsWith('#'))).map((l) => `${l}\n`).join('');
}

/**
 * Reviews every Kubernetes file of `tree` that also exists in `committed` (file -> text). Objects that need recreating
 * get the sync option in `tree` (which is rewritten in place); an object whose only difference from the committed one
 * is the option an earlier synth set keeps it, so `npm run synth -- --check` agrees with what synth wrote.
 */
export function reviewImmutableFields(tree: FileTree, committed: ReadonlyMap<string, string>): ImmutableChange[] {
  const changes: ImmutableChange[] = [];
  // By path, the text read only for files the folder has: a fleet's files are rendered on read.
  for (const file of [...tree.keys()]) {
    const oldText = committed.get(file);
    if (!file.startsWith('kubernetes/') || !file.endsWith('.yaml') || oldText === undefined) continue;
    const text = tree.get(file) as string;
    if (oldText === text) continue;
    const after = parse(text) as KubeObject | null;
    const oldObject = parse(oldText) as KubeObject | null;
    if (!after || !oldObject || typeof after !== 'object' || typeof oldObject !== 'object') continue;
    const before = withoutReview(oldObject);
    const found = immutableChanges(file, before, after);
    changes.push(...found);
    const recreate = found.filter((c) => c.remedy === 'recreate');
    let next: KubeObject | undefined;
    if (recreate.length > 0 && found.every((c) => c.remedy === 'recreate')) next = withRecreate(after, `${recreate.map((c) => c.path).join(', ')} changed (immutable)`);
    else if (before !== oldObject && JSON.stringify(before) === JSON.stringify(after)) next = oldObject;
    if (next) tree.set(file, `${header(text)}${toYamlText(next)}`);
  }
  return changes;
}

/** Lines for the review: what Argo CD would fail on, and what synth does about it. */
export function formatImmutable(changes: readonly ImmutableChange[]): string[] {
  return changes.map((c) =>
    c.remedy === 'recreate'
      ? `${c.file}: ${c.object}: ${c.path} ${c.says ?? 'is immutable'} (${c.source}): synth sets ${SYNC_OPTIONS}: ${RECREATE_OPTIONS.join(',')}, so Argo CD deletes and recreates it${/^(Deployment|StatefulSet|DaemonSet|ReplicaSet|Job) /.test(c.object) ? ' (its pods restart)' : ''}`
      : `${c.file}: ${c.object}: ${c.path} ${c.says ?? 'is immutable'} (${c.source}): the sync would fail and ${c.loss ? `a delete would get past it, but ${c.loss}` : "a delete loses the volume's data"}`,
  );
}

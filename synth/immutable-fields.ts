import { parse } from 'yaml';
import { toYamlText } from '../core/yaml-text';
import type { FileTree } from './synthesize';

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
  readonly path: string;
  readonly remedy: Remedy;
  /** Where the API server enforces it (kubernetes/kubernetes at v1.31). */
  readonly source: string;
  /** For refusals: what to do instead. */
  readonly fix?: string;
  /** Only a change this function accepts counts (a claim may grow, not shrink). */
  readonly when?: (before: unknown, after: unknown, oldObject: KubeObject) => boolean;
}

type KubeObject = { apiVersion?: string; kind?: string; metadata?: { name?: string; namespace?: string; annotations?: Record<string, string> }; [k: string]: unknown };

const CLAIM_FIX = 'keep the old value, or give the claim a new name (a new, empty volume) and copy the data across before removing the old one';

const quantityBytes = (q: unknown): number => {
  const m = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti|Pi|k|M|G|T|P)?$/.exec(String(q));
  if (!m) return Number.NaN;
  const unit: Record<string, number> = { '': 1, Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15 };
  return Number(m[1]) * unit[m[2] ?? ''];
};

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
  return IMMUTABLE_RULES.filter((r) => r.kinds.includes(kindKey(after)))
    .filter((r) => {
      const [b, a] = [at(before, r.path), at(after, r.path)];
      return JSON.stringify(b) !== JSON.stringify(a) && (!r.when || r.when(b, a, before));
    })
    .map((r) => ({ file, object: idOf(after), path: r.path, remedy: r.remedy, fix: r.fix, source: r.source }));
}

function withRecreate(o: KubeObject, because: string): KubeObject {
  const annotations = { ...(o.metadata?.annotations ?? {}) };
  const options = (annotations[SYNC_OPTIONS] ?? '').split(',').filter(Boolean);
  annotations[SYNC_OPTIONS] = [...options, ...RECREATE_OPTIONS.filter((x) => !options.includes(x))].join(',');
  annotations[RECREATE_MARKER] = because;
  const sorted = Object.fromEntries(Object.entries(annotations).sort(([a], [b]) => a.localeCompare(b)));
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
  for (const [file, text] of tree) {
    const oldText = committed.get(file);
    if (!file.startsWith('kubernetes/') || !file.endsWith('.yaml') || oldText === undefined || oldText === text) continue;
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
      ? `${c.file}: ${c.object}: ${c.path} is immutable (${c.source}): synth sets ${SYNC_OPTIONS}: ${RECREATE_OPTIONS.join(',')}, so Argo CD deletes and recreates it (its pods restart)`
      : `${c.file}: ${c.object}: ${c.path} is immutable (${c.source}): the sync would fail and a delete loses the volume's data`,
  );
}

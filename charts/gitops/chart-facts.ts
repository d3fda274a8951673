import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * What the GitOps layer must know about things it cannot see: the objects an Argo CD-delivered chart
 * renders only inside Argo CD, and the CRDs operators register at run time.
 */

/** A Kubernetes API group and kind, as AppProject whitelists name them ('' is the core group). */
export interface GroupKind {
  readonly group: string;
  readonly kind: string;
}

/**
 * API groups of custom resources and the add-on component that installs their CRDs: from its chart
 * (argo-cd, kube-prometheus-stack, cert-manager, external-secrets, rook-ceph, velero, cloudnative-pg,
 * metallb, longhorn, tigera-operator) or from its operator at start-up (cilium-operator registers the
 * cilium.io CRDs itself; the Cilium chart ships none). A CustomResourceDefinition rendered into a
 * component's folder overrides this table for its group.
 */
export const CRD_GROUP_PROVIDERS: Readonly<Record<string, string>> = {
  'argoproj.io': 'argocd',
  'cilium.io': 'cilium',
  'operator.tigera.io': 'calico',
  'crd.projectcalico.org': 'calico',
  'projectcalico.org': 'calico',
  'metallb.io': 'metallb',
  'ceph.rook.io': 'rook-ceph',
  'objectbucket.io': 'rook-ceph',
  'csi.ceph.io': 'rook-ceph',
  'longhorn.io': 'longhorn',
  'monitoring.coreos.com': 'monitoring',
  'velero.io': 'velero',
  'cert-manager.io': 'cert-manager',
  'acme.cert-manager.io': 'cert-manager',
  'external-secrets.io': 'external-secrets',
  'generators.external-secrets.io': 'external-secrets',
  'postgresql.cnpg.io': 'cloudnative-pg',
};

export interface ChartFacts {
  /** Cluster-scoped kinds the chart renders with the values the site uses: the AppProject allows exactly these. */
  readonly clusterKinds: readonly GroupKind[];
  /** Namespaces besides the release's that the chart puts objects in. */
  readonly extraNamespaces?: readonly string[];
  /**
   * Whether the chart renders an object too large for client-side apply (its last-applied annotation
   * would pass 262,144 bytes), so its Application needs ServerSideApply=true.
   */
  readonly oversizedObjects?: string;
}

const CRD: GroupKind = { group: 'apiextensions.k8s.io', kind: 'CustomResourceDefinition' };
const CLUSTER_ROLE: GroupKind = { group: 'rbac.authorization.k8s.io', kind: 'ClusterRole' };
const CLUSTER_ROLE_BINDING: GroupKind = { group: 'rbac.authorization.k8s.io', kind: 'ClusterRoleBinding' };
const MUTATING_WEBHOOK: GroupKind = { group: 'admissionregistration.k8s.io', kind: 'MutatingWebhookConfiguration' };
const VALIDATING_WEBHOOK: GroupKind = { group: 'admissionregistration.k8s.io', kind: 'ValidatingWebhookConfiguration' };
const RBAC = [CLUSTER_ROLE, CLUSTER_ROLE_BINDING];

/**
 * By chart name. Sizes are the compact JSON of the upstream CRDs at the versions the compiler's
 * schemas were taken from (kube-prometheus-stack 88.5.3, Argo CD 3.4.7, external-secrets 2.9.0,
 * CloudNativePG 1.27.4, Calico 3.30.7).
 */
export const CHART_FACTS: Readonly<Record<string, ChartFacts>> = {
  cilium: { clusterKinds: [...RBAC] },
  'argo-cd': { clusterKinds: [CRD, ...RBAC], oversizedObjects: 'CRD applicationsets.argoproj.io is 340,758 bytes' },
  'kube-prometheus-stack': {
    clusterKinds: [CRD, ...RBAC, MUTATING_WEBHOOK, VALIDATING_WEBHOOK],
    // The control-plane component Services it scrapes (kube-controller-manager, kube-scheduler, etcd, kube-proxy).
    extraNamespaces: ['kube-system'],
    oversizedObjects: 'CRD prometheuses.monitoring.coreos.com is 483,492 bytes',
  },
  loki: { clusterKinds: [...RBAC] },
  alloy: { clusterKinds: [...RBAC] },
  'cert-manager': {
    clusterKinds: [CRD, ...RBAC, MUTATING_WEBHOOK, VALIDATING_WEBHOOK],
    // Leader-election Role and RoleBinding of the controller and cainjector.
    extraNamespaces: ['kube-system'],
  },
  'external-secrets': { clusterKinds: [CRD, ...RBAC, VALIDATING_WEBHOOK], oversizedObjects: 'CRD clustersecretstores.external-secrets.io is 349,237 bytes' },
  'rook-ceph': { clusterKinds: [CRD, ...RBAC] },
  'ceph-csi-drivers': { clusterKinds: [...RBAC, { group: 'storage.k8s.io', kind: 'CSIDriver' }] },
  velero: { clusterKinds: [CRD, ...RBAC] },
  falco: { clusterKinds: [...RBAC] },
  'cloudnative-pg': { clusterKinds: [CRD, ...RBAC, MUTATING_WEBHOOK, VALIDATING_WEBHOOK], oversizedObjects: 'CRD poolers.postgresql.cnpg.io is 333,673 bytes' },
  'ingress-nginx': { clusterKinds: [...RBAC, { group: 'networking.k8s.io', kind: 'IngressClass' }, VALIDATING_WEBHOOK] },
  metallb: { clusterKinds: [CRD, ...RBAC, VALIDATING_WEBHOOK] },
  longhorn: { clusterKinds: [CRD, ...RBAC, { group: 'scheduling.k8s.io', kind: 'PriorityClass' }, { group: 'storage.k8s.io', kind: 'StorageClass' }] },
  'nfs-subdir-external-provisioner': { clusterKinds: [...RBAC, { group: 'storage.k8s.io', kind: 'StorageClass' }] },
  'tigera-operator': { clusterKinds: [CRD, ...RBAC, { group: 'operator.tigera.io', kind: 'Installation' }, { group: 'operator.tigera.io', kind: 'APIServer' }], oversizedObjects: 'CRD installations.operator.tigera.io is 617,454 bytes' },
};

/**
 * For charts the table does not know: what charts commonly create cluster-wide. Allowing these is
 * wider than a known chart's entry; add the chart to CHART_FACTS to narrow it.
 */
export const UNKNOWN_CHART_FACTS: ChartFacts = { clusterKinds: [CRD, ...RBAC, MUTATING_WEBHOOK, VALIDATING_WEBHOOK] };

export function chartFacts(chart: string): ChartFacts {
  return Object.prototype.hasOwnProperty.call(CHART_FACTS, chart) ? CHART_FACTS[chart] : UNKNOWN_CHART_FACTS;
}

let builtIn: ReadonlySet<string> | undefined;

/**
 * API groups Kubernetes serves itself (no CRD needed), from the committed schema index: every kind
 * there with a core definition. The core group is ''.
 */
export function builtInApiGroups(): ReadonlySet<string> {
  if (builtIn) return builtIn;
  const file = path.resolve(__dirname, '..', '..', 'imports', 'schemas', 'kubernetes', 'index.json');
  const index = JSON.parse(fs.readFileSync(file, 'utf8')) as { kinds: Record<string, { definition?: string }> };
  const groups = new Set<string>();
  for (const [key, entry] of Object.entries(index.kinds)) {
    if (!entry.definition) continue;
    const apiVersion = key.slice(0, key.lastIndexOf('/'));
    groups.add(groupOf(apiVersion));
  }
  builtIn = groups;
  return groups;
}

/** `apps/v1` -> `apps`; `v1` -> ''. */
export function groupOf(apiVersion: string): string {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? '' : apiVersion.slice(0, slash);
}

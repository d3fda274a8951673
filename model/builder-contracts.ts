/**
 * What builders require of values the site schema admits in a wider form. The model checks each of them
 * (model/checks/build-inputs.ts), so the builders' own guards on these values stay programming-error guards: a site
 * reaches a builder only with values that pass here.
 */

/** An upstream release tag as kube-vip, local-path-provisioner and the NVIDIA device plugin publish them: v1.2.3. */
export const RELEASE_TAG = /^v\d+\.\d+\.\d+$/;

/** An exact Kubernetes release (the node packages are pinned to it), with or without the leading v: 1.31.13. */
export const KUBERNETES_RELEASE = /^v?\d+\.\d+\.\d+$/;

/** The oldest Kubernetes minor whose kubeadm reads the kubeadm.k8s.io/v1beta4 configuration the compiler writes. */
export const KUBEADM_V1BETA4_SINCE = { major: 1, minor: 31 } as const;

/**
 * Node labels in the kubernetes.io and k8s.io namespaces are refused by the NodeRestriction admission plugin when
 * kubelet sets them on its own node, except those under kubelet.kubernetes.io and node.kubernetes.io.
 */
export const RESTRICTED_NODE_LABEL = /^([^/]*\.)?(kubernetes\.io|k8s\.io)\//;
export const SELF_SET_NODE_LABEL = /^([^/]*\.)?(kubelet\.kubernetes\.io|node\.kubernetes\.io)\//;

/** Whether kubelet may set the label on its own node at join. */
export function kubeletMaySetLabel(key: string): boolean {
  return !RESTRICTED_NODE_LABEL.test(key) || SELF_SET_NODE_LABEL.test(key);
}

/**
 * CloudNativePG operand images by PostgreSQL major version, from the project's "system" image catalog
 * (Debian trixie). "system" images carry barman-cloud, which the in-tree barmanObjectStore backup runs.
 */
export const POSTGRES_IMAGES: Readonly<Record<number, string>> = {
  15: 'ghcr.io/cloudnative-pg/postgresql:15.14-system-trixie',
  16: 'ghcr.io/cloudnative-pg/postgresql:16.10-system-trixie',
  17: 'ghcr.io/cloudnative-pg/postgresql:17.6-system-trixie',
};

/**
 * keepalived priorities of the API load balancers: the first in site order gets the top one, each further one 10 less,
 * and a priority must stay at least 1, so 15 load balancers (150 down to 10) is the most that can take turns.
 */
export const KEEPALIVED_TOP_PRIORITY = 150;
export const KEEPALIVED_PRIORITY_STEP = 10;
export const MAX_API_LOAD_BALANCERS = Math.floor((KEEPALIVED_TOP_PRIORITY - 1) / KEEPALIVED_PRIORITY_STEP) + 1;

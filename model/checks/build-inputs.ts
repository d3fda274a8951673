import { KUBEADM_V1BETA4_SINCE, KUBERNETES_RELEASE, POSTGRES_IMAGES, RELEASE_TAG, kubeletMaySetLabel } from '../builder-contracts';
import { installed, type CheckContext, type CheckFindings } from './types';

/**
 * Values the schema admits in shape that a builder needs in a narrower form (model/builder-contracts.ts): an exact
 * Kubernetes release kubeadm v1beta4 reads, upstream image tags with their leading v, node labels kubelet may set on
 * itself, a PostgreSQL major with a pinned image. Refused here with the field and a fix, so the builders' checks of
 * the same values only guard against programming errors.
 */
export function checkBuildInputs(ctx: CheckContext, found: CheckFindings): void {
  const { site } = ctx;
  checkKubernetesRelease(site.kubernetes.version, found);
  const configured = site.platform.addons as Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  const tags: [string, unknown, string][] = [
    ['kubernetes.vip.version', site.kubernetes.vip.provider === 'kube-vip' ? site.kubernetes.vip.version : undefined, 'ghcr.io/kube-vip/kube-vip'],
    // Each add-on declares the fields its builder pulls an image by (releaseTagFields of its facts).
    ...installed(ctx).flatMap((f) => (f.releaseTagFields ?? []).map((t): [string, unknown, string] => [`platform.addons.${f.key}.${t.field}`, configured[f.key][t.field], t.image])),
  ];
  for (const [path, tag, image] of tags) {
    if (typeof tag !== 'string' || RELEASE_TAG.test(tag)) continue;
    found.problems.push({ path, value: tag, message: `is not a release tag of ${image}, whose tags are v and three numbers (v1.2.3)`, fix: `set ${path} to "v${tag.replace(/^v/, '').split('-')[0]}"` });
  }
  site.kubernetes.nodePools.forEach((pool, i) => {
    for (const key of Object.keys(pool.labels).filter((k) => !kubeletMaySetLabel(k))) {
      found.problems.push({
        path: `kubernetes.nodePools[${i}].labels`,
        value: key,
        message: 'is in the kubernetes.io/k8s.io namespace, which the API server (NodeRestriction) does not let kubelet set on its own node, so the node would not register',
        fix: `give the label a prefix of your own (e.g. "${site.name}.io/${key.slice(key.indexOf('/') + 1)}") or one under node.kubernetes.io/, in kubernetes.nodePools[${i}].labels`,
      });
    }
  });
  const pg = site.dataStores.postgres;
  if (pg && POSTGRES_IMAGES[pg.version] === undefined) {
    const majors = Object.keys(POSTGRES_IMAGES).join(', ');
    found.problems.push({ path: 'dataStores.postgres.version', value: pg.version, message: `has no pinned CloudNativePG image in this compiler (it pins ${majors})`, fix: `use one of ${majors} in dataStores.postgres.version` });
  }
}

function checkKubernetesRelease(version: string, found: CheckFindings): void {
  if (!KUBERNETES_RELEASE.test(version)) {
    found.problems.push({ path: 'kubernetes.version', value: version, message: 'is not an exact Kubernetes release: the nodes\' kubeadm, kubelet and kubectl packages are pinned to one', fix: `give a release without a suffix in kubernetes.version, e.g. "${version.replace(/^v/, '').split('-')[0]}"` });
    return;
  }
  const [major, minor] = version.replace(/^v/, '').split('.').map(Number);
  if (major === KUBEADM_V1BETA4_SINCE.major && minor >= KUBEADM_V1BETA4_SINCE.minor) return;
  const since = `${KUBEADM_V1BETA4_SINCE.major}.${KUBEADM_V1BETA4_SINCE.minor}`;
  const why = major === KUBEADM_V1BETA4_SINCE.major
    ? `is older than Kubernetes ${since}, whose kubeadm is the first to read the kubeadm.k8s.io/v1beta4 configuration the nodes' cloud-init gives it`
    : `is not a Kubernetes ${KUBEADM_V1BETA4_SINCE.major}.x release, the only major the nodes' kubeadm configuration (v1beta4) is written for`;
  found.problems.push({ path: 'kubernetes.version', value: version, message: why, fix: `use Kubernetes ${since} or later in kubernetes.version` });
}

import { toYamlText } from '../../core/yaml-text';
import type { HelmRelease } from '../../constructs/helm-release';
export { applyAtBootstrap, isAppliedAtBootstrap } from '../../constructs/apply-at-bootstrap';
import type { SiteModel } from '../../model';
import { SecretStoreSeed, seedScript, seedYaml } from './secret-seed';

/**
 * The bootstrap: how an empty cluster becomes GitOps-managed. Argo CD cannot install the CNI its own
 * pods need, nor itself, so the first control plane installs both once, from the very releases their
 * Argo CD Applications carry (chart, version, release name, namespace and the same values text), and
 * then applies the root Application. Argo CD's first sync of them then finds nothing to change.
 */


export interface BootstrapComponent {
  readonly component: string;
  readonly namespace: string;
  /** What it is, for the script's progress lines ("CNI", "Argo CD"). */
  readonly role: string;
  /** Namespace objects the component owns, applied before its releases (JSON as rendered). */
  readonly namespaceObjects: readonly object[];
  readonly releases: readonly HelmRelease[];
  /** Rendered objects per release (delivery "rendered"), by release name. */
  readonly rendered: ReadonlyMap<string, readonly object[]>;
  /** The component's objects marked with applyAtBootstrap, applied after its releases (JSON as rendered). @default - none */
  readonly objects?: readonly object[];
}

export interface BootstrapInput {
  readonly model: SiteModel;
  /** In install order: the CNI first, Argo CD last. */
  readonly components: readonly BootstrapComponent[];
  /** The root AppProject and Application, as rendered into the argocd-apps folder. */
  readonly rootObjects: readonly object[];
  readonly rootName: string;
  readonly argocdNamespace: string;
  /** Header line every generated file starts with (without the comment marker). */
  readonly header: string;
  /**
   * The secret store the ExternalSecrets read, which the bootstrap checks (and fills from $SEED_DIR) before the root.
   * @default - none: nothing reads a secret store
   */
  readonly secretStore?: {
    readonly seed: SecretStoreSeed;
    /** The store's namespace (kubernetes backend), applied before the check so the operator can fill it. */
    readonly namespaceObjects: readonly object[];
  };
}

/** The seed list in bootstrap/. */
export const SEED_FILE_NAME = 'secret-store-seed.yaml';

/** The values text a release is installed with: the same string the Application's Helm source carries. */
export function helmValuesText(release: HelmRelease): string {
  let text = valuesTexts.get(release);
  if (text === undefined) {
    text = Object.keys(release.values).length === 0 ? '' : toYamlText(release.values);
    valuesTexts.set(release, text);
  }
  return text;
}

/** Each release's values text, written once: the Application and the bootstrap carry the same text (values are readonly). */
const valuesTexts = new WeakMap<HelmRelease, string>();

/** File name of a release's values in bootstrap/. */
export function valuesFileName(component: string, release: HelmRelease): string {
  return component === release.releaseName ? `${release.releaseName}-values.yaml` : `${component}-${release.releaseName}-values.yaml`;
}

/** YAML of objects as the synth driver writes them (same options), one document each. */
export function objectsYaml(header: string, objects: readonly object[]): string {
  return `# ${header}\n${objects.map((o) => toYamlText(o)).join('---\n')}`;
}

/** The bootstrap/ folder: its files by path relative to dist/, and those of them that hold data. */
export interface BootstrapFiles {
  readonly files: ReadonlyMap<string, string>;
  /**
   * The files that hold data, never a Kubernetes object (the releases' Helm values, the seed list): the synth driver
   * need not read them back for objects to schema-check.
   */
  readonly dataOnly: ReadonlySet<string>;
  /** The objects each file of objects was written from, by path: the synth driver checks these, not the text read back. */
  readonly objects: ReadonlyMap<string, readonly object[]>;
  /** The value a data file was written from, where a check reads it (the seed list), by path: read, not parsed back. */
  readonly data: ReadonlyMap<string, unknown>;
}

/** bootstrap/ files by path relative to dist/. */
export function bootstrapFiles(input: BootstrapInput): BootstrapFiles {
  const files = new Map<string, string>();
  const dataOnly = new Set<string>();
  const objects = new Map<string, readonly object[]>();
  const data = new Map<string, unknown>();
  const setObjects = (file: string, list: readonly object[]): void => {
    files.set(file, objectsYaml(input.header, list));
    objects.set(file, list);
  };
  const setData = (file: string, text: string, value: unknown): void => {
    files.set(file, text);
    dataOnly.add(file);
    data.set(file, value);
  };
  const { model } = input;
  const first = model.kubernetes.firstControlPlane;
  const git = model.gitops;
  const steps: string[] = [];
  const total = input.components.length + 1 + (input.secretStore ? 1 : 0);

  input.components.forEach((c, i) => {
    const lines: string[] = [`say "${i + 1}/${total} ${c.role}: component ${c.component} (Argo CD Application ${c.component})"`];
    if (c.namespaceObjects.length > 0) {
      const file = `${c.component}-namespace.yaml`;
      setObjects(`bootstrap/${file}`, c.namespaceObjects);
      lines.push(`kubectl apply -f ${file}`);
    }
    for (const r of c.releases) {
      if (r.delivery === 'argocd') {
        const valuesFile = valuesFileName(c.component, r);
        const values = helmValuesText(r);
        dataOnly.add(`bootstrap/${valuesFile}`);
        files.set(`bootstrap/${valuesFile}`, `# ${input.header}\n# Values of Helm release ${r.releaseName} (chart ${r.chart} ${r.version}): the same text as helm.values in Application ${c.component}.\n${values}`);
        const chartRef = r.repoUrl.startsWith('oci://') ? `${r.repoUrl.replace(/\/$/, '')}/${r.chart}` : `${r.chart} --repo ${r.repoUrl}`;
        lines.push(`helm upgrade --install ${r.releaseName} ${chartRef} --version ${r.version} --namespace ${r.namespace} --values ${valuesFile}`);
      } else {
        const file = `${c.component}-${r.releaseName}-rendered.yaml`;
        setObjects(`bootstrap/${file}`, c.rendered.get(r.releaseName) ?? []);
        // Server-side, as Argo CD's own field manager: rendered charts hold CRDs too large for client-side apply.
        lines.push(`retry kubectl apply --server-side --field-manager=argocd-controller --force-conflicts -f ${file}`);
      }
    }
    if ((c.objects ?? []).length > 0) {
      const file = `${c.component}-objects.yaml`;
      setObjects(`bootstrap/${file}`, c.objects ?? []);
      // Retried: the API server takes a moment to serve the CRDs the chart has just installed.
      lines.push(`retry kubectl apply -f ${file}`);
    }
    if (i === 0) {
      lines.push('say "waiting for a worker to join (only workers run add-ons) and for every node to be Ready"');
      lines.push(`until kubectl get nodes -l '!node-role.kubernetes.io/control-plane' -o name | grep -q .; do sleep 10; done`);
      lines.push('kubectl wait --for=condition=Ready node --all --timeout=15m');
    }
    steps.push(lines.join('\n'));
  });

  if (input.secretStore) steps.push(secretStoreStep(input, setObjects, setData, total));
  setObjects('bootstrap/root-application.yaml', input.rootObjects);
  steps.push(
    [
      `say "${total}/${total} root Application ${input.rootName}: Argo CD takes over from here"`,
      'kubectl wait --for=condition=Established crd/applications.argoproj.io crd/appprojects.argoproj.io --timeout=5m',
      `kubectl -n ${input.argocdNamespace} wait --for=condition=Available deployment --all --timeout=15m`,
      'kubectl apply -f root-application.yaml',
      `say "done: Argo CD syncs ${git.path}/ from ${git.repoUrl} (${git.revision}); follow with: kubectl -n ${input.argocdNamespace} get applications"`,
    ].join('\n'),
  );

  const script = [
    '#!/bin/sh',
    `# ${input.header}`,
    '#',
    `# Makes the empty cluster "${model.kubernetes.clusterName}" GitOps-managed. Run once on the first control plane`,
    `# ${first.name} (${first.ip}) after \`kubeadm init\`, from a copy of this folder: sh bootstrap.sh`,
    `# It installs ${input.components.map((c) => c.component).join(' and ')} from exactly the charts, versions and values of their`,
    '# Argo CD Applications, so Argo CD adopts them without a change, then applies the root Application',
    `# ${input.rootName}, which syncs every other component from the repository. Needs kubectl and helm 3 on PATH,`,
    '# the admin kubeconfig, and access to the chart repositories (and to the Git repository, from Argo CD).',
    ...(input.secretStore
      ? [
          `# Before the root, it checks that secret store ${input.secretStore.seed.store} holds every entry of ${SEED_FILE_NAME}: with`,
          '# SEED_DIR=<folder outside Git> holding <key>/<property> files it creates the missing ones, otherwise it names them and stops.',
        ]
      : []),
    'set -eu',
    'cd "$(dirname "$0")"',
    'export KUBECONFIG="${KUBECONFIG:-/etc/kubernetes/admin.conf}"',
    'say() { echo "bootstrap: $*"; }',
    'retry() { n=1; until "$@"; do [ "$n" -lt 5 ] || return 1; n=$((n + 1)); sleep 10; done; }',
    'for tool in kubectl helm; do',
    '  command -v "$tool" >/dev/null 2>&1 || { echo "bootstrap: $tool is not installed" >&2; exit 1; }',
    'done',
    '',
    steps.join('\n\n'),
    '',
  ].join('\n');
  files.set('bootstrap/bootstrap.sh', script);
  return { files, dataOnly, objects, data };
}

/** The step that checks (and seeds) the secret store, so no ExternalSecret of the first sync is Degraded. */
function secretStoreStep(
  input: BootstrapInput,
  setObjects: (file: string, objects: readonly object[]) => void,
  setData: (file: string, text: string, value: unknown) => void,
  total: number,
): string {
  const store = input.secretStore;
  if (!store) return '';
  setData(`bootstrap/${SEED_FILE_NAME}`, seedYaml(input.header, store.seed), store.seed);
  const lines = [`say "${total - 1}/${total} secret store ${store.seed.store}: every key the ExternalSecrets read (${SEED_FILE_NAME})"`];
  if (store.namespaceObjects.length > 0) {
    setObjects('bootstrap/secret-store-namespace.yaml', store.namespaceObjects);
    lines.push('kubectl apply -f secret-store-namespace.yaml');
  }
  lines.push(...seedScript(store.seed, SEED_FILE_NAME));
  return lines.join('\n');
}

import { k8s } from 'cdk8s-plus-30';
import { ComponentChart, DefaultDenyNetworkPolicy, HelmRelease, PodSecurityLevel, PodSecurityNamespace } from '../../constructs';
import * as eso from '../../imports/k8s-crds/external-secrets.io';
import { clusterSecretStoreName, releaseDelivery } from '../addon-contracts';
import type { AddonBuildContext } from '../addon-definition';
import { containerResources } from '../container-resources';
import type { ExternalSecretsSpec } from './spec';

export const EXTERNAL_SECRETS_RELEASE = 'external-secrets';
/** The controller's ServiceAccount (chart naming: the release name). */
const CONTROLLER_SERVICE_ACCOUNT = EXTERNAL_SECRETS_RELEASE;
/** The identity the kubernetes backend reads the store namespace with: read access to Secrets there, nothing else. */
const STORE_READER = 'secret-store-reader';

/**
 * External Secrets and the one ClusterSecretStore every ExternalSecret of the site reads from, on the backend the site
 * chose: Vault (Kubernetes auth with the controller's ServiceAccount) or a namespace of this cluster that holds the
 * real Secrets (filled by an operator, never by these manifests).
 */
export function buildExternalSecretsChart(chart: ComponentChart, { config: spec, model, component }: AddonBuildContext<ExternalSecretsSpec>): void {
  const ns = component.namespace;

  new HelmRelease(chart, 'external-secrets', {
    repoUrl: 'https://charts.external-secrets.io',
    chart: 'external-secrets',
    version: spec.chartVersion,
    releaseName: EXTERNAL_SECRETS_RELEASE,
    namespace: ns,
    delivery: releaseDelivery(component, spec.delivery),
    values: {
      installCRDs: true,
      resources: containerResources([50, 500], [64, 256]),
      // The liveness probes the chart ships switched off: a hung controller or webhook is restarted.
      livenessProbe: { enabled: true },
      webhook: { resources: containerResources([10, 200], [32, 128]), livenessProbe: { enabled: true } },
      certController: { resources: containerResources([10, 200], [32, 128]), livenessProbe: { enabled: true } },
    },
  });

  const storeName = clusterSecretStoreName(model, `component ${component.name}`);
  const backend = spec.backend;
  let provider: eso.ClusterSecretStoreSpecProvider;
  if (backend.type === 'vault') {
    provider = {
      vault: {
        server: backend.server,
        path: backend.path,
        version: eso.ClusterSecretStoreSpecProviderVaultVersion.V2,
        auth: { kubernetes: { mountPath: 'kubernetes', role: backend.role, serviceAccountRef: { name: CONTROLLER_SERVICE_ACCOUNT, namespace: ns } } },
      },
    };
  } else {
    const storeNs = backend.namespace;
    const taken = model.components.find((c) => c.namespace === storeNs);
    if (taken) {
      throw new Error(`platform.addons.externalSecrets.backend.namespace "${storeNs}" is the namespace of component ${taken.name}; keep the store's Secrets in a namespace of their own (e.g. "secret-store")`);
    }
    // The namespace holds only Secrets; no pod ever runs there.
    new PodSecurityNamespace(chart, 'store-namespace', { name: storeNs, level: PodSecurityLevel.RESTRICTED });
    new DefaultDenyNetworkPolicy(chart, 'store-default-deny', { namespace: storeNs });
    new k8s.KubeServiceAccount(chart, 'store-reader', {
      metadata: { name: STORE_READER, namespace: ns },
      automountServiceAccountToken: false,
    });
    new k8s.KubeRole(chart, 'store-reader-role', {
      metadata: { name: STORE_READER, namespace: storeNs },
      rules: [{ apiGroups: [''], resources: ['secrets'], verbs: ['get', 'list', 'watch'] }],
    });
    new k8s.KubeRoleBinding(chart, 'store-reader-binding', {
      metadata: { name: STORE_READER, namespace: storeNs },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: STORE_READER },
      subjects: [{ kind: 'ServiceAccount', name: STORE_READER, namespace: ns }],
    });
    provider = {
      kubernetes: {
        remoteNamespace: storeNs,
        server: {
          caProvider: {
            type: eso.ClusterSecretStoreSpecProviderKubernetesServerCaProviderType.CONFIG_MAP,
            name: 'kube-root-ca.crt',
            key: 'ca.crt',
            namespace: storeNs,
          },
        },
        auth: { serviceAccount: { name: STORE_READER, namespace: ns } },
      },
    };
  }
  // Cluster-scoped: no namespace.
  new eso.ClusterSecretStore(chart, 'cluster-secret-store', {
    metadata: { name: storeName },
    spec: { provider },
  });
}

import { z } from 'zod';
import { chartAddon } from '../../site/addon-fields';
import { dnsLabel, httpsUrl } from '../../site/primitives';
import type { SiteProblem } from '../../site/errors';
import { addonFacts, RESTRICTED, type AddonCheckContext } from '../addon-facts';

/** platform.addons.externalSecrets: the add-on's part of the site schema. */
export const externalSecretsSpec = z
  .strictObject({
    ...chartAddon,
    backend: z
      .discriminatedUnion('type', [
        z.strictObject({
          type: z.literal('vault').describe('HashiCorp Vault (Kubernetes auth).'),
          server: httpsUrl.describe('Vault address.'),
          path: z.string().min(1).describe('Mount path of the KV engine.'),
          role: z.string().min(1).describe('Vault role the Kubernetes auth logs in as.'),
        }),
        z.strictObject({
          type: z.literal('kubernetes').describe('Secrets of another namespace of this cluster.'),
          namespace: dnsLabel.describe('Namespace holding the source Secrets (not one of a component).'),
        }),
      ])
      .describe('Backend of the ClusterSecretStore every ExternalSecret reads from.'),
  });
export type ExternalSecretsSpec = z.output<typeof externalSecretsSpec>;

/** A Kubernetes backend keeps every credential of the site as Secrets: not in a namespace whose pods could read them. */
function externalSecretsChecks({ config, path, namespaces }: AddonCheckContext<ExternalSecretsSpec>): SiteProblem[] {
  const backend = config.backend;
  if (backend.type !== 'kubernetes') return [];
  const taken = namespaces.get(backend.namespace);
  if (!taken) return [];
  return [{ path: `${path}.backend.namespace`, value: backend.namespace, message: `is the namespace of ${taken}; the store's Secrets would be readable by its pods`, fix: 'keep the store\'s Secrets in a namespace of their own, e.g. "secret-store"' }];
}

export const externalSecretsFacts = addonFacts({
  key: 'externalSecrets',
  spec: externalSecretsSpec,
  description: 'external-secrets with one ClusterSecretStore: where every credential comes from. Default: not installed.',
  component: 'external-secrets',
  namespace: 'external-secrets',
  provides: ['secret-store'],
  needs: ['cni'],
  podSecurity: RESTRICTED,
  checks: externalSecretsChecks,
});

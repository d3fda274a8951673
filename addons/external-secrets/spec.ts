import { z } from 'zod';
import { chartAddon } from '../../site/addon-fields';
import { dnsLabel, httpsUrl } from '../../site/primitives';
import { addonFacts, RESTRICTED } from '../addon-facts';

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

export const externalSecretsFacts = addonFacts({
  key: 'externalSecrets',
  spec: externalSecretsSpec,
  description: 'external-secrets with one ClusterSecretStore: where every credential comes from. Default: not installed.',
  component: 'external-secrets',
  namespace: 'external-secrets',
  provides: ['secret-store'],
  needs: ['cni'],
  podSecurity: RESTRICTED,
});

import { defineAddon } from '../addon-definition';
import { buildExternalSecretsChart } from './external-secrets-chart';
import { externalSecretsFacts } from './spec';

export const externalSecretsAddon = defineAddon({
  facts: externalSecretsFacts,
  build: buildExternalSecretsChart,
});

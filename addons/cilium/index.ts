import { CiliumNetworkPolicy, CiliumNetworkPolicySpecEgressToEntities } from '../../imports/k8s-crds/cilium.io';
import { defineAddon } from '../addon-definition';
import { buildCiliumChart } from './cilium-chart';
import { ciliumFacts } from './spec';

export const ciliumAddon = defineAddon({
  facts: ciliumFacts,
  build: buildCiliumChart,
  // Cilium gives node addresses (where the API server listens) their own identity, which CIDR rules never match;
  // its kube-apiserver entity is the reliable way to allow the API server.
  allowApiServer: (scope, id, { name, namespace, podSelector, labels }) => {
    new CiliumNetworkPolicy(scope, id, {
      metadata: { name: `${name}-to-apiserver`, namespace, ...(labels ? { labels: { ...labels } } : {}) },
      spec: {
        endpointSelector: { matchLabels: { ...podSelector } },
        egress: [{ toEntities: [CiliumNetworkPolicySpecEgressToEntities.KUBE_HYPHEN_APISERVER] }],
      },
    });
  },
});

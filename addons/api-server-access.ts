import type { Construct } from 'constructs';
import type { NetworkRule } from '../constructs/workload-network-policy';
import type { SiteModel } from '../model';
import type { AddonDefinition, ApiServerAccess } from './addon-definition';

/**
 * Lets pods call the Kubernetes API server whatever the CNI: when the site's CNI has a policy of its own for it
 * (AddonDefinition.allowApiServer) that policy is added and no rule is returned; otherwise the returned egress
 * rules allow the API server's addresses (the control planes after Service translation, the VIP, the `kubernetes`
 * Service), for the caller's NetworkPolicy.
 */
export function allowApiServer(scope: Construct, id: string, model: SiteModel, installed: readonly AddonDefinition[], access: ApiServerAccess): NetworkRule[] {
  const cni = installed.find((d) => d.facts.provides.includes('cni'));
  if (cni?.allowApiServer) {
    cni.allowApiServer(scope, id, access);
    return [];
  }
  const k = model.kubernetes;
  return [
    ...[...k.controlPlanes.map((c) => c.ip), k.apiVip].map((address) => ({ peer: { cidr: `${address}/32` }, ports: [{ port: k.apiPort }] })),
    { peer: { cidr: `${k.apiServiceIp}/32` }, ports: [{ port: 443 }] },
  ];
}

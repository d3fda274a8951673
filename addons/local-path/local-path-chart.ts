import { ComponentChart, DefaultDenyNetworkPolicy, LocalPathProvisioner, WorkloadNetworkPolicy } from '../../constructs';
import { LOCAL_PATH_STORAGE_CLASS, defaultStorageClassName } from '../addon-contracts';
import type { AddonBuildContext } from '../addon-definition';
import { allowApiServer } from '../api-server-access';
import type { LocalPathSpec } from './spec';

/**
 * Node-local volumes: Rancher's local-path provisioner at the site's pinned version, as first-party objects (upstream
 * publishes no chart repository). Its namespace denies all traffic except the provisioner's calls to the API server;
 * the helper pods it starts only create and remove folders on their node.
 */
export function buildLocalPathChart(chart: ComponentChart, { config: spec, model, component, installed }: AddonBuildContext<LocalPathSpec>): void {
  const ns = component.namespace;
  const provisioner = new LocalPathProvisioner(chart, 'provisioner', {
    namespace: ns,
    version: spec.version,
    storageClassName: LOCAL_PATH_STORAGE_CLASS,
    defaultClass: defaultStorageClassName(model) === LOCAL_PATH_STORAGE_CLASS,
  });

  // The provisioner resolves the API server's Service name like any client.
  new DefaultDenyNetworkPolicy(chart, 'default-deny', { namespace: ns }).allowClusterDns();
  const egress = allowApiServer(chart, 'provisioner-apiserver', model, installed, { name: 'local-path-provisioner', namespace: ns, podSelector: provisioner.podLabels });
  if (egress.length > 0) {
    new WorkloadNetworkPolicy(chart, 'provisioner-egress', { name: 'local-path-provisioner', namespace: ns, podSelector: provisioner.podLabels, egress, policyTypes: ['Egress'] });
  }
}

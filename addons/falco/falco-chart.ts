import { ComponentChart, HelmRelease } from '../../constructs';
import type { SiteModel } from '../../model';
import { releaseDelivery } from '../addon-contracts';
import type { AddonBuildContext } from '../addon-definition';
import { ONE_SHOT_RESOURCES, containerResources } from '../container-resources';
import type { FalcoSpec } from './spec';

/** kubeadm's taint on control planes, plus the taints of the site's node pools, each once. */
function nodeTaintTolerations(model: SiteModel): { key: string; operator: 'Exists'; effect: string }[] {
  const taints = new Map<string, { key: string; operator: 'Exists'; effect: string }>();
  const add = (key: string, effect: string): void => void taints.set(`${key}:${effect}`, { key, operator: 'Exists', effect });
  add('node-role.kubernetes.io/control-plane', 'NoSchedule');
  for (const vm of model.vms) for (const t of vm.taints) add(t.key, t.effect);
  return [...taints.values()];
}

/** Falco runtime security on every node, with the modern eBPF probe (no kernel module to build on the nodes). */
export function buildFalcoChart(chart: ComponentChart, { config: spec, model, component }: AddonBuildContext<FalcoSpec>): void {

  new HelmRelease(chart, 'falco', {
    repoUrl: 'https://falcosecurity.github.io/charts',
    chart: 'falco',
    version: spec.chartVersion,
    releaseName: 'falco',
    namespace: component.namespace,
    delivery: releaseDelivery(component, spec.delivery),
    values: {
      driver: { kind: 'modern_ebpf' },
      // Falco watches every node: it tolerates the control planes' taint and every taint the site's pools set.
      tolerations: nodeTaintTolerations(model),
      falcosidekick: { enabled: false },
      // Falco itself has the chart's resources; its rule-artifact sidecar and init container have none.
      falcoctl: { artifact: { install: { resources: ONE_SHOT_RESOURCES }, follow: { resources: containerResources([10, 200], [32, 128]) } } },
    },
  });
}

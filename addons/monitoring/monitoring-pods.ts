import { podSchedulingFact } from '../../constructs/pod-scheduling';
import { containerResources } from '../container-resources';
import type { ContainerResources } from '../container-resources';
import type { OperatorPods, OperatorPodsContext } from '../addon-definition';
import type { MonitoringSpec } from './spec';

/** The kube-prometheus-stack release; the chart names its Prometheus and Alertmanager resources after it. */
export const PROMETHEUS_STACK_RELEASE = 'kube-prometheus-stack';

/**
 * The config reloader the operator adds beside Prometheus and Alertmanager (and as Prometheus' init container). The
 * chart passes its resources to the operator as --config-reloader-* flags, "0" (none) when the values leave them
 * empty (templates/prometheus-operator/deployment.yaml), so they are set here.
 */
export const CONFIG_RELOADER_RESOURCES = containerResources([10, 100], [50, 50]);

/** The values' resources of a server from the site's requests and limits. */
export function serverResources(server: MonitoringSpec['prometheus']): ContainerResources {
  return containerResources([server.requests.cpuMilli, server.limits.cpuMilli], [server.requests.memoryMiB, server.limits.memoryMiB]);
}

/**
 * The Prometheus and Alertmanager pods the Prometheus operator runs from the resources the chart renders out of the
 * values the add-on sets: `replicas` pods (shards 1, the chart's default), each the server container with the site's
 * resources and the config reloader. No node selector or tolerations (the chart sets none), and the chart's
 * podAntiAffinity "soft" only prefers: nothing beyond resources constrains them. The operator's own defaults (an
 * Alertmanager memory request of 200Mi when none is given, pkg/alertmanager/statefulset.go) never apply, since the
 * values always give resources. Pod labels as the operator sets them (app.kubernetes.io/name and instance).
 */
export function monitoringPods({ config, model }: OperatorPodsContext<MonitoringSpec>): OperatorPods[] {
  const at = 'platform.addons.monitoring';
  const namespace = model.addons.find((a) => a.key === 'monitoring')?.namespace ?? 'monitoring';
  const server = (app: 'prometheus' | 'alertmanager', kind: string, spec: MonitoringSpec['prometheus']): OperatorPods => {
    const name = `${PROMETHEUS_STACK_RELEASE}-${app}`;
    const containers = [{ resources: serverResources(spec) }, { resources: CONFIG_RELOADER_RESOURCES }];
    return {
      component: 'monitoring',
      source: `${kind}.monitoring.coreos.com ${namespace}/${name}`,
      workload: `StatefulSet ${namespace}/${app}-${name}`,
      kind: 'StatefulSet',
      namespace,
      podLabels: { 'app.kubernetes.io/instance': name, 'app.kubernetes.io/name': app },
      scheduling: podSchedulingFact('StatefulSet', { replicas: spec.replicas }, { containers }),
      fields: {
        owner: at,
        replicas: { path: `${at}.${app}.replicas`, value: spec.replicas },
        cpuMilli: { path: `${at}.${app}.requests.cpuMilli`, value: spec.requests.cpuMilli },
        memoryMiB: { path: `${at}.${app}.requests.memoryMiB`, value: spec.requests.memoryMiB },
      },
    };
  };
  return [server('prometheus', 'Prometheus', config.prometheus), server('alertmanager', 'Alertmanager', config.alertmanager)];
}

import { Construct } from 'constructs';
import { PrometheusRule, PrometheusRuleSpecGroupsRulesExpr } from '../imports/k8s-crds/monitoring.coreos.com';

export type AlertedWorkloadKind = 'Deployment' | 'StatefulSet';

export interface WorkloadAlertsProps {
  /** Name of the Deployment or StatefulSet watched (also the PrometheusRule's name). */
  readonly workload: string;
  readonly kind: AlertedWorkloadKind;
  readonly namespace: string;
  /** Container restarts within 15 minutes that count as a crash loop. @default 3 */
  readonly restartsPer15m?: number;
  /** How long replicas may be missing before the alert fires (a rollout or a drain is shorter). @default '10m' */
  readonly unavailableFor?: string;
}

/**
 * Alert rules for one workload, from kube-state-metrics (no app metrics needed): some replicas missing
 * (warning), all replicas missing (critical), and containers restarting over and over (warning).
 */
export class WorkloadAlerts extends Construct {
  public readonly alertNames: readonly string[];

  constructor(scope: Construct, id: string, props: WorkloadAlertsProps) {
    super(scope, id);
    const restarts = props.restartsPer15m ?? 3;
    if (!Number.isInteger(restarts) || restarts < 1) throw new Error(`WorkloadAlerts ${props.workload}: restartsPer15m ${restarts} must be a whole number of at least 1`);
    const unavailableFor = props.unavailableFor ?? '10m';
    if (!/^\d+[smh]$/.test(unavailableFor)) throw new Error(`WorkloadAlerts ${props.workload}: unavailableFor "${unavailableFor}" is not a Prometheus duration like 10m`);

    const sel = (label: string): string => `namespace="${props.namespace}",${label}="${props.workload}"`;
    const [available, desired] = props.kind === 'Deployment'
      ? [`kube_deployment_status_replicas_available{${sel('deployment')}}`, `kube_deployment_spec_replicas{${sel('deployment')}}`]
      : [`kube_statefulset_status_replicas_ready{${sel('statefulset')}}`, `kube_statefulset_replicas{${sel('statefulset')}}`];
    // Pod names of this workload only: a prefix match would also catch e.g. "redis-exporter" for "redis".
    const podPattern = props.kind === 'Deployment' ? `${props.workload}-[a-z0-9]+-[a-z0-9]{5}` : `${props.workload}-[0-9]+`;
    const title = props.workload.split('-').map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join('');
    const where = `${props.kind} ${props.namespace}/${props.workload}`;

    const rules = [
      {
        alert: `${title}ReplicasUnavailable`,
        expr: PrometheusRuleSpecGroupsRulesExpr.fromString(`${available} < ${desired}`),
        for: unavailableFor,
        labels: { severity: 'warning' },
        annotations: { summary: `${where} has fewer ready replicas than it should`, description: `{{ $value }} replicas of ${where} are ready.` },
      },
      {
        alert: `${title}Down`,
        expr: PrometheusRuleSpecGroupsRulesExpr.fromString(`${available} == 0 and ${desired} > 0`),
        for: '5m',
        labels: { severity: 'critical' },
        annotations: { summary: `${where} has no ready replica`, description: `No pod of ${where} has been ready for 5 minutes.` },
      },
      {
        alert: `${title}PodRestarting`,
        expr: PrometheusRuleSpecGroupsRulesExpr.fromString(
          `increase(kube_pod_container_status_restarts_total{namespace="${props.namespace}",pod=~"${podPattern}"}[15m]) > ${restarts}`,
        ),
        labels: { severity: 'warning' },
        annotations: { summary: `A container of ${where} keeps restarting`, description: `{{ $labels.pod }}/{{ $labels.container }} restarted {{ $value }} times in 15 minutes.` },
      },
    ];
    this.alertNames = rules.map((r) => r.alert);
    new PrometheusRule(this, 'Resource', {
      metadata: { name: props.workload, namespace: props.namespace },
      spec: { groups: [{ name: `${props.namespace}.${props.workload}`, rules }] },
    });
  }
}

import type { SiteModel } from '../../model';
import { VELERO_SCHEDULE } from '../velero/spec';

/**
 * The platform's alert rules, on top of the kube-prometheus-stack defaults (nodes, kubelet, API server, volumes): what
 * only this site knows, e.g. that it has a GPU and how often its backups run. Each app's own rules (replicas,
 * restarts) ship with the app's component.
 */

export interface AlertRule {
  readonly alert: string;
  readonly expr: string;
  readonly for: string;
  readonly severity: 'warning' | 'critical';
  readonly summary: string;
  /** Extra labels (e.g. which app), so one alert name covers many objects. */
  readonly labels?: Readonly<Record<string, string>>;
}

export interface AlertGroup {
  readonly name: string;
  readonly rules: readonly AlertRule[];
}

const HOUR_S = 3600;
/** Slack after a missed backup before alerting: room for a long backup to finish. */
const BACKUP_GRACE_S = 2 * HOUR_S;

/**
 * The longest gap between two runs of a five-field cron schedule, in seconds, for the shapes schedules take: hourly,
 * daily (some hours of every day), weekly (fixed days of week), monthly (fixed days of month): an upper bound.
 */
export function cronPeriodSeconds(cron: string): number {
  const [, hour, dayOfMonth, , dayOfWeek] = cron.trim().split(/\s+/);
  if (dayOfMonth !== '*') return 31 * 24 * HOUR_S;
  if (dayOfWeek !== '*') return 7 * 24 * HOUR_S;
  return hour === '*' ? HOUR_S : 24 * HOUR_S;
}

export function siteAlertGroups(model: SiteModel): AlertGroup[] {
  const addons = model.site.platform.addons;
  const groups: AlertGroup[] = [];

  if (addons.nvidiaGpu) {
    groups.push({
      name: `${model.name}.gpu`,
      rules: [
        { alert: 'GpuExporterDown', expr: 'up{job="dcgm-exporter"} == 0 or absent(up{job="dcgm-exporter"})', for: '15m', severity: 'warning', summary: 'No GPU metrics: the DCGM exporter is not scraped' },
        { alert: 'GpuTemperatureHigh', expr: 'DCGM_FI_DEV_GPU_TEMP > 85', for: '10m', severity: 'warning', summary: 'A GPU is above 85 °C' },
        {
          alert: 'GpuMemoryNearlyFull',
          expr: 'DCGM_FI_DEV_FB_USED / (DCGM_FI_DEV_FB_USED + DCGM_FI_DEV_FB_FREE) > 0.95',
          for: '15m',
          severity: 'warning',
          summary: 'A GPU has less than 5% of its memory free',
        },
      ],
    });
  }

  if (addons.velero) {
    const maxAgeS = cronPeriodSeconds(addons.velero.schedule) + BACKUP_GRACE_S;
    groups.push({
      name: `${model.name}.backups`,
      rules: [
        {
          alert: 'BackupFailed',
          expr: `increase(velero_backup_failure_total{schedule="${VELERO_SCHEDULE}"}[${Math.round(maxAgeS / HOUR_S)}h]) > 0`,
          for: '0m',
          severity: 'critical',
          summary: `A backup of schedule ${VELERO_SCHEDULE} failed`,
        },
        {
          alert: 'BackupTooOld',
          expr: `time() - velero_backup_last_successful_timestamp{schedule="${VELERO_SCHEDULE}"} > ${maxAgeS}`,
          for: '15m',
          severity: 'critical',
          summary: `No successful backup of schedule ${VELERO_SCHEDULE} ("${addons.velero.schedule}") for ${Math.round(maxAgeS / HOUR_S)} hours`,
        },
      ],
    });
  }

  if (addons.ingressNginx) {
    groups.push({
      name: `${model.name}.ingress`,
      rules: [
        {
          alert: 'IngressHighErrorRate',
          expr: 'sum by (host) (rate(nginx_ingress_controller_requests{status=~"5.."}[5m])) / sum by (host) (rate(nginx_ingress_controller_requests[5m])) > 0.05',
          for: '10m',
          severity: 'warning',
          summary: 'More than 5% of requests to a host fail with a 5xx status',
        },
      ],
    });
  }

  if (addons.rookCeph) {
    groups.push({
      name: `${model.name}.storage`,
      rules: [
        {
          alert: 'VolumeClaimPending',
          expr: 'kube_persistentvolumeclaim_status_phase{phase="Pending"} == 1',
          for: '15m',
          severity: 'warning',
          summary: 'A volume claim has not been bound for 15 minutes (Ceph unreachable or a missing StorageClass)',
        },
      ],
    });
  }
  return groups;
}

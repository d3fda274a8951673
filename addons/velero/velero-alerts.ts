import type { SiteModel } from '../../model';
import type { AlertGroup } from '../addon-definition';
import { VELERO_SCHEDULE, VeleroSpec } from './spec';

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

/** A failed backup, and no successful one for longer than the schedule's period plus some grace. */
export function veleroAlertGroups({ config, model }: { config: VeleroSpec; model: SiteModel }): AlertGroup[] {
  const maxAgeS = cronPeriodSeconds(config.schedule) + BACKUP_GRACE_S;
  return [
    {
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
          summary: `No successful backup of schedule ${VELERO_SCHEDULE} ("${config.schedule}") for ${Math.round(maxAgeS / HOUR_S)} hours`,
        },
      ],
    },
  ];
}

import { Cron } from 'croner';
import type { SiteProblem } from './errors';

/**
 * The problem with a five-field cron schedule, if any, parsed by croner (the same five fields Velero, Longhorn and
 * CloudNativePG read): one that does not parse, or one no date matches. Shared by the model's value checks and the
 * add-ons' own checks.
 */
export function cronScheduleProblem(path: string, schedule: string): SiteProblem | undefined {
  let next: Date | null;
  try {
    next = new Cron(schedule, { paused: true, mode: '5-part' }).nextRun();
  } catch (err) {
    const reason = err instanceof Error ? err.message.replace(/^CronPattern: /, '') : String(err);
    return { path, value: schedule, message: `is not a valid cron schedule: ${reason}`, fix: 'give five fields: minute hour day-of-month month day-of-week, e.g. "0 2 * * *" (02:00 every day)' };
  }
  if (next === null) return { path, value: schedule, message: 'never runs (no date matches it, e.g. the 31st of a 30-day month)', fix: 'choose a day that exists, e.g. "0 2 1 * *" (the 1st of every month)' };
  return undefined;
}

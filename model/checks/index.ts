import { checkAddressing } from './addressing';
import { checkAddons } from './addons';
import { checkBuildInputs } from './build-inputs';
import { checkReferences } from './references';
import { checkScheduling } from './scheduling';
import type { CheckContext, CheckFindings, CheckPhase } from './types';
import { checkValues } from './values';
import { checkVersions } from './versions';

export type { CheckContext, CheckFindings, DeliveredChart } from './types';

/**
 * The site-only check phases, in the order their problems are listed. Each reads the validated site (and the VMs the
 * model placed) and collects problems; none builds a construct, so buildModel reports them all at once, before synth.
 */
export const CHECK_PHASES: readonly CheckPhase[] = [checkAddons, checkReferences, checkAddressing, checkScheduling, checkValues, checkVersions, checkBuildInputs];

export function runSiteChecks(ctx: CheckContext): CheckFindings {
  const found: CheckFindings = { problems: [], warnings: [] };
  for (const phase of CHECK_PHASES) phase(ctx, found);
  return found;
}

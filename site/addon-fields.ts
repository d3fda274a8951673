import { z } from 'zod';
import { semver } from './primitives';

/** Schema pieces every add-on's part of the site schema shares (addons/<name>/spec.ts). */

export const DELIVERIES = ['argocd', 'rendered'] as const;
export type Delivery = (typeof DELIVERIES)[number];
export const delivery = z.enum(DELIVERIES, { message: 'must be "argocd" (Argo CD renders the chart) or "rendered" (helm template at synth)' });

/** Fields every chart-based add-on shares. */
export const chartAddon = {
  chartVersion: semver.describe('Chart version, pinned; the lock file beside the site pins its digest.'),
  delivery: delivery.optional().describe('How this add-on\'s charts reach the cluster ("argocd" or "rendered"). Default: platform.delivery.'),
};

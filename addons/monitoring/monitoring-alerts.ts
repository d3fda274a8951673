import type { SiteModel } from '../../model';
import type { AddonDefinition, AlertGroup } from '../addon-definition';

export type { AlertGroup, AlertRule } from '../addon-definition';

/**
 * The platform's alert rules, on top of the kube-prometheus-stack defaults (nodes, kubelet, API server, volumes): what
 * only this site knows, e.g. that it has a GPU and how often its backups run. Each installed add-on contributes its
 * own (its definition's alertGroups), in catalog order; each app's own rules (replicas, restarts) ship with the app's
 * component.
 */
export function siteAlertGroups(model: SiteModel, installed: readonly AddonDefinition[]): AlertGroup[] {
  return installed.flatMap((definition) => {
    const addon = model.addons.find((a) => a.component === definition.facts.component);
    const component = model.components.find((c) => c.name === definition.facts.component);
    if (!addon || !component || !definition.alertGroups) return [];
    return [...definition.alertGroups({ config: addon.config, model, component, installed })];
  });
}

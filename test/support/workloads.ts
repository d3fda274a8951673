import { App } from 'cdk8s';
import { ALL_ADDONS } from '../../addons';
import { buildAppComponent } from '../../charts/app-chart';
import { buildDataStoreComponent } from '../../charts/data-store-chart';
import { ComponentChart } from '../../constructs/component-chart';
import { buildModel, SiteModel } from '../../model';
import { parseSite, Site } from '../../site';
import { referenceSite } from './sites';

/** A rendered Kubernetes object, loosely typed for assertions. */
export type Obj = Record<string, any>;

/**
 * The app and data-store components of a site, rendered by their builders alone (no add-on builders),
 * by component name.
 */
export function renderWorkloads(site: Site): { model: SiteModel; components: Map<string, Obj[]> } {
  const model = buildModel(site);
  const app = new App();
  const components = new Map<string, Obj[]>();
  const installed = ALL_ADDONS.filter((d) => model.addons.some((a) => a.component === d.facts.component));
  for (const component of model.components) {
    if (component.kind === 'addon') continue;
    const chart = new ComponentChart(app, component.name, { component: component.name });
    (component.kind === 'app' ? buildAppComponent : buildDataStoreComponent)(chart, model, component, installed);
    components.set(component.name, chart.toJson() as Obj[]);
  }
  return { model, components };
}

/** The reference site after `edit`, validated again (so the edit has to be a valid site). */
export function editedSite(edit: (site: Obj) => void, name = 'edited'): Site {
  const site = referenceSite() as Obj;
  edit(site);
  return parseSite(site, name);
}

export function all(components: Map<string, Obj[]>): Obj[] {
  return [...components.values()].flat();
}

export function find(objects: readonly Obj[], kind: string, name: string): Obj {
  const found = objects.find((o) => o.kind === kind && o.metadata.name === name);
  if (!found) throw new Error(`no ${kind} ${name} among ${objects.map((o) => `${o.kind}/${o.metadata.name}`).join(', ')}`);
  return found;
}

/** Every rule of every NetworkPolicy as `policy direction json`, for comparing two renders. */
export function policyRules(objects: readonly Obj[]): string[] {
  return objects
    .filter((o) => o.kind === 'NetworkPolicy')
    .flatMap((p) => [
      ...(p.spec.ingress ?? []).map((r: Obj) => `${p.metadata.name} ingress ${JSON.stringify(r)}`),
      ...(p.spec.egress ?? []).map((r: Obj) => `${p.metadata.name} egress ${JSON.stringify(r)}`),
    ])
    .sort();
}

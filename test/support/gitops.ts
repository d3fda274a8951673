import * as fs from 'node:fs';
import * as path from 'node:path';
import { App } from 'cdk8s';
import { buildArgoCdApps } from '../../charts/argocd-apps-chart';
import { ComponentChart, DistFiles, HelmRelease } from '../../constructs';
import { buildModel } from '../../model';
import type { SiteModel } from '../../model';
import { parseSite } from '../../site';
import { fixtureEdges, inventoryYaml } from '../../scripts/gen-edge-inventory';
import { referenceSite, tempDir } from './sites';

/** A Kubernetes object as rendered. */
export interface Obj {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly namespace?: string; readonly annotations?: Record<string, string>; readonly labels?: Record<string, string> };
  readonly spec?: Record<string, unknown>;
  readonly data?: Record<string, string>;
  readonly [k: string]: unknown;
}

/** Argo CD source, as rendered. */
export interface Source {
  readonly repoURL: string;
  readonly path?: string;
  readonly chart?: string;
  readonly targetRevision?: string;
  readonly helm?: { readonly releaseName?: string; readonly values?: string; readonly namespace?: string };
}

export function sourcesOf(app: Obj): Source[] {
  const spec = app.spec as { source?: Source; sources?: Source[] };
  return spec.sources ?? (spec.source ? [spec.source] : []);
}

/**
 * Component charts for `model` filled by `fill` (instead of the real chart builders), then the GitOps
 * layer over them: the mechanism on its own, with inputs a test controls.
 */
export function buildFixture(model: SiteModel, fill: (charts: ReadonlyMap<string, ComponentChart>) => void): App {
  const app = new App({ outdir: tempDir() });
  const charts = new Map(model.components.map((c) => [c.name, new ComponentChart(app, c.name, { component: c.name })]));
  fill(charts);
  buildArgoCdApps(app, model);
  return app;
}

/** The Helm releases the bootstrap needs, as simple test fixtures. */
export function addBootstrapReleases(charts: ReadonlyMap<string, ComponentChart>): void {
  new HelmRelease(charts.get('cilium')!, 'cilium', {
    repoUrl: 'https://helm.cilium.io/',
    chart: 'cilium',
    version: '1.18.0',
    releaseName: 'cilium',
    namespace: 'kube-system',
    delivery: 'argocd',
    values: { kubeProxyReplacement: true, ipam: { mode: 'cluster-pool' }, nullMeansDelete: null, hubbleTls: 'on' },
  });
  new HelmRelease(charts.get('argocd')!, 'argocd', {
    repoUrl: 'https://argoproj.github.io/argo-helm',
    chart: 'argo-cd',
    version: '10.1.1',
    releaseName: 'argocd',
    namespace: 'argocd',
    delivery: 'argocd',
    values: { configs: { params: { 'server.insecure': false } } },
  });
}

export function objectsOf(app: App, component: string): Obj[] {
  const chart = app.node.tryFindChild(component);
  if (!(chart instanceof ComponentChart)) throw new Error(`no chart ${component}`);
  return chart.toJson() as Obj[];
}

export function distFiles(app: App): Map<string, string> {
  return DistFiles.collect(app);
}

/** The reference site with an edge fleet of `count` fixture edges in a /18, and the folder of its inventory. */
export function siteWithEdges(count: number, inventory?: string): { model: SiteModel; dir: string } {
  const dir = tempDir();
  const site = referenceSite() as { network: { vlans: { name: string; cidr: string }[] }; edge: { vlan: string; inventory?: string } };
  const vlan = site.network.vlans.find((v) => v.name === site.edge.vlan);
  if (!vlan) throw new Error('reference site has no edge VLAN');
  vlan.cidr = '172.16.0.0/18';
  site.edge.inventory = 'edges.yaml';
  fs.writeFileSync(path.join(dir, 'edges.yaml'), inventory ?? inventoryYaml(fixtureEdges(count, { cidr: vlan.cidr, reserved: ['172.16.0.1'] })));
  return { model: buildModel(parseSite(site, 'sites/fleet.ts'), 'sites/fleet.ts', { siteDir: dir }), dir };
}

import { ApiObject, App, Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { describe, expect, it } from 'vitest';
import { buildCharts } from '../charts';
import { ComponentChart, ObjectRenders } from '../constructs';
import { buildModel } from '../model';
import { siteSchema } from '../site';
import { baseSite } from './support/sites';

/** Both committed sites' cdk8s apps as synth builds them (no chart sources: no rendered releases). */
function builtApp(base: 'hookprobe' | 'homelab'): App {
  const app = new App({ outdir: '/nonexistent' });
  buildCharts(app, buildModel(siteSchema.parse(baseSite(base))));
  return app;
}

describe('ObjectRenders', () => {
  for (const base of ['hookprobe', 'homelab'] as const) {
    it(`keeps every object of ${base} as toJson() renders it after the Argo CD annotations, in each chart's toJson() order`, () => {
      const app = builtApp(base);
      const renders = ObjectRenders.of(app);
      const charts = app.node.findAll().filter(ComponentChart.isComponentChart);
      expect(charts.length).toBeGreaterThan(5);
      // Key order matters: the YAML is written in the JSON's order.
      const kept = charts.map((c) => JSON.stringify(renders.chartObjects(c)));
      const fresh = charts.map((c) => JSON.stringify(c.toJson()));
      expect(kept).toEqual(fresh);
      // Annotated after their first render: the kept render is a patched copy, not the first one.
      const annotated = charts.flatMap((c) => c.toJson() as { metadata: { annotations?: Record<string, string> } }[]).filter((o) => o.metadata.annotations?.['argocd.argoproj.io/sync-options'] !== undefined);
      expect(annotated.length).toBeGreaterThan(0);
    });
  }

  it('adds an annotation to the construct and to its kept render in cdk8s key order', () => {
    const app = new App({ outdir: '/nonexistent' });
    const chart = new Chart(app, 'c');
    const api = new ApiObject(chart, 'o', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', labels: { a: 'b' } }, data: { k: 'v' } });
    const renders = ObjectRenders.of(api);
    const before = renders.json(api);
    renders.addAnnotation(api, 'z', '1');
    renders.addAnnotation(api, 'b', '2');
    expect(JSON.stringify(renders.json(api))).toBe(JSON.stringify(api.toJson()));
    expect(Object.keys(renders.json(api).metadata)).toEqual(['annotations', 'labels', 'name']);
    expect(before.metadata.annotations).toBeUndefined();
    expect(renders.json(api).data).toBe(before.data);
  });

  it('keeps the order chart.toJson() gives when constructs depend on constructs made after them', () => {
    const app = new App({ outdir: '/nonexistent' });
    const first = new Chart(app, 'first');
    new ApiObject(first, 'x', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' } });
    const chart = new Chart(app, 'c');
    // Wrappers like cdk8s-plus constructs: the dependency is between them, and cdk8s carries it to their ApiObjects.
    const wrapped = (id: string): Construct => {
      const c = new Construct(chart, id);
      new ApiObject(c, 'Resource', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: id } });
      return c;
    };
    const [a, b, c] = [wrapped('a'), wrapped('b'), wrapped('c')];
    a.node.addDependency(c);
    b.node.addDependency(a);
    const renders = ObjectRenders.of(app);
    renders.chartObjects(first);
    const names = renders.chartObjects(chart).map((o) => o.metadata.name);
    expect(names).toEqual(['c', 'a', 'b']);
    expect(names).toEqual((chart.toJson() as { metadata: { name: string } }[]).map((o) => o.metadata.name));
  });
});

import { App } from 'cdk8s';
import { parse, parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { buildCharts } from '../charts';
import { DistFiles } from '../constructs/dist-files';
import { buildModel } from '../model';
import type { SiteModel } from '../model';
import { siteSchema } from '../site';
import { siteWithEdges } from './support/gitops';
import { baseSite } from './support/sites';

/** The objects of a YAML file as its text reads back, key order included. */
function readBack(text: string): string {
  return JSON.stringify(parseAllDocuments(text).map((d) => d.toJS() as unknown).filter((o) => o !== null && typeof o === 'object'));
}

describe('DistFiles', () => {
  it('collects every file by path, and names the data-only ones the synth driver does not read back', () => {
    const app = new App();
    const files = new DistFiles(app, 'files');
    files.add('edge/clusters-000.yaml', '- name: "a"\n', { dataOnly: true });
    files.add('edge/workload/namespace-x.yaml', 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: x\n');
    expect([...DistFiles.collect(app).keys()]).toEqual(['edge/clusters-000.yaml', 'edge/workload/namespace-x.yaml']);
    expect([...DistFiles.dataOnly(app)]).toEqual(['edge/clusters-000.yaml']);
  });

  it('fails when two constructs write the same path', () => {
    const app = new App();
    new DistFiles(app, 'one').add('bootstrap/a.sh', 'x');
    new DistFiles(app, 'two').add('bootstrap/a.sh', 'y');
    expect(() => DistFiles.collect(app)).toThrow(/bootstrap\/a\.sh is written by both one and two/);
  });

  const models: [string, () => SiteModel][] = [
    ['hookprobe', () => buildModel(siteSchema.parse(baseSite('hookprobe')))],
    ['homelab', () => buildModel(siteSchema.parse(baseSite('homelab')))],
    ['the reference site with an edge fleet', () => siteWithEdges(3).model],
  ];
  for (const [name, model] of models) {
    it(`gives the objects each file of ${name} was written from, the same as its text reads back`, () => {
      const app = new App({ outdir: '/nonexistent' });
      buildCharts(app, model());
      const files = DistFiles.collect(app);
      const objects = DistFiles.objects(app);
      expect(objects.size).toBeGreaterThan(1);
      for (const [file, list] of objects) expect(JSON.stringify(list), file).toBe(readBack(files.get(file) ?? ''));
      // Every file of objects that is not data comes with them: nothing is left to parse back.
      const dataOnly = DistFiles.dataOnly(app);
      expect([...files.keys()].filter((f) => f.endsWith('.yaml') && !dataOnly.has(f) && !objects.has(f))).toEqual([]);
      // A data file given with its value (the seed list) reads back as that value.
      const data = DistFiles.data(app);
      expect([...data.keys()].every((f) => dataOnly.has(f))).toBe(true);
      for (const [file, value] of data) expect(JSON.stringify(value), file).toBe(JSON.stringify(parse(files.get(file) ?? '')));
    });
  }
});

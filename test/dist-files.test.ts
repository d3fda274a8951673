import { App } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import { DistFiles } from '../constructs/dist-files';

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
});

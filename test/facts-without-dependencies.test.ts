import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { helmBinary } from '../constructs/chart-cache';
import type { ReleaseFacts } from '../constructs/chart-facts-file';
import { measureChart } from '../constructs/chart-measure';
import { completeChartDependencies } from '../scripts/complete-chart-deps';
import { compareWithoutDependencies } from '../scripts/facts-without-dependencies';
import { tempDir } from './support/sites';

const FIXTURES = path.join(__dirname, 'fixtures', 'charts');
const CHILD = { name: 'fixture-child', from: { folder: path.join(FIXTURES, 'fixture-child') } };

/** A copy of the with-deps fixture, as a mirror holds it (no dependency charts). */
function mirrorCopy(): string {
  const dir = path.join(tempDir(), 'fixture-parent-0.1.0');
  fs.cpSync(path.join(FIXTURES, 'with-deps'), dir, { recursive: true });
  return dir;
}

function facts(chartPath: string): ReleaseFacts {
  const measured = measureChart({ helm: helmBinary(), chartPath, releaseName: 'demo', namespace: 'demo', values: {}, kubeVersion: '1.31.0' });
  return { component: 'demo', releaseName: 'demo', chart: 'fixture-parent', version: '0.1.0', namespace: 'demo', valuesDigest: 'd', ...measured };
}

describe('completeChartDependencies', () => {
  it('adds the dependency chart whose name and version match the parent', () => {
    const dir = mirrorCopy();
    expect(completeChartDependencies(dir, [CHILD])).toEqual(['fixture-child']);
    expect(fs.existsSync(path.join(dir, 'charts', 'fixture-child', 'Chart.yaml'))).toBe(true);
  });

  it('fails when the dependency version does not satisfy the parent', () => {
    const dir = mirrorCopy();
    fs.writeFileSync(path.join(dir, 'Chart.yaml'), fs.readFileSync(path.join(dir, 'Chart.yaml'), 'utf8').replace('0.2.*', '0.3.*'));
    expect(() => completeChartDependencies(dir, [CHILD])).toThrow('fixture-child 0.2.1 does not satisfy fixture-parent 0.1.0\'s dependency version 0.3.*');
  });

  it('fails when the parent lists no such dependency', () => {
    expect(() => completeChartDependencies(mirrorCopy(), [{ ...CHILD, name: 'other' }])).toThrow('lists no dependency other');
  });
});

describe('compareWithoutDependencies', () => {
  const complete = mirrorCopy();
  completeChartDependencies(complete, [CHILD]);
  const committed = facts(complete);

  it('verifies the parent part of facts measured with a dependency the mirror lacks', () => {
    const measured = facts(mirrorCopy());
    expect(measured.unmeasuredDependencies).toEqual(['fixture-child']);
    expect(compareWithoutDependencies(committed, measured)).toEqual({ differences: [], unverifiedObjects: 1 });
  });

  it('fails when the parent chart renders something the committed facts do not hold', () => {
    const dir = mirrorCopy();
    fs.writeFileSync(path.join(dir, 'templates', 'extra.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: extra\n  namespace: demo\n');
    expect(compareWithoutDependencies(committed, facts(dir)).differences).toEqual(['object ConfigMap demo/extra is not in the committed facts']);
  });

  it('fails when a committed workload the mirror lacks belongs to no missing dependency', () => {
    const measured = facts(mirrorCopy());
    const stray = { ...committed.workloads[0], workload: 'Deployment.apps demo/stray', podLabels: { 'helm.sh/chart': 'fixture-parent-0.1.0' } };
    const result = compareWithoutDependencies({ ...committed, workloads: [...committed.workloads, stray] }, measured);
    expect(result.differences).toEqual(['committed workload Deployment.apps demo/stray is not rendered by the mirror\'s chart and is not labelled as one of fixture-child']);
  });
});

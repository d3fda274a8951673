import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { helmBinary } from '../constructs/chart-cache';
import { chartKubeVersion, withRenderableChart } from '../constructs/chart-measure';
import { tempDir } from './support/sites';

/** A chart folder whose Chart.yaml names a dependency its charts/ folder does not hold, as a partial mirror has. */
function chartWithMissingDependency(dir: string): string {
  const chart = path.join(dir, 'demo-0.1.0');
  fs.mkdirSync(path.join(chart, 'templates'), { recursive: true });
  fs.writeFileSync(path.join(chart, 'Chart.yaml'), 'apiVersion: v2\nname: demo\nversion: 0.1.0\ndependencies:\n  - name: extra\n    version: 1.0.0\n    condition: extra.enabled\n');
  fs.writeFileSync(path.join(chart, 'Chart.lock'), 'dependencies: []\n');
  fs.writeFileSync(path.join(chart, 'values.yaml'), 'extra:\n  enabled: true\n');
  return chart;
}

describe('withRenderableChart', () => {
  it('renders a copy without the missing dependency and names it when the values enable it', () => {
    const chart = chartWithMissingDependency(tempDir());
    const seen = withRenderableChart(chart, {}, (copy, unmeasured) => ({ copy, unmeasured, yaml: fs.readFileSync(path.join(copy, 'Chart.yaml'), 'utf8') }));
    expect(seen.copy).not.toBe(chart);
    expect(seen.unmeasured).toEqual(['extra']);
    expect(seen.yaml).not.toContain('extra');
  });

  it('leaves a mirror folder reached through a symbolic link unchanged (its Chart.yaml and Chart.lock)', () => {
    const dir = tempDir();
    const chart = chartWithMissingDependency(dir);
    const before = fs.readFileSync(path.join(chart, 'Chart.yaml'), 'utf8');
    const link = path.join(tempDir(), 'demo-0.1.0');
    fs.symlinkSync(chart, link);
    withRenderableChart(link, {}, () => undefined);
    expect(fs.readFileSync(path.join(chart, 'Chart.yaml'), 'utf8')).toBe(before);
    expect(fs.existsSync(path.join(chart, 'Chart.lock'))).toBe(true);
  });
});

describe('chartKubeVersion', () => {
  function chart(extra: string): string {
    const dir = path.join(tempDir(), 'demo-0.1.0');
    fs.mkdirSync(path.join(dir, 'templates'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'Chart.yaml'), `apiVersion: v2\nname: demo\nversion: 0.1.0\n${extra}`);
    return dir;
  }

  it('reads the constraint of the chart\'s Chart.yaml through helm', () => {
    expect(chartKubeVersion(helmBinary(), chart('kubeVersion: ">= 1.25.0-0"\n'))).toBe('>= 1.25.0-0');
  });

  it('is null when the chart states none', () => {
    expect(chartKubeVersion(helmBinary(), chart(''))).toBeNull();
  });
});

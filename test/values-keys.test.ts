import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { unknownValuesKeys } from '../scripts/values-keys';
import { FIXTURE_CHARTS } from './support/chart-fixtures';

const plain = path.join(FIXTURE_CHARTS, 'plain');

describe('values keys against the chart', () => {
  it('accepts keys the chart\'s values.yaml has, at any depth', () => {
    expect(unknownValuesKeys(plain, { greeting: 'hi', replicas: 2, monitoring: { enabled: true } })).toEqual([]);
  });

  it('fails when a key is neither in the values nor named by a template, naming its path', () => {
    expect(unknownValuesKeys(plain, { greting: 'hi', monitoring: { enabled: true, interval: '30s' } })).toEqual(['greting', 'monitoring.interval']);
  });

  it('leaves out keys under a dependency the chart folder lacks, which cannot be checked', () => {
    expect(unknownValuesKeys(plain, { grafana: { persistence: { enabled: true } } }, ['grafana'])).toEqual([]);
  });
});

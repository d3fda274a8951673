import { Chart, Testing } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import { PostgresCluster, PostgresClusterProps } from '../constructs/postgres-cluster';
import type { Obj } from './support/workloads';

const base: PostgresClusterProps = {
  name: 'db',
  namespace: 'apps',
  majorVersion: 16,
  storageGiB: 20,
  database: 'app',
  owner: 'app',
  serviceName: 'db-service',
  secretStore: 'store',
  credentialsRemoteKey: 'app-db-owner',
};

function render(props: Partial<PostgresClusterProps> = {}): Obj[] {
  const chart = new Chart(Testing.app(), 'test');
  new PostgresCluster(chart, 'db', { ...base, ...props });
  return chart.toJson() as Obj[];
}

const backup = { schedule: '30 1 * * 0', retentionDays: 7, bucket: 'b', region: 'eu-west-1', credentialsRemoteKey: 'db-s3' };

describe('PostgresCluster', () => {
  it('without a backup renders the Cluster and the owner credentials only', () => {
    const objs = render();
    expect(objs.map((o) => o.kind).sort()).toEqual(['Cluster', 'ExternalSecret']);
    expect(objs.find((o) => o.kind === 'Cluster')?.spec.backup).toBeUndefined();
  });

  it('turns the five-field cron into CloudNativePG\'s six fields and keeps macros', () => {
    const scheduleOf = (schedule: string) => render({ backup: { ...backup, schedule } }).find((o) => o.kind === 'ScheduledBackup')?.spec.schedule;
    expect(scheduleOf('30 1 * * 0')).toBe('0 30 1 * * 0');
    expect(scheduleOf('@daily')).toBe('@daily');
  });

  it('writes to an S3-compatible endpoint when one is given', () => {
    const cluster = render({ backup: { ...backup, endpoint: 'https://minio.example:9000' } }).find((o) => o.kind === 'Cluster');
    expect(cluster?.spec.backup.barmanObjectStore).toMatchObject({ destinationPath: 's3://b/postgres', endpointURL: 'https://minio.example:9000' });
  });

  it('relaxes anti-affinity only when asked', () => {
    expect(render().find((o) => o.kind === 'Cluster')?.spec.affinity.podAntiAffinityType).toBe('required');
    expect(render({ antiAffinity: 'preferred' }).find((o) => o.kind === 'Cluster')?.spec.affinity.podAntiAffinityType).toBe('preferred');
  });

  it('fails when the PostgreSQL major version has no pinned image', () => {
    expect(() => render({ majorVersion: 13 })).toThrow('majorVersion 13 has no pinned image; use one of 15, 16, 17');
  });

  it('fails when the backup schedule is not five-field cron', () => {
    expect(() => render({ backup: { ...backup, schedule: '0 3 * *' } })).toThrow('backup.schedule "0 3 * *" is not a five-field cron expression');
  });

  it('fails when the memory request is above the limit', () => {
    expect(() => render({ memoryRequestMiB: 8192 })).toThrow('memoryRequestMiB 8192 is above memoryLimitMiB 4096');
  });
});

import { Construct } from 'constructs';
import {
  Cluster,
  ClusterSpecBackup,
  ClusterSpecBackupBarmanObjectStoreDataCompression,
  ClusterSpecBackupBarmanObjectStoreWalCompression,
  ClusterSpecManagedServicesAdditionalSelectorType,
  ClusterSpecPrimaryUpdateStrategy,
  ClusterSpecResourcesLimits,
  ClusterSpecResourcesRequests,
  ScheduledBackup,
  ScheduledBackupSpecBackupOwnerReference,
  ScheduledBackupSpecMethod,
} from '../imports/k8s-crds/postgresql.cnpg.io';
import { SyncedSecret } from './synced-secret';
import { POSTGRES_IMAGES } from '../model/builder-contracts';

/** The pinned operand images live with the model, which refuses a major version without one before this is built. */
export { POSTGRES_IMAGES };

export const POSTGRES_PORT = 5432;
/** Port of the CloudNativePG instance manager (status, used by the operator and by the other instances). */
export const POSTGRES_STATUS_PORT = 8000;
/** Port of the instance manager's Prometheus exporter. */
export const POSTGRES_METRICS_PORT = 9187;

export interface PostgresBackupProps {
  /** Five-field cron (as the site writes it); CloudNativePG's six-field form is derived. */
  readonly schedule: string;
  readonly retentionDays: number;
  readonly bucket: string;
  /** Region of the bucket, put into the credentials Secret as barman-cloud expects it. */
  readonly region: string;
  /** S3-compatible endpoint. @default - AWS S3 */
  readonly endpoint?: string;
  /** Prefix inside the bucket; barman adds the cluster name below it. @default 'postgres' */
  readonly prefix?: string;
  /** Secret-store entry with the fields `access-key-id` and `secret-access-key`. */
  readonly credentialsRemoteKey: string;
}

export interface PostgresClusterProps {
  /** Cluster name; CloudNativePG labels every instance pod `cnpg.io/cluster=<name>`. */
  readonly name: string;
  readonly namespace: string;
  /** PostgreSQL major version (a key of POSTGRES_IMAGES). */
  readonly majorVersion: number;
  /** @default 3 */
  readonly instances?: number;
  readonly storageGiB: number;
  /** @default - the cluster's default StorageClass */
  readonly storageClass?: string;
  /** Database created at bootstrap, and its owner. */
  readonly database: string;
  readonly owner: string;
  /** Extra Service name that always points at the primary (what the apps connect to). */
  readonly serviceName: string;
  /** ClusterSecretStore the credentials are read from. */
  readonly secretStore: string;
  /** Secret-store entry whose field `password` is the owner's password. */
  readonly credentialsRemoteKey: string;
  /** @default - no backup */
  readonly backup?: PostgresBackupProps;
  /**
   * Whether instances must sit on different nodes ("required") or only should ("preferred"): required
   * is the point of three instances, but leaves one pending while fewer nodes are schedulable.
   * @default 'required'
   */
  readonly antiAffinity?: 'required' | 'preferred';
  /** @default 500 */
  readonly cpuRequestMilli?: number;
  /** @default 2000 */
  readonly cpuLimitMilli?: number;
  /** @default 1024 */
  readonly memoryRequestMiB?: number;
  /** @default 4096 */
  readonly memoryLimitMiB?: number;
  /** Labels for the Cluster and, through inheritedMetadata, the objects the operator creates. @default - none */
  readonly labels?: Readonly<Record<string, string>>;
}

/**
 * A replicated PostgreSQL through the CloudNativePG operator: the Cluster (instances spread over
 * nodes, an extra Service on the primary under the name the apps use), the owner's credentials from
 * the secret store, and, with a backup store, WAL archiving plus a daily base backup to S3.
 */
export class PostgresCluster extends Construct {
  public readonly selector: Readonly<Record<string, string>>;
  public readonly cluster: Cluster;
  public readonly scheduledBackup?: ScheduledBackup;
  /** Six-field schedule as CloudNativePG runs it, when backups are on. */
  public readonly backupSchedule?: string;

  constructor(scope: Construct, id: string, props: PostgresClusterProps) {
    super(scope, id);
    const image = POSTGRES_IMAGES[props.majorVersion];
    if (!image) {
      throw new Error(`PostgresCluster ${props.name}: majorVersion ${props.majorVersion} has no pinned image; use one of ${Object.keys(POSTGRES_IMAGES).join(', ')} or add its image to POSTGRES_IMAGES`);
    }
    const instances = props.instances ?? 3;
    if (!Number.isInteger(instances) || instances < 1) throw new Error(`PostgresCluster ${props.name}: instances ${instances} must be a whole number of at least 1`);
    const cpuReq = props.cpuRequestMilli ?? 500;
    const cpuLim = props.cpuLimitMilli ?? 2000;
    const memReq = props.memoryRequestMiB ?? 1024;
    const memLim = props.memoryLimitMiB ?? 4096;
    if (cpuReq > cpuLim) throw new Error(`PostgresCluster ${props.name}: cpuRequestMilli ${cpuReq} is above cpuLimitMilli ${cpuLim}; lower the request or raise the limit`);
    if (memReq > memLim) throw new Error(`PostgresCluster ${props.name}: memoryRequestMiB ${memReq} is above memoryLimitMiB ${memLim}; lower the request or raise the limit`);
    this.selector = { 'cnpg.io/cluster': props.name };
    const labels = { ...props.labels };

    const credentials = new SyncedSecret(this, 'credentials', {
      name: `${props.name}-app-credentials`,
      namespace: props.namespace,
      store: props.secretStore,
      keys: [{ secretKey: 'password', remoteKey: props.credentialsRemoteKey, property: 'password' }],
      // initdb reads a basic-auth Secret; the user name is not secret and must match the owner.
      type: 'kubernetes.io/basic-auth',
      template: { username: props.owner },
    });

    let backup: ClusterSpecBackup | undefined;
    if (props.backup) {
      const b = props.backup;
      // barman-cloud reads the region from the same Secret as the keys; it is not secret, so the site supplies it.
      const s3 = new SyncedSecret(this, 'backup-credentials', {
        name: `${props.name}-backup-s3`,
        namespace: props.namespace,
        store: props.secretStore,
        keys: [
          { secretKey: 'ACCESS_KEY_ID', remoteKey: b.credentialsRemoteKey, property: 'access-key-id' },
          { secretKey: 'ACCESS_SECRET_KEY', remoteKey: b.credentialsRemoteKey, property: 'secret-access-key' },
        ],
        template: { REGION: b.region },
      });
      if (!Number.isInteger(b.retentionDays) || b.retentionDays < 1) throw new Error(`PostgresCluster ${props.name}: backup.retentionDays ${b.retentionDays} must be a whole number of at least 1`);
      backup = {
        retentionPolicy: `${b.retentionDays}d`,
        barmanObjectStore: {
          destinationPath: `s3://${b.bucket}/${b.prefix ?? 'postgres'}`,
          ...(b.endpoint ? { endpointUrl: b.endpoint } : {}),
          s3Credentials: {
            accessKeyId: { name: s3.name, key: 'ACCESS_KEY_ID' },
            secretAccessKey: { name: s3.name, key: 'ACCESS_SECRET_KEY' },
            region: { name: s3.name, key: 'REGION' },
          },
          wal: { compression: ClusterSpecBackupBarmanObjectStoreWalCompression.GZIP },
          data: { compression: ClusterSpecBackupBarmanObjectStoreDataCompression.GZIP },
        },
      };
    }

    this.cluster = new Cluster(this, 'Resource', {
      metadata: { name: props.name, namespace: props.namespace, labels },
      spec: {
        instances,
        imageName: image,
        primaryUpdateStrategy: ClusterSpecPrimaryUpdateStrategy.UNSUPERVISED,
        enableSuperuserAccess: false,
        inheritedMetadata: { labels },
        storage: { size: `${props.storageGiB}Gi`, ...(props.storageClass ? { storageClass: props.storageClass } : {}) },
        bootstrap: { initdb: { database: props.database, owner: props.owner, secret: { name: credentials.name } } },
        affinity: { enablePodAntiAffinity: true, topologyKey: 'kubernetes.io/hostname', podAntiAffinityType: props.antiAffinity ?? 'required' },
        resources: {
          requests: { cpu: ClusterSpecResourcesRequests.fromString(`${cpuReq}m`), memory: ClusterSpecResourcesRequests.fromString(mib(memReq)) },
          limits: { cpu: ClusterSpecResourcesLimits.fromString(`${cpuLim}m`), memory: ClusterSpecResourcesLimits.fromString(mib(memLim)) },
        },
        seccompProfile: { type: 'RuntimeDefault' },
        managed: {
          services: {
            additional: [{
              selectorType: ClusterSpecManagedServicesAdditionalSelectorType.RW,
              serviceTemplate: { metadata: { name: props.serviceName, labels }, spec: { type: 'ClusterIP' } },
            }],
          },
        },
        ...(backup ? { backup } : {}),
      },
    });

    if (props.backup) {
      this.backupSchedule = toSixFieldCron(props.backup.schedule, props.name);
      this.scheduledBackup = new ScheduledBackup(this, 'backup', {
        metadata: { name: `${props.name}-daily`, namespace: props.namespace, labels },
        spec: {
          schedule: this.backupSchedule,
          cluster: { name: props.name },
          method: ScheduledBackupSpecMethod.BARMAN_OBJECT_STORE,
          backupOwnerReference: ScheduledBackupSpecBackupOwnerReference.SELF,
          // Archived WAL is useless for recovery until a first base backup exists.
          immediate: true,
        },
      });
    }
  }
}

/** CloudNativePG schedules use a leading seconds field; macros (@daily) pass through. */
function toSixFieldCron(schedule: string, name: string): string {
  const s = schedule.trim();
  if (s.startsWith('@')) return s;
  const fields = s.split(/\s+/);
  if (fields.length !== 5) throw new Error(`PostgresCluster ${name}: backup.schedule "${schedule}" is not a five-field cron expression like "0 3 * * *"`);
  return ['0', ...fields].join(' ');
}

function mib(n: number): string {
  return n % 1024 === 0 ? `${n / 1024}Gi` : `${n}Mi`;
}

import { ApiObject, Duration, JsonPatch, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-30';
import { Construct } from 'constructs';
import { restrictedSecurityContext } from './restricted-security-context';

export interface RedisStoreProps {
  /** StatefulSet name and the `app` label of its pod. @default 'redis' */
  readonly name?: string;
  readonly namespace: string;
  /** Redis image with a pinned tag or digest (the official image, or one with the same entrypoint). */
  readonly image: string;
  /** Name of the ClusterIP Service clients use. */
  readonly serviceName: string;
  /** Size of the data claim (append-only file and snapshots). */
  readonly storageGiB: number;
  /** @default - the cluster's default StorageClass */
  readonly storageClass?: string;
  /** @default 100 */
  readonly cpuRequestMilli?: number;
  /** @default 500 */
  readonly cpuLimitMilli?: number;
  /** @default 256 */
  readonly memoryRequestMiB?: number;
  /**
   * Memory limit; Redis's own maxmemory is set to three quarters of it, so a full dataset makes writes
   * fail cleanly instead of getting the pod OOM-killed (fork for snapshots needs the rest).
   * @default 1024
   */
  readonly memoryLimitMiB?: number;
  /** uid/gid of the `redis` user of the official image, which owns nothing else. @default 999 */
  readonly runAsUser?: number;
  /** Labels added to every object and the pod, beside `app`. @default - none */
  readonly labels?: Readonly<Record<string, string>>;
}

export const REDIS_PORT = 6379;

/**
 * A single Redis instance with persistence: a one-replica StatefulSet (stable identity, its own
 * claim), non-root with a read-only root filesystem, data on a ReadWriteOnce claim, the client
 * Service and the StatefulSet's headless governing Service.
 */
export class RedisStore extends Construct {
  public readonly selector: Readonly<Record<string, string>>;
  public readonly statefulSet: kplus.StatefulSet;
  public readonly service: kplus.Service;
  public readonly claim: kplus.PersistentVolumeClaim;
  public readonly name: string;

  constructor(scope: Construct, id: string, props: RedisStoreProps) {
    super(scope, id);
    const name = props.name ?? 'redis';
    this.name = name;
    const lastSegment = props.image.slice(props.image.lastIndexOf('/') + 1);
    if (!props.image.includes('@sha256:') && (!lastSegment.includes(':') || lastSegment.endsWith(':latest'))) {
      throw new Error(`RedisStore ${name}: image "${props.image}" is not pinned; give an exact tag such as redis:7.4.2`);
    }
    if (!Number.isInteger(props.storageGiB) || props.storageGiB < 1) throw new Error(`RedisStore ${name}: storageGiB ${props.storageGiB} must be a whole number of at least 1`);
    const cpuReq = props.cpuRequestMilli ?? 100;
    const cpuLim = props.cpuLimitMilli ?? 500;
    const memReq = props.memoryRequestMiB ?? 256;
    const memLim = props.memoryLimitMiB ?? 1024;
    if (cpuReq > cpuLim) throw new Error(`RedisStore ${name}: cpuRequestMilli ${cpuReq} is above cpuLimitMilli ${cpuLim}; lower the request or raise the limit`);
    if (memReq > memLim) throw new Error(`RedisStore ${name}: memoryRequestMiB ${memReq} is above memoryLimitMiB ${memLim}; lower the request or raise the limit`);
    const uid = props.runAsUser ?? 999;

    this.selector = { app: name };
    const labels = { ...props.labels, ...this.selector };
    const meta = (n: string) => ({ name: n, namespace: props.namespace, labels });

    this.claim = new kplus.PersistentVolumeClaim(this, 'claim', {
      metadata: meta(`${name}-data`),
      accessModes: [kplus.PersistentVolumeAccessMode.READ_WRITE_ONCE],
      storage: Size.gibibytes(props.storageGiB),
      storageClassName: props.storageClass,
      volumeMode: kplus.PersistentVolumeMode.FILE_SYSTEM,
    });

    const headless = new kplus.Service(this, 'headless', {
      metadata: meta(`${name}-headless`),
      clusterIP: 'None',
      ports: [{ name: 'redis', port: REDIS_PORT, targetPort: REDIS_PORT, protocol: kplus.Protocol.TCP }],
    });
    for (const [k, v] of Object.entries(this.selector)) headless.selectLabel(k, v);

    this.statefulSet = new kplus.StatefulSet(this, 'statefulset', {
      metadata: meta(name),
      service: headless,
      replicas: 1,
      select: false,
      podMetadata: { labels },
      automountServiceAccountToken: false,
      securityContext: { ensureNonRoot: true, user: uid, group: uid, fsGroup: uid, fsGroupChangePolicy: kplus.FsGroupChangePolicy.ON_ROOT_MISMATCH },
    });
    this.statefulSet.select(kplus.LabelSelector.of({ labels: this.selector }));

    const data = kplus.Volume.fromPersistentVolumeClaim(this, 'volume-data', this.claim, { name: 'data' });
    const tmp = kplus.Volume.fromEmptyDir(this, 'volume-tmp', 'tmp', { sizeLimit: Size.mebibytes(64) });
    const probe = (period: number, failures: number) =>
      kplus.Probe.fromTcpSocket({ port: REDIS_PORT, periodSeconds: Duration.seconds(period), failureThreshold: failures, timeoutSeconds: Duration.seconds(5) });
    this.statefulSet.addContainer({
      name: 'redis',
      image: props.image,
      imagePullPolicy: kplus.ImagePullPolicy.IF_NOT_PRESENT,
      // Started as non-root, the official entrypoint execs redis-server directly (no chown, no gosu).
      // Protected mode would refuse every client without a password; the NetworkPolicy admits only the declared callers.
      command: ['redis-server'],
      args: ['--dir', '/data', '--appendonly', 'yes', '--maxmemory', `${Math.floor((memLim * 3) / 4)}mb`, '--protected-mode', 'no', '--port', String(REDIS_PORT)],
      ports: [{ number: REDIS_PORT, name: 'redis', protocol: kplus.Protocol.TCP }],
      volumeMounts: [{ volume: data, path: '/data' }, { volume: tmp, path: '/tmp' }],
      securityContext: restrictedSecurityContext(uid),
      resources: {
        cpu: { request: kplus.Cpu.millis(cpuReq), limit: kplus.Cpu.millis(cpuLim) },
        memory: { request: Size.mebibytes(memReq), limit: Size.mebibytes(memLim) },
      },
      // Loading a large append-only file at start can take minutes.
      startup: probe(10, 30),
      readiness: probe(10, 3),
      liveness: probe(20, 3),
    });
    // Patches run before the typed serializer of KubeStatefulSet, which reads each quantity's `.value`.
    const q = (v: string): kplus.k8s.Quantity => kplus.k8s.Quantity.fromString(v);
    ApiObject.of(this.statefulSet).addJsonPatch(
      JsonPatch.replace('/spec/template/spec/containers/0/resources', {
        requests: { cpu: q(`${cpuReq}m`), memory: q(mib(memReq)) },
        limits: { cpu: q(`${cpuLim}m`), memory: q(mib(memLim)) },
      }),
    );

    this.service = new kplus.Service(this, 'service', {
      metadata: meta(props.serviceName),
      type: kplus.ServiceType.CLUSTER_IP,
      ports: [{ name: 'redis', port: REDIS_PORT, targetPort: REDIS_PORT, protocol: kplus.Protocol.TCP }],
    });
    for (const [k, v] of Object.entries(this.selector)) this.service.selectLabel(k, v);
  }
}

function mib(n: number): string {
  return n % 1024 === 0 ? `${n / 1024}Gi` : `${n}Mi`;
}

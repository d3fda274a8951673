import { ApiObject, Duration, JsonPatch, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-30';
import { Construct } from 'constructs';
import { restrictedSecurityContext } from './restricted-security-context';

/** CPU and memory of one container, in the units the site uses. */
export interface SiteAppQuantity {
  readonly cpuMilli: number;
  readonly memoryMiB: number;
}

/** An environment variable: a plain value, or a key of a Secret that something else (an ExternalSecret) creates. */
export type SiteAppEnvVar =
  | { readonly name: string; readonly value: string }
  | { readonly name: string; readonly secret: { readonly name: string; readonly key: string } };

export interface SiteAppVolume {
  readonly name: string;
  readonly mountPath: string;
  /** @default false */
  readonly readOnly?: boolean;
  /** The PersistentVolumeClaim behind the volume; the app creates it. */
  readonly claim: {
    readonly name: string;
    readonly sizeGiB: number;
    readonly accessMode: 'ReadWriteOnce' | 'ReadWriteMany' | 'ReadOnlyMany';
    /** @default - the cluster's default StorageClass */
    readonly storageClass?: string;
  };
}

export interface SiteAppGpu {
  /** GPUs per pod (the nvidia.com/gpu limit). */
  readonly count: number;
  /** Node labels that mark the GPU nodes. */
  readonly nodeSelector: Readonly<Record<string, string>>;
  /** Taints of the GPU nodes, which the pod tolerates. */
  readonly tolerations: readonly { readonly key: string; readonly value: string; readonly effect: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute' }[];
  /** RuntimeClass that gives the container the GPU. */
  readonly runtimeClassName: string;
  /** Serving-engine arguments (vLLM's --max-model-len, --gpu-memory-utilization) the fit check used. @default - none */
  readonly engineArgs?: readonly string[];
}

export interface SiteAppIngress {
  readonly host: string;
  /** Path prefixes routed to the app. */
  readonly paths: readonly string[];
  readonly className: string;
  /** cert-manager ClusterIssuer that signs the host's certificate. */
  readonly clusterIssuer: string;
}

export interface SiteAppProps {
  /** App name: the Deployment's name and the `app` label its pods carry. */
  readonly name: string;
  readonly namespace: string;
  /** Image with a pinned tag or digest. */
  readonly image: string;
  /** Name of the container. @default - the app name */
  readonly container?: string;
  /** @default 1 */
  readonly replicas?: number;
  readonly containerPort: number;
  /** Name of the ClusterIP Service in front of the pods. */
  readonly serviceName: string;
  readonly servicePort: number;
  readonly requests: SiteAppQuantity;
  readonly limits: SiteAppQuantity;
  /** In the order given. @default - none */
  readonly env?: readonly SiteAppEnvVar[];
  /** @default - none (the pod still gets an emptyDir on /tmp) */
  readonly volumes?: readonly SiteAppVolume[];
  /** @default - no GPU */
  readonly gpu?: SiteAppGpu;
  /** HTTP path of the probes. @default - probes are TCP checks of the container port */
  readonly healthPath?: string;
  /** @default - not published outside the cluster */
  readonly ingress?: SiteAppIngress;
  /**
   * Unprivileged uid (and gid, and fsGroup) the container runs as. Set explicitly because runAsNonRoot
   * alone refuses images whose USER is a name rather than a number.
   * @default 10001
   */
  readonly runAsUser?: number;
  /**
   * How long the app may take to start before the startup probe gives up on it.
   * @default - 300 seconds; 900 with a GPU, where the model is loaded into GPU memory first
   */
  readonly startupSeconds?: number;
  /** Labels added to every object and pod, beside `app`. @default - none */
  readonly labels?: Readonly<Record<string, string>>;
}

const PROBE_PERIOD_SECONDS = 10;

/**
 * One application of the site, locked down: a Deployment of non-root, read-only, capability-free
 * pods with requests, limits and probes, its ClusterIP Service, the claims it mounts, a disruption
 * budget and a spread across nodes when it has replicas, and an Ingress with a cert-manager
 * certificate when it is published.
 */
export class SiteApp extends Construct {
  /** Labels that select the app's pods (Service, policies, budgets use these). */
  public readonly selector: Readonly<Record<string, string>>;
  public readonly deployment: kplus.Deployment;
  public readonly service: kplus.Service;
  public readonly claims: readonly kplus.PersistentVolumeClaim[];
  public readonly ingress?: kplus.Ingress;

  constructor(scope: Construct, id: string, props: SiteAppProps) {
    super(scope, id);
    validate(props);
    const replicas = props.replicas ?? 1;
    const uid = props.runAsUser ?? 10001;
    this.selector = { app: props.name };
    const labels = { ...props.labels, ...this.selector };
    const meta = (name: string) => ({ name, namespace: props.namespace, labels });
    const volumes = props.volumes ?? [];
    // A pod whose single GPU or ReadWriteOnce claim the new pod would also need can only be replaced, not surged.
    const exclusive = props.gpu !== undefined || volumes.some((v) => v.claim.accessMode === 'ReadWriteOnce');

    this.deployment = new kplus.Deployment(this, 'deployment', {
      metadata: { name: props.name, namespace: props.namespace, labels },
      replicas,
      select: false,
      podMetadata: { labels },
      strategy: exclusive
        ? kplus.DeploymentStrategy.recreate()
        : kplus.DeploymentStrategy.rollingUpdate({ maxSurge: kplus.PercentOrAbsolute.absolute(1), maxUnavailable: kplus.PercentOrAbsolute.absolute(0) }),
      automountServiceAccountToken: false,
      securityContext: { ensureNonRoot: true, user: uid, group: uid, fsGroup: uid, fsGroupChangePolicy: kplus.FsGroupChangePolicy.ON_ROOT_MISMATCH },
    });
    this.deployment.select(kplus.LabelSelector.of({ labels: this.selector }));

    const { mounts, claims } = this.volumeMounts(props, volumes, meta);
    this.claims = claims;

    const port = props.containerPort;
    const check = (options: kplus.ProbeOptions): kplus.Probe =>
      props.healthPath ? kplus.Probe.fromHttpGet(props.healthPath, { port, ...options }) : kplus.Probe.fromTcpSocket({ port, ...options });
    const startupSeconds = props.startupSeconds ?? (props.gpu ? 900 : 300);

    const env: Record<string, kplus.EnvValue> = {};
    for (const e of props.env ?? []) {
      env[e.name] = 'value' in e
        ? kplus.EnvValue.fromValue(e.value)
        : kplus.EnvValue.fromSecretValue({ secret: kplus.Secret.fromSecretName(this, `secret-${e.name}`, e.secret.name), key: e.secret.key });
    }

    this.deployment.addContainer({
      name: props.container ?? props.name,
      image: props.image,
      imagePullPolicy: kplus.ImagePullPolicy.IF_NOT_PRESENT,
      ports: [{ number: port, name: 'http', protocol: kplus.Protocol.TCP }],
      envVariables: env,
      // The same context and memory share the GPU fit check assumed, appended to the image's entrypoint.
      args: props.gpu?.engineArgs ? [...props.gpu.engineArgs] : undefined,
      volumeMounts: mounts,
      securityContext: restrictedSecurityContext(uid),
      // Replaced below with the site's exact quantities (cdk8s-plus would print 2Gi as 2048Mi).
      resources: {
        cpu: { request: kplus.Cpu.millis(props.requests.cpuMilli), limit: kplus.Cpu.millis(props.limits.cpuMilli) },
        memory: { request: Size.mebibytes(props.requests.memoryMiB), limit: Size.mebibytes(props.limits.memoryMiB) },
      },
      startup: check({ periodSeconds: Duration.seconds(PROBE_PERIOD_SECONDS), failureThreshold: Math.ceil(startupSeconds / PROBE_PERIOD_SECONDS), timeoutSeconds: Duration.seconds(5) }),
      readiness: check({ periodSeconds: Duration.seconds(PROBE_PERIOD_SECONDS), failureThreshold: 3, timeoutSeconds: Duration.seconds(5) }),
      liveness: check({ periodSeconds: Duration.seconds(20), failureThreshold: 3, timeoutSeconds: Duration.seconds(5) }),
    });

    this.schedule(props, replicas, meta);

    this.service = new kplus.Service(this, 'service', {
      metadata: meta(props.serviceName),
      type: kplus.ServiceType.CLUSTER_IP,
      ports: [{ name: 'http', port: props.servicePort, targetPort: port, protocol: kplus.Protocol.TCP }],
    });
    for (const [k, v] of Object.entries(this.selector)) this.service.selectLabel(k, v);

    if (props.ingress) this.ingress = this.publish(props, props.ingress, meta);
  }

  /** The app's claims and volume mounts, plus a writable /tmp (the root filesystem is read-only) and /dev/shm for GPU apps. */
  private volumeMounts(props: SiteAppProps, volumes: readonly SiteAppVolume[], meta: (name: string) => { name: string; namespace: string; labels: Record<string, string> }): { mounts: kplus.VolumeMount[]; claims: kplus.PersistentVolumeClaim[] } {
    const mounts: kplus.VolumeMount[] = [];
    const claims: kplus.PersistentVolumeClaim[] = [];
    for (const v of volumes) {
      const claim = new kplus.PersistentVolumeClaim(this, `claim-${v.name}`, {
        metadata: meta(v.claim.name),
        accessModes: [v.claim.accessMode as kplus.PersistentVolumeAccessMode],
        storage: Size.gibibytes(v.claim.sizeGiB),
        storageClassName: v.claim.storageClass,
        volumeMode: kplus.PersistentVolumeMode.FILE_SYSTEM,
      });
      claims.push(claim);
      const volume = kplus.Volume.fromPersistentVolumeClaim(this, `volume-${v.name}`, claim, { name: v.name, readOnly: v.readOnly ?? false });
      mounts.push({ volume, path: v.mountPath, readOnly: v.readOnly ?? false });
    }
    // The root filesystem is read-only; most runtimes still expect a writable /tmp.
    if (!volumes.some((v) => v.mountPath === '/tmp')) {
      mounts.push({ volume: kplus.Volume.fromEmptyDir(this, 'volume-tmp', 'tmp', { sizeLimit: Size.gibibytes(1) }), path: '/tmp' });
    }
    // PyTorch (vLLM) passes tensors between worker processes through /dev/shm; the container default is 64 MiB.
    if (props.gpu) {
      mounts.push({ volume: kplus.Volume.fromEmptyDir(this, 'volume-shm', 'shm', { medium: kplus.EmptyDirMedium.MEMORY, sizeLimit: Size.gibibytes(2) }), path: '/dev/shm' });
    }
    return { mounts, claims };
  }

  /** Exact resource quantities, GPU placement, and spreading with a disruption budget for replicated apps. */
  private schedule(props: SiteAppProps, replicas: number, meta: (name: string) => { name: string; namespace: string; labels: Record<string, string> }): void {
    const resources = ApiObject.of(this.deployment);
    // Patches run before the typed serializer of KubeDeployment, which reads each quantity's `.value`:
    // hence Quantity objects rather than strings.
    const q = (v: string | number): kplus.k8s.Quantity => (typeof v === 'number' ? kplus.k8s.Quantity.fromNumber(v) : kplus.k8s.Quantity.fromString(v));
    const gpuLimit = props.gpu ? { 'nvidia.com/gpu': q(props.gpu.count) } : {};
    resources.addJsonPatch(
      JsonPatch.replace('/spec/template/spec/containers/0/resources', {
        requests: { cpu: q(cpu(props.requests.cpuMilli)), memory: q(memory(props.requests.memoryMiB)), ...gpuLimit },
        limits: { cpu: q(cpu(props.limits.cpuMilli)), memory: q(memory(props.limits.memoryMiB)), ...gpuLimit },
      }),
    );

    if (props.gpu) {
      for (const t of props.gpu.tolerations) {
        this.deployment.scheduling.tolerate(kplus.Node.tainted(kplus.NodeTaintQuery.is(t.key, t.value, { effect: t.effect as kplus.TaintEffect })));
      }
      resources.addJsonPatch(JsonPatch.add('/spec/template/spec/nodeSelector', { ...props.gpu.nodeSelector }));
      resources.addJsonPatch(JsonPatch.add('/spec/template/spec/runtimeClassName', props.gpu.runtimeClassName));
    }

    if (replicas > 1) {
      // Honor: tainted nodes (control planes, the GPU worker) are not domains the pods could ever use, so they must
      // not count as empty ones; pod-template-hash: a rollout's new pods spread among themselves, not against the old.
      resources.addJsonPatch(
        JsonPatch.add('/spec/template/spec/topologySpreadConstraints', [
          {
            maxSkew: 1,
            topologyKey: 'kubernetes.io/hostname',
            whenUnsatisfiable: 'DoNotSchedule',
            labelSelector: { matchLabels: { ...this.selector } },
            matchLabelKeys: ['pod-template-hash'],
            nodeTaintsPolicy: 'Honor',
          },
        ]),
      );
      new kplus.k8s.KubePodDisruptionBudget(this, 'budget', {
        metadata: meta(props.name),
        spec: {
          maxUnavailable: kplus.k8s.IntOrString.fromNumber(1),
          selector: { matchLabels: { ...this.selector } },
          // A pod that is not ready protects nothing; letting it be evicted keeps node drains from hanging.
          unhealthyPodEvictionPolicy: 'AlwaysAllow',
        },
      });
    }
  }

  /** The Ingress with TLS from the cluster issuer. */
  private publish(props: SiteAppProps, ing: NonNullable<SiteAppProps['ingress']>, meta: (name: string) => { name: string; namespace: string; labels: Record<string, string> }): kplus.Ingress {
    const ingress = new kplus.Ingress(this, 'ingress', {
      metadata: { ...meta(props.name), annotations: { 'cert-manager.io/cluster-issuer': ing.clusterIssuer } },
      className: ing.className,
      tls: [{ hosts: [ing.host], secret: kplus.Secret.fromSecretName(this, 'tls', `${props.name}-tls`) }],
    });
    for (const path of ing.paths) {
      ingress.addHostRule(ing.host, path, kplus.IngressBackend.fromService(this.service, { port: props.servicePort }), kplus.HttpIngressPathType.PREFIX);
    }
    return ingress;
  }
}

function cpu(milli: number): string {
  return `${milli}m`;
}

function memory(mib: number): string {
  return mib % 1024 === 0 ? `${mib / 1024}Gi` : `${mib}Mi`;
}

function validate(props: SiteAppProps): void {
  const fail = (prop: string, value: unknown, why: string, fix: string): never => {
    throw new Error(`SiteApp ${props.name}: ${prop} ${JSON.stringify(value)} ${why}; ${fix}`);
  };
  const lastSegment = props.image.slice(props.image.lastIndexOf('/') + 1);
  if (!props.image.includes('@sha256:') && (!lastSegment.includes(':') || lastSegment.endsWith(':latest'))) {
    fail('image', props.image, 'is not pinned', 'give an exact tag or digest, e.g. hookprobe/qsecbit:v5.0');
  }
  const replicas = props.replicas ?? 1;
  if (!Number.isInteger(replicas) || replicas < 1) fail('replicas', replicas, 'is not a whole number of at least 1', 'set replicas to 1 or more');
  for (const [prop, p] of [['containerPort', props.containerPort], ['servicePort', props.servicePort]] as const) {
    if (!Number.isInteger(p) || p < 1 || p > 65535) fail(prop, p, 'is not a TCP port', 'use a port from 1 to 65535');
  }
  for (const key of ['cpuMilli', 'memoryMiB'] as const) {
    if (props.requests[key] > props.limits[key]) {
      fail(`requests.${key}`, props.requests[key], `is above limits.${key} (${props.limits[key]})`, 'lower the request or raise the limit; a request above the limit is rejected');
    }
  }
  const names = new Set<string>(['tmp', 'shm']);
  const paths = new Set<string>();
  for (const v of props.volumes ?? []) {
    if (names.has(v.name)) fail('volumes[].name', v.name, 'is used twice (or clashes with the built-in tmp/shm volumes)', 'give every volume its own name');
    names.add(v.name);
    if (paths.has(v.mountPath)) fail('volumes[].mountPath', v.mountPath, 'is mounted twice', 'give every volume its own mount path');
    paths.add(v.mountPath);
    if (v.claim.accessMode === 'ReadWriteOnce' && replicas > 1) {
      fail(`volumes[${v.name}].claim.accessMode`, v.claim.accessMode, `cannot be shared by ${replicas} replicas on different nodes`,
        'use ReadWriteMany (a CephFS/NFS class) or run one replica');
    }
  }
  if (props.gpu && (!Number.isInteger(props.gpu.count) || props.gpu.count < 1)) fail('gpu.count', props.gpu.count, 'is not a whole number of at least 1', 'request 1 or more GPUs');
}

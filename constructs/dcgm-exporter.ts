import { k8s } from 'cdk8s-plus-30';
import { Construct } from 'constructs';
import { DEFAULT_GPU_TAINTS, GpuTaint, gpuTolerations } from './nvidia-device-plugin';

export interface DcgmExporterProps {
  readonly namespace: string;
  /** Tag of nvcr.io/nvidia/k8s/dcgm-exporter, e.g. 3.3.9-3.6.1-ubuntu22.04. */
  readonly version: string;
  /** Labels of the GPU nodes; the exporter runs only there. */
  readonly nodeSelector: Readonly<Record<string, string>>;
  /** Taints of the GPU nodes. @default - nvidia.com/gpu with effect NoSchedule */
  readonly taints?: readonly GpuTaint[];
  /** RuntimeClass with the NVIDIA container runtime. @default - the node's default runtime */
  readonly runtimeClassName?: string;
}

/**
 * NVIDIA DCGM exporter: GPU utilisation, memory, temperature and power as Prometheus metrics, labelled with the pod
 * that holds the GPU. A DaemonSet on the GPU nodes and a Service named `dcgm-exporter` with port `metrics`.
 */
export class DcgmExporter extends Construct {
  public static readonly IMAGE = 'nvcr.io/nvidia/k8s/dcgm-exporter';
  public static readonly PORT = 9400;
  public static readonly PORT_NAME = 'metrics';

  public readonly serviceName = 'dcgm-exporter';
  /** Labels of the Service, for a ServiceMonitor selector. */
  public readonly serviceLabels: Readonly<Record<string, string>> = { 'app.kubernetes.io/name': 'dcgm-exporter' };
  public readonly daemonSet: k8s.KubeDaemonSet;
  public readonly service: k8s.KubeService;

  constructor(scope: Construct, id: string, props: DcgmExporterProps) {
    super(scope, id);
    if (!/^\d+\.\d+\.\d+-\d+\.\d+\.\d+-[a-z0-9.]+$/.test(props.version)) {
      throw new Error(`DcgmExporter: version "${props.version}" is not an exact dcgm-exporter tag; pin one like 3.3.9-3.6.1-ubuntu22.04`);
    }
    if (Object.keys(props.nodeSelector).length === 0) {
      throw new Error('DcgmExporter: nodeSelector is empty; give the GPU node label (e.g. nvidia.com/gpu: "true")');
    }
    const selector = { ...this.serviceLabels };
    const labels = { ...selector, 'app.kubernetes.io/version': props.version };
    const podResources = '/var/lib/kubelet/pod-resources';
    this.daemonSet = new k8s.KubeDaemonSet(this, 'DaemonSet', {
      metadata: { name: this.serviceName, namespace: props.namespace, labels },
      spec: {
        selector: { matchLabels: selector },
        updateStrategy: { type: 'RollingUpdate' },
        template: {
          metadata: { labels },
          spec: {
            securityContext: { seccompProfile: { type: 'RuntimeDefault' } },
            nodeSelector: { ...props.nodeSelector },
            tolerations: gpuTolerations(props.taints ?? DEFAULT_GPU_TAINTS),
            ...(props.runtimeClassName ? { runtimeClassName: props.runtimeClassName } : {}),
            containers: [
              {
                name: 'dcgm-exporter',
                image: `${DcgmExporter.IMAGE}:${props.version}`,
                env: [
                  { name: 'DCGM_EXPORTER_LISTEN', value: `:${DcgmExporter.PORT}` },
                  // Maps each GPU to the pod using it (via kubelet's pod-resources socket).
                  { name: 'DCGM_EXPORTER_KUBERNETES', value: 'true' },
                ],
                ports: [{ name: DcgmExporter.PORT_NAME, containerPort: DcgmExporter.PORT }],
                // DCGM talks to the driver as root, as upstream runs it.
                // Root only to read the kubelet's pod-resources socket (owned by root on the host); no
                // capabilities: GPU access comes from the NVIDIA runtime's device mounts, and the
                // profiling metrics that would need SYS_ADMIN are not collected.
                securityContext: {
                  runAsNonRoot: false,
                  runAsUser: 0,
                  allowPrivilegeEscalation: false,
                  readOnlyRootFilesystem: true,
                  capabilities: { drop: ['ALL'] },
                },
                resources: {
                  requests: { cpu: k8s.Quantity.fromString('50m'), memory: k8s.Quantity.fromString('128Mi') },
                  limits: { cpu: k8s.Quantity.fromString('500m'), memory: k8s.Quantity.fromString('512Mi') },
                },
                livenessProbe: { httpGet: { path: '/health', port: k8s.IntOrString.fromNumber(DcgmExporter.PORT) }, initialDelaySeconds: 45, periodSeconds: 10 },
                readinessProbe: { httpGet: { path: '/health', port: k8s.IntOrString.fromNumber(DcgmExporter.PORT) }, initialDelaySeconds: 15, periodSeconds: 10 },
                volumeMounts: [
                  { name: 'pod-gpu-resources', mountPath: podResources, readOnly: true },
                  // The embedded DCGM host engine keeps its state and log files here.
                  { name: 'tmp', mountPath: '/tmp' },
                  { name: 'var-log', mountPath: '/var/log' },
                ],
              },
            ],
            volumes: [
              { name: 'pod-gpu-resources', hostPath: { path: podResources, type: 'Directory' } },
              { name: 'tmp', emptyDir: {} },
              { name: 'var-log', emptyDir: {} },
            ],
          },
        },
      },
    });
    this.service = new k8s.KubeService(this, 'Service', {
      metadata: { name: this.serviceName, namespace: props.namespace, labels: { ...this.serviceLabels } },
      spec: {
        selector,
        ports: [{ name: DcgmExporter.PORT_NAME, port: DcgmExporter.PORT, targetPort: k8s.IntOrString.fromString(DcgmExporter.PORT_NAME) }],
      },
    });
  }
}

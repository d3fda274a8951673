import { k8s } from 'cdk8s-plus-30';
import { Construct } from 'constructs';
import { RELEASE_TAG } from '../model/builder-contracts';

/** A taint the GPU pods must tolerate (key and effect; any value). */
export interface GpuTaint {
  readonly key: string;
  readonly effect: string;
}

export interface NvidiaDevicePluginProps {
  readonly namespace: string;
  /** Tag of nvcr.io/nvidia/k8s-device-plugin, e.g. v0.17.4. */
  readonly version: string;
  /** Labels of the GPU nodes; the plugin runs only there. */
  readonly nodeSelector: Readonly<Record<string, string>>;
  /** Taints of the GPU nodes. @default - nvidia.com/gpu with effect NoSchedule */
  readonly taints?: readonly GpuTaint[];
  /**
   * RuntimeClass that runs the plugin with the NVIDIA container runtime (needed when nvidia is not containerd's
   * default runtime).
   * @default - the node's default runtime
   */
  readonly runtimeClassName?: string;
}

export const DEFAULT_GPU_TAINTS: readonly GpuTaint[] = [{ key: 'nvidia.com/gpu', effect: 'NoSchedule' }];

/** Tolerations for GPU node taints: any value, as the taint's value is a label and not a contract. */
export function gpuTolerations(taints: readonly GpuTaint[]): k8s.Toleration[] {
  return taints.map((t) => ({ key: t.key, operator: 'Exists', effect: t.effect }));
}

/**
 * NVIDIA's device plugin as a DaemonSet on the GPU nodes: it registers the `nvidia.com/gpu` resource with kubelet.
 * Same container, options and host path as upstream's static manifest; unlike it, the plugin is kept off nodes
 * without a GPU instead of idling there.
 */
export class NvidiaDevicePlugin extends Construct {
  public static readonly IMAGE = 'nvcr.io/nvidia/k8s-device-plugin';

  public readonly apiObject: k8s.KubeDaemonSet;

  constructor(scope: Construct, id: string, props: NvidiaDevicePluginProps) {
    super(scope, id);
    if (!RELEASE_TAG.test(props.version)) {
      throw new Error(`NvidiaDevicePlugin: version "${props.version}" is not an exact image tag; pin one like v0.17.4`);
    }
    if (Object.keys(props.nodeSelector).length === 0) {
      throw new Error('NvidiaDevicePlugin: nodeSelector is empty; give the GPU node label (e.g. nvidia.com/gpu: "true") so the plugin runs only on GPU nodes');
    }
    const labels = { 'app.kubernetes.io/name': 'nvidia-device-plugin', 'app.kubernetes.io/version': props.version };
    const pluginDir = '/var/lib/kubelet/device-plugins';
    this.apiObject = new k8s.KubeDaemonSet(this, 'Resource', {
      metadata: { name: 'nvidia-device-plugin', namespace: props.namespace, labels },
      spec: {
        selector: { matchLabels: { 'app.kubernetes.io/name': 'nvidia-device-plugin' } },
        updateStrategy: { type: 'RollingUpdate' },
        template: {
          metadata: { labels },
          spec: {
            priorityClassName: 'system-node-critical',
            securityContext: { seccompProfile: { type: 'RuntimeDefault' } },
            nodeSelector: { ...props.nodeSelector },
            tolerations: gpuTolerations(props.taints ?? DEFAULT_GPU_TAINTS),
            ...(props.runtimeClassName ? { runtimeClassName: props.runtimeClassName } : {}),
            containers: [
              {
                name: 'nvidia-device-plugin-ctr',
                image: `${NvidiaDevicePlugin.IMAGE}:${props.version}`,
                // A node whose driver is not ready yet keeps the pod running (and retrying) instead of crash-looping.
                env: [{ name: 'FAIL_ON_INIT_ERROR', value: 'false' }],
                // Writes only its socket into the kubelet's plugin folder (a hostPath mount), so the image can be read-only.
                securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
                resources: {
                  requests: { cpu: k8s.Quantity.fromString('10m'), memory: k8s.Quantity.fromString('32Mi') },
                  limits: { cpu: k8s.Quantity.fromString('100m'), memory: k8s.Quantity.fromString('128Mi') },
                },
                volumeMounts: [{ name: 'kubelet-device-plugins-dir', mountPath: pluginDir }],
              },
            ],
            volumes: [{ name: 'kubelet-device-plugins-dir', hostPath: { path: pluginDir, type: 'Directory' } }],
          },
        },
      },
    });
  }
}

import { z } from 'zod';
import { semver } from '../../site/primitives';
import { addonFacts } from '../addon-facts';

/** platform.addons.nvidiaGpu: the add-on's part of the site schema. */
export const nvidiaGpuSpec = z
  .strictObject({
    devicePluginVersion: semver.describe('Image tag of nvcr.io/nvidia/k8s-device-plugin.'),
    dcgmExporterVersion: z
      .string()
      .regex(/^\d+\.\d+\.\d+-\d+\.\d+\.\d+-[a-z0-9.]+$/, {
        message: 'must be a dcgm-exporter tag like 3.3.9-3.6.1-ubuntu22.04',
      })
      .describe('Image tag of nvcr.io/nvidia/k8s/dcgm-exporter, e.g. 3.3.9-3.6.1-ubuntu22.04.'),
  });
export type NvidiaGpuSpec = z.output<typeof nvidiaGpuSpec>;

export const nvidiaGpuFacts = addonFacts({
  key: 'nvidiaGpu',
  spec: nvidiaGpuSpec,
  description: 'NVIDIA device plugin and DCGM exporter on the GPU nodes. Default: not installed.',
  component: 'nvidia-gpu',
  namespace: 'nvidia-gpu',
  provides: ['gpu'],
  // The builder writes the device plugin's DaemonSet itself, so the tag is the image's as upstream publishes it.
  releaseTagFields: [{ field: 'devicePluginVersion', image: 'nvcr.io/nvidia/k8s-device-plugin' }],
  needs: ['cni'],
  podSecurity: { level: 'privileged', reason: 'the device plugin registers with kubelet through a hostPath socket; DCGM reads the GPU from the host' },
  // kubelet's device-plugin and pod-resources APIs are Unix sockets in root-owned host folders.
  policyExceptions: [
    {
      objects: ['DaemonSet/{ns}/nvidia-device-plugin'],
      rules: ['host-path', 'run-as-non-root'],
      reason: 'device plugin: registers nvidia.com/gpu with kubelet through a socket it creates in the root-owned /var/lib/kubelet/device-plugins',
    },
    {
      objects: ['DaemonSet/{ns}/dcgm-exporter'],
      rules: ['host-path', 'run-as-non-root'],
      reason: 'GPU metrics: reads which pod holds each GPU from kubelet\'s pod-resources socket (root-owned host folder, mounted read-only) and talks to the driver as root',
    },
  ],
});

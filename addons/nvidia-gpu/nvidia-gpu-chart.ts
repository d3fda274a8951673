import { k8s } from 'cdk8s-plus-30';
import { ComponentChart, DcgmExporter, DEFAULT_GPU_TAINTS, DefaultDenyNetworkPolicy, GpuTaint, gpuTolerations, NvidiaDevicePlugin } from '../../constructs';
import { providerOf } from '../../model';
import type { SiteModel } from '../../model';
import { GPU_NODE_LABEL, NVIDIA_RUNTIME_CLASS } from '../addon-contracts';
import type { AddonBuildContext } from '../addon-definition';
import type { NvidiaGpuSpec } from './spec';

/** Where GPU workloads run: the GPU pools' label and taints, as the model put them on the VMs. */
export function gpuPlacement(model: SiteModel): { nodeSelector: Record<string, string>; taints: GpuTaint[] } {
  const gpuVms = model.kubernetes.gpuWorkers;
  const value = gpuVms.map((v) => v.labels[GPU_NODE_LABEL]).find((l) => l !== undefined) ?? 'true';
  const taints = new Map<string, GpuTaint>();
  for (const vm of gpuVms) {
    for (const t of vm.taints) if (t.key === GPU_NODE_LABEL) taints.set(`${t.key}:${t.effect}`, { key: t.key, effect: t.effect });
  }
  return { nodeSelector: { [GPU_NODE_LABEL]: value }, taints: taints.size > 0 ? [...taints.values()] : [...DEFAULT_GPU_TAINTS] };
}

/**
 * GPU support: a RuntimeClass for the NVIDIA container runtime (which also steers pods that use it onto the GPU nodes
 * and past their taint), NVIDIA's device plugin and the DCGM exporter, all pinned to the site's image tags. Plain
 * first-party objects: identical in both deliveries.
 */
export function buildNvidiaGpuChart(chart: ComponentChart, { config: spec, model, component }: AddonBuildContext<NvidiaGpuSpec>): void {
  const { nodeSelector, taints } = gpuPlacement(model);

  // Cluster-scoped. The handler is the runtime name `nvidia-ctk runtime configure --runtime=containerd` registers.
  new k8s.KubeRuntimeClass(chart, 'runtime-class', {
    metadata: { name: NVIDIA_RUNTIME_CLASS },
    handler: NVIDIA_RUNTIME_CLASS,
    scheduling: { nodeSelector, tolerations: gpuTolerations(taints) },
  });
  new NvidiaDevicePlugin(chart, 'device-plugin', {
    namespace: component.namespace,
    version: spec.devicePluginVersion,
    nodeSelector,
    taints,
    runtimeClassName: NVIDIA_RUNTIME_CLASS,
  });
  const dcgm = new DcgmExporter(chart, 'dcgm-exporter', {
    namespace: component.namespace,
    version: spec.dcgmExporterVersion,
    nodeSelector,
    taints,
    runtimeClassName: NVIDIA_RUNTIME_CLASS,
  });
  // Both pods talk to kubelet over host sockets; only Prometheus scrapes DCGM. Their Go runtimes still resolve names
  // (the device plugin's kubelet client, DCGM's hostname lookups), so DNS stays open.
  const deny = new DefaultDenyNetworkPolicy(chart, 'default-deny', { namespace: component.namespace });
  deny.allowClusterDns();
  const metrics = providerOf(model, 'metrics');
  if (metrics) deny.allowFromNamespace(metrics.namespace, dcgm.serviceLabels, DcgmExporter.PORT);
}

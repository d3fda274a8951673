import type { DashboardPanel, GrafanaDashboardProps } from '../../constructs';
import type { AddonFacts } from '../addon-facts';
import { providerOf } from '../../model';
import type { AppModel, SiteModel } from '../../model';

/**
 * The plan's dashboards (section 9.2), generated from the model: each panel's scope (apps, their limits, the GPU,
 * the nodes expected, the edge-facing hosts) comes from the site, so a new app or node shows up without editing JSON.
 * Dashboards whose data the site cannot produce (no GPU, no edge) are left out rather than shipped empty.
 */

export type DashboardSpec = Omit<GrafanaDashboardProps, 'namespace'>;

const MIB = 2 ** 20;

/** Pods of an app's Deployment (`<name>-<replicaset hash>-<pod hash>`); a bare prefix would also match `<name>-other`. */
export function appPodPattern(app: string): string {
  return `${app}-[a-z0-9]+-[a-z0-9]{5}`;
}

function appSelector(app: AppModel): string {
  return `namespace="${app.namespace}",pod=~"${appPodPattern(app.name)}"`;
}

function clusterOverview(model: SiteModel): DashboardSpec {
  const nodes = model.vms.length;
  const hostDevices = 'device!~"lo|cilium.*|lxc.*|veth.*"';
  return {
    name: 'cluster-overview',
    title: `${model.name}: cluster overview`,
    tags: ['cluster', model.name],
    panels: [
      {
        title: 'Nodes ready',
        description: `The site defines ${nodes} Kubernetes nodes.`,
        kind: 'stat',
        min: 0,
        max: nodes,
        queries: [{ expr: 'sum(kube_node_status_condition{condition="Ready",status="true"})', legend: 'ready' }],
      },
      { title: 'Pods not ready', kind: 'stat', queries: [{ expr: 'sum(kube_pod_status_ready{condition="false"})', legend: 'not ready' }] },
      { title: 'Cluster CPU used', kind: 'gauge', unit: 'percentunit', min: 0, max: 1, queries: [{ expr: '1 - avg(rate(node_cpu_seconds_total{mode="idle"}[5m]))' }] },
      { title: 'Cluster memory used', kind: 'gauge', unit: 'percentunit', min: 0, max: 1, queries: [{ expr: '1 - sum(node_memory_MemAvailable_bytes) / sum(node_memory_MemTotal_bytes)' }] },
      { title: 'CPU used per node', unit: 'percentunit', min: 0, max: 1, queries: [{ expr: '1 - avg by (instance) (rate(node_cpu_seconds_total{mode="idle"}[5m]))', legend: '{{instance}}' }] },
      { title: 'Memory used per node', unit: 'percentunit', min: 0, max: 1, queries: [{ expr: '1 - node_memory_MemAvailable_bytes / node_memory_MemTotal_bytes', legend: '{{instance}}' }] },
      {
        title: 'Root disk used per node',
        unit: 'percentunit',
        min: 0,
        max: 1,
        queries: [{ expr: '1 - node_filesystem_avail_bytes{mountpoint="/",fstype!~"tmpfs|overlay"} / node_filesystem_size_bytes{mountpoint="/",fstype!~"tmpfs|overlay"}', legend: '{{instance}}' }],
      },
      {
        title: 'Network per node',
        unit: 'Bps',
        queries: [
          { expr: `sum by (instance) (rate(node_network_receive_bytes_total{${hostDevices}}[5m]))`, legend: '{{instance}} in' },
          { expr: `-sum by (instance) (rate(node_network_transmit_bytes_total{${hostDevices}}[5m]))`, legend: '{{instance}} out' },
        ],
      },
      {
        title: 'Volume usage (persistent volume claims)',
        unit: 'percentunit',
        min: 0,
        max: 1,
        width: 24,
        queries: [{ expr: 'kubelet_volume_stats_used_bytes / kubelet_volume_stats_capacity_bytes', legend: '{{namespace}}/{{persistentvolumeclaim}}' }],
      },
    ],
  };
}

function gpuUtilization(model: SiteModel): DashboardSpec | undefined {
  if (!providerOf(model, 'gpu') || model.kubernetes.gpuWorkers.length === 0) return undefined;
  const memoryMiB = Math.max(...model.kubernetes.gpuWorkers.map((v) => (v.gpu?.memoryGiB ?? 0) * 1024));
  const gpus = model.kubernetes.gpuWorkers.length;
  const gpu = '{{Hostname}} GPU {{gpu}}';
  return {
    name: 'gpu-utilization',
    title: `${model.name}: GPU utilization`,
    tags: ['gpu', model.name],
    panels: [
      {
        title: 'GPUs allocated to pods',
        description: `The site passes ${gpus} GPU${gpus === 1 ? '' : 's'} through to its GPU workers.`,
        kind: 'stat',
        min: 0,
        max: gpus,
        queries: [{ expr: 'sum(kube_pod_container_resource_requests{resource="nvidia_com_gpu"}) or vector(0)', legend: 'allocated' }],
      },
      { title: 'GPU utilization', kind: 'gauge', unit: 'percent', min: 0, max: 100, queries: [{ expr: 'avg(DCGM_FI_DEV_GPU_UTIL)' }] },
      { title: 'GPU utilization per GPU', unit: 'percent', min: 0, max: 100, queries: [{ expr: 'DCGM_FI_DEV_GPU_UTIL', legend: gpu }] },
      {
        title: 'GPU memory used',
        description: `Each GPU of the site has ${memoryMiB / 1024} GiB.`,
        unit: 'decmbytes',
        min: 0,
        max: memoryMiB,
        queries: [{ expr: 'DCGM_FI_DEV_FB_USED', legend: gpu }],
      },
      { title: 'GPU temperature', unit: 'celsius', queries: [{ expr: 'DCGM_FI_DEV_GPU_TEMP', legend: gpu }] },
      { title: 'GPU power draw', unit: 'watt', queries: [{ expr: 'DCGM_FI_DEV_POWER_USAGE', legend: gpu }] },
      { title: 'GPU utilization per pod', unit: 'percent', min: 0, max: 100, width: 24, queries: [{ expr: 'DCGM_FI_DEV_GPU_UTIL{pod!=""}', legend: '{{namespace}}/{{pod}}' }] },
    ],
  };
}

/** The request metrics of the site's ingress provider, when it offers them. */
function ingressMetrics(model: SiteModel): NonNullable<AddonFacts['ingressMetrics']> | undefined {
  return providerOf(model, 'ingress')?.facts.ingressMetrics;
}

function ingressHosts(model: SiteModel): { app: string; host: string; paths: readonly string[] }[] {
  if (!ingressMetrics(model)) return [];
  return model.apps.flatMap((a) => (a.spec.ingress ? [{ app: a.name, host: a.spec.ingress.host, paths: a.spec.ingress.paths }] : []));
}

function applicationPerformance(model: SiteModel): DashboardSpec | undefined {
  if (model.apps.length === 0) return undefined;
  const hosts = new Map(ingressHosts(model).map((h) => [h.app, h]));
  const panels: DashboardPanel[] = model.apps.flatMap((app) => {
    const sel = appSelector(app);
    const limits = app.spec.resources.limits;
    const appPanels: DashboardPanel[] = [
      {
        title: `${app.name}: replicas available`,
        kind: 'stat',
        min: 0,
        max: app.spec.replicas,
        queries: [{ expr: `kube_deployment_status_replicas_available{namespace="${app.namespace}",deployment="${app.name}"}`, legend: 'available' }],
      },
      {
        title: `${app.name}: restarts (1h)`,
        kind: 'stat',
        queries: [{ expr: `sum(increase(kube_pod_container_status_restarts_total{${sel}}[1h])) or vector(0)`, legend: 'restarts' }],
      },
      {
        title: `${app.name}: CPU per pod`,
        unit: 'short',
        queries: [
          { expr: `sum by (pod) (rate(container_cpu_usage_seconds_total{${sel},container!=""}[5m]))`, legend: '{{pod}}' },
          { expr: `vector(${limits.cpuMilli / 1000})`, legend: 'limit' },
        ],
      },
      {
        title: `${app.name}: memory per pod`,
        unit: 'bytes',
        queries: [
          { expr: `sum by (pod) (container_memory_working_set_bytes{${sel},container!=""})`, legend: '{{pod}}' },
          { expr: `vector(${limits.memoryMiB * MIB})`, legend: 'limit' },
        ],
      },
    ];
    const ingress = hosts.get(app.name);
    const metrics = ingressMetrics(model);
    if (ingress && metrics) {
      const hostSel = `host="${ingress.host}"`;
      appPanels.push(
        { title: `${app.name}: requests through the ingress`, unit: 'reqps', queries: [{ expr: `sum by (status) (rate(${metrics.requests}{${hostSel}}[5m]))`, legend: '{{status}}' }] },
        {
          title: `${app.name}: response time (ingress)`,
          unit: 's',
          queries: [
            { expr: `histogram_quantile(0.5, sum by (le) (rate(${metrics.durationBuckets}{${hostSel}}[5m])))`, legend: 'p50' },
            { expr: `histogram_quantile(0.95, sum by (le) (rate(${metrics.durationBuckets}{${hostSel}}[5m])))`, legend: 'p95' },
          ],
        },
      );
    }
    if (app.gpu && providerOf(model, 'gpu')) {
      appPanels.push(
        { title: `${app.name}: GPU utilization`, unit: 'percent', min: 0, max: 100, queries: [{ expr: `DCGM_FI_DEV_GPU_UTIL{${sel}}`, legend: '{{pod}}' }] },
        {
          title: `${app.name}: GPU memory used`,
          description: `Model weights need ${app.gpu.weightsGiB.toFixed(1)} GiB of a ${app.gpu.budgetGiB.toFixed(1)} GiB budget.`,
          unit: 'decmbytes',
          queries: [{ expr: `DCGM_FI_DEV_FB_USED{${sel}}`, legend: '{{pod}}' }],
        },
      );
    }
    return appPanels;
  });
  return { name: 'application-performance', title: `${model.name}: application performance`, tags: ['apps', model.name], panels };
}

function costPerApplication(model: SiteModel): DashboardSpec | undefined {
  if (model.apps.length === 0) return undefined;
  const perApp = (expr: (sel: string) => string): { expr: string; legend: string }[] =>
    model.apps.map((a) => ({ expr: expr(appSelector(a)), legend: a.name }));
  const cpuAllocatable = 'sum(kube_node_status_allocatable{resource="cpu"})';
  const memAllocatable = 'sum(kube_node_status_allocatable{resource="memory"})';
  const panels: DashboardPanel[] = [
    {
      title: 'Share of cluster CPU reserved per app',
      description: 'CPU requests of each app over the CPU the nodes can allocate: what the app costs whether it uses it or not.',
      unit: 'percentunit',
      queries: perApp((sel) => `sum(kube_pod_container_resource_requests{${sel},resource="cpu"}) / ${cpuAllocatable}`),
    },
    {
      title: 'Share of cluster memory reserved per app',
      unit: 'percentunit',
      queries: perApp((sel) => `sum(kube_pod_container_resource_requests{${sel},resource="memory"}) / ${memAllocatable}`),
    },
    { title: 'CPU used per app (cores)', unit: 'short', queries: perApp((sel) => `sum(rate(container_cpu_usage_seconds_total{${sel},container!=""}[5m]))`) },
    { title: 'Memory used per app', unit: 'bytes', queries: perApp((sel) => `sum(container_memory_working_set_bytes{${sel},container!=""})`) },
    {
      title: 'CPU used per namespace (platform and apps)',
      unit: 'short',
      width: 24,
      queries: [{ expr: 'sum by (namespace) (rate(container_cpu_usage_seconds_total{container!=""}[5m]))', legend: '{{namespace}}' }],
    },
  ];
  if (model.apps.some((a) => a.gpu)) {
    panels.splice(2, 0, {
      title: 'GPUs held per app',
      unit: 'short',
      queries: perApp((sel) => `sum(kube_pod_container_resource_requests{${sel},resource="nvidia_com_gpu"}) or vector(0)`),
    });
  }
  return { name: 'cost-per-application', title: `${model.name}: cost per application`, tags: ['cost', model.name], panels };
}

function sbcFleetStatus(model: SiteModel): DashboardSpec | undefined {
  const hosts = ingressHosts(model);
  const metrics = ingressMetrics(model);
  if (!model.edgeFleet || hosts.length === 0 || !metrics) return undefined;
  // The SBCs reach the backend only through the published API paths; their traffic there is the fleet's pulse.
  const edgeSel = hosts.map((h) => `host="${h.host}",path=~"${h.paths.map((p) => `${p}.*`).join('|')}"`);
  const sum = (metric: string, by: string, extra = ''): string => edgeSel.map((s) => `sum by (${by}) (rate(${metric}{${s}${extra}}[5m]))`).join(' or ');
  return {
    name: 'sbc-fleet-status',
    title: `${model.name}: SBC fleet status`,
    tags: ['edge', model.name],
    panels: [
      { title: 'Edge API requests', kind: 'stat', unit: 'reqps', queries: [{ expr: `sum(${sum(metrics.requests, 'host')})` }] },
      {
        title: 'Edge API errors',
        kind: 'stat',
        unit: 'percentunit',
        queries: [{ expr: `sum(${sum(metrics.requests, 'host', ',status=~"5.."')}) / sum(${sum(metrics.requests, 'host')})` }],
      },
      { title: 'Edge API requests by path', unit: 'reqps', width: 24, queries: [{ expr: sum(metrics.requests, 'path, status'), legend: '{{path}} {{status}}' }] },
      {
        title: 'Edge API response time (p95)',
        unit: 's',
        width: 24,
        queries: [{ expr: `histogram_quantile(0.95, ${sum(metrics.durationBuckets, 'le, path')})`, legend: '{{path}}' }],
      },
    ],
  };
}

/** Every dashboard this site gets, in a stable order. */
export function siteDashboards(model: SiteModel): DashboardSpec[] {
  return [clusterOverview(model), gpuUtilization(model), applicationPerformance(model), costPerApplication(model), sbcFleetStatus(model)].filter(
    (d): d is DashboardSpec => d !== undefined,
  );
}

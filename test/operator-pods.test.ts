import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ALL_ADDONS } from '../addons';
import { typhaReplicas } from '../addons/calico/calico-pods';
import { buildModel } from '../model';
import { loadSite } from '../site/load';
import { synthesize } from '../synth/synthesize';
import { operatorWorkloads } from '../validate/scheduling-input';

const ROOT = path.resolve(__dirname, '..');

/** The operator workloads of a committed site, by workload. */
function operated(site: string): Map<string, ReturnType<typeof operatorWorkloads>[number]> {
  const loaded = loadSite(site, ROOT);
  const model = buildModel(loaded.site, loaded.source, { siteDir: loaded.dir });
  return new Map(operatorWorkloads(model, synthesize(model).manifests, ALL_ADDONS).map((w) => [w.workload, w]));
}

describe('operator pods, per add-on', () => {
  it('scales Typha as the Tigera operator does: 1 up to 2 nodes, 2 up to 4, then 3, and one more per 200 nodes', () => {
    expect([1, 2, 3, 4, 5, 6, 199, 200, 400, 600].map(typhaReplicas)).toEqual([1, 1, 2, 2, 3, 3, 3, 3, 4, 5]);
  });

  it('gives Prometheus and Alertmanager the site\'s requests plus the config reloader the operator adds', () => {
    const hookprobe = operated('sites/hookprobe.ts');
    const prometheus = hookprobe.get('StatefulSet monitoring/prometheus-kube-prometheus-stack-prometheus');
    expect(prometheus?.scheduling).toEqual({ replicas: 1, requests: { cpuMilli: 510, memoryMiB: 2098 } });
    expect(prometheus?.fields?.memoryMiB?.path).toBe('platform.addons.monitoring.prometheus.requests.memoryMiB');
    expect(hookprobe.get('StatefulSet monitoring/alertmanager-kube-prometheus-stack-alertmanager')?.scheduling.requests).toEqual({ cpuMilli: 60, memoryMiB: 178 });
  });

  it('has each Longhorn instance manager request 12% of its node\'s allocatable CPU, on the untainted workers only', () => {
    const homelab = operated('sites/homelab.ts');
    const im = [...homelab.values()].filter((w) => w.workload.includes('instance-manager'));
    // The homelab workers have 4 cores, 3820m allocatable after kubelet's reserves: 458m each.
    expect(im.map((w) => w.scheduling.requests)).toEqual([{ cpuMilli: 458, memoryMiB: 0 }]);
    expect(im[0].scheduling.nodeAffinity).toEqual([[{ key: 'kubernetes.io/hostname', operator: 'In', values: ['k8s-worker-1', 'k8s-worker-2', 'k8s-worker-3'] }]]);
  });

  it('reads the CloudNativePG Cluster of the tree: instances, resources and required anti-affinity', () => {
    const cluster = operated('sites/hookprobe.ts').get('Cluster.postgresql.cnpg.io hookprobe/postgres');
    expect(cluster?.component).toBe('postgres');
    expect(cluster?.scheduling.replicas).toBe(3);
    expect(cluster?.scheduling.antiAffinity).toEqual([{ topologyKey: 'kubernetes.io/hostname', selector: { matchLabels: { 'cnpg.io/cluster': 'postgres' } } }]);
    expect(cluster?.fields?.replicas?.path).toBe('dataStores.postgres.instances');
  });

  it('starts one short-lived HTTP-01 solver per TLS host of an Ingress that asks the ClusterIssuer, at the controller\'s default size', () => {
    const solver = [...operated('sites/hookprobe.ts').values()].find((w) => w.source === 'Ingress.networking.k8s.io hookprobe/django-central');
    expect(solver?.runsToCompletion).toBe(true);
    expect(solver?.scheduling).toEqual({ replicas: 1, requests: { cpuMilli: 10, memoryMiB: 64 } });
  });

  it('asks only the add-on definitions given: without Calico\'s, no Calico pods are invented', () => {
    const loaded = loadSite('sites/homelab.ts', ROOT);
    const model = buildModel(loaded.site, loaded.source, { siteDir: loaded.dir });
    const without = ALL_ADDONS.filter((a) => a.facts.key !== 'calico');
    expect(operatorWorkloads(model, synthesize(model).manifests, without).some((w) => w.component === 'calico')).toBe(false);
  });
});

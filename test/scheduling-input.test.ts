import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse, stringify } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { chartFactsFileFor, readChartFacts } from '../constructs/chart-facts-file';
import { loadSite } from '../site/load';
import type { CompiledSite } from '../synth/compile-site';
import { EXIT, runSynth } from '../synth/run-synth';
import { checkTreeScheduling } from '../validate/scheduling-input';
import { committedCompile } from './support/compiled';
import { baseLockFile, referenceSite, setPath, tempDir, writeSiteYaml } from './support/sites';

const ROOT = path.resolve(__dirname, '..');

/**
 * A chart workload added to the reference site's measured facts, as a chart would render it: synth reads it like
 * any other and must place its pods.
 */
function planted(name: string, scheduling: Record<string, unknown>): Record<string, unknown> {
  return { workload: `Deployment.apps monitoring/${name}`, serviceAccount: 'default', podLabels: { app: name }, ports: [], hostAccess: [], images: ['registry.example/x:1'], podSecurity: 'restricted', scheduling };
}

/** Synth of the reference site with `edit` applied and `extra` workloads in its monitoring facts; returns exit code and stderr. */
function synthPlanted(edits: Record<string, unknown>, extra: Record<string, unknown>[]): { code: number; text: string } {
  const site = referenceSite();
  for (const [p, v] of Object.entries(edits)) setPath(site, p, v);
  const file = writeSiteYaml(site, 'site.yaml');
  const dir = path.dirname(file);
  fs.copyFileSync(baseLockFile('hookprobe'), path.join(dir, 'site.lock.yaml'));
  const facts = parse(fs.readFileSync(path.join(ROOT, 'sites', 'hookprobe.facts.yaml'), 'utf8')) as { releases: { releaseName: string; workloads: unknown[] }[] };
  facts.releases.find((r) => r.releaseName === 'kube-prometheus-stack')?.workloads.push(...extra);
  fs.writeFileSync(path.join(dir, 'site.facts.yaml'), stringify(facts, { lineWidth: 0 }));
  const err: string[] = [];
  const code = runSynth(['--quiet', '--site', file, '--out', path.join(tempDir(), 'out')], { out: () => undefined, err: (l) => err.push(l), cwd: dir });
  return { code, text: err.join('\n') };
}

/** A committed site compiled once per worker (the checks off: the tests run the simulation themselves). */
function compiledSite(site: 'sites/hookprobe.ts' | 'sites/homelab.ts'): { loaded: ReturnType<typeof loadSite>; compiled: CompiledSite } {
  return { loaded: loadSite(site, ROOT), compiled: committedCompile(site, { enforceChecks: false }) };
}

/** The finding line about one workload. */
function findingOf(text: string, object: string): string {
  const line = text.split('\n').find((l) => l.includes(object));
  if (!line) throw new Error(`no finding names ${object}:\n${text}`);
  return line;
}

describe('the committed sites', () => {
  it.each(['sites/hookprobe.ts', 'sites/homelab.ts'] as const)('%s: every pod of the tree and of its charts has a node', (site) => {
    const { loaded, compiled } = compiledSite(site);
    const report = checkTreeScheduling(compiled.model, compiled.result.manifests, readChartFacts(chartFactsFileFor(loaded.file)));
    expect(report.problems).toEqual([]);
    expect(report.warnings).toEqual([]);
    // Chart workloads from the facts count: Argo CD's controller runs on a worker, the chart's CNI or agent on every node.
    expect(report.placements.some((p) => p.workload === 'argocd: StatefulSet argocd/argocd-application-controller')).toBe(true);
    for (const pool of report.pools) expect(pool.requested.cpuMilli).toBeLessThanOrEqual(pool.allocatable.cpuMilli);
  });

  it('warns when facts predate scheduling: their pods are left out, and the warning names the command for the site', () => {
    const { loaded, compiled } = compiledSite('sites/homelab.ts');
    const facts = readChartFacts(chartFactsFileFor(loaded.file));
    // Facts measured before they carried scheduling: those pods are not placed, and the warning says how to measure.
    const old = { ...facts, releases: facts.releases.map((r) => ({ ...r, workloads: r.workloads.map(({ scheduling: _s, ...w }) => w) })) };
    const stale = checkTreeScheduling(compiled.model, compiled.result.manifests, old, loaded.projectPath);
    expect(stale.warnings).toEqual([expect.stringContaining('measure the charts again: npx site-compiler vendor --facts-only --site sites/homelab.ts')]);
    expect(stale.warnings[0]).toContain('argocd: StatefulSet.apps argocd/argocd-application-controller');
  });

  it('places the chart DaemonSets that tolerate the control-plane taint on the control planes, and the apps only on workers', () => {
    const { loaded, compiled } = compiledSite('sites/hookprobe.ts');
    const report = checkTreeScheduling(compiled.model, compiled.result.manifests, readChartFacts(chartFactsFileFor(loaded.file)));
    const on = (w: string): string[] => report.placements.filter((p) => p.workload === w).map((p) => p.node);
    expect(on('cilium: DaemonSet kube-system/cilium')).toHaveLength(7);
    expect(on('ai-content-generator: Deployment hookprobe/ai-content-generator')).toEqual(['k8s-gpu-worker-1']);
    expect(on('qsecbit-backend: Deployment hookprobe/qsecbit-backend').sort()).toEqual(['k8s-worker-1', 'k8s-worker-2', 'k8s-worker-3']);
  });
});

describe('pods operators create from the custom resources of the tree', () => {
  it('fails when a CloudNativePG Cluster asks for more instances than workers under required anti-affinity', () => {
    const { loaded, compiled } = compiledSite('sites/hookprobe.ts');
    // The postgres data store never asks for that (it falls back to preferred), so the Cluster is planted.
    const cluster = {
      apiVersion: 'postgresql.cnpg.io/v1',
      kind: 'Cluster',
      metadata: { name: 'planted-db', namespace: 'hookprobe' },
      spec: { instances: 4, resources: { requests: { cpu: '100m', memory: '256Mi' } }, affinity: { podAntiAffinityType: 'required' } },
    };
    const manifests = new Map([...compiled.result.manifests, ['planted-db', [cluster]]]);
    const report = checkTreeScheduling(compiled.model, manifests, readChartFacts(chartFactsFileFor(loaded.file)));
    const line = findingOf(report.problems.join('\n'), 'Cluster.postgresql.cnpg.io hookprobe/planted-db');
    expect(line).toContain('1 of 4 pods cannot be scheduled; required anti-affinity over kubernetes.io/hostname: 4 replicas on 3 nodes it may use');
    expect(line).toContain('fix: raise kubernetes.nodePools[1].count (now 3) so every replica has a node of its own');
    // Preferred anti-affinity (CloudNativePG's default) does not bind: the same Cluster without it places all four.
    const soft = new Map([...compiled.result.manifests, ['planted-db', [{ ...cluster, spec: { ...cluster.spec, affinity: {} } }]]]);
    expect(checkTreeScheduling(compiled.model, soft, readChartFacts(chartFactsFileFor(loaded.file))).problems).toEqual([]);
  });

  it('places the CSI node plugins on every node, the GPU worker included, and Typha one per node on its host port', () => {
    const hookprobe = compiledSite('sites/hookprobe.ts');
    const report = checkTreeScheduling(hookprobe.compiled.model, hookprobe.compiled.result.manifests, readChartFacts(chartFactsFileFor(hookprobe.loaded.file)));
    const rbd = report.operated?.find((o) => o.workload === 'DaemonSet rook-ceph/rook-ceph.rbd.csi.ceph.com-nodeplugin');
    expect(rbd?.nodes).toContain('k8s-gpu-worker-1');
    expect(rbd?.pods).toBe(7);
    const homelab = compiledSite('sites/homelab.ts');
    const home = checkTreeScheduling(homelab.compiled.model, homelab.compiled.result.manifests, readChartFacts(chartFactsFileFor(homelab.loaded.file)));
    const typha = home.operated?.find((o) => o.workload === 'Deployment calico-system/calico-typha');
    // Six nodes: three Typhas (the operator's scale for 5-200 nodes), each on a node of its own.
    expect(typha?.pods).toBe(3);
    expect(new Set(typha?.nodes).size).toBe(3);
    expect(typha?.hostPorts).toEqual(['5473/TCP']);
  });
});

describe('synth refuses a pod no node takes', () => {
  // A site field: a GPU app whose memory fits the node alone (so the site-only check passes) but not beside the
  // node's DaemonSets.
  let site: { code: number; text: string };
  // Chart workloads: one per remaining reason.
  let charts: { code: number; text: string };
  // Pods operators create: a Prometheus larger than any worker, more PostgreSQL instances than workers.
  let operated: { code: number; text: string };
  // Host ports: more replicas than nodes, and two DaemonSets on one port.
  let ports: { code: number; text: string };
  beforeAll(() => {
    operated = synthPlanted(
      {
        'platform.addons.monitoring.prometheus': { replicas: 1, requests: { cpuMilli: 500, memoryMiB: 40000 }, limits: { cpuMilli: 2000, memoryMiB: 40000 } },
      },
      [],
    );
    const port = [{ port: 9999, protocol: 'TCP' }];
    ports = synthPlanted({}, [
      planted('planted-port', { replicas: 4, hostPorts: port }),
      { ...planted('planted-agent-a', { hostPorts: [{ port: 9998, protocol: 'TCP' }] }), workload: 'DaemonSet.apps monitoring/planted-agent-a' },
      { ...planted('planted-agent-b', { hostPorts: [{ port: 9998, protocol: 'UDP' }] }), workload: 'DaemonSet.apps monitoring/planted-agent-b' },
      { ...planted('planted-agent-c', { hostPorts: [{ port: 9998, protocol: 'UDP' }] }), workload: 'DaemonSet.apps monitoring/planted-agent-c' },
    ]);
    site = synthPlanted({ 'apps[1].resources.requests.memoryMiB': 59500, 'apps[1].resources.limits.memoryMiB': 59500 }, []);
    charts = synthPlanted({}, [
      planted('planted-cpu', { replicas: 1, requests: { cpuMilli: 7950, memoryMiB: 10 } }),
      planted('planted-gpu', { replicas: 1, requests: { cpuMilli: 10, memoryMiB: 10, gpus: 1 }, nodeSelector: { 'nvidia.com/gpu': 'true' }, tolerations: [{ key: 'nvidia.com/gpu', operator: 'Exists' }] }),
      planted('planted-ssd', { replicas: 1, nodeSelector: { disktype: 'ssd' } }),
      planted('planted-anti', { replicas: 4, antiAffinity: [{ topologyKey: 'kubernetes.io/hostname', selector: { matchLabels: { app: 'planted-anti' } } }] }),
      planted('planted-on-control-plane', { replicas: 1, nodeSelector: { 'node-role.kubernetes.io/control-plane': '' } }),
    ]);
  }, 120_000);

  it('fails when a pod needs more memory than a node has left beside its DaemonSets, proposing the request or the pool size', () => {
    expect(site.code).toBe(EXIT.refused);
    const line = findingOf(site.text, 'Deployment hookprobe/ai-content-generator');
    expect(line).toContain('1 of 1 pod cannot be scheduled');
    expect(line).toMatch(/pool gpu \(k8s-gpu-worker-1\): insufficient memory \(needs 59500 MiB, 58512 MiB free of 59568 MiB allocatable\)/);
    expect(line).toContain('pool worker (k8s-worker-1, k8s-worker-2, k8s-worker-3): node selector nvidia.com/gpu=true unmatched on 3 of 3 nodes');
    expect(line).toMatch(/fix: lower apps\[1\]\.resources\.requests\.memoryMiB \(now 59500\) to at most 58512, or raise kubernetes\.nodePools\[2\]\.memoryGiB from 64 to 66 \(or remove apps\[1\]\)/);
  });

  it('fails when required anti-affinity asks for more replicas than workers, saying N replicas on M nodes', () => {
    const line = findingOf(charts.text, 'Deployment monitoring/planted-anti');
    expect(line).toContain('1 of 4 pods cannot be scheduled; required anti-affinity over kubernetes.io/hostname: 4 replicas on 3 nodes it may use');
    expect(line).toContain('pool worker (k8s-worker-1, k8s-worker-2, k8s-worker-3): required anti-affinity over kubernetes.io/hostname (a matching pod already runs there) on 3 of 3 nodes');
    expect(line).toContain('fix: raise kubernetes.nodePools[1].count (now 3) so every replica has a node of its own (or remove platform.addons.monitoring)');
  });

  it('fails when a chart pod needs more CPU than a worker has left', () => {
    expect(charts.code).toBe(EXIT.refused);
    const line = findingOf(charts.text, 'Deployment monitoring/planted-cpu');
    expect(line).toMatch(/pool worker \(k8s-worker-1, k8s-worker-2, k8s-worker-3\): insufficient cpu \(needs 7950m, at most \d+m free of 7810m allocatable\) on 3 of 3 nodes/);
    // A new worker would not take it either (its DaemonSets come first), so the fix is bigger workers only.
    expect(line).toMatch(/fix: raise kubernetes\.nodePools\[1\]\.cores from 8 to \d+ \(or remove platform\.addons\.monitoring\)/);
    expect(line).toContain('(or remove platform.addons.monitoring)');
  });

  it('fails when a chart pod needs a GPU the app already holds', () => {
    const line = findingOf(charts.text, 'Deployment monitoring/planted-gpu');
    expect(line).toContain('pool gpu (k8s-gpu-worker-1): insufficient nvidia.com/gpu (needs 1, 0 free of 1)');
    expect(line).toContain('fix: add GPU workers: raise kubernetes.nodePools[2].count (now 1)');
  });

  it('fails when no node has the labels a chart pod selects', () => {
    const line = findingOf(charts.text, 'Deployment monitoring/planted-ssd');
    expect(line).toContain('pool control-plane (k8s-control-1, k8s-control-2, k8s-control-3): taint node-role.kubernetes.io/control-plane:NoSchedule not tolerated on 3 of 3 nodes');
    expect(line).toContain('pool worker (k8s-worker-1, k8s-worker-2, k8s-worker-3): node selector disktype=ssd unmatched on 3 of 3 nodes');
    expect(line).toContain('fix: give a node pool the labels the pod selects (kubernetes.nodePools[].labels: disktype: "ssd")');
  });

  it('fails when the only nodes a chart pod selects carry a taint it does not tolerate', () => {
    const line = findingOf(charts.text, 'Deployment monitoring/planted-on-control-plane');
    expect(line).toContain('pool control-plane (k8s-control-1, k8s-control-2, k8s-control-3): taint node-role.kubernetes.io/control-plane:NoSchedule not tolerated on 3 of 3 nodes');
    expect(line).toContain('fix: add a worker pool without taints (kubernetes.nodePools[] with role "worker")');
  });

  it('fails when the Prometheus the operator creates requests more memory than any worker has, naming the site field', () => {
    expect(operated.code).toBe(EXIT.refused);
    const line = findingOf(operated.text, 'StatefulSet monitoring/prometheus-kube-prometheus-stack-prometheus');
    expect(line).toContain('(created by its operator from Prometheus.monitoring.coreos.com monitoring/kube-prometheus-stack-prometheus): 1 of 1 pod cannot be scheduled');
    // The config reloader the operator adds beside it counts too (50 MiB).
    expect(line).toMatch(/pool worker \(k8s-worker-1, k8s-worker-2, k8s-worker-3\): insufficient memory \(needs 40050 MiB, at most \d+ MiB free of 28766 MiB allocatable\) on 3 of 3 nodes/);
    expect(line).toMatch(/fix: lower platform\.addons\.monitoring\.prometheus\.requests\.memoryMiB \(now 40000\) to at most \d+, or raise kubernetes\.nodePools\[1\]\.memoryGiB from 32 to \d+/);
  });

  it('fails when more replicas want one host port than there are nodes: one pod per node', () => {
    expect(ports.code).toBe(EXIT.refused);
    const line = findingOf(ports.text, 'Deployment monitoring/planted-port');
    expect(line).toContain('1 of 4 pods cannot be scheduled; host port 9999/TCP: one pod per node, 4 replicas on 3 nodes it may use');
    expect(line).toContain('host port 9999/TCP already bound by monitoring: Deployment monitoring/planted-port on 3 of 3 nodes');
    expect(line).toContain('fix: raise kubernetes.nodePools[1].count (now 3) so every replica has a node of its own (or remove platform.addons.monitoring)');
  });

  it('fails when two DaemonSets bind the same host port and protocol, and not when only the port number is shared', () => {
    const line = findingOf(ports.text, 'DaemonSet monitoring/planted-agent-c');
    expect(line).toContain('3 of its 3 pods (one per node it may use) cannot be scheduled');
    expect(line).toContain('host port 9998/UDP already bound by monitoring: DaemonSet monitoring/planted-agent-b');
    expect(line).toContain('fix: two DaemonSets bind host port 9998/UDP on the same nodes: keep one of them (remove platform.addons.monitoring, or move its port in its values)');
    // 9998/TCP and 9998/UDP are different host ports: those two share the nodes.
    expect(ports.text).not.toContain('DaemonSet monitoring/planted-agent-a:');
    expect(ports.text).not.toContain('DaemonSet monitoring/planted-agent-b:');
  });

  it('shows no stack trace and writes nothing', () => {
    for (const r of [site, charts, operated, ports]) {
      expect(r.text).not.toMatch(/^\s+at .+[:(]\d+/m);
      expect(r.text).toContain('nothing was written');
    }
  });
});

import { describe, expect, it } from 'vitest';
import type { PodSchedulingFact } from '../constructs/pod-scheduling';
import { POOL_WARN_SHARE, SchedulingInput, SchedulingNode, SchedulingWorkload, matchesRequirement, simulateScheduling, tolerates } from '../validate/scheduling';

const CP_TAINT = { key: 'node-role.kubernetes.io/control-plane', value: '', effect: 'NoSchedule' };
const GPU_TAINT = { key: 'nvidia.com/gpu', value: 'true', effect: 'NoSchedule' };

function node(name: string, pool: string, extra: Partial<SchedulingNode> = {}): SchedulingNode {
  return { name, pool, labels: { 'kubernetes.io/hostname': name, ...extra.labels }, taints: extra.taints ?? [], allocatable: extra.allocatable ?? { cpuMilli: 4000, memoryMiB: 8000, gpus: 0 } };
}

/** One control plane, three workers, one GPU worker, as kubeadm registers them. */
const NODES: SchedulingNode[] = [
  node('cp-1', 'control-plane', { taints: [CP_TAINT] }),
  node('w-1', 'worker'),
  node('w-2', 'worker'),
  node('w-3', 'worker'),
  node('gpu-1', 'gpu', { labels: { 'nvidia.com/gpu': 'true' }, taints: [GPU_TAINT], allocatable: { cpuMilli: 8000, memoryMiB: 16000, gpus: 1 } }),
];

const POOLS = {
  'control-plane': { path: 'kubernetes.nodePools[0]', cores: 4, memoryGiB: 8, count: 1 },
  worker: { path: 'kubernetes.nodePools[1]', cores: 4, memoryGiB: 8, count: 3, taints: ['dedicated'] },
  gpu: { path: 'kubernetes.nodePools[2]', cores: 8, memoryGiB: 16, count: 1 },
};

function workload(name: string, scheduling: PodSchedulingFact, extra: Partial<SchedulingWorkload> = {}): SchedulingWorkload {
  return {
    component: name,
    workload: `${extra.kind ?? 'Deployment'} apps/${name}`,
    kind: 'Deployment',
    namespace: 'apps',
    podLabels: { app: name },
    scheduling,
    fields: {
      owner: 'apps[0]',
      replicas: { path: 'apps[0].replicas', value: scheduling.replicas },
      cpuMilli: { path: 'apps[0].resources.requests.cpuMilli', value: scheduling.requests?.cpuMilli },
      memoryMiB: { path: 'apps[0].resources.requests.memoryMiB', value: scheduling.requests?.memoryMiB },
      gpus: { path: 'apps[0].gpu.count', value: scheduling.requests?.gpus },
    },
    ...extra,
  };
}

function run(workloads: SchedulingWorkload[], nodes: SchedulingNode[] = NODES): ReturnType<typeof simulateScheduling> {
  const input: SchedulingInput = { nodes, workloads, pools: POOLS, allocatableOf: (vm) => ({ cpuMilli: vm.cores * 1000, memoryMiB: vm.memoryMiB - 192 }) };
  return simulateScheduling(input);
}

const nodesOf = (r: ReturnType<typeof simulateScheduling>, name: string): string[] => r.placements.filter((p) => p.workload.startsWith(`${name}:`)).map((p) => p.node);

describe('matching', () => {
  it('matches node requirements as Kubernetes does', () => {
    expect(matchesRequirement({ a: '1' }, { key: 'a', operator: 'In', values: ['1', '2'] })).toBe(true);
    expect(matchesRequirement({}, { key: 'a', operator: 'NotIn', values: ['1'] })).toBe(true);
    expect(matchesRequirement({ a: '5' }, { key: 'a', operator: 'Gt', values: ['4'] })).toBe(true);
    expect(matchesRequirement({ a: '1' }, { key: 'a', operator: 'DoesNotExist' })).toBe(false);
  });

  it('tolerates by key and effect, or everything with a bare Exists', () => {
    expect(tolerates({ operator: 'Exists' }, GPU_TAINT)).toBe(true);
    expect(tolerates({ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }, GPU_TAINT)).toBe(true);
    expect(tolerates({ key: 'nvidia.com/gpu', value: 'false' }, GPU_TAINT)).toBe(false);
    expect(tolerates({ key: 'nvidia.com/gpu', value: 'true', effect: 'NoExecute' }, GPU_TAINT)).toBe(false);
  });
});

describe('simulateScheduling', () => {
  it('runs a DaemonSet on every node it tolerates and the other pods on the untainted workers, least allocated first', () => {
    const r = run([
      workload('agent', { requests: { cpuMilli: 100, memoryMiB: 100 }, tolerations: [{ operator: 'Exists' }] }, { kind: 'DaemonSet' }),
      workload('web', { replicas: 3, requests: { cpuMilli: 1000, memoryMiB: 1000 } }),
    ]);
    expect(r.problems).toEqual([]);
    expect(nodesOf(r, 'agent')).toEqual(['cp-1', 'gpu-1', 'w-1', 'w-2', 'w-3']);
    expect(nodesOf(r, 'web').sort()).toEqual(['w-1', 'w-2', 'w-3']);
    expect(r.pools.find((p) => p.pool === 'worker')).toEqual({
      pool: 'worker',
      nodes: 3,
      requested: { cpuMilli: 3300, memoryMiB: 3300, gpus: 0 },
      allocatable: { cpuMilli: 12000, memoryMiB: 24000, gpus: 0 },
    });
  });

  it('fails when the pods need more memory than the nodes have left, naming the pool, the reason and fields that fix it', () => {
    const big = (memoryMiB: number): SchedulingWorkload => workload('big', { replicas: 3, requests: { cpuMilli: 100, memoryMiB } });
    const agent = workload('agent', { requests: { cpuMilli: 100, memoryMiB: 1000 } }, { kind: 'DaemonSet' });
    const r = run([agent, big(7500)]);
    expect(r.problems).toHaveLength(1);
    const [app] = r.problems;
    expect(nodesOf(r, 'agent')).toEqual(['w-1', 'w-2', 'w-3']);
    expect(app).toContain('kubernetes/big: Deployment apps/big: 3 of 3 pods cannot be scheduled');
    expect(app).toContain('pool worker (w-1, w-2, w-3): insufficient memory (needs 7500 MiB, at most 7000 MiB free of 8000 MiB allocatable) on 3 of 3 nodes');
    expect(app).toContain('pool gpu (gpu-1): taint nvidia.com/gpu=true:NoSchedule not tolerated');
    expect(app).toContain('fix: lower apps[0].resources.requests.memoryMiB (now 7500) to at most 7000, or raise kubernetes.nodePools[1].memoryGiB from 8 to 9');
    // Followed, each fix places the pods.
    expect(run([agent, big(7000)]).problems.filter((p) => p.includes('big'))).toEqual([]);
    const grown = NODES.map((n) => (n.pool === 'worker' ? { ...n, allocatable: { ...n.allocatable, memoryMiB: 9 * 1024 - 192 } } : n));
    expect(run([agent, big(7500)], grown).problems.filter((p) => p.includes('big'))).toEqual([]);
  });

  it('fails when a DaemonSet does not fit the nodes it must run on, and when it runs on no node', () => {
    const r = run([
      workload('hungry', { requests: { cpuMilli: 100, memoryMiB: 9000 }, tolerations: [{ operator: 'Exists' }] }, { kind: 'DaemonSet' }),
      workload('picky', { nodeSelector: { disktype: 'ssd' } }, { kind: 'DaemonSet' }),
    ]);
    expect(r.problems[0]).toContain('kubernetes/hungry: DaemonSet apps/hungry: 4 of its 5 pods (one per node it may use) cannot be scheduled');
    expect(r.problems[0]).toContain('pool worker (w-1, w-2, w-3): insufficient memory (needs 9000 MiB, at most 8000 MiB free of 8000 MiB allocatable) on 3 of 3 nodes');
    expect(nodesOf(r, 'hungry')).toEqual(['gpu-1']);
    expect(r.problems[1]).toContain('kubernetes/picky: DaemonSet apps/picky: its pods run on no node');
  });

  it('fails when the pods need more CPU than the nodes have left', () => {
    const r = run([workload('busy', { replicas: 2, requests: { cpuMilli: 3000, memoryMiB: 10 } }), workload('busy-too', { replicas: 3, requests: { cpuMilli: 1500, memoryMiB: 10 } })]);
    expect(r.problems).toEqual([expect.stringContaining('kubernetes/busy-too: Deployment apps/busy-too: 1 of 3 pods cannot be scheduled')]);
    expect(r.problems[0]).toContain('insufficient cpu (needs 1500m, at most 1000m free of 4000m allocatable) on 3 of 3 nodes');
    expect(r.problems[0]).toContain('raise kubernetes.nodePools[1].cores from 4 to 5');
  });

  it('fails when the pods need more GPUs than the GPU nodes have', () => {
    const gpuPod: PodSchedulingFact = { replicas: 2, requests: { cpuMilli: 100, memoryMiB: 100, gpus: 1 }, nodeSelector: { 'nvidia.com/gpu': 'true' }, tolerations: [{ key: 'nvidia.com/gpu', operator: 'Exists' }] };
    const r = run([workload('llm', gpuPod)]);
    expect(r.problems).toHaveLength(1);
    expect(r.problems[0]).toContain('1 of 2 pods cannot be scheduled');
    expect(r.problems[0]).toContain('pool gpu (gpu-1): insufficient nvidia.com/gpu (needs 1, 0 free of 1)');
    expect(r.problems[0]).toContain('pool worker (w-1, w-2, w-3): node selector nvidia.com/gpu=true unmatched on 3 of 3 nodes');
    expect(r.problems[0]).toContain('fix: lower apps[0].gpu.count (now 1) or apps[0].replicas (now 2), or add GPU workers: raise kubernetes.nodePools[2].count (now 1)');
  });

  it('fails when every node it may use has a taint it does not tolerate', () => {
    const tainted = NODES.map((n) => (n.pool === 'worker' ? { ...n, taints: [{ key: 'dedicated', value: 'db', effect: 'NoSchedule' }] } : n));
    const r = run([workload('web', { replicas: 1, requests: { cpuMilli: 100, memoryMiB: 100 } })], tainted);
    expect(r.problems[0]).toContain('pool worker (w-1, w-2, w-3): taint dedicated=db:NoSchedule not tolerated on 3 of 3 nodes');
    expect(r.problems[0]).toContain('fix: add a worker pool without taints (kubernetes.nodePools[] with role "worker"), or remove the taints of kubernetes.nodePools[1].taints (or remove apps[0])');
    // Followed: without the site's taint the pod runs; the compiler's own taints are never proposed for removal.
    expect(run([workload('web', { replicas: 1, requests: { cpuMilli: 100, memoryMiB: 100 } })]).problems).toEqual([]);
  });

  it('fails when no node carries the labels its node selector asks for', () => {
    const r = run([workload('ssd', { replicas: 1, nodeSelector: { disktype: 'ssd' } })]);
    expect(r.problems[0]).toContain('pool worker (w-1, w-2, w-3): node selector disktype=ssd unmatched on 3 of 3 nodes');
    expect(r.problems[0]).toContain('fix: give a node pool the labels the pod selects (kubernetes.nodePools[].labels: disktype: "ssd")');
  });

  it('fails when required anti-affinity asks for more replicas than nodes, saying N replicas on M nodes', () => {
    const anti = (replicas: number): SchedulingWorkload => workload('db', { replicas, antiAffinity: [{ topologyKey: 'kubernetes.io/hostname', selector: { matchLabels: { app: 'db' } } }] });
    const r = run([anti(4)]);
    expect(r.problems[0]).toContain('kubernetes/db: Deployment apps/db: 1 of 4 pods cannot be scheduled; required anti-affinity over kubernetes.io/hostname: 4 replicas on 3 nodes it may use');
    expect(r.problems[0]).toContain('required anti-affinity over kubernetes.io/hostname (a matching pod already runs there) on 3 of 3 nodes');
    expect(r.problems[0]).toContain('fix: set apps[0].replicas to at most 3 (now 4), or raise kubernetes.nodePools[1].count (now 3)');
    expect(run([anti(3)]).problems).toEqual([]);
  });

  it('fails when a pod already placed keeps it away with its own required anti-affinity', () => {
    const guard = workload('guard', { replicas: 3, requests: { cpuMilli: 100, memoryMiB: 100 }, antiAffinity: [{ topologyKey: 'kubernetes.io/hostname', selector: { matchLabels: { role: 'noisy' } } }] });
    const noisy = workload('noisy', { replicas: 1 }, { podLabels: { role: 'noisy' } });
    const r = run([guard, noisy]);
    expect(r.problems[0]).toContain('kubernetes/noisy: Deployment apps/noisy: 1 of 1 pod cannot be scheduled');
    expect(r.problems[0]).toContain('required anti-affinity over kubernetes.io/hostname of a pod already there on 3 of 3 nodes');
  });

  it('fails when a hard spread counts tainted nodes as empty domains (nodeTaintsPolicy Ignore), and not when it honours taints', () => {
    const spread = (honor: boolean): SchedulingWorkload =>
      workload('spread', { replicas: 4, topologySpread: [{ topologyKey: 'kubernetes.io/hostname', maxSkew: 1, selector: { matchLabels: { app: 'spread' } }, ...(honor ? { nodeTaintsPolicy: 'Honor' as const } : {}) }] });
    const r = run([spread(false)]);
    expect(r.problems[0]).toContain('1 of 4 pods cannot be scheduled');
    expect(r.problems[0]).toContain('topology spread over kubernetes.io/hostname (maxSkew 1): another pod here would make the skew 2');
    expect(run([spread(true)]).problems).toEqual([]);
  });

  it('fails when replicas spread over nodes share a ReadWriteOnce claim', () => {
    const w = workload('files', { replicas: 2, antiAffinity: [{ topologyKey: 'kubernetes.io/hostname', selector: { matchLabels: { app: 'files' } } }] }, { sharedRwoClaims: ['apps/files-pvc'] });
    const r = run([w]);
    expect(r.problems[0]).toContain('ReadWriteOnce claim apps/files-pvc is attached to w-1');
    expect(r.problems[0]).toContain('fix: use accessMode "ReadWriteMany" for the shared claim, or set apps[0].replicas to at most 3');
  });

  it('checks that a Job fits but does not count it in the pools', () => {
    const job = workload('migrate', { replicas: 1, requests: { cpuMilli: 3000, memoryMiB: 100 } }, { kind: 'Job', runsToCompletion: true });
    const r = run([workload('web', { replicas: 3, requests: { cpuMilli: 1000, memoryMiB: 100 } }), job]);
    expect(r.problems).toEqual([]);
    expect(r.pools.find((p) => p.pool === 'worker')?.requested.cpuMilli).toBe(3000);
    expect(run([workload('web', { replicas: 3, requests: { cpuMilli: 2000, memoryMiB: 100 } }), job]).problems).toEqual([expect.stringContaining('kubernetes/migrate: Job apps/migrate: 1 of 1 pod cannot be scheduled')]);
  });

  it(`warns when a pool's requests pass ${POOL_WARN_SHARE * 100}% of its allocatable, and not below`, () => {
    const r = run([workload('web', { replicas: 3, requests: { cpuMilli: 3300, memoryMiB: 100 } })]);
    expect(r.problems).toEqual([]);
    expect(r.warnings).toEqual([
      "node pool worker: the pods it runs request 83% of its allocatable CPU (9900m of 12000m, warned above 80%); a node drain or a rollout's surge may not fit",
    ]);
    expect(run([workload('web', { replicas: 3, requests: { cpuMilli: 3200, memoryMiB: 100 } })]).warnings).toEqual([]);
  });
});

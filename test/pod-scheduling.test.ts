import { describe, expect, it } from 'vitest';
import { podRequests, podSchedulingFact, quantity } from '../constructs/pod-scheduling';

describe('quantity', () => {
  it('reads millicores, binary and decimal suffixes', () => {
    expect(quantity('500m')).toBe(0.5);
    expect(quantity('1Gi')).toBe(2 ** 30);
    expect(quantity('768M')).toBe(768e6);
    expect(quantity(2)).toBe(2);
  });

  it('fails when the text is no quantity: it counts as nothing', () => {
    expect(quantity('lots')).toBe(0);
    expect(quantity(undefined)).toBe(0);
  });
});

describe('podRequests', () => {
  it('sums app and sidecar containers, and takes the largest one-shot init container when it is more', () => {
    const spec = {
      initContainers: [
        { name: 'migrate', resources: { requests: { cpu: '3', memory: '64Mi' } } },
        { name: 'proxy', restartPolicy: 'Always', resources: { requests: { cpu: '100m', memory: '128Mi' } } },
      ],
      containers: [{ name: 'app', resources: { requests: { cpu: '250m', memory: '1Gi' } } }],
    };
    expect(podRequests(spec)).toEqual({ cpuMilli: 3000, memoryMiB: 1152 });
  });

  it('requests a GPU set only as a limit, and a memory limit without a request', () => {
    const spec = { containers: [{ name: 'llm', resources: { limits: { 'nvidia.com/gpu': 1, memory: '2Gi' } } }] };
    expect(podRequests(spec)).toEqual({ cpuMilli: 0, memoryMiB: 2048, gpus: 1 });
  });

  it('rounds up: a pod never asks for less than it says', () => {
    expect(podRequests({ containers: [{ resources: { requests: { cpu: '0.0001', memory: '1000k' } } }] })).toEqual({ cpuMilli: 1, memoryMiB: 1 });
  });
});

describe('podSchedulingFact', () => {
  it('keeps what constrains the pod: replicas, selector, required node affinity, tolerations, anti-affinity, hard spread', () => {
    const fact = podSchedulingFact(
      'Deployment',
      { replicas: 3 },
      {
        nodeSelector: { 'kubernetes.io/os': 'linux' },
        affinity: {
          nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] }] } },
          podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: { app: 'x' } } }] },
        },
        tolerations: [{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }],
        topologySpreadConstraints: [
          { topologyKey: 'kubernetes.io/hostname', maxSkew: 1, whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { app: 'x' } } },
          { topologyKey: 'zone', maxSkew: 1, whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchLabels: { app: 'x' } } },
        ],
      },
    );
    expect(fact).toEqual({
      replicas: 3,
      nodeSelector: { 'kubernetes.io/os': 'linux' },
      nodeAffinity: [[{ key: 'zone', operator: 'In', values: ['a'] }]],
      tolerations: [{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }],
      antiAffinity: [{ topologyKey: 'kubernetes.io/hostname', selector: { matchLabels: { app: 'x' } } }],
      topologySpread: [{ topologyKey: 'kubernetes.io/hostname', maxSkew: 1, selector: { matchLabels: { app: 'x' } } }],
    });
  });

  it('gives a DaemonSet no replica count (one pod per node) and a Deployment without replicas one', () => {
    expect(podSchedulingFact('DaemonSet', {}, {})).toEqual({});
    expect(podSchedulingFact('Deployment', {}, {})).toEqual({ replicas: 1 });
    expect(podSchedulingFact('Job', { parallelism: 2 }, {})).toEqual({ replicas: 2 });
  });
});

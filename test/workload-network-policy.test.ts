import { Chart, Testing } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import { RedisStore } from '../constructs/redis-store';
import { WorkloadAlerts } from '../constructs/workload-alerts';
import { WorkloadNetworkPolicy, WorkloadNetworkPolicyProps } from '../constructs/workload-network-policy';
import type { Obj } from './support/workloads';

function render(props: Partial<WorkloadNetworkPolicyProps>): Obj {
  const chart = new Chart(Testing.app(), 'test');
  new WorkloadNetworkPolicy(chart, 'p', { name: 'p', namespace: 'ns', podSelector: { app: 'x' }, ...props });
  return (chart.toJson() as Obj[])[0];
}

describe('WorkloadNetworkPolicy', () => {
  it('renders one rule per peer, each with its ports', () => {
    const spec = render({
      ingress: [{ peer: { pods: { app: 'a' } }, ports: [{ port: 80 }] }, { peer: { namespace: 'monitoring' }, ports: [{ port: 9090 }] }],
      egress: [{ peer: { cidr: '10.0.0.0/8' }, ports: [{ port: 53, protocol: 'UDP' }] }, { peer: { pods: { app: 'b' }, namespace: 'other' }, ports: [{ port: 5432 }] }],
    }).spec;
    expect(spec.ingress).toEqual([
      { from: [{ podSelector: { matchLabels: { app: 'a' } } }], ports: [{ port: 80, protocol: 'TCP' }] },
      { from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } }, podSelector: {} }], ports: [{ port: 9090, protocol: 'TCP' }] },
    ]);
    expect(spec.egress).toEqual([
      { to: [{ ipBlock: { cidr: '10.0.0.0/8' } }], ports: [{ port: 53, protocol: 'UDP' }] },
      { to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'other' } }, podSelector: { matchLabels: { app: 'b' } } }], ports: [{ port: 5432, protocol: 'TCP' }] },
    ]);
  });

  it('isolates both directions when no rule is given', () => {
    expect(render({}).spec).toEqual({ podSelector: { matchLabels: { app: 'x' } }, policyTypes: ['Egress', 'Ingress'] });
  });

  it('fails when rules are given for a direction the policy does not isolate', () => {
    expect(() => render({ policyTypes: ['Egress'], ingress: [{ peer: { pods: { app: 'a' } }, ports: [{ port: 80 }] }] })).toThrow('ingress rules given but policyTypes ["Egress"] omits Ingress');
  });

  it('fails when a peer address block is not IPv4 CIDR', () => {
    expect(() => render({ egress: [{ peer: { cidr: '10.0.0.1' }, ports: [{ port: 80 }] }] })).toThrow('peer cidr "10.0.0.1" is not an IPv4 CIDR');
  });
});

describe('RedisStore', () => {
  const props = { namespace: 'ns', image: 'redis:7.4.2', serviceName: 'cache', storageGiB: 1 };
  const render = (extra: object = {}): Obj[] => {
    const chart = new Chart(Testing.app(), 'test');
    new RedisStore(chart, 'r', { ...props, ...extra });
    return chart.toJson() as Obj[];
  };

  it('caps Redis memory below the container limit so a full dataset fails writes instead of the pod', () => {
    const sts = render({ memoryLimitMiB: 2048 }).find((o) => o.kind === 'StatefulSet') as Obj;
    const args: string[] = sts.spec.template.spec.containers[0].args;
    expect(args[args.indexOf('--maxmemory') + 1]).toBe('1536mb');
  });

  it('fails when the image is not pinned', () => {
    expect(() => render({ image: 'redis' })).toThrow('RedisStore redis: image "redis" is not pinned');
  });
});

describe('WorkloadAlerts', () => {
  it('fails when the unavailability window is not a Prometheus duration', () => {
    const chart = new Chart(Testing.app(), 'test');
    expect(() => new WorkloadAlerts(chart, 'a', { workload: 'w', kind: 'Deployment', namespace: 'ns', unavailableFor: 'ten minutes' })).toThrow('"ten minutes" is not a Prometheus duration');
  });

  it('matches only the pods of its own StatefulSet', () => {
    const chart = new Chart(Testing.app(), 'test');
    new WorkloadAlerts(chart, 'a', { workload: 'redis', kind: 'StatefulSet', namespace: 'ns' });
    const rules = (chart.toJson() as Obj[])[0].spec.groups[0].rules;
    expect(rules.find((r: Obj) => r.alert === 'RedisPodRestarting').expr).toContain('pod=~"redis-[0-9]+"');
  });
});

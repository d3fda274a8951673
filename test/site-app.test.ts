import { Chart, Testing } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import { SiteApp, SiteAppProps } from '../constructs/site-app';
import type { Obj } from './support/workloads';

const base: SiteAppProps = {
  name: 'web',
  namespace: 'apps',
  image: 'example/web:1.2.3',
  containerPort: 8080,
  serviceName: 'web-service',
  servicePort: 80,
  requests: { cpuMilli: 250, memoryMiB: 512 },
  limits: { cpuMilli: 500, memoryMiB: 1536 },
};

function render(props: Partial<SiteAppProps> = {}): Obj[] {
  const chart = new Chart(Testing.app(), 'test');
  new SiteApp(chart, 'app', { ...base, ...props });
  return chart.toJson() as Obj[];
}

const deployment = (objs: Obj[]): Obj => objs.find((o) => o.kind === 'Deployment') as Obj;

describe('SiteApp', () => {
  it('renders a single-replica app as a Deployment, a Service and nothing else', () => {
    expect(render().map((o) => o.kind).sort()).toEqual(['Deployment', 'Service']);
  });

  it('prints memory as the site wrote it: whole GiB as Gi, the rest as Mi', () => {
    expect(deployment(render()).spec.template.spec.containers[0].resources).toEqual({
      requests: { cpu: '250m', memory: '512Mi' },
      limits: { cpu: '500m', memory: '1536Mi' },
    });
  });

  it('keeps env in the given order and takes secret values by reference', () => {
    const env = deployment(render({ env: [{ name: 'B', value: '2' }, { name: 'A', secret: { name: 'web-secrets', key: 'a' } }] })).spec.template.spec.containers[0].env;
    expect(env).toEqual([{ name: 'B', value: '2' }, { name: 'A', valueFrom: { secretKeyRef: { name: 'web-secrets', key: 'a' } } }]);
  });

  it('waits longer for a GPU app to start, and mounts shared memory for it', () => {
    const gpu = { count: 1, nodeSelector: { 'nvidia.com/gpu': 'true' }, tolerations: [], runtimeClassName: 'nvidia' };
    const pod = deployment(render({ gpu })).spec.template.spec;
    expect(pod.containers[0].startupProbe.failureThreshold).toBe(90);
    expect(pod.volumes).toContainEqual({ name: 'shm', emptyDir: { medium: 'Memory', sizeLimit: '2048Mi' } });
    expect(deployment(render()).spec.template.spec.containers[0].startupProbe.failureThreshold).toBe(30);
  });

  it('does not add a /tmp volume when the app mounts its own there', () => {
    const objs = render({ volumes: [{ name: 'scratch', mountPath: '/tmp', claim: { name: 'web-scratch', sizeGiB: 1, accessMode: 'ReadWriteOnce' } }] });
    expect(deployment(objs).spec.template.spec.volumes.map((v: Obj) => v.name)).toEqual(['scratch']);
  });

  it('fails when the image is not pinned to a tag or digest', () => {
    expect(() => render({ image: 'example/web' })).toThrow('SiteApp web: image "example/web" is not pinned');
    expect(() => render({ image: 'example/web:latest' })).toThrow('is not pinned');
    expect(() => render({ image: 'registry:5000/web' })).toThrow('is not pinned');
    expect(() => render({ image: `example/web@sha256:${'a'.repeat(64)}` })).not.toThrow();
  });

  it('fails when a request is above its limit', () => {
    expect(() => render({ requests: { cpuMilli: 900, memoryMiB: 512 } })).toThrow('requests.cpuMilli 900 is above limits.cpuMilli (500)');
  });

  it('fails when replicas on several nodes would share a ReadWriteOnce claim', () => {
    const volumes = [{ name: 'data', mountPath: '/data', claim: { name: 'web-data', sizeGiB: 5, accessMode: 'ReadWriteOnce' as const } }];
    expect(() => render({ replicas: 2, volumes })).toThrow(/volumes\[data\]\.claim\.accessMode "ReadWriteOnce" cannot be shared by 2 replicas.*ReadWriteMany/);
  });

  it('fails when two volumes use one mount path', () => {
    const claim = { sizeGiB: 1, accessMode: 'ReadWriteMany' as const };
    expect(() => render({ volumes: [{ name: 'a', mountPath: '/x', claim: { name: 'a', ...claim } }, { name: 'b', mountPath: '/x', claim: { name: 'b', ...claim } }] })).toThrow('mounted twice');
  });

  it('fails when a port is out of range', () => {
    expect(() => render({ containerPort: 70000 })).toThrow('containerPort 70000 is not a TCP port');
  });
});

import { describe, expect, it } from 'vitest';
import { buildModel, SiteModel } from '../model';
import { siteSchema } from '../site';
import reference from '../sites/hookprobe';
import type { KubeObject } from '../synth/synthesize';
import { synthesize } from '../synth/synthesize';
import { checkPolicy, formatFinding, imagePinProblem, POLICY_RULES, PolicyReport } from '../validate/policy';
import { policyCheck } from '../synth/checks';
import { referenceSite } from './support/sites';

/**
 * The policy on hand-made objects: a workload that passes every rule, then one change at a time, each of which must
 * fail naming the object and the rule. The objects sit in the reference site's components, so namespace ownership
 * and the built-in exceptions are the real ones.
 */

const model = buildModel(reference);
const NS = model.appNamespace;

// Test objects are edited in place by path; a loose type keeps each case to the one line it changes.
type Mutable = Record<string, any>;

function namespace(name = NS, labels: Record<string, string> = { enforce: 'restricted', audit: 'restricted', warn: 'restricted' }): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name, labels: Object.fromEntries(Object.entries(labels).map(([k, v]) => [`pod-security.kubernetes.io/${k}`, v])) },
  };
}

function defaultDeny(ns = NS): KubeObject {
  return { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'default-deny-all', namespace: ns }, spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'] } };
}

function deployment(): Mutable {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: NS },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: 'web' } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: {
          securityContext: { runAsNonRoot: true, runAsUser: 10001, seccompProfile: { type: 'RuntimeDefault' } },
          initContainers: [container('migrate')],
          containers: [{ ...container('web'), livenessProbe: { tcpSocket: { port: 8080 } }, readinessProbe: { tcpSocket: { port: 8080 } } }],
        },
      },
    },
  };
}

function container(name: string): Mutable {
  return {
    name,
    image: 'example/web:1.2.3',
    resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '256Mi' } },
    securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
  };
}

function service(type = 'ClusterIP', name = 'web', ns = NS): KubeObject {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: ns }, spec: { type, selector: { app: 'web' }, ports: [{ port: 80, targetPort: 8080 }] } };
}

/** The site's base component owns the app namespace (with its default-deny); the workload is an app component. */
function manifests(objects: readonly object[], base: readonly KubeObject[] = [namespace(), defaultDeny()]): Map<string, KubeObject[]> {
  return new Map([
    [`${NS}-base`, [...base]],
    ['qsecbit-backend', objects as KubeObject[]],
  ]);
}

function check(objects: readonly object[], m: SiteModel = model, base?: readonly KubeObject[]): PolicyReport {
  return checkPolicy(manifests(objects, base), m);
}

function only(report: PolicyReport, rule: string): string[] {
  return report.findings.filter((f) => f.rule === rule).map(formatFinding);
}

function withExceptions(exceptions: { rule: string; object: string; reason: string }[]): SiteModel {
  const site = referenceSite() as Mutable;
  site.policy = { exceptions };
  return buildModel(siteSchema.parse(site));
}

describe('checkPolicy', () => {
  it('passes a workload that meets every rule', () => {
    expect(check([deployment(), service()]).findings.map(formatFinding)).toEqual([]);
  });

  it('fails when an image is not pinned, naming the object and the rule', () => {
    const d = deployment();
    d.spec.template.spec.containers[0].image = 'example/web';
    d.spec.template.spec.initContainers[0].image = 'example/migrate:latest';
    const lines = only(check([d, service()]), 'image-pinned');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^Deployment\/hookprobe\/web \(qsecbit-backend\): image-pinned: init container "migrate": image example\/migrate:latest uses the moving tag "latest"; fix: pin/);
    expect(lines[1]).toContain('container "web": image example/web has no tag');
  });

  it('accepts a digest, a registry port and an exact tag as pinned', () => {
    expect(imagePinProblem(`example/web@sha256:${'a'.repeat(64)}`)).toBeUndefined();
    expect(imagePinProblem('registry.local:5000/web:1.0')).toBeUndefined();
    expect(imagePinProblem('registry.local:5000/web')).toMatch(/no tag/);
  });

  it('fails when a limit is missing', () => {
    const d = deployment();
    delete d.spec.template.spec.containers[0].resources.limits.memory;
    const lines = only(check([d, service()]), 'resources-limits');
    expect(lines).toEqual([expect.stringMatching(/^Deployment\/hookprobe\/web \(qsecbit-backend\): resources-limits: container "web" has no memory limit; fix: set resources\.limits\.memory/)]);
  });

  it('fails when requests are missing, in an init container too', () => {
    const d = deployment();
    d.spec.template.spec.initContainers[0].resources = {};
    const report = check([d, service()]);
    expect(only(report, 'resources-requests')).toEqual([expect.stringContaining('init container "migrate" requests no cpu or memory')]);
    expect(only(report, 'resources-limits')).toEqual([expect.stringContaining('init container "migrate" has no cpu or memory limit')]);
  });

  it('fails when a probe is missing; readiness only matters where a Service sends traffic', () => {
    const d = deployment();
    delete d.spec.template.spec.containers[0].readinessProbe;
    expect(only(check([d, service()]), 'probes')).toEqual([expect.stringContaining('container "web" has no readinessProbe (a Service sends it traffic)')]);
    expect(only(check([d]), 'probes')).toEqual([]);
    delete d.spec.template.spec.containers[0].livenessProbe;
    expect(only(check([d]), 'probes')).toEqual([expect.stringMatching(/^Deployment\/hookprobe\/web \(qsecbit-backend\): probes: container "web" has no livenessProbe;/)]);
  });

  it('does not ask a Job or an init container for probes', () => {
    const job = { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'once', namespace: NS }, spec: { template: { spec: { ...deployment().spec.template.spec, containers: [container('once')], restartPolicy: 'Never' } } } };
    expect(check([job]).findings.map(formatFinding)).toEqual([]);
  });

  it('fails when a container runs as root, or may', () => {
    const d = deployment();
    d.spec.template.spec.containers[0].securityContext.runAsUser = 0;
    expect(only(check([d, service()]), 'run-as-non-root')).toEqual([expect.stringMatching(/^Deployment\/hookprobe\/web \(qsecbit-backend\): run-as-non-root: container "web" runs as root \(runAsUser 0\)/)]);
    const e = deployment();
    e.spec.template.spec.securityContext = { seccompProfile: { type: 'RuntimeDefault' } };
    expect(only(check([e, service()]), 'run-as-non-root')).toHaveLength(2);
    expect(only(check([e, service()]), 'run-as-non-root')[1]).toContain("may run as root: runAsNonRoot is not true and no runAsUser is set, so the image's USER decides");
  });

  it('fails on a writable root filesystem, privilege escalation, kept capabilities, added capabilities, privileged and no seccomp', () => {
    const d = deployment();
    d.spec.template.spec.securityContext = { runAsNonRoot: true };
    d.spec.template.spec.containers[0].securityContext = { privileged: true, capabilities: { add: ['NET_ADMIN', 'NET_BIND_SERVICE'] } };
    const rules = check([d, service()]).findings.filter((f) => f.message.startsWith('container "web"')).map((f) => f.rule);
    expect(rules).toEqual(['capabilities-add', 'capabilities-drop-all', 'no-privilege-escalation', 'no-privileged', 'read-only-root-fs', 'seccomp-profile']);
    expect(check([d, service()]).findings.find((f) => f.rule === 'capabilities-add')?.message).toBe('container "web" adds NET_ADMIN');
  });

  it('fails when hostPath is used outside the allow-list, and lets the device plugin use its socket folder', () => {
    const d = deployment();
    d.spec.template.spec.volumes = [{ name: 'logs', hostPath: { path: '/var/log' } }];
    expect(only(check([d, service()]), 'host-path')).toEqual([
      'Deployment/hookprobe/web (qsecbit-backend): host-path: the pod mounts host folders: logs (/var/log); fix: use a PersistentVolumeClaim, a ConfigMap or an emptyDir instead; node agents that need the host declare an exception with the reason',
    ]);

    const gpuNs = model.components.find((c) => c.name === 'nvidia-gpu')?.namespace as string;
    const plugin = { ...deployment(), kind: 'DaemonSet', metadata: { name: 'nvidia-device-plugin', namespace: gpuNs } } as Mutable;
    plugin.spec.template.spec.volumes = [{ name: 'dp', hostPath: { path: '/var/lib/kubelet/device-plugins' } }];
    const report = checkPolicy(new Map([['nvidia-gpu', [namespace(gpuNs), defaultDeny(gpuNs), plugin as KubeObject]]]), model);
    expect(report.findings.map(formatFinding)).toEqual([]);
    expect(report.exceptions).toContainEqual(expect.objectContaining({ object: `DaemonSet/${gpuNs}/nvidia-device-plugin`, rule: 'host-path', source: 'built-in', reason: expect.stringContaining('device-plugins') }));

    // The same object in another component gets no such allowance: the allow-list is keyed by component and object.
    const elsewhere = checkPolicy(new Map([['nvidia-gpu', [namespace(gpuNs), defaultDeny(gpuNs)]], ['qsecbit-backend', [plugin as KubeObject]]]), model);
    expect(elsewhere.findings.map((f) => f.rule)).toContain('host-path');
  });

  it('fails on host namespaces and host ports', () => {
    const d = deployment();
    d.spec.template.spec.hostNetwork = true;
    d.spec.template.spec.hostPID = true;
    d.spec.template.spec.containers[0].ports = [{ containerPort: 8080, hostPort: 8080 }];
    const report = check([d, service()]);
    expect(only(report, 'host-namespaces')).toEqual([expect.stringContaining("the pod shares the node's hostNetwork, hostPID")]);
    expect(only(report, 'host-port')).toEqual([expect.stringContaining('container "web" binds host port 8080')]);
  });

  it('checks the pod template of every workload kind', () => {
    const spec = deployment().spec.template.spec;
    spec.containers[0].image = 'example/web:latest';
    const objects = [
      { apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'a', namespace: NS }, spec: { template: { spec } } },
      { apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'b', namespace: NS }, spec: { template: { spec } } },
      { apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'c', namespace: NS }, spec: { template: { spec } } },
      { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'd', namespace: NS }, spec: { template: { spec } } },
      { apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name: 'e', namespace: NS }, spec: { jobTemplate: { spec: { template: { spec } } } } },
      { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'f', namespace: NS }, spec },
    ];
    expect(check(objects).findings.filter((f) => f.rule === 'image-pinned').map((f) => f.object)).toEqual([
      'CronJob/hookprobe/e', 'DaemonSet/hookprobe/b', 'Job/hookprobe/d', 'Pod/hookprobe/f', 'ReplicaSet/hookprobe/c', 'StatefulSet/hookprobe/a',
    ]);
  });

  it('fails when a Secret carries data', () => {
    const secret = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'db', namespace: NS }, stringData: { password: 'hunter2' } };
    expect(only(check([secret]), 'secret-data')).toEqual([
      expect.stringMatching(/^Secret\/hookprobe\/db \(qsecbit-backend\): secret-data: carries a value for password in dist\/.*; fix: create the Secret in the cluster with an ExternalSecret/),
    ]);
    expect(only(check([{ ...secret, stringData: undefined, type: 'kubernetes.io/service-account-token' }]), 'secret-data')).toEqual([]);
  });

  it('fails on a LoadBalancer Service the site does not publish, and allows the ingress controller', () => {
    expect(only(check([deployment(), service('LoadBalancer')]), 'service-loadbalancer')).toEqual([
      expect.stringMatching(/^Service\/hookprobe\/web \(qsecbit-backend\): service-loadbalancer: is of type LoadBalancer/),
    ]);
    expect(only(check([deployment(), service('NodePort')]), 'service-nodeport')).toHaveLength(1);

    const ingress = model.components.find((c) => c.name === 'ingress-nginx');
    expect(ingress, 'the reference site has the ingress add-on').toBeDefined();
    const ns = (ingress as { namespace: string }).namespace;
    const report = checkPolicy(new Map([['ingress-nginx', [namespace(ns), service('LoadBalancer', 'ingress-nginx-controller', ns)]]]), model);
    expect(report.findings.filter((f) => f.rule === 'service-loadbalancer')).toEqual([]);
    expect(report.exceptions).toContainEqual(expect.objectContaining({ object: `Service/${ns}/ingress-nginx-controller`, rule: 'service-loadbalancer', source: 'built-in' }));
  });

  it('fails when a namespace has no Pod Security labels', () => {
    const report = check([deployment(), service()], model, [namespace(NS, { enforce: 'restricted' }), defaultDeny()]);
    expect(only(report, 'namespace-pss-labels')).toEqual([
      `Namespace/hookprobe (${NS}-base): namespace-pss-labels: no pod-security.kubernetes.io/audit label; no pod-security.kubernetes.io/warn label; fix: create the namespace with PodSecurityNamespace (enforce the level, audit and warn restricted, and give the reason when below restricted)`,
    ]);
    const privileged = check([deployment(), service()], model, [namespace(NS, { enforce: 'privileged', audit: 'restricted', warn: 'restricted' }), defaultDeny()]);
    expect(only(privileged, 'namespace-pss-labels')).toEqual([expect.stringContaining('enforces "privileged" without a site-compiler/pod-security-reason annotation')]);
  });

  it('fails when a namespace has no default-deny NetworkPolicy, or only half of one', () => {
    expect(only(check([deployment(), service()], model, [namespace()]), 'namespace-default-deny')).toEqual([
      expect.stringMatching(/^Namespace\/hookprobe \(hookprobe-base\): namespace-default-deny: has no default-deny NetworkPolicy for ingress and egress/),
    ]);
    const ingressOnly = { ...defaultDeny(), spec: { podSelector: {}, policyTypes: ['Ingress'] } };
    expect(only(check([deployment(), service()], model, [namespace(), ingressOnly]), 'namespace-default-deny')).toEqual([expect.stringContaining('for egress')]);
    const allowsAll = { ...defaultDeny(), spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'], egress: [{}] } };
    expect(only(check([deployment(), service()], model, [namespace(), allowsAll]), 'namespace-default-deny')).toEqual([expect.stringContaining('for egress')]);
  });

  it('fails when an object uses a namespace no component creates', () => {
    const d = deployment();
    d.metadata.namespace = 'elsewhere';
    const report = check([d]);
    expect(only(report, 'namespace-exists')).toEqual([expect.stringMatching(/^Namespace\/elsewhere \(qsecbit-backend\): namespace-exists: is used by objects of component qsecbit-backend but no component creates it/)]);
    expect(only(report, 'namespace-default-deny')).toEqual([expect.stringContaining('Namespace/elsewhere')]);
  });

  it('excepts namespaces of third-party charts and kube-system from the default-deny, with the reason', () => {
    const report = checkPolicy(new Map([['monitoring', [namespace('monitoring')]], ['cilium', [service('ClusterIP', 'hubble', 'kube-system')]]]), model);
    expect(report.findings.map(formatFinding)).toEqual([]);
    expect(report.exceptions.map((e) => `${e.object} ${e.rule}`)).toEqual([
      'Namespace/kube-system namespace-default-deny',
      'Namespace/kube-system namespace-exists',
      'Namespace/monitoring namespace-default-deny',
    ]);
    expect(report.exceptions[2].reason).toMatch(/third-party chart of monitoring/);
  });

  it('lets a site exception suppress a finding and returns it with its reason', () => {
    const d = deployment();
    d.spec.template.spec.containers[0].image = 'example/web:latest';
    const reason = 'the vendor publishes only latest; tracked in issue 42';
    const m = withExceptions([{ rule: 'image-pinned', object: 'Deployment/hookprobe/web', reason }]);
    const report = check([d, service()], m);
    expect(report.findings.map(formatFinding)).toEqual([]);
    expect(report.exceptions).toEqual([
      { component: 'qsecbit-backend', object: 'Deployment/hookprobe/web', rule: 'image-pinned', reason, source: 'site', suppressed: 'container "web": image example/web:latest uses the moving tag "latest"' },
    ]);
    expect(report.warnings).toEqual([]);
  });

  it('applies a site exception only to its rule and object, and warns about one that matches nothing', () => {
    const d = deployment();
    d.spec.template.spec.containers[0].image = 'example/web:latest';
    const m = withExceptions([
      { rule: 'resources-limits', object: 'Deployment/hookprobe/web', reason: 'wrong rule for this finding' },
      { rule: 'image-pinned', object: 'Deployment/other/web', reason: 'wrong namespace for this object' },
    ]);
    const report = check([d, service()], m);
    expect(report.findings.map((f) => f.rule)).toEqual(['image-pinned']);
    expect(report.warnings).toHaveLength(2);
    expect(report.warnings[0]).toMatch(/^policy\.exceptions\[0\] \(resources-limits on Deployment\/hookprobe\/web\) matched no finding/);
  });

  it('fails when a site exception names a rule that does not exist', () => {
    const report = check([deployment(), service()], withExceptions([{ rule: 'imge-pinned', object: 'Deployment/hookprobe/web', reason: 'a typo in the rule name' }]));
    expect(report.findings.map(formatFinding)).toEqual([expect.stringMatching(/^policy\.exceptions\[0\] \(site\): exception-rule: "imge-pinned" is not a policy rule.*fix: use one of image-pinned, /)]);
  });

  it('lists Argo CD-delivered components and operator-made pods as not checked', () => {
    const report = check([deployment(), service(), { apiVersion: 'postgresql.cnpg.io/v1', kind: 'Cluster', metadata: { name: 'pg', namespace: NS }, spec: { instances: 3 } }]);
    const argo = model.components.filter((c) => c.delivery === 'argocd').map((c) => c.name).sort();
    expect(argo.length).toBeGreaterThan(0);
    expect(report.unchecked.filter((u) => !u.object).map((u) => u.component)).toEqual(argo);
    expect(report.unchecked).toContainEqual(expect.objectContaining({ component: 'qsecbit-backend', object: 'Cluster/hookprobe/pg', reason: expect.stringContaining('CloudNativePG') }));
  });

  it('is an output check: one line per finding, none for clean output', () => {
    const d = deployment();
    d.spec.template.spec.containers[0].image = 'example/web';
    const partial = { warnings: [], manifests: manifests([d, service()]), terraform: new Map(), extraManifests: new Map() };
    expect(policyCheck(partial, model)).toEqual([expect.stringMatching(/^Deployment\/hookprobe\/web \(qsecbit-backend\): image-pinned: .*; fix: /)]);
    expect(policyCheck({ ...partial, manifests: manifests([deployment(), service()]) }, model)).toEqual([]);
  });
});

describe('checkPolicy on the reference site', () => {
  const result = synthesize(model);
  const report = checkPolicy(result.manifests, model);

  it('names the object, component and rule in every finding', () => {
    const components = new Set([...result.manifests.keys(), 'site']);
    for (const f of report.findings) {
      expect(components.has(f.component), formatFinding(f)).toBe(true);
      expect(f.object).toMatch(/^[A-Za-z]+\/[a-z0-9.-]+(\/[a-z0-9.-]+)?$/);
      expect(Object.keys(POLICY_RULES)).toContain(f.rule);
      expect(f.fix.length).toBeGreaterThan(10);
    }
  });

  it('gives every applied exception a reason and lists every Argo CD-delivered chart as not checked', () => {
    for (const e of report.exceptions) expect(e.reason.length, `${e.object} ${e.rule}`).toBeGreaterThan(20);
    const argo = model.components.filter((c) => c.delivery === 'argocd').map((c) => c.name);
    for (const name of argo) expect(report.unchecked.map((u) => u.component)).toContain(name);
  });

  it('is the same report twice', () => {
    expect(checkPolicy(synthesize(model).manifests, model)).toEqual(report);
  });
});

import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ALL_ADDONS, AddonDefinition } from '../addons';
import { addonFacts } from '../addons/addon-facts';
import { chartFactsFileFor, readChartFacts } from '../constructs/chart-facts-file';
import { WorkloadNetworkPolicy } from '../constructs/workload-network-policy';
import type { KubeObject } from '../core/kube-object';
import { buildModel } from '../model';
import { parseSite, siteSchemaFor } from '../site';
import { networkFlowsCheck } from '../synth/checks';
import { PROJECT_ROOT } from '../synth/run-synth';
import { SynthError, synthesize } from '../synth/synthesize';
import { checkFlows, FlowReport } from '../validate/network-flows';
import { committedCompile } from './support/compiled';
import { siteWithEdges } from './support/gitops';
import { referenceSite } from './support/sites';

const releasesOf = (site: string) => readChartFacts(chartFactsFileFor(path.join(PROJECT_ROOT, site))).releases;
const hookprobe = committedCompile('sites/hookprobe.ts');
const homelab = committedCompile('sites/homelab.ts');

const find = (report: FlowReport, id: string) => report.results.find((r) => r.id === id);

describe('the committed sites', () => {
  it('need 222 (hookprobe) and 182 (homelab) flows (grafana and kube-state-metrics reach the API server and DNS), none of them blocked', () => {
    expect([hookprobe.flows.results.length, homelab.flows.results.length]).toEqual([222, 182]);
    expect(hookprobe.flows.findings).toEqual([]);
    expect(homelab.flows.findings).toEqual([]);
    expect(hookprobe.flows.results.filter((r) => r.status === 'blocked')).toEqual([]);
  });

  it('hold one verdict object for equal verdicts (a fleet\'s scrape flows share theirs), a different one for different verdicts', () => {
    const byKey = new Map<string, Set<object>>();
    for (const r of hookprobe.flows.results) {
      const key = JSON.stringify(r.verdict);
      byKey.set(key, (byKey.get(key) ?? new Set()).add(r.verdict));
    }
    expect([...byKey.values()].every((objects) => objects.size === 1)).toBe(true);
    expect(byKey.size).toBeGreaterThan(1);
    expect(byKey.size).toBeLessThan(hookprobe.flows.results.length);
  });

  it('let the ingress controller reach the HTTP-01 solver of backend.hookprobe.com, through the solver\'s own policy', () => {
    const solver = find(hookprobe.flows, 'Deployment/ingress-nginx/ingress-nginx-controller -> cert-manager HTTP-01 solver (hookprobe):8089/TCP');
    expect(solver?.status).toBe('allowed');
    expect(solver?.verdict.ingress.allowedBy.map((a) => a.policy)).toEqual(['NetworkPolicy/hookprobe/allow-acme-http01-solver']);
  });

  it('let the pods of every default-deny namespace resolve names over UDP and TCP', () => {
    for (const [report, pod] of [[hookprobe.flows, 'DaemonSet/nvidia-gpu/dcgm-exporter'], [hookprobe.flows, 'DaemonSet/nvidia-gpu/nvidia-device-plugin'], [homelab.flows, 'Deployment/local-path-storage/local-path-provisioner']] as const) {
      for (const protocol of ['UDP', 'TCP']) expect(find(report, `${pod} -> kube-dns (CoreDNS):53/${protocol}`)?.status, `${pod} ${protocol}`).toBe('allowed');
    }
  });

  it('reach the API server on Cilium only through the CiliumNetworkPolicy, on Calico through the ipBlock rules', () => {
    const pg = find(hookprobe.flows, 'Cluster/hookprobe/postgres pods -> kube-apiserver (10.100.0.10):6443/TCP');
    expect(pg?.verdict.egress.allowedBy.map((a) => a.policy)).toEqual(['CiliumNetworkPolicy/hookprobe/postgres-to-apiserver']);
    const lp = find(homelab.flows, 'Deployment/local-path-storage/local-path-provisioner -> kube-apiserver (10.2.0.11):6443/TCP');
    expect(lp?.verdict.egress.allowedBy.map((a) => a.policy)).toEqual(['NetworkPolicy/local-path-storage/local-path-provisioner']);
  });

  it('list what a rule allows that nothing needs (every monitoring pod may reach the apps, only Prometheus does)', () => {
    const rule = hookprobe.flows.unneeded.find((u) => u.rule.policy === 'NetworkPolicy/hookprobe/django-central' && u.rule.direction === 'ingress' && u.rule.index === 1);
    expect(rule?.grants).toContain('StatefulSet/monitoring/loki -> 8000/TCP');
    expect(rule?.grants.some((g) => g.startsWith('Prometheus'))).toBe(false);
  });

  it('show the flow matrix in REVIEW.md', () => {
    const review = hookprobe.tree.get('REVIEW.md') as string;
    expect(review).toContain('## Network flows');
    expect(review).toMatch(/222 connections the system needs .* 0 blocked\./);
    expect(review).toContain('| acme | Deployment/ingress-nginx/ingress-nginx-controller | cert-manager HTTP-01 solver (hookprobe) | 8089/TCP | allowed | NetworkPolicy/hookprobe/allow-acme-http01-solver ingress[0] |');
    expect(review).toContain('### Allowed, but no needed flow uses it');
  });
});

/**
 * A test-only add-on that ships a policy in the way: it isolates the Prometheus pods for egress and lets them reach
 * only the cluster DNS, as a hardening add-on written without the scrapes in mind would.
 */
const lockdownFacts = addonFacts({
  key: 'lockdown',
  spec: z.strictObject({}),
  description: 'Locks down Prometheus egress (test fixture). Default: not installed.',
  component: 'lockdown',
  namespace: 'lockdown',
  provides: [],
  needs: ['metrics'],
  podSecurity: { level: 'restricted' },
});
const lockdown: AddonDefinition = {
  facts: lockdownFacts,
  build: (chart) => {
    new WorkloadNetworkPolicy(chart, 'prometheus-egress', {
      name: 'prometheus-egress',
      namespace: 'monitoring',
      podSelector: { 'app.kubernetes.io/name': 'prometheus' },
      policyTypes: ['Egress'],
      egress: [{ peer: { pods: { 'k8s-app': 'kube-dns' }, namespace: 'kube-system' }, ports: [{ port: 53, protocol: 'UDP' }, { port: 53, protocol: 'TCP' }] }],
    });
  },
};

function lockedDownSite(exceptions: unknown[] = []) {
  const addons = [...ALL_ADDONS, lockdown];
  const site = referenceSite() as Record<string, any>;
  site.platform.addons.lockdown = {};
  site.policy.exceptions.push(...exceptions);
  const catalog = addons.map((a) => a.facts);
  const model = buildModel(parseSite(site, 'fixture site', siteSchemaFor(catalog)), 'fixture site', { addons: catalog });
  return { model, addons };
}

const DJANGO_SCRAPE = 'Prometheus (monitoring) -> Deployment/hookprobe/django-central:8000/TCP';

describe('a blocked needed flow', () => {
  it('fails synth, naming source, destination, port, the policy in the way and the fix', () => {
    const { model, addons } = lockedDownSite();
    let error: unknown;
    try {
      synthesize(model, [networkFlowsCheck], { addons });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(SynthError);
    const line = (error as SynthError).findings.find((f) => f.startsWith(`${DJANGO_SCRAPE}:`));
    expect(line).toContain('needed-flow: ServiceMonitor/hookprobe/django-central scrapes it');
    expect(line).toContain('NetworkPolicy/monitoring/prometheus-egress isolates Prometheus (monitoring) for egress and no rule of it allows 8000/TCP to Deployment/hookprobe/django-central');
    expect(line).toMatch(/fix: add a NetworkPolicy in namespace monitoring with podSelector: \{ matchLabels: \{"app\.kubernetes\.io\/name":"prometheus"\} \} \(the pods of Prometheus \(monitoring\)\) with an egress rule to \{ namespaceSelector: \{ matchLabels: \{ kubernetes\.io\/metadata\.name: hookprobe \} \}, podSelector: \{ matchLabels: \{"app":"django-central"\} \} \} on port 8000\/TCP/);
    expect(line).toContain(`policy.exceptions: [{ rule: needed-flow, object: '${DJANGO_SCRAPE}'`);
    // Every scrape is cut, DNS is not.
    expect((error as SynthError).findings.filter((f) => f.includes('scrapes it')).length).toBe(7);
    expect((error as SynthError).findings.some((f) => f.includes('kube-dns'))).toBe(false);
  });

  it('is accepted when the site declares the exception, which REVIEW.md shows with its reason', () => {
    const reason = 'Django metrics are read by the app team\'s own collector during the migration';
    const { model, addons } = lockedDownSite([{ rule: 'needed-flow', object: DJANGO_SCRAPE, reason }]);
    const result = synthesize(model, [], { addons });
    const report = checkFlows({ model, manifests: result.manifests, releases: releasesOf('sites/hookprobe.ts') });
    expect(find(report, DJANGO_SCRAPE)?.status).toBe('excepted');
    expect(report.findings.map((f) => f.object)).not.toContain(DJANGO_SCRAPE);
    expect(report.findings.length).toBe(6);
  });

  it('fails when the exception names no blocked flow: a note says so', () => {
    const { model, addons } = lockedDownSite([{ rule: 'needed-flow', object: 'a -> b:1/TCP', reason: 'a stale exception left behind' }]);
    const result = synthesize(model, [], { addons });
    const report = checkFlows({ model, manifests: result.manifests, releases: releasesOf('sites/hookprobe.ts') });
    expect(report.notes.some((n) => n.includes('policy.exceptions[1] (needed-flow on a -> b:1/TCP) matched no blocked flow'))).toBe(true);
  });
});

describe('what the evaluator cannot prove or must refuse', () => {
  const withObject = (extra: KubeObject): FlowReport => {
    const manifests = new Map(hookprobe.result.manifests);
    manifests.set('extra', [extra]);
    return checkFlows({ model: hookprobe.model, manifests, releases: releasesOf('sites/hookprobe.ts') });
  };

  it('fails when the tree holds a policy kind of the CNI that it cannot evaluate', () => {
    const report = withObject({ apiVersion: 'cilium.io/v2', kind: 'CiliumClusterwideNetworkPolicy', metadata: { name: 'wide' }, spec: {} } as KubeObject);
    expect(report.findings.map((f) => `${f.object} ${f.rule}`)).toEqual(['CiliumClusterwideNetworkPolicy/wide policy-kind']);
  });

  it('fails when a LoadBalancer Service asks for externalTrafficPolicy Local on Cilium L2 announcements', () => {
    const service = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'edge-api', namespace: 'hookprobe' }, spec: { type: 'LoadBalancer', externalTrafficPolicy: 'Local', ports: [{ port: 443 }] } } as unknown as KubeObject;
    const report = withObject(service);
    expect(report.findings).toEqual([expect.objectContaining({ object: 'Service/hookprobe/edge-api', rule: 'load-balancer-traffic-policy', fix: 'set spec.externalTrafficPolicy: Cluster' })]);
    expect(report.findings[0].message).toContain('L2 announcements');
  });

  const application = (values: string): KubeObject => ({
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Application',
    metadata: { name: 'edge-proxy', namespace: 'argocd' },
    spec: { source: { chart: 'edge-proxy', helm: { values } } },
  }) as unknown as KubeObject;

  it('fails when chart values ask for a LoadBalancer Service with externalTrafficPolicy Local on Cilium L2 announcements', () => {
    const report = withObject(application('controller:\n  service:\n    type: LoadBalancer\n    externalTrafficPolicy: Local\n'));
    expect(report.findings).toEqual([expect.objectContaining({ object: 'Application/argocd/edge-proxy', rule: 'load-balancer-traffic-policy', fix: expect.stringContaining('controller.service.externalTrafficPolicy: Cluster') })]);
  });

  it('fails when chart values spell Local with a YAML escape (the text does not hold the word itself)', () => {
    for (const local of ['"L\\x6fcal"', '"Lo\\\n      cal"']) {
      const report = withObject(application(`controller:\n  service:\n    type: LoadBalancer\n    externalTrafficPolicy: ${local}\n`));
      expect(report.findings.map((f) => `${f.object} ${f.rule}`), local).toEqual(['Application/argocd/edge-proxy load-balancer-traffic-policy']);
    }
    // Folded plain and single-quoted scalars join their lines with a space: not Local.
    expect(withObject(application('svc:\n  type: LoadBalancer\n  externalTrafficPolicy: Lo\n    cal\n')).findings).toEqual([]);
  });

  it('keeps Local where the load balancer supports it (MetalLB on the homelab)', () => {
    const app = homelab.result.manifests.get('argocd-apps')?.find((o) => o.kind === 'Application' && o.metadata.name === 'ingress-nginx');
    expect(JSON.stringify(app)).toContain('externalTrafficPolicy: Local');
    expect(homelab.flows.findings).toEqual([]);
  });

  const monitor = (name: string, namespace: string, component: string, port: string): KubeObject => ({
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'ServiceMonitor',
    metadata: { name, namespace: 'monitoring' },
    spec: { namespaceSelector: { matchNames: [namespace] }, selector: { matchLabels: { 'app.kubernetes.io/name': component } }, endpoints: [{ port }] },
  }) as unknown as KubeObject;

  it('evaluates the NetworkPolicies a chart renders from their measured specs (Argo CD\'s, not in the tree)', () => {
    const open = withObject(monitor('argocd-controller', 'argocd', 'argocd-application-controller', 'metrics'));
    const scrape = find(open, 'Prometheus (monitoring) -> StatefulSet/argocd/argocd-application-controller:8082/TCP');
    expect(scrape?.status).toBe('allowed');
    expect(scrape?.verdict.ingress.allowedBy).toEqual([{ policy: 'NetworkPolicy/argocd/argocd-application-controller', direction: 'ingress', index: 0 }]);
  });

  it('fails when a chart\'s own NetworkPolicy is in the way (Argo CD\'s redis admits only Argo CD)', () => {
    const report = withObject(monitor('argocd-redis', 'argocd', 'argocd-redis', 'redis'));
    expect(report.findings.map((f) => f.object)).toEqual(['Prometheus (monitoring) -> Deployment/argocd/argocd-redis:6379/TCP']);
    expect(report.findings[0].message).toContain('NetworkPolicy/argocd/argocd-redis isolates Deployment/argocd/argocd-redis for ingress');
  });

  it('marks flows where a chart renders NetworkPolicies whose specs the facts lack as unverified, never as proven', () => {
    const releases = releasesOf('sites/hookprobe.ts').map(({ networkPolicies: _, ...r }) => r);
    const report = checkFlows({ model: hookprobe.model, manifests: hookprobe.result.manifests, releases });
    const argo = report.results.filter((r) => r.flow.source.kind === 'pod' && r.flow.source.namespace === 'argocd');
    expect(argo.length).toBeGreaterThan(0);
    expect(new Set(argo.map((r) => r.status))).toEqual(new Set(['unverified']));
    expect(hookprobe.flows.results.filter((r) => r.status === 'unverified')).toEqual([]);
  });
});

describe('an edge fleet of 1,000', () => {
  it('passes, each edge a scrape target of Prometheus', () => {
    const { model } = siteWithEdges(1000);
    const result = synthesize(model);
    const report = checkFlows({ model, manifests: result.manifests, releases: releasesOf('sites/hookprobe.ts') });
    expect(report.findings).toEqual([]);
    expect(report.results.filter((r) => r.flow.category === 'scrape' && r.flow.destination.kind === 'external').length).toBe(1000);
  });
});

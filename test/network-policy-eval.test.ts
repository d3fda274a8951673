import { describe, expect, it } from 'vitest';
import { ClusterFacts, Endpoint, evaluateFlow, Flow, parsePolicy, PolicyObject, Protocol, selectorMatches } from '../validate/network-policy-eval';

/** Hand-written policies and pods, one semantic rule of the Kubernetes API (or Cilium) per test. */

const cluster = (over: Partial<ClusterFacts> = {}): ClusterFacts => ({
  namespaceLabels: new Map([['shop', { team: 'web' }], ['monitoring', { team: 'ops' }], ['other', { team: 'web' }]]),
  podCidr: '10.244.0.0/16',
  nodeAddresses: ['10.0.0.11', '10.0.0.12'],
  ipBlockMatchesCluster: true,
  ...over,
});

const pod = (namespace: string, labels: Record<string, string>, ports: { port: number; name?: string; protocol?: Protocol }[] = []): Endpoint => ({
  kind: 'pod',
  id: `Deployment/${namespace}/${Object.values(labels).join('-')}`,
  namespace,
  labels,
  ports,
});
const web = pod('shop', { app: 'web' }, [{ port: 8080, name: 'http' }, { port: 9090, name: 'metrics' }]);
const api = pod('shop', { app: 'api' });
const prometheus = pod('monitoring', { app: 'prometheus' });
const otherApi = pod('other', { app: 'api' });
const dns = pod('kube-system', { 'k8s-app': 'kube-dns' }, [{ port: 53, protocol: 'UDP', name: 'dns' }, { port: 53, protocol: 'TCP', name: 'dns-tcp' }]);
const apiserver: Endpoint = { kind: 'apiserver', id: 'kube-apiserver (10.0.0.11)', addresses: ['10.0.0.11'] };
const internet: Endpoint = { kind: 'external', id: 'internet', cidr: '0.0.0.0/0' };
const flow = (source: Endpoint, destination: Endpoint, port: number, protocol: Protocol = 'TCP'): Flow => ({ source, destination, port, protocol });

const np = (name: string, namespace: string, spec: Record<string, unknown>): PolicyObject => ({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name, namespace }, spec });
const cnp = (name: string, namespace: string, spec: Record<string, unknown>): PolicyObject => ({ apiVersion: 'cilium.io/v2', kind: 'CiliumNetworkPolicy', metadata: { name, namespace }, spec });
const denyAll = (namespace: string): PolicyObject => np('default-deny-all', namespace, { podSelector: {}, policyTypes: ['Ingress', 'Egress'] });

function allowed(objects: readonly PolicyObject[], f: Flow, facts = cluster()): boolean {
  const policies = objects.map((o) => parsePolicy(o)).filter((p) => p !== undefined);
  return evaluateFlow(policies, f, facts).allowed;
}

const ingressTo = (podSelector: unknown, from: unknown[] | undefined, ports?: unknown[]): PolicyObject =>
  np('allow', 'shop', { podSelector, policyTypes: ['Ingress'], ingress: [{ ...(from ? { from } : {}), ...(ports ? { ports } : {}) }] });

describe('isolation', () => {
  it('allows everything to and from a pod no policy selects', () => {
    expect(allowed([denyAll('other')], flow(api, web, 8080))).toBe(true);
  });

  it('fails when a default-deny selects the destination for ingress', () => {
    const f = flow(api, web, 8080);
    const policies = [parsePolicy(denyAll('shop'))].filter((p) => p !== undefined);
    const verdict = evaluateFlow(policies, f, cluster());
    expect(verdict.allowed).toBe(false);
    expect(verdict.egress.isolatedBy).toEqual(['NetworkPolicy/shop/default-deny-all']);
    expect(verdict.ingress.isolatedBy).toEqual(['NetworkPolicy/shop/default-deny-all']);
  });

  it('isolates only the directions in policyTypes: an Ingress-only policy leaves egress open', () => {
    const ingressOnly = np('in', 'shop', { podSelector: {}, policyTypes: ['Ingress'] });
    expect(allowed([ingressOnly], flow(web, internet, 443))).toBe(true);
    expect(allowed([ingressOnly], flow(internet, web, 8080))).toBe(false);
  });

  it('reads absent policyTypes as Ingress, plus Egress only when the policy has an egress section', () => {
    const noTypes = np('a', 'shop', { podSelector: {} });
    expect(allowed([noTypes], flow(web, internet, 443))).toBe(true);
    expect(allowed([noTypes], flow(internet, web, 8080))).toBe(false);
    const withEgress = np('b', 'shop', { podSelector: {}, egress: [] });
    expect(allowed([withEgress], flow(web, internet, 443))).toBe(false);
  });

  it('allows when ANY selecting policy allows: a default-deny does not subtract from another policy', () => {
    expect(allowed([denyAll('shop'), ingressTo({ matchLabels: { app: 'web' } }, [{ podSelector: { matchLabels: { app: 'api' } } }]), np('e', 'shop', { podSelector: { matchLabels: { app: 'api' } }, policyTypes: ['Egress'], egress: [{}] })], flow(api, web, 8080))).toBe(true);
  });

  it('fails when the source allows egress but the destination does not allow ingress (both ends must)', () => {
    const egressOpen = np('e', 'shop', { podSelector: {}, policyTypes: ['Egress'], egress: [{}] });
    expect(allowed([denyAll('shop'), egressOpen], flow(api, web, 8080))).toBe(false);
  });
});

describe('peers', () => {
  it('reads a podSelector alone as pods of the policy\'s own namespace', () => {
    const p = ingressTo({ matchLabels: { app: 'web' } }, [{ podSelector: { matchLabels: { app: 'api' } } }]);
    expect(allowed([p], flow(api, web, 8080))).toBe(true);
  });

  it('fails when the same labels come from another namespace', () => {
    const p = ingressTo({ matchLabels: { app: 'web' } }, [{ podSelector: { matchLabels: { app: 'api' } } }]);
    expect(allowed([p], flow(otherApi, web, 8080))).toBe(false);
  });

  it('reads a namespaceSelector alone as every pod of the selected namespaces, by namespace labels', () => {
    const p = ingressTo({}, [{ namespaceSelector: { matchLabels: { team: 'ops' } } }]);
    expect(allowed([p], flow(prometheus, web, 9090))).toBe(true);
    expect(allowed([p], flow(otherApi, web, 9090))).toBe(false);
  });

  it('matches the automatic kubernetes.io/metadata.name label of every namespace', () => {
    const p = ingressTo({}, [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } }]);
    expect(allowed([p], flow(prometheus, web, 9090))).toBe(true);
  });

  it('ANDs podSelector and namespaceSelector in one peer, and ORs separate peers', () => {
    const and = ingressTo({}, [{ namespaceSelector: { matchLabels: { team: 'web' } }, podSelector: { matchLabels: { app: 'prometheus' } } }]);
    expect(allowed([and], flow(prometheus, web, 9090))).toBe(false); // monitoring is team ops
    expect(allowed([and], flow(otherApi, web, 9090))).toBe(false); // other is team web, but the pod is api
    const or = ingressTo({}, [{ namespaceSelector: { matchLabels: { team: 'web' } } }, { podSelector: { matchLabels: { app: 'prometheus' } } }]);
    expect(allowed([or], flow(otherApi, web, 9090))).toBe(true);
  });

  it('reads an empty selector as everything it ranges over, and a rule without from as every source', () => {
    expect(allowed([ingressTo({}, [{ podSelector: {} }])], flow(api, web, 8080))).toBe(true);
    expect(allowed([ingressTo({}, [{ podSelector: {} }])], flow(otherApi, web, 8080))).toBe(false);
    expect(allowed([ingressTo({}, [{ namespaceSelector: {} }])], flow(otherApi, web, 8080))).toBe(true);
    expect(allowed([ingressTo({}, undefined)], flow(internet, web, 8080))).toBe(true);
  });

  it('matches ipBlock by address, and fails when the address is in an except', () => {
    const p = np('out', 'shop', { podSelector: {}, policyTypes: ['Egress'], egress: [{ to: [{ ipBlock: { cidr: '172.16.0.0/16', except: ['172.16.5.0/24'] } }] }] });
    expect(allowed([p], flow(web, { kind: 'external', id: 'edge', cidr: '172.16.1.0/24' }, 443))).toBe(true);
    expect(allowed([p], flow(web, { kind: 'external', id: 'edge-5', cidr: '172.16.5.7/32' }, 443))).toBe(false);
    // A range that reaches into the except is not wholly allowed, unless it excepts the same part itself.
    expect(allowed([p], flow(web, { kind: 'external', id: 'edge-all', cidr: '172.16.0.0/16' }, 443))).toBe(false);
    expect(allowed([p], flow(web, { kind: 'external', id: 'edge-rest', cidr: '172.16.0.0/16', except: ['172.16.0.0/21'] }, 443))).toBe(true);
  });

  it('matches the API server by ipBlock where the CNI matches cluster addresses, and fails on Cilium, which does not', () => {
    const p = np('api', 'shop', { podSelector: {}, policyTypes: ['Egress'], egress: [{ to: [{ ipBlock: { cidr: '10.0.0.0/24' } }], ports: [{ port: 6443 }] }] });
    expect(allowed([p], flow(web, apiserver, 6443), cluster({ ipBlockMatchesCluster: true }))).toBe(true);
    expect(allowed([p], flow(web, apiserver, 6443), cluster({ ipBlockMatchesCluster: false }))).toBe(false);
  });

  it('never matches host-network pods with pod selectors, and never selects them', () => {
    const agent: Endpoint = { ...(web as Extract<Endpoint, { kind: 'pod' }>), id: 'DaemonSet/shop/agent', hostNetwork: true };
    expect(allowed([denyAll('shop')], flow(agent, internet, 443))).toBe(true);
    expect(allowed([ingressTo({}, [{ podSelector: {} }])], flow(agent, web, 8080))).toBe(false);
  });
});

describe('ports', () => {
  const only = (ports: unknown[]): PolicyObject => ingressTo({}, undefined, ports);

  it('defaults the protocol to TCP, so a UDP flow fails against a port given without one', () => {
    expect(allowed([only([{ port: 8080 }])], flow(api, web, 8080, 'TCP'))).toBe(true);
    expect(allowed([only([{ port: 8080 }])], flow(api, web, 8080, 'UDP'))).toBe(false);
  });

  it('resolves a named port against the destination pod\'s container ports, and fails when the name means another port', () => {
    expect(allowed([only([{ port: 'metrics' }])], flow(prometheus, web, 9090))).toBe(true);
    expect(allowed([only([{ port: 'metrics' }])], flow(prometheus, web, 8080))).toBe(false);
    expect(allowed([only([{ port: 'metrics' }])], flow(prometheus, api, 9090))).toBe(false);
  });

  it('reads endPort as an inclusive range, and fails outside it', () => {
    expect(allowed([only([{ port: 8000, endPort: 8100 }])], flow(api, web, 8080))).toBe(true);
    expect(allowed([only([{ port: 8000, endPort: 8100 }])], flow(api, web, 8101))).toBe(false);
  });

  it('allows every port when a rule lists none, and every port of a protocol when an entry gives no port', () => {
    expect(allowed([only([])], flow(api, web, 1234))).toBe(true);
    expect(allowed([only([{ protocol: 'UDP' }])], flow(api, web, 1234, 'UDP'))).toBe(true);
    expect(allowed([only([{ protocol: 'UDP' }])], flow(api, web, 1234, 'TCP'))).toBe(false);
  });

  it('needs UDP and TCP 53 to the kube-dns pods in kube-system for DNS: fails when only UDP is allowed', () => {
    const dnsPeer = { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } }, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } };
    const udpOnly = np('dns', 'shop', { podSelector: {}, policyTypes: ['Egress'], egress: [{ to: [dnsPeer], ports: [{ port: 53, protocol: 'UDP' }] }] });
    expect(allowed([denyAll('shop'), udpOnly], flow(web, dns, 53, 'UDP'))).toBe(true);
    expect(allowed([denyAll('shop'), udpOnly], flow(web, dns, 53, 'TCP'))).toBe(false);
    // The same pod labels outside kube-system are not the cluster DNS.
    expect(allowed([denyAll('shop'), udpOnly], flow(web, { ...(dns as Extract<Endpoint, { kind: 'pod' }>), namespace: 'other' }, 53, 'UDP'))).toBe(false);
  });
});

describe('selectors', () => {
  it('evaluates matchExpressions In, NotIn, Exists and DoesNotExist, all terms together', () => {
    const labels = { app: 'web', tier: 'front' };
    expect(selectorMatches({ matchExpressions: [{ key: 'app', operator: 'In', values: ['web', 'api'] }] }, labels)).toBe(true);
    expect(selectorMatches({ matchExpressions: [{ key: 'app', operator: 'NotIn', values: ['web'] }] }, labels)).toBe(false);
    expect(selectorMatches({ matchExpressions: [{ key: 'tier', operator: 'Exists' }] }, labels)).toBe(true);
    expect(selectorMatches({ matchExpressions: [{ key: 'tier', operator: 'DoesNotExist' }] }, labels)).toBe(false);
    expect(selectorMatches({ matchLabels: { app: 'web' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['back'] }] }, labels)).toBe(false);
    expect(selectorMatches({}, labels)).toBe(true);
  });
});

describe('CiliumNetworkPolicy', () => {
  it('isolates the endpoints it selects for each direction it has a section for', () => {
    const egressOnly = cnp('x', 'shop', { endpointSelector: { matchLabels: { app: 'web' } }, egress: [{ toEntities: ['world'], toPorts: [{ ports: [{ port: '443', protocol: 'TCP' }] }] }] });
    expect(allowed([egressOnly], flow(web, internet, 443))).toBe(true);
    expect(allowed([egressOnly], flow(web, internet, 80))).toBe(false);
    expect(allowed([egressOnly], flow(api, web, 8080))).toBe(true);
  });

  it('reaches the API server through toEntities kube-apiserver where a NetworkPolicy ipBlock cannot (Cilium)', () => {
    const facts = cluster({ ipBlockMatchesCluster: false });
    const cidr = np('cidr', 'shop', { podSelector: {}, policyTypes: ['Egress'], egress: [{ to: [{ ipBlock: { cidr: '0.0.0.0/0' } }] }] });
    expect(allowed([cidr], flow(web, apiserver, 6443), facts)).toBe(false);
    const entity = cnp('api', 'shop', { endpointSelector: { matchLabels: { app: 'web' } }, egress: [{ toEntities: ['kube-apiserver'] }] });
    expect(allowed([cidr, entity], flow(web, apiserver, 6443), facts)).toBe(true);
  });

  it('reads toEndpoints in the policy\'s namespace unless the selector names another, with k8s: prefixes', () => {
    const p = cnp('to', 'shop', { endpointSelector: {}, egress: [{ toEndpoints: [{ matchLabels: { 'k8s:app': 'api' } }, { matchLabels: { 'k8s:io.kubernetes.pod.namespace': 'kube-system', 'k8s:k8s-app': 'kube-dns' } }] }] });
    expect(allowed([p], flow(web, api, 80))).toBe(true);
    expect(allowed([p], flow(web, otherApi, 80))).toBe(false);
    expect(allowed([p], flow(web, dns, 53, 'UDP'))).toBe(true);
  });
});

/**
 * Whether a connection gets through the NetworkPolicies of a tree, with the semantics of the Kubernetes API
 * (networking.k8s.io/v1) and of the CNI's own CiliumNetworkPolicy. Pure functions over plain objects; the flows
 * to ask about are derived in validate/network-flows.ts.
 *
 * Kubernetes semantics, as the API reference states them:
 * - a pod is isolated for a direction only when some policy that selects it lists that direction in policyTypes
 *   (absent policyTypes: Ingress, plus Egress when the policy has an egress section);
 * - an isolated pod's connection is allowed when ANY selecting policy has a rule that allows it; both ends must
 *   allow it (the source's egress and the destination's ingress);
 * - a rule with no peers allows every peer, a rule with no ports every port; a peer with podSelector alone means pods
 *   of the policy's namespace, namespaceSelector alone every pod of the selected namespaces, both in one peer the
 *   pods matching both; an empty selector selects everything it ranges over; ipBlock matches addresses in the CIDR
 *   outside every except;
 * - a port is a number (with endPort a range) or a name, resolved against the destination pod's container ports;
 *   the protocol defaults to TCP.
 */
import { Subnet, subnet } from '../model/ip';

export type Protocol = 'TCP' | 'UDP' | 'SCTP';

export interface ContainerPort {
  readonly port: number;
  readonly protocol?: Protocol;
  readonly name?: string;
}

/** One end of a connection. */
export type Endpoint =
  | {
      readonly kind: 'pod';
      /** How reports name it: `Kind/namespace/name` of the workload, or a description of operator-made pods. */
      readonly id: string;
      readonly namespace: string;
      readonly labels: Readonly<Record<string, string>>;
      readonly ports: readonly ContainerPort[];
      /** Pods on the node's network: pod policies never select them, and they look like their node to peers. */
      readonly hostNetwork?: boolean;
    }
  /** The Kubernetes API server, at its endpoints after Service translation (the control planes' addresses). */
  | { readonly kind: 'apiserver'; readonly id: string; readonly addresses: readonly string[] }
  /** Addresses outside the cluster: a CIDR, less the excepted ranges. */
  | { readonly kind: 'external'; readonly id: string; readonly cidr: string; readonly except?: readonly string[] };

export interface Flow {
  readonly source: Endpoint;
  readonly destination: Endpoint;
  /** Port on the destination, after Service translation. */
  readonly port: number;
  readonly protocol: Protocol;
}

/** What the evaluator must know of the cluster beyond the policies. */
export interface ClusterFacts {
  /** Labels of each namespace (`kubernetes.io/metadata.name` is added for every namespace asked about). */
  readonly namespaceLabels: ReadonlyMap<string, Readonly<Record<string, string>>>;
  readonly podCidr: string;
  /** Node addresses (where host-network pods appear). */
  readonly nodeAddresses: readonly string[];
  /** Whether NetworkPolicy ipBlock matches pods, nodes and the API server (false on Cilium). */
  readonly ipBlockMatchesCluster: boolean;
}

/** One rule of one policy, as reports name it. */
export interface RuleRef {
  /** `Kind/namespace/name`. */
  readonly policy: string;
  readonly direction: 'ingress' | 'egress';
  readonly index: number;
}

export interface DirectionVerdict {
  readonly allowed: boolean;
  /** Policies that select the pod for this direction (none: the pod is not isolated that way). */
  readonly isolatedBy: readonly string[];
  /** The rules that allow the connection. */
  readonly allowedBy: readonly RuleRef[];
}

export interface FlowVerdict {
  readonly allowed: boolean;
  readonly egress: DirectionVerdict;
  readonly ingress: DirectionVerdict;
}

type Json = Record<string, unknown>;
const asObj = (v: unknown): Json => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : {});
const asList = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

// ---------------------------------------------------------------------------------------------
// Selectors

/**
 * Whether a label selector selects the labels. An absent or empty selector selects everything;
 * matchLabels and every matchExpressions term must all hold.
 */
export function selectorMatches(selector: unknown, labels: Readonly<Record<string, string>>): boolean {
  const s = asObj(selector);
  for (const [k, v] of Object.entries(asObj(s.matchLabels))) if (labels[k] !== String(v)) return false;
  for (const term of asList(s.matchExpressions).map(asObj)) {
    const key = String(term.key);
    const values = asList(term.values).map(String);
    const has = Object.prototype.hasOwnProperty.call(labels, key);
    switch (term.operator) {
      case 'In': if (!has || !values.includes(labels[key])) return false; break;
      case 'NotIn': if (has && values.includes(labels[key])) return false; break;
      case 'Exists': if (!has) return false; break;
      case 'DoesNotExist': if (has) return false; break;
      default: return false;
    }
  }
  return true;
}

function namespaceLabels(cluster: ClusterFacts, namespace: string): Record<string, string> {
  return { ...(cluster.namespaceLabels.get(namespace) ?? {}), 'kubernetes.io/metadata.name': namespace };
}

// ---------------------------------------------------------------------------------------------
// Addresses

const within = (a: Subnet, b: Subnet): boolean => b.network <= a.network && a.broadcast <= b.broadcast;

/** Whether every address of the range `inner` (less its excepts) lies in `outer` outside every `except`. */
function rangeWithin(inner: { cidr: string; except?: readonly string[] }, outer: { cidr: string; except?: readonly string[] }): boolean {
  const a = subnet(inner.cidr);
  if (!within(a, subnet(outer.cidr))) return false;
  // An except of the block that overlaps the range must be cut out of the range already. Two CIDR blocks that
  // overlap nest, so the overlap is the smaller of the two.
  return (outer.except ?? []).every((e) => {
    const ex = subnet(e);
    if (ex.network > a.broadcast || a.network > ex.broadcast) return true;
    const overlap = within(ex, a) ? ex : a;
    return (inner.except ?? []).some((ie) => within(overlap, subnet(ie)));
  });
}

/** The address ranges an endpoint has, as an ipBlock sees them; none when ipBlock cannot match it. */
function addressesOf(ep: Endpoint, cluster: ClusterFacts): { cidr: string; except?: readonly string[] }[] {
  if (ep.kind === 'external') return [{ cidr: ep.cidr, except: ep.except }];
  if (!cluster.ipBlockMatchesCluster) return [];
  if (ep.kind === 'apiserver') return ep.addresses.map((a) => ({ cidr: `${a}/32` }));
  // A pod's own address is not known before it runs: any of the pod range.
  return ep.hostNetwork ? cluster.nodeAddresses.map((a) => ({ cidr: `${a}/32` })) : [{ cidr: cluster.podCidr }];
}

function ipBlockMatches(block: Json, ep: Endpoint, cluster: ClusterFacts): boolean {
  const ranges = addressesOf(ep, cluster);
  const outer = { cidr: String(block.cidr), except: asList(block.except).map(String) };
  return ranges.length > 0 && ranges.every((r) => rangeWithin(r, outer));
}

// ---------------------------------------------------------------------------------------------
// Ports

interface PortSpec {
  readonly protocol: string;
  /** Absent: every port of the protocol. */
  readonly port?: number | string;
  readonly endPort?: number;
}

/** Whether a policy's port entry admits the flow; names resolve against the destination pod's container ports. */
function portMatches(spec: PortSpec, flow: Flow): boolean {
  if (spec.protocol !== 'ANY' && spec.protocol !== flow.protocol) return false;
  if (spec.port === undefined || spec.port === 0 || spec.port === '0') return true;
  const n = typeof spec.port === 'number' ? spec.port : /^\d+$/.test(spec.port) ? Number(spec.port) : undefined;
  if (n !== undefined) return spec.endPort !== undefined ? flow.port >= n && flow.port <= spec.endPort : flow.port === n;
  const dst = flow.destination;
  if (dst.kind !== 'pod') return false;
  return dst.ports.some((p) => p.name === spec.port && p.port === flow.port && (p.protocol ?? 'TCP') === flow.protocol);
}

// ---------------------------------------------------------------------------------------------
// Policies, normalised

/** A rule: whether it admits a remote endpoint and a flow's port. */
interface Rule {
  peer(remote: Endpoint, cluster: ClusterFacts): boolean;
  /** Port entries; undefined: every port. */
  readonly ports?: readonly PortSpec[];
}

export interface ParsedPolicy {
  /** `Kind/namespace/name`. */
  readonly id: string;
  readonly namespace: string;
  selects(ep: Endpoint): boolean;
  readonly isolates: { readonly ingress: boolean; readonly egress: boolean };
  readonly ingress: readonly Rule[];
  readonly egress: readonly Rule[];
}

export interface PolicyObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly namespace?: string };
  readonly spec?: unknown;
}

/** The policy kinds this module evaluates, by `group/Kind`. */
export const EVALUATED_KINDS = ['networking.k8s.io/NetworkPolicy', 'cilium.io/CiliumNetworkPolicy'] as const;

export function policyKind(obj: { apiVersion: string; kind: string }): string {
  return `${obj.apiVersion.includes('/') ? obj.apiVersion.split('/')[0] : ''}/${obj.kind}`;
}

/** A NetworkPolicy or CiliumNetworkPolicy in the evaluator's form; undefined for any other object. */
export function parsePolicy(obj: PolicyObject): ParsedPolicy | undefined {
  const kind = policyKind(obj);
  if (kind === 'networking.k8s.io/NetworkPolicy') return parseNetworkPolicy(obj);
  if (kind === 'cilium.io/CiliumNetworkPolicy') return parseCiliumPolicy(obj);
  return undefined;
}

function parseNetworkPolicy(obj: PolicyObject): ParsedPolicy {
  const spec = asObj(obj.spec);
  const namespace = obj.metadata.namespace ?? 'default';
  const types = Array.isArray(spec.policyTypes) ? spec.policyTypes.map(String) : spec.egress !== undefined ? ['Ingress', 'Egress'] : ['Ingress'];
  const rules = (list: unknown, peersKey: 'from' | 'to'): Rule[] =>
    asList(list).map(asObj).map((r) => {
      const peers = asList(r[peersKey]).map(asObj);
      const ports = r.ports === undefined || asList(r.ports).length === 0
        ? undefined
        : asList(r.ports).map(asObj).map((p) => ({ protocol: String(p.protocol ?? 'TCP'), port: p.port as number | string | undefined, endPort: p.endPort as number | undefined }));
      return { peer: (remote, cluster) => peers.length === 0 || peers.some((p) => k8sPeerMatches(p, namespace, remote, cluster)), ports };
    });
  return {
    id: `NetworkPolicy/${namespace}/${obj.metadata.name}`,
    namespace,
    selects: (ep) => ep.kind === 'pod' && !ep.hostNetwork && ep.namespace === namespace && selectorMatches(spec.podSelector, ep.labels),
    isolates: { ingress: types.includes('Ingress'), egress: types.includes('Egress') },
    ingress: types.includes('Ingress') ? rules(spec.ingress, 'from') : [],
    egress: types.includes('Egress') ? rules(spec.egress, 'to') : [],
  };
}

function k8sPeerMatches(peer: Json, policyNamespace: string, remote: Endpoint, cluster: ClusterFacts): boolean {
  if (peer.ipBlock !== undefined) return ipBlockMatches(asObj(peer.ipBlock), remote, cluster);
  if (peer.podSelector === undefined && peer.namespaceSelector === undefined) return false;
  if (remote.kind !== 'pod' || remote.hostNetwork) return false;
  const inNamespace = peer.namespaceSelector !== undefined
    ? selectorMatches(peer.namespaceSelector, namespaceLabels(cluster, remote.namespace))
    : remote.namespace === policyNamespace;
  return inNamespace && (peer.podSelector === undefined || selectorMatches(peer.podSelector, remote.labels));
}

const CILIUM_NAMESPACE_LABEL = 'io.kubernetes.pod.namespace';

/** Cilium writes label keys with a source prefix (`k8s:app`); the source does not change what matches. */
function stripSource(selector: unknown): Json {
  const s = asObj(selector);
  const key = (k: string): string => k.replace(/^(k8s|any):/, '');
  return {
    matchLabels: Object.fromEntries(Object.entries(asObj(s.matchLabels)).map(([k, v]) => [key(k), v])),
    matchExpressions: asList(s.matchExpressions).map(asObj).map((t) => ({ ...t, key: key(String(t.key)) })),
  };
}

function ciliumEndpointMatches(selector: unknown, policyNamespace: string, remote: Endpoint): boolean {
  if (remote.kind !== 'pod' || remote.hostNetwork) return false;
  const s = stripSource(selector);
  const labels = asObj(s.matchLabels);
  const namespace = labels[CILIUM_NAMESPACE_LABEL] !== undefined ? String(labels[CILIUM_NAMESPACE_LABEL]) : policyNamespace;
  const hasNamespaceTerm = asList(s.matchExpressions).some((t) => asObj(t).key === CILIUM_NAMESPACE_LABEL);
  if (!hasNamespaceTerm && remote.namespace !== namespace) return false;
  return selectorMatches(s, { ...remote.labels, [CILIUM_NAMESPACE_LABEL]: remote.namespace });
}

function ciliumEntityMatches(entity: string, remote: Endpoint): boolean {
  switch (entity) {
    case 'all': return true;
    case 'world': return remote.kind === 'external';
    case 'cluster': return remote.kind !== 'external';
    case 'kube-apiserver': return remote.kind === 'apiserver';
    case 'host':
    case 'remote-node': return remote.kind === 'pod' && remote.hostNetwork === true;
    default: return false;
  }
}

function parseCiliumPolicy(obj: PolicyObject): ParsedPolicy {
  const spec = asObj(obj.spec);
  const namespace = obj.metadata.namespace ?? 'default';
  const rules = (list: unknown, dir: 'from' | 'to'): Rule[] =>
    asList(list).map(asObj).map((r) => {
      const endpoints = r[`${dir}Endpoints`];
      const entities = r[`${dir}Entities`];
      const cidrs = [...asList(r[`${dir}CIDR`]).map((c) => ({ cidr: String(c) })), ...asList(r[`${dir}CIDRSet`]).map(asObj).map((c) => ({ cidr: String(c.cidr), except: asList(c.except).map(String) }))];
      const anyPeer = endpoints === undefined && entities === undefined && cidrs.length === 0;
      const toPorts = asList(r.toPorts).map(asObj).flatMap((tp) => asList(tp.ports).map(asObj));
      const ports = toPorts.length === 0 ? undefined : toPorts.map((p) => ({ protocol: String(p.protocol ?? 'ANY'), port: p.port as string | undefined, endPort: p.endPort as number | undefined }));
      return {
        peer: (remote) =>
          anyPeer ||
          asList(endpoints).some((sel) => ciliumEndpointMatches(sel, namespace, remote)) ||
          asList(entities).some((e) => ciliumEntityMatches(String(e), remote)) ||
          (remote.kind === 'external' && cidrs.some((c) => rangeWithin({ cidr: remote.cidr, except: remote.except }, c))),
        ports,
      };
    });
  return {
    id: `CiliumNetworkPolicy/${namespace}/${obj.metadata.name}`,
    namespace,
    selects: (ep) => ep.kind === 'pod' && !ep.hostNetwork && ep.namespace === namespace && selectorMatches(stripSource(spec.endpointSelector), ep.labels),
    // A Cilium policy puts the endpoints it selects into default deny for each direction it has a section for.
    isolates: { ingress: spec.ingress !== undefined, egress: spec.egress !== undefined },
    ingress: rules(spec.ingress, 'from'),
    egress: rules(spec.egress, 'to'),
  };
}

// ---------------------------------------------------------------------------------------------
// Evaluation

function direction(policies: readonly ParsedPolicy[], flow: Flow, dir: 'ingress' | 'egress', cluster: ClusterFacts): DirectionVerdict {
  const self = dir === 'egress' ? flow.source : flow.destination;
  const remote = dir === 'egress' ? flow.destination : flow.source;
  const selecting = policies.filter((p) => p.isolates[dir] && p.selects(self));
  if (selecting.length === 0) return { allowed: true, isolatedBy: [], allowedBy: [] };
  const allowedBy: RuleRef[] = [];
  for (const p of selecting) {
    p[dir].forEach((rule, index) => {
      if (rule.peer(remote, cluster) && (rule.ports === undefined || rule.ports.some((s) => portMatches(s, flow)))) allowedBy.push({ policy: p.id, direction: dir, index });
    });
  }
  return { allowed: allowedBy.length > 0, isolatedBy: selecting.map((p) => p.id), allowedBy };
}

/** Whether the flow gets through: the source's egress and the destination's ingress must both allow it. */
export function evaluateFlow(policies: readonly ParsedPolicy[], flow: Flow, cluster: ClusterFacts): FlowVerdict {
  const egress = direction(policies, flow, 'egress', cluster);
  const ingress = direction(policies, flow, 'ingress', cluster);
  return { allowed: egress.allowed && ingress.allowed, egress, ingress };
}

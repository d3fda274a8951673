import type { z } from 'zod';
import type { SiteProblem } from '../site/errors';
import type { CephSpec, S3LocationSpec } from '../site/spec';

/**
 * What the rest of the compiler may know about an add-on without building it: its part of the site schema and the
 * facts the model orders, places and checks components by. Lives in the site layer (addons/<name>/spec.ts files hold
 * one each) so the site schema and the model can be composed from add-ons without importing their builders.
 */

/**
 * What an add-on offers the site and what it needs from others. Consumers (apps, other add-ons, the policy, the
 * monitoring) ask for a capability, never for a named add-on, so swapping Cilium for Calico or Rook for Longhorn
 * keeps every consumer correct.
 */
export type Capability =
  | 'cni'
  | 'load-balancer'
  | 'ingress'
  | 'storage'
  | 'secret-store'
  | 'metrics'
  | 'certificates'
  | 'postgres-operator'
  | 'gpu'
  | 'gitops';

export type PodSecurityLevel = 'restricted' | 'baseline' | 'privileged';

export interface PodSecurityFacts {
  readonly level: PodSecurityLevel;
  /** Why the namespace is not "restricted"; shown in REVIEW.md and the namespace's annotations. @default - none (restricted needs no reason) */
  readonly reason?: string;
}

export const RESTRICTED: PodSecurityFacts = { level: 'restricted' };

/**
 * A host-level exception to the output policy the add-on needs by what it is (a CNI agent on the host network, a CSI
 * node plugin mounting into kubelet), with the reason shown in REVIEW.md. Objects are `Kind/{ns}/name` patterns
 * (`{ns}` is the add-on's namespace, `*` any run of characters); rules are policy rule ids.
 */
export interface AddonPolicyException {
  readonly objects: readonly string[];
  readonly rules: readonly string[];
  readonly reason: string;
}

/** Labels of a set of pods, with the container ports they listen on. */
export interface PodRole {
  readonly podLabels: Readonly<Record<string, string>>;
  /** @default - none: the pods serve nothing the flow check needs */
  readonly ports?: readonly { readonly port: number; readonly protocol?: 'TCP' | 'UDP'; readonly name?: string }[];
}

/** Pods an operator creates from one kind of custom resource, and the connections it and they need. */
export interface ManagedPods {
  /** `group/Kind` of the custom resource, e.g. `postgresql.cnpg.io/Cluster`. */
  readonly kind: string;
  /** Labels of the pods made from the resource with this name. */
  podLabels(name: string): Readonly<Record<string, string>>;
  readonly ports: NonNullable<PodRole['ports']>;
  /** Ports of the pods the operator itself calls (status, health). */
  readonly operatorCalls: readonly number[];
  /** Ports the pods of one resource call each other on (replication). @default - none */
  readonly peerCalls?: readonly number[];
  /** Whether the pods call the Kubernetes API server. */
  readonly usesApiServer: boolean;
}

/**
 * What the network flow check (validate/network-flows.ts) must know about an add-on's pods by role, so the flows a
 * working system needs follow capabilities, never a named add-on.
 */
export interface AddonNetworkFacts {
  /** Ingress providers: the pods that proxy to the Ingress backends. @default - none */
  readonly ingressController?: PodRole;
  /** Metrics providers: the pods that scrape ServiceMonitor and PodMonitor targets (operator-created, so not in the chart facts). @default - none */
  readonly scraper?: PodRole;
  /**
   * Certificates providers: the ACME HTTP-01 solver pod started in the namespace of an Ingress that asks for a
   * certificate (the ingress controller must reach it), and the pods that run the ACME client (they check the
   * challenge through the ingress before telling the ACME server). @default - none
   */
  readonly http01?: { readonly solver: PodRole & { readonly port: number }; readonly client: PodRole };
  /** The operator's pods and the pods it creates from custom resources. @default - none */
  readonly operator?: { readonly pods: PodRole; readonly manages: readonly ManagedPods[] };
  /**
   * CNIs: whether a NetworkPolicy ipBlock matches cluster addresses (pods, nodes, the API server). Cilium gives those
   * their own identities, which CIDR rules never match; Calico matches addresses as they are. @default - they match
   */
  readonly ipBlockMatchesCluster?: boolean;
  /** CNIs: the policy kinds (`group/Kind`) the CNI enforces beside NetworkPolicy. @default - none */
  readonly policyKinds?: readonly string[];
  /**
   * Load-balancer providers: why a LoadBalancer Service with `externalTrafficPolicy: Local` does not work on its
   * addresses. @default - it works
   */
  readonly externalTrafficPolicyLocal?: { readonly supported: false; readonly reason: string };
}

/**
 * Capabilities a cluster has at most one provider of: two CNIs fight over every pod's network. The model refuses a
 * site that installs two add-ons providing one of these, whichever they are.
 */
export const EXCLUSIVE_CAPABILITIES: readonly Capability[] = ['cni'];

/** The parts of the validated site an add-on's facts may read. */
export interface AddonSiteView {
  readonly ceph?: CephSpec;
  readonly platform: { readonly backupStore?: S3LocationSpec };
}

/** What an add-on's own site checks read: its configuration (defaults filled in), where it sits, and the site. */
export interface AddonCheckContext<C> {
  readonly config: C;
  /** `platform.addons.<key>`: where the add-on's problems point. */
  readonly path: string;
  /** The parts of the validated site add-ons check against (the site's type is composed of the add-ons, so it is not named whole here). */
  readonly site: AddonSiteView;
  /** Kubernetes worker VMs the model placed. */
  readonly workers: number;
  /**
   * The namespaces the site's components run in, each with who runs there first (`platform.addons.<key>` of an add-on,
   * `the site's apps`, `the edge fleet`), so an add-on can refuse a namespace whose pods would see its objects.
   */
  readonly namespaces: ReadonlyMap<string, string>;
}

/** A field of an add-on's configuration that holds an upstream image tag its builder pulls as given. */
export interface ReleaseTagField {
  /** The field under platform.addons.<key>: `version`. */
  readonly field: string;
  /** The image the tag is of, for messages: `rancher/local-path-provisioner`. */
  readonly image: string;
}

/** How problems name a storage provider that can serve ReadWriteMany claims, and what a fix adds for it. */
export interface ReadWriteManyOffer {
  /** For messages: `Rook with ceph.filesystem`. */
  readonly as: string;
  /** A site field the add-on serves ReadWriteMany claims only with, which the fix adds beside it: `ceph.filesystem`. @default - the add-on alone serves them */
  readonly with?: string;
}

/**
 * The Kubernetes versions an add-on release line works on, as its upstream documents them, where the chart's own
 * `kubeVersion` (which Helm enforces, and the chart facts record) does not say as much. One entry per statement,
 * each with the page it is read from; a release line without an entry is not checked against its upstream.
 */
export interface KubernetesSupport {
  /** The add-on's chartVersion (or version) this applies to, as a semver range: `1.18.x`, `10.1.1`. */
  readonly chartVersions: string;
  /** What the versions are of, for messages: `Cilium 1.18`, `Argo CD 3.4 (chart 10.1.1)`. */
  readonly release: string;
  /** Oldest Kubernetes minor, `1.30`. @default - no lower bound */
  readonly minKubernetes?: string;
  /** Newest Kubernetes minor, `1.33`. @default - no upper bound */
  readonly maxKubernetes?: string;
  /**
   * How upstream puts it: `supported` (a release outside the range is refused) or `tested` (upstream tests these and
   * says others may work: outside is a warning).
   */
  readonly upstreamSays: 'supported' | 'tested';
  /** The upstream page the range is read from. */
  readonly source: string;
}

export interface AddonFacts<K extends string = string, S extends z.ZodType = z.ZodType> {
  /** Key under platform.addons in the site. */
  readonly key: K;
  /** The add-on's part of the site schema (the object under platform.addons.<key>). */
  readonly spec: S;
  /** What the add-on is, for the schema's description of platform.addons.<key> (says "Default: not installed."). */
  readonly description: string;
  /** Component (and Argo CD Application, and dist/ folder) name: a contract, renaming it is breaking. */
  readonly component: string;
  readonly namespace: string;
  /**
   * Capabilities the add-on provides. When two present add-ons provide one, the first in the catalog serves it (the
   * catalog lists storage add-ons in order of preference for the default StorageClass).
   */
  readonly provides: readonly Capability[];
  /** Capabilities it needs; it is ordered after their providers. */
  readonly needs: readonly Capability[];
  /** Pod Security Standards level of its namespace, and why when not "restricted". */
  readonly podSecurity: PodSecurityFacts;
  /** What the add-on needs installed and running on every Kubernetes node (cloud-init installs it). @default - nothing */
  readonly node?: { readonly packages: readonly string[]; readonly services?: readonly string[] };
  /**
   * The address range a load-balancer provider hands out, read from its configuration.
   * @default - none (required of add-ons that provide "load-balancer")
   */
  loadBalancerRange?(config: z.output<S>): { readonly start: string; readonly stop: string };
  /** The field under platform.addons.<key> that holds that range, for the model's problems. @default - none (required with loadBalancerRange) */
  readonly loadBalancerRangeField?: string;
  /**
   * CNIs: the size of the pod range each node gets, so the model can check the pod network holds one per node.
   * @default - none (the pod network is not checked against the node count)
   */
  readonly podRangePerNode?: { readonly prefixLength: number; readonly unit: string; /** Who hands the ranges out, for messages: `Cilium`. */ readonly by: string };
  /**
   * API groups whose CRDs the add-on's operator registers when it runs, so no chart render shows them (Argo CD must
   * skip the dry run of their objects). @default - none
   */
  readonly runtimeCrdGroups?: readonly string[];
  /** Storage providers: the StorageClass its claims get, the one marked default when it serves the site. @default - none (required of add-ons that provide "storage") */
  storageClass?(config: z.output<S>): string;
  /**
   * Storage providers: the StorageClass for ReadWriteMany claims, when the add-on so configured serves them.
   * @default - it serves none
   */
  readWriteManyClass?(config: z.output<S>, site: AddonSiteView): string | undefined;
  /** How problems name the add-on as a ReadWriteMany provider. @default - required with readWriteManyClass */
  readonly readWriteManyOffer?: ReadWriteManyOffer;
  /**
   * Clients of the site's Ceph from inside the cluster (external mode): the Kubernetes VMs must reach the Ceph monitors,
   * and the Proxmox firewall lets the node VLAN in. `name` says who, in messages: `Rook`. @default - not a Ceph client
   */
  readonly cephClient?: { readonly name: string };
  /**
   * NFS clients: the export its configuration names, from its `server` and `path` fields (where the model's problems
   * point). The model resolves what is unset against the site's nfs-server VM (SiteModel.nfsExport).
   * @default - not an NFS client
   */
  nfsExport?(config: z.output<S>): { readonly server?: string; readonly path?: string };
  /**
   * Fields holding an upstream image tag the builder pulls as given: each must be a release tag (v and three numbers),
   * which model/checks/build-inputs.ts requires with the field's path. @default - none
   */
  readonly releaseTagFields?: readonly ReleaseTagField[];
  /**
   * The settings a fix that adds the add-on proposes with its key, e.g. `chartVersion: "10.1.1"` (a version this
   * compiler's chart facts were measured with). @default - the fix names only the key
   */
  readonly starter?: string;
  /** Service annotation that pins a LoadBalancer Service to an address of the provider's range. @default - none */
  readonly loadBalancerIpAnnotation?: string;
  /**
   * Whether this CNI, so configured, serves Services itself, so kubeadm must not install kube-proxy.
   * @default - it does not
   */
  replacesKubeProxy?(config: z.output<S>): boolean;
  /** The IngressClass an ingress provider serves. @default - none (required of add-ons that provide "ingress") */
  readonly ingressClass?: string;
  /**
   * Ingress providers: the Prometheus metrics of the requests it proxies, labelled by host, path and status, for the
   * dashboards of the apps behind it. @default - none (the dashboards show no ingress panels)
   */
  readonly ingressMetrics?: { readonly requests: string; readonly durationBuckets: string };
  /** The ClusterIssuer a certificates provider signs with. @default - none (required of add-ons that provide "certificates") */
  readonly clusterIssuer?: string;
  /**
   * Host access the add-on cannot work without, allowed only on the objects and rules named, with the reason.
   * Objects of third-party charts are checked only with `rendered` delivery (with `argocd` they are not in dist/).
   * @default - none: every object meets the policy
   */
  readonly policyExceptions?: readonly AddonPolicyException[];
  /** The add-on's pods by role, for the network flow check. @default - none: it plays no role there */
  readonly network?: AddonNetworkFacts;
  /**
   * The add-on's own site checks: settings that only make sense against the rest of the site. The model runs them with
   * its other site checks (model/checks/addons.ts), so their problems are reported with every other one, before any
   * object is built. @default - none
   */
  checks?(context: AddonCheckContext<z.output<S>>): readonly SiteProblem[];
  /** Kubernetes versions its release lines work on, per upstream (model/checks/versions.ts). @default - none stated beyond the chart's kubeVersion */
  readonly kubernetesSupport?: readonly KubernetesSupport[];
}

/** Identity function that keeps the literal key and schema types of an add-on's facts. */
export function addonFacts<K extends string, S extends z.ZodType>(facts: AddonFacts<K, S>): AddonFacts<K, S> {
  return facts;
}

/** An installed add-on with its configuration (defaults filled in), as the model and its checks hold one. */
export interface ConfiguredAddon {
  readonly facts: AddonFacts;
  readonly config: unknown;
}

/**
 * The StorageClass for ReadWriteMany claims: that of the first installed storage provider, in catalog order, that so
 * configured serves them. The one derivation the model's checks and the builders share.
 */
export function readWriteManyClassOf(installed: readonly ConfiguredAddon[], site: AddonSiteView): string | undefined {
  for (const { facts, config } of installed) {
    if (!facts.provides.includes('storage')) continue;
    const name = facts.readWriteManyClass?.(config, site);
    if (name) return name;
  }
  return undefined;
}

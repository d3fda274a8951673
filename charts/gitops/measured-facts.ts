import * as fs from 'node:fs';
import * as path from 'node:path';
import type { IConstruct } from 'constructs';
import type { AddonFacts } from '../../addons/addon-facts';
import { ADDON_CATALOG } from '../../addons/catalog';
import { ChartFactsFile, ReleaseFacts, inputsDigest, readChartFacts, staleness } from '../../constructs/chart-facts-file';
import { MIRROR_ARG, vendorHint } from '../../constructs/chart-lock';
import { CLIENT_SIDE_APPLY_LIMIT, parseObjectRef } from '../../constructs/chart-measure';
import { HelmRelease } from '../../constructs/helm-release';
import { byCodePoint } from '../../core/order';

/**
 * What the GitOps layer knows about the charts Argo CD renders out of its sight: looked up in the
 * facts measured from the real charts (sites/<site>.facts.yaml, written by `npm run vendor`), never
 * typed by hand. A release whose facts are missing or were measured with other values is reported,
 * and the Application gets what is safe without them.
 */

/** A Kubernetes API group and kind, as AppProject whitelists name them ('' is the core group). */
export interface GroupKind {
  readonly group: string;
  readonly kind: string;
}

/**
 * API groups whose CRDs an operator registers when it runs, so no chart renders them, with the component that does
 * it: each add-on declares its own (AddonFacts.runtimeCrdGroups), e.g. cilium-operator registers cilium.io.
 */
export const RUNTIME_CRD_GROUPS: Readonly<Record<string, string>> = runtimeCrdGroups(ADDON_CATALOG);

/** API group -> component, from the runtimeCrdGroups of the add-ons given. */
export function runtimeCrdGroups(catalog: readonly AddonFacts[]): Readonly<Record<string, string>> {
  return Object.fromEntries(catalog.flatMap((f) => (f.runtimeCrdGroups ?? []).map((group) => [group, f.component])));
}

/** What one release installs, as the Application and its AppProject need it. */
export interface ReleaseInstalls {
  /** Cluster-scoped kinds: the AppProject's cluster whitelist. */
  readonly clusterKinds: readonly GroupKind[];
  /** Namespaces of its namespaced objects: the AppProject's destinations. */
  readonly namespaces: readonly string[];
  /** API groups of the CRDs it installs. */
  readonly crdGroups: readonly string[];
  /** Why the Application needs ServerSideApply (an object past the client-side apply limit), if it does. */
  readonly serverSideApply?: string;
  /** The measured facts, when there are any. */
  readonly facts?: ReleaseFacts;
}

/** Where a release's facts came from, and why they may not describe it. */
export interface FactsLookup {
  readonly facts?: ReleaseFacts;
  /** Set when the facts do not describe the release as the site now builds it. */
  readonly stale?: string;
}

/**
 * For charts without facts: what charts commonly create cluster-wide, and server-side apply (which
 * applies any object, large or not). Wider than measured facts; the warning says how to narrow it.
 */
const UNMEASURED: ReleaseInstalls = {
  clusterKinds: [
    { group: 'apiextensions.k8s.io', kind: 'CustomResourceDefinition' },
    { group: 'rbac.authorization.k8s.io', kind: 'ClusterRole' },
    { group: 'rbac.authorization.k8s.io', kind: 'ClusterRoleBinding' },
    { group: 'admissionregistration.k8s.io', kind: 'MutatingWebhookConfiguration' },
    { group: 'admissionregistration.k8s.io', kind: 'ValidatingWebhookConfiguration' },
  ],
  namespaces: [],
  crdGroups: [],
  serverSideApply: 'its chart has no measured facts, so the size of its objects is unknown',
};

const PROJECT_SITES = path.resolve(__dirname, '..', '..', 'sites');
let projectFacts: readonly ChartFactsFile[] | undefined;

/** Every release of the facts committed with the project's sites: what lookupFacts falls back to. */
export function committedReleaseFacts(): readonly ReleaseFacts[] {
  return committedFacts().flatMap((f) => f.releases);
}

/** The facts files committed with the project's sites, read once. */
export function committedFacts(): readonly ChartFactsFile[] {
  if (projectFacts) return projectFacts;
  const files = fs.existsSync(PROJECT_SITES) ? fs.readdirSync(PROJECT_SITES).filter((f) => f.endsWith('.facts.yaml')).sort(byCodePoint) : [];
  projectFacts = files.map((f) => readChartFacts(path.join(PROJECT_SITES, f)));
  return projectFacts;
}

/**
 * A release's facts: the site's own (by component and release name) when given, else any committed
 * facts of the same chart and version, preferring ones measured with the same inputs. Facts measured
 * with other inputs are returned with the reason they are stale.
 */
export function lookupFacts(release: HelmRelease, kubeVersion: string, site: ChartFactsFile | undefined): FactsLookup {
  // Asked twice per release in a synth (the Applications, then the driver's list of facts): the digest of its values is
  // made once. A release's inputs are fixed when it is built.
  const kept = lookups.get(release);
  if (kept && kept.kubeVersion === kubeVersion && kept.site === site) return kept.lookup;
  const lookup = findFacts(release, kubeVersion, site);
  lookups.set(release, { kubeVersion, site, lookup });
  return lookup;
}

const lookups = new WeakMap<HelmRelease, { kubeVersion: string; site: ChartFactsFile | undefined; lookup: FactsLookup }>();

function findFacts(release: HelmRelease, kubeVersion: string, site: ChartFactsFile | undefined): FactsLookup {
  const own = site?.releases.find((r) => r.component === release.component && r.releaseName === release.releaseName);
  if (own) return { facts: own, stale: staleness(own, release, kubeVersion) };
  const digest = inputsDigest(release, kubeVersion);
  const candidates = committedFacts().flatMap((f) => f.releases.filter((r) => r.chart === release.chart && r.version === release.version));
  const exact = candidates.find((r) => r.valuesDigest === digest);
  if (exact) return { facts: exact };
  const near = candidates.find((r) => r.component === release.component) ?? candidates[0];
  if (near) return { facts: near, stale: `were measured for another site's values of chart ${near.chart} ${near.version}` };
  return { stale: staleness(undefined, release, kubeVersion) };
}

/** What a release installs according to its facts; the unmeasured defaults when it has none. */
export function releaseInstalls(lookup: FactsLookup): ReleaseInstalls {
  const facts = lookup.facts;
  if (!facts) return UNMEASURED;
  const refs = facts.objects.map(parseObjectRef);
  const oversized = facts.largestObject.bytes > CLIENT_SIDE_APPLY_LIMIT;
  return {
    clusterKinds: refs.filter((r) => r.namespace === undefined).map((r) => ({ group: r.group, kind: r.kind })),
    namespaces: [...new Set(refs.map((r) => r.namespace).filter((n): n is string => n !== undefined))].sort(byCodePoint),
    crdGroups: [...new Set(facts.crds.map((c) => c.group))].sort(byCodePoint),
    ...(oversized ? { serverSideApply: `${facts.largestObject.object} is ${facts.largestObject.bytes} bytes as JSON, past the ${CLIENT_SIDE_APPLY_LIMIT}-byte client-side apply annotation` } : {}),
    facts,
  };
}

const LEVELS = ['restricted', 'baseline', 'privileged'] as const;
export const POD_SECURITY_ENFORCE = 'pod-security.kubernetes.io/enforce';

/**
 * Workloads a release's facts say run under a Pod Security level that their namespace's enforce label
 * refuses: admission would reject their pods, so the sync would succeed and nothing would run.
 * `enforced` maps a namespace to its enforce level, for the namespaces the site labels.
 */
export function podSecurityConflicts(facts: ReleaseFacts, enforced: ReadonlyMap<string, string>): string[] {
  return facts.workloads.flatMap((w) => {
    const namespace = parseObjectRef(w.workload).namespace;
    const level = namespace === undefined ? undefined : enforced.get(namespace);
    if (level === undefined || LEVELS.indexOf(w.podSecurity) <= LEVELS.indexOf(level as (typeof LEVELS)[number])) return [];
    const why = w.hostAccess.length > 0 ? ` (${w.hostAccess.join(', ')})` : '';
    return [`${w.workload} of chart ${facts.chart} ${facts.version} needs Pod Security level ${w.podSecurity}${why}, but namespace ${namespace} enforces ${level}`];
  });
}

/** The warning synth prints for a release whose facts are stale or missing, with the command that measures them again. */
export function staleFactsWarning(release: HelmRelease, stale: string): string {
  // Warnings reach REVIEW.md, which is the same for a site and its YAML print: the command line names the site.
  return (
    `component ${release.component}: the chart facts of ${release.chart} ${release.version} (release ${release.releaseName}) ${stale}, ` +
    `so its AppProject and sync options may not match what the chart installs; measure them again with \`${vendorHint('--facts-only')}\` ` +
    `(the charts must be in the cache: \`${vendorHint()}\`, or \`${vendorHint('--from', MIRROR_ARG)}\` air-gapped) and commit the facts file`
  );
}

/** The warning for facts measured from a chart folder that lacked dependencies the values enable. */
export function incompleteFactsWarning(release: HelmRelease, missing: readonly string[]): string {
  // The same facts serve every form of the site (TypeScript or its YAML print), so the text names no site file.
  return (
    `component ${release.component}: the chart facts of ${release.chart} ${release.version} leave out its dependency charts ${missing.join(', ')}, ` +
    'which the values enable but the chart folder they were measured from did not hold; what those install is not in its AppProject. ' +
    `Put the complete chart in the cache and measure again with \`${vendorHint('--facts-only')}\``
  );
}

/** The site's facts file given to an app with HelmRelease.useSources, if any. */
export function factsOfApp(scope: IConstruct): ChartFactsFile | undefined {
  return HelmRelease.sourcesOf(scope)?.facts;
}

let builtIn: ReadonlySet<string> | undefined;

/**
 * API groups Kubernetes serves itself (no CRD needed), from the committed schema index: every kind
 * there with a core definition. The core group is ''.
 */
export function builtInApiGroups(): ReadonlySet<string> {
  if (builtIn) return builtIn;
  const file = path.resolve(__dirname, '..', '..', 'imports', 'schemas', 'kubernetes', 'index.json');
  const index = JSON.parse(fs.readFileSync(file, 'utf8')) as { kinds: Record<string, { definition?: string }> };
  const groups = new Set<string>();
  for (const [key, entry] of Object.entries(index.kinds)) {
    if (!entry.definition) continue;
    const apiVersion = key.slice(0, key.lastIndexOf('/'));
    groups.add(groupOf(apiVersion));
  }
  builtIn = groups;
  return groups;
}

/** `apps/v1` -> `apps`; `v1` -> ''. */
export function groupOf(apiVersion: string): string {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? '' : apiVersion.slice(0, slash);
}

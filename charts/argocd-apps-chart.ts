import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { ComponentChart, DistFiles, HelmRelease, ObjectRenders } from '../constructs';
import * as argo from '../imports/k8s-crds/argoproj.io';
import { EDGE_FLEET_COMPONENT, providerOf } from '../model';
import type { ComponentModel, SiteModel } from '../model';
import { SiteError, SiteProblem } from '../site/errors';
import { EDGE_DIST, EDGE_FLEET_LABEL, EDGE_SITE_LABEL, EDGE_WORKLOAD_NAMESPACE, edgeClusterName } from './edge-fleet-chart';
import { BootstrapComponent, bootstrapFiles, helmValuesText, isAppliedAtBootstrap } from './gitops/bootstrap';
import { GroupKind, POD_SECURITY_ENFORCE, RUNTIME_CRD_GROUPS, ReleaseInstalls, podSecurityConflicts, builtInApiGroups, factsOfApp, groupOf, lookupFacts, incompleteFactsWarning, releaseInstalls, staleFactsWarning } from './gitops/measured-facts';
import { MAX_OBJECT_BYTES } from './gitops/sharding';
import { LATER_KEY_ANNOTATION, secretStoreSeed } from './gitops/secret-seed';
import { OrderNode, describeCycle, syncWaves } from './gitops/sync-order';
import { generatedMarker } from '../core/generated';

/**
 * The GitOps layer over the components: one Argo CD Application per dist/kubernetes/ folder, each in
 * an AppProject that allows exactly its sources, namespaces and cluster-scoped kinds, ordered in sync
 * waves derived from the component graph and from which component installs the CRDs each one uses.
 * The root Application (app of apps) points at this component's own folder and is applied once by
 * the bootstrap, which also installs the CNI and Argo CD from the same releases their Applications
 * carry.
 */

/** Component (folder, root Application and its project) holding every Application. */
export const ARGOCD_APPS_COMPONENT = 'argocd-apps';
/** ApplicationSet and AppProject of the edge clusters. */
export const EDGE_CLUSTERS = 'edge-clusters';
export const IN_CLUSTER = 'https://kubernetes.default.svc';
export const SYNC_WAVE = 'argocd.argoproj.io/sync-wave';
export const SYNC_OPTIONS = 'argocd.argoproj.io/sync-options';
/** Kubernetes caps the total size of an object's annotations; client-side apply copies the whole object into one. */
export const ANNOTATION_LIMIT_BYTES = 262_144;
const RESOURCES_FINALIZER = 'resources-finalizer.argocd.argoproj.io';
/**
 * Retry a failed sync without end, every 5 minutes at most: custom resources wait for operators that register their
 * CRDs at start-up, and an ExternalSecret waits for a secret added to the store late. With a limit, automated sync
 * gives up after the last attempt and tries again only on a new commit, so a late secret would never heal.
 */
const RETRY = { limit: -1, backoff: { duration: '10s', factor: 2, maxDuration: '5m' } };
const APP_SYNC_OPTIONS = ['PruneLast=true', 'FailOnSharedResource=true'];

/**
 * Fields an operator keeps up to date after the first apply (JSON pointers, comma-separated): the
 * component's Application ignores them when comparing and syncing, so self-heal does not fight the
 * operator. Set by the constructs that own such objects.
 */
export const IGNORE_DIFFERENCES_ANNOTATION = 'site-compiler/argocd-ignore-differences';

interface KubeJson {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly namespace?: string; readonly annotations?: Record<string, string> };
}

interface Rendered {
  readonly api: ApiObject;
  readonly json: KubeJson;
  /** Annotations as they will be rendered, kept in step with what is added to the ApiObject. */
  readonly annotations: Record<string, string>;
}

interface ComponentState {
  readonly component: ComponentModel;
  readonly objects: readonly Rendered[];
  readonly releases: readonly HelmRelease[];
  /** What its Argo CD-delivered releases install, from their measured chart facts. */
  readonly installs: readonly ReleaseInstalls[];
}

function header(model: SiteModel): string {
  return generatedMarker(model.name);
}

/**
 * Adds the argocd-apps component to `app`, after every component chart is built: it reads their
 * objects and releases, annotates objects that need per-object sync options, and writes the bootstrap
 * into dist/bootstrap/. Does nothing when the site has no Argo CD. Phases: the components as built, who
 * installs which CRDs, the sync order, the Applications, the edge ApplicationSet, the root, the bootstrap.
 */
export function buildArgoCdApps(app: Construct, model: SiteModel): void {
  const gitops = providerOf(model, 'gitops');
  const argocd = model.components.find((c) => c.name === gitops?.component);
  if (!argocd) return;
  const problems: SiteProblem[] = [];
  const problem: Problem = (path, value, message, fix) => {
    problems.push({ path, value, message, fix });
  };
  const states = componentStates(app, model, problem);
  // A rendered chart that failed has no objects: the checks below would only report what follows from their absence
  // (custom resources of a CRD nobody installs), hiding the cause, so they wait until every chart renders.
  for (const s of states) {
    for (const r of s.releases) {
      for (const failure of r.renderFailures) problem(`kubernetes/${s.component.name}`, `${r.chart} ${r.version}`, `is not rendered: ${failure}`, 'follow the fix in the message; the GitOps checks run once the chart renders');
    }
  }
  if (problems.length > 0) throw new SiteError(`site ${model.name} (GitOps)`, problems);
  podSecurityProblems(states, problem);
  const crds = crdProviders(states, problem);
  const waves = syncOrder(model, states, crds, problem);
  if (problems.length > 0 || waves === undefined) throw new SiteError(`site ${model.name} (GitOps)`, problems);

  const cni = new Set(model.addons.filter((a) => a.provides.includes('cni')).map((a) => a.component));
  const chart = new ComponentChart(app, ARGOCD_APPS_COMPONENT, { component: ARGOCD_APPS_COMPONENT });
  const { names, lastWave } = componentApplications(chart, model, states, waves, argocd, new Set([...cni, argocd.name]));
  edgeApplicationSet(chart, model, states, names, waves, lastWave, argocd.namespace, problem);
  const { rootProject, root } = rootApplication(chart, model, argocd.namespace);

  const renders = ObjectRenders.of(app);
  const own = chart.node.findAll().filter(ApiObject.isApiObject).map((api) => rendered(renders, api));
  for (const o of own) checkSize(ARGOCD_APPS_COMPONENT, o, problem);
  if (problems.length > 0) throw new SiteError(`site ${model.name} (GitOps)`, problems);
  writeBootstrap(chart, model, states, cni, argocd, [renders.json(rootProject), renders.json(root)], problem);
  if (problems.length > 0) throw new SiteError(`site ${model.name} (GitOps)`, problems);
}

type Problem = (path: string, value: unknown, message: string, fix: string) => void;

/** Every component's objects and releases as built, and the names Argo CD keeps for itself. */
function componentStates(app: Construct, model: SiteModel, problem: Problem): ComponentState[] {
  const charts = new Map(app.node.children.filter(ComponentChart.isComponentChart).map((c) => [c.component, c]));
  for (const reserved of [ARGOCD_APPS_COMPONENT, EDGE_CLUSTERS]) {
    if (charts.has(reserved) || model.components.some((c) => c.name === reserved)) {
      problem(`kubernetes/${reserved}`, reserved, 'is a component name, but Argo CD uses it for its own Applications', 'rename the app or data store');
    }
  }
  const renders = ObjectRenders.of(app);
  return model.components.map((component) => {
    const chart = charts.get(component.name);
    const objects = chart ? chart.node.findAll().filter(ApiObject.isApiObject).map((api) => rendered(renders, api)) : [];
    const releases = chart ? HelmRelease.releasesIn(chart) : [];
    return { component, objects, releases, installs: argoReleaseInstalls(app, model, releases) };
  });
}

/**
 * An object as rendered now, kept for the synth driver (ObjectRenders): `json` stays this render, annotations added
 * later go into `annotations` and the kept render.
 */
function rendered(renders: ObjectRenders, api: ApiObject): Rendered {
  const json = renders.json(api) as unknown as KubeJson;
  return { api, json, annotations: { ...(json.metadata.annotations ?? {}) } };
}

/** Warnings found while building the Applications: synth prints model.warnings after the charts, so they still reach the user. */
function warnOf(model: SiteModel): (message: string) => void {
  return (message) => {
    const warnings = model.warnings as string[];
    if (!warnings.includes(message)) warnings.push(message);
  };
}

/**
 * What a component's Argo CD-delivered releases install, from their measured facts. Facts that are missing or
 * were measured with other inputs are used as they are (or replaced by the unmeasured defaults) and reported,
 * never silently.
 */
function argoReleaseInstalls(app: Construct, model: SiteModel, releases: readonly HelmRelease[]): ReleaseInstalls[] {
  const site = factsOfApp(app);
  const warn = warnOf(model);
  return releases.filter((r) => r.delivery === 'argocd').map((r) => {
    const lookup = lookupFacts(r, model.kubernetes.version, site);
    if (lookup.stale) warn(staleFactsWarning(r, lookup.stale));
    else if (lookup.facts?.unmeasuredDependencies) warn(incompleteFactsWarning(r, lookup.facts.unmeasuredDependencies));
    return releaseInstalls(lookup);
  });
}

/** The Pod Security level each namespace the site labels enforces. */
function enforcedLevels(states: readonly ComponentState[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const s of states) {
    for (const o of s.objects) {
      const level = o.json.kind === 'Namespace' ? (o.json.metadata as { labels?: Record<string, string> }).labels?.[POD_SECURITY_ENFORCE] : undefined;
      if (level !== undefined) out.set(o.json.metadata.name, level);
    }
  }
  return out;
}

/** A chart workload that needs a Pod Security level its namespace refuses: admission would refuse its pods. */
function podSecurityProblems(states: readonly ComponentState[], problem: Problem): void {
  const enforced = enforcedLevels(states);
  for (const s of states) {
    for (const i of s.installs) {
      for (const conflict of i.facts ? podSecurityConflicts(i.facts, enforced) : []) {
        problem(`kubernetes/${s.component.name}`, conflict.split(' of chart ')[0], `${conflict}; admission would refuse its pods`, "label the namespace with the level the chart needs, or set the chart's values so its pods meet the namespace's level, then measure the facts again (npx site-compiler vendor --facts-only)");
      }
    }
  }
}

/**
 * Which component installs the CRDs of each API group: operators that register them at run time, the groups the
 * measured facts of each component's charts list, overridden by CRDs a component renders.
 */
function crdProviders(states: readonly ComponentState[], problem: Problem): { providers: Map<string, string>; rendered: Map<string, string> } {
  const providers = new Map<string, string>(Object.entries(RUNTIME_CRD_GROUPS));
  for (const s of states) for (const i of s.installs) for (const group of i.crdGroups) providers.set(group, s.component.name);
  const rendered = new Map<string, string>();
  for (const s of states) {
    for (const o of s.objects) {
      if (o.json.kind !== 'CustomResourceDefinition') continue;
      const group = (o.json as unknown as { spec?: { group?: string } }).spec?.group;
      if (!group) continue;
      const other = rendered.get(group);
      if (other && other !== s.component.name) {
        problem(`kubernetes/${s.component.name}`, o.json.metadata.name, `renders a CRD of API group ${group}, which ${other} renders too`, 'let one component own the CRDs of a group');
      }
      rendered.set(group, s.component.name);
      providers.set(group, s.component.name);
    }
  }
  return { providers, rendered };
}

/**
 * The sync waves: dependencies plus "uses a CRD of", with per-object sync options set on the way. Undefined, with the
 * problem reported, when the components cannot be ordered.
 */
function syncOrder(model: SiteModel, states: readonly ComponentState[], { providers, rendered }: { providers: ReadonlyMap<string, string>; rendered: ReadonlyMap<string, string> }, problem: Problem): ReadonlyMap<string, number> | undefined {
  const warn = warnOf(model);
  const present = new Set(model.components.map((c) => c.name));
  const stateOf = new Map(states.map((s) => [s.component.name, s]));
  const installsCrds = (provider: string, group: string): boolean =>
    rendered.get(group) === provider ||
    (stateOf.get(provider)?.installs ?? []).some((i) => i.crdGroups.includes(group)) ||
    (RUNTIME_CRD_GROUPS[group] === provider && (stateOf.get(provider)?.releases.length ?? 0) > 0);
  const builtIn = builtInApiGroups();
  const nodes: OrderNode[] = states.map((s) => {
    const after = new Map<string, string>(s.component.dependsOn.map((d) => [d, 'depends on it']));
    for (const o of s.objects) {
      const group = groupOf(o.json.apiVersion);
      if (builtIn.has(group)) continue;
      const what = `${o.json.kind} ${o.json.metadata.name}`;
      const provider = providers.get(group);
      if (provider === undefined) {
        problem(`kubernetes/${s.component.name}`, what, `is a custom resource of API group ${group}, whose CRD no component installs`, 'add the add-on whose chart installs it and measure its facts (npx site-compiler vendor), or, for CRDs an operator registers at run time, list the group in the add-on\'s runtimeCrdGroups (addons/<name>/spec.ts)');
        continue;
      }
      // Nothing in the site installs the CRD: the object cannot be ordered and its Application will not sync
      // until the add-on is added. That is the site's to fix, so it is reported, not refused.
      if (!present.has(provider)) {
        warn(`kubernetes/${s.component.name}: ${what} is a custom resource of API group ${group}, whose CRD the ${provider} add-on installs, but the site has no ${provider}; Argo CD cannot sync it until ${provider} is added to platform.addons`);
        addSyncOption(o, 'SkipDryRunOnMissingResource=true');
        continue;
      }
      if (!installsCrds(provider, group)) {
        warn(`kubernetes/${s.component.name}: ${what} is a custom resource of API group ${group}, but component ${provider} renders no CRD of that group and the measured facts of its charts list none, so nothing installs it; give ${provider} the chart that does (its add-on folder, addons/<name>/) and measure its facts (npx site-compiler vendor)`);
        addSyncOption(o, 'SkipDryRunOnMissingResource=true');
        continue;
      }
      // The dry run of a whole sync happens before any of it applies: a CRD that arrives in the same sync,
      // or that an operator registers once it runs, does not exist yet.
      addSyncOption(o, 'SkipDryRunOnMissingResource=true');
      if (provider === s.component.name) setWave(o, '1');
      else if (!after.has(provider)) after.set(provider, `uses ${o.json.kind} (${group}), whose CRD it installs`);
    }
    return { name: s.component.name, after };
  });
  // A component reading store keys that arrive after the bootstrap (edge registrations) stays Degraded until they do:
  // it syncs after every other component, so no wave waits for it.
  for (const late of states.filter((s) => s.objects.some((o) => o.annotations[LATER_KEY_ANNOTATION] !== undefined))) {
    const node = nodes.find((n) => n.name === late.component.name);
    for (const other of nodes) if (other !== node && !other.after.has(late.component.name)) (node?.after as Map<string, string> | undefined)?.set(other.name, 'reads store keys that arrive after the bootstrap, so nothing may wait for it');
  }
  const order = syncWaves(nodes);
  if ('cycle' in order) {
    problem('components', order.cycle.map((e) => e.from), `cannot be ordered for Argo CD: ${describeCycle(order.cycle)}`, 'break the cycle: move the custom resource to another component, or remove one of the dependencies');
  }
  for (const s of states) for (const o of s.objects) checkSize(s.component.name, o, problem);
  return 'cycle' in order ? undefined : order.waves;
}

/** One AppProject and one Application per component with a folder in dist/kubernetes/ or a chart Argo CD renders. */
function componentApplications(chart: ComponentChart, model: SiteModel, states: readonly ComponentState[], waves: ReadonlyMap<string, number>, argocd: ComponentModel, bootstrapped: ReadonlySet<string>): { names: Set<string>; lastWave: number } {
  const git = model.gitops;
  const names = new Set<string>([ARGOCD_APPS_COMPONENT]);
  const gitSource = (folder: string): argo.ApplicationSpecSources => ({ repoUrl: git.repoUrl, targetRevision: git.revision, path: `${git.path}/${folder}` });
  let lastWave = 0;

  for (const s of states) {
    const c = s.component;
    const helm = s.releases.filter((r) => r.delivery === 'argocd');
    const hasFolder = s.objects.length > 0;
    if (!hasFolder && helm.length === 0) continue;
    const wave = waves.get(c.name) ?? 0;
    lastWave = Math.max(lastWave, wave);
    names.add(c.name);
    const sources: argo.ApplicationSpecSources[] = helm.map((r) => {
      const values = helmValuesText(r);
      return {
        repoUrl: r.repoUrl,
        chart: r.chart,
        targetRevision: r.version,
        helm: { releaseName: r.releaseName, ...(r.namespace !== c.namespace ? { namespace: r.namespace } : {}), ...(values ? { values } : {}) },
      };
    });
    if (hasFolder) sources.push(gitSource(c.name));
    const oversized = s.installs.map((i) => i.serverSideApply).filter((x): x is string => x !== undefined);

    componentProject(chart, model, s, helm, hasFolder, argocd.namespace);
    const ignored = s.objects
      .filter((o) => o.json.metadata.annotations?.[IGNORE_DIFFERENCES_ANNOTATION])
      .map((o) => ({
        group: groupOf(o.json.apiVersion),
        kind: o.json.kind,
        name: o.json.metadata.name,
        ...(o.json.metadata.namespace ? { namespace: o.json.metadata.namespace } : {}),
        jsonPointers: (o.json.metadata.annotations?.[IGNORE_DIFFERENCES_ANNOTATION] ?? '').split(',').map((p) => p.trim()).filter((p) => p.length > 0),
      }));
    new argo.Application(chart, `application-${c.name}`, {
      metadata: {
        name: c.name,
        namespace: argocd.namespace,
        labels: { 'app.kubernetes.io/part-of': model.name, 'site-compiler/component-kind': c.kind },
        annotations: { [SYNC_WAVE]: String(wave) },
        // Removing a component from the site removes what it deployed. A data store keeps its data instead, and
        // the CNI and Argo CD stay: deleting them with their Application would cut off the whole cluster.
        ...(c.kind === 'data-store' || bootstrapped.has(c.name) ? {} : { finalizers: [RESOURCES_FINALIZER] }),
      },
      spec: {
        project: c.name,
        destination: { server: IN_CLUSTER, namespace: c.namespace },
        ...(sources.length === 1 ? { source: sources[0] } : { sources }),
        syncPolicy: {
          automated: { prune: true, selfHeal: true },
          retry: RETRY,
          // Helm-rendered objects cannot carry the per-object annotation, so an oversized one switches the Application.
          syncOptions: [
            ...APP_SYNC_OPTIONS,
            ...(oversized.length > 0 ? ['ServerSideApply=true'] : []),
            ...(ignored.length > 0 ? ['RespectIgnoreDifferences=true'] : []),
          ],
        },
        ...(ignored.length > 0 ? { ignoreDifferences: ignored } : {}),
      },
    });
  }
  return { names, lastWave };
}

/** The least-privilege project of a component: its sources, namespaces and cluster-scoped kinds. */
function componentProject(chart: ComponentChart, model: SiteModel, s: ComponentState, helm: readonly HelmRelease[], hasFolder: boolean, argocdNamespace: string): void {
  const c = s.component;
  new argo.AppProject(chart, `project-${c.name}`, {
    metadata: { name: c.name, namespace: argocdNamespace, annotations: { [SYNC_WAVE]: '-1' } },
    spec: {
      description: `${c.kind} ${c.name} of site ${model.name}: the sources, namespaces and cluster-scoped kinds its Application may use`,
      sourceRepos: sorted([...(hasFolder ? [model.gitops.repoUrl] : []), ...helm.map((r) => r.repoUrl)]),
      destinations: sorted([
        c.namespace,
        ...s.objects.map((o) => o.json.metadata.namespace).filter((n): n is string => n !== undefined),
        ...s.releases.map((r) => r.namespace),
        ...s.installs.flatMap((i) => i.namespaces),
      ]).map((namespace) => ({ server: IN_CLUSTER, namespace })),
      clusterResourceWhitelist: sortedKinds([
        ...s.objects.filter((o) => o.json.metadata.namespace === undefined).map((o) => ({ group: groupOf(o.json.apiVersion), kind: o.json.kind })),
        ...s.installs.flatMap((i) => i.clusterKinds),
      ]),
    },
  });
}

/** The edge clusters: one ApplicationSet over the sharded edge list, after every component. */
function edgeApplicationSet(chart: ComponentChart, model: SiteModel, states: readonly ComponentState[], names: ReadonlySet<string>, waves: ReadonlyMap<string, number>, lastWave: number, argocdNamespace: string, problem: Problem): void {
  const git = model.gitops;
  const edges = model.edgeFleet?.edges ?? [];
  const edgeFiles = states.some((s) => s.component.name === EDGE_FLEET_COMPONENT) && edges.length > 0;
  if (edgeFiles) {
    for (const e of edges) {
      if (names.has(edgeClusterName(e))) {
        problem(`${model.edgeFleet?.inventory ?? 'inventory'}:${e.line}`, e.name, `gives the Argo CD Application ${edgeClusterName(e)}, which a component already uses`, 'rename the edge');
      }
    }
    const distRoot = distRootOf(git.path);
    new argo.AppProject(chart, `project-${EDGE_CLUSTERS}`, {
      metadata: { name: EDGE_CLUSTERS, namespace: argocdNamespace, annotations: { [SYNC_WAVE]: '-1' } },
      spec: {
        description: `the k3s clusters of the edge fleet of site ${model.name}, registered in Argo CD as edge-<name>`,
        sourceRepos: [git.repoUrl],
        destinations: [{ name: 'edge-*', namespace: EDGE_WORKLOAD_NAMESPACE }],
        clusterResourceWhitelist: [{ group: '', kind: 'Namespace' }],
      },
    });
    // Same wave as the edge fleet's component, the last one: its registrations wait for edges to enroll, and
    // nothing may wait for them. The cluster generator makes an Application only for a registered edge.
    const wave = waves.get(EDGE_FLEET_COMPONENT) ?? lastWave + 1;
    new argo.ApplicationSet(chart, `applicationset-${EDGE_CLUSTERS}`, {
      metadata: { name: EDGE_CLUSTERS, namespace: argocdNamespace, annotations: { [SYNC_WAVE]: String(wave) } },
      spec: {
        goTemplate: true,
        goTemplateOptions: ['missingkey=error'],
        generators: [{ clusters: { selector: { matchLabels: { [EDGE_FLEET_LABEL]: model.name } } } }],
        template: {
          metadata: {
            name: '{{.name}}',
            labels: { 'app.kubernetes.io/part-of': model.name, [EDGE_SITE_LABEL]: `{{index .metadata.labels "${EDGE_SITE_LABEL}"}}` },
            finalizers: [RESOURCES_FINALIZER],
          },
          spec: {
            project: EDGE_CLUSTERS,
            source: { repoUrl: git.repoUrl, targetRevision: git.revision, path: `${distRoot}${EDGE_DIST.workload}` },
            destination: { name: '{{.name}}', namespace: EDGE_WORKLOAD_NAMESPACE },
            syncPolicy: { automated: { prune: true, selfHeal: true }, retry: RETRY, syncOptions: APP_SYNC_OPTIONS },
          },
        },
      },
    });
  }
}

/** The root: the app of apps, applied once by the bootstrap, then it keeps itself in sync. */
function rootApplication(chart: ComponentChart, model: SiteModel, argocdNamespace: string): { rootProject: argo.AppProject; root: argo.Application } {
  const git = model.gitops;
  const rootProject = new argo.AppProject(chart, `project-${ARGOCD_APPS_COMPONENT}`, {
    metadata: { name: ARGOCD_APPS_COMPONENT, namespace: argocdNamespace, annotations: { [SYNC_WAVE]: '-1' } },
    spec: {
      description: `the app of apps of site ${model.name}: Applications, their projects and the edge ApplicationSet, nothing else`,
      sourceRepos: [git.repoUrl],
      destinations: [{ server: IN_CLUSTER, namespace: argocdNamespace }],
      clusterResourceWhitelist: [],
      namespaceResourceWhitelist: ['Application', 'AppProject', 'ApplicationSet'].map((kind) => ({ group: 'argoproj.io', kind })),
    },
  });
  const root = new argo.Application(chart, `application-${ARGOCD_APPS_COMPONENT}`, {
    metadata: { name: ARGOCD_APPS_COMPONENT, namespace: argocdNamespace, labels: { 'app.kubernetes.io/part-of': model.name } },
    spec: {
      project: ARGOCD_APPS_COMPONENT,
      destination: { server: IN_CLUSTER, namespace: argocdNamespace },
      source: { repoUrl: git.repoUrl, targetRevision: git.revision, path: `${git.path}/${ARGOCD_APPS_COMPONENT}` },
      syncPolicy: { automated: { prune: true, selfHeal: true }, retry: RETRY, syncOptions: APP_SYNC_OPTIONS },
    },
  });
  return { rootProject, root };
}

/** dist/bootstrap/: installs the CNI and Argo CD from their Applications' releases, then applies the root. */
function writeBootstrap(chart: ComponentChart, model: SiteModel, states: readonly ComponentState[], cni: ReadonlySet<string>, argocd: ComponentModel, rootObjects: readonly object[], problem: Problem): void {
  const bootstrapped = [...states.filter((x) => cni.has(x.component.name)), ...states.filter((x) => x.component.name === argocd.name)];
  const boot: BootstrapComponent[] = [];
  const renders = ObjectRenders.of(chart);
  for (const s of bootstrapped) {
    if (s.releases.length === 0) {
      problem(`kubernetes/${s.component.name}`, s.component.name, 'has no Helm release, so the bootstrap cannot install it before Argo CD runs', 'give the component its HelmRelease (its add-on folder, addons/<name>/)');
      continue;
    }
    boot.push({
      component: s.component.name,
      namespace: s.component.namespace,
      role: cni.has(s.component.name) ? 'CNI' : 'Argo CD',
      namespaceObjects: s.objects.filter((o) => o.json.kind === 'Namespace' && o.json.apiVersion === 'v1').map((o) => renders.json(o.api)),
      releases: s.releases,
      rendered: new Map(s.releases.map((r) => [r.releaseName, r.rendered.map((o) => renders.json(o))])),
      objects: s.objects.filter((o) => isAppliedAtBootstrap(o.api)).map((o) => renders.json(o.api)),
    });
  }
  if (boot.length < bootstrapped.length) return;
  const files = new DistFiles(chart, 'bootstrap');
  const bootstrap = bootstrapFiles({
    model,
    components: boot,
    rootObjects,
    rootName: ARGOCD_APPS_COMPONENT,
    argocdNamespace: argocd.namespace,
    header: header(model),
    ...secretStoreOf(states, renders),
  });
  // Values and the seed list are data: parsing them back for objects was most of the synth's reading of bootstrap/.
  for (const [file, content] of bootstrap.files) files.add(file, content, { dataOnly: bootstrap.dataOnly.has(file), objects: bootstrap.objects.get(file), data: bootstrap.data.get(file) });
}

/** What secretStoreOf reads: the store, the ExternalSecrets that name it and the Namespace objects. */
const SEED_KINDS: ReadonlySet<string> = new Set(['ClusterSecretStore', 'ExternalSecret', 'Namespace']);

/**
 * The secret store the ExternalSecrets read and what it must hold, for the bootstrap to check before the root: the
 * ClusterSecretStore any component renders, and its namespace's object when the store keeps Secrets in this cluster.
 */
function secretStoreOf(states: readonly ComponentState[], renders: ObjectRenders): { secretStore?: { seed: NonNullable<ReturnType<typeof secretStoreSeed>>; namespaceObjects: object[] } } {
  // As rendered now, with the annotations set since componentStates; only the kinds the seed reads.
  const byComponent = new Map(states.map((s) => [s.component.name, s.objects.filter((o) => SEED_KINDS.has(o.json.kind)).map((o) => renders.json(o.api))]));
  const store = [...byComponent.values()].flat().find((o) => o.kind === 'ClusterSecretStore');
  const seed = store ? secretStoreSeed(store, byComponent) : undefined;
  if (!seed) return {};
  const namespaceObjects = [...byComponent.values()].flat().filter((o) => o.kind === 'Namespace' && o.apiVersion === 'v1' && o.metadata.name === seed.namespace);
  return { secretStore: { seed, namespaceObjects } };
}

/** dist/ inside the repository: gitops.path names its kubernetes/ folder. */
function distRootOf(kubernetesPath: string): string {
  const parts = kubernetesPath.split('/').filter((p) => p !== '' && p !== '.');
  if (parts[parts.length - 1] !== 'kubernetes') {
    throw new SiteError('site', [{ path: 'gitops.path', value: kubernetesPath, message: 'does not end in the kubernetes/ folder of dist/', fix: 'point it at dist/kubernetes as the repository holds it, e.g. "dist/kubernetes"' }]);
  }
  const root = parts.slice(0, -1).join('/');
  return root ? `${root}/` : '';
}

function addSyncOption(o: Rendered, option: string): void {
  const current = (o.annotations[SYNC_OPTIONS] ?? '').split(',').map((x) => x.trim()).filter((x) => x !== '');
  if (current.includes(option)) return;
  const value = [...current, option].join(',');
  o.annotations[SYNC_OPTIONS] = value;
  ObjectRenders.of(o.api).addAnnotation(o.api, SYNC_OPTIONS, value);
}

/** Sets a per-object sync wave unless the component chose one itself. */
function setWave(o: Rendered, wave: string): void {
  if (o.annotations[SYNC_WAVE] !== undefined) return;
  o.annotations[SYNC_WAVE] = wave;
  ObjectRenders.of(o.api).addAnnotation(o.api, SYNC_WAVE, wave);
}

/**
 * Client-side apply stores the whole object in an annotation, and annotations may not pass 256 KiB
 * together: such an object is applied server-side. Past 1 MiB the API server refuses the object at all.
 */
function checkSize(component: string, o: Rendered, problem: (path: string, value: unknown, message: string, fix: string) => void): void {
  const bytes = Buffer.byteLength(JSON.stringify(o.json));
  const annotations = Buffer.byteLength(JSON.stringify(o.annotations));
  if (bytes > MAX_OBJECT_BYTES) {
    problem(`kubernetes/${component}`, `${o.json.kind} ${o.json.metadata.name}`, `is ${bytes} bytes; the API server refuses objects over ${MAX_OBJECT_BYTES}`, 'split it into shards (charts/gitops/sharding.ts)');
    return;
  }
  if (bytes + annotations > ANNOTATION_LIMIT_BYTES) addSyncOption(o, 'ServerSideApply=true');
}

function sorted(values: readonly string[]): string[] {
  return [...new Set(values)].sort();
}

function sortedKinds(kinds: readonly GroupKind[]): GroupKind[] {
  const unique = new Map(kinds.map((k) => [`${k.group}/${k.kind}`, k]));
  return [...unique.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, k]) => ({ group: k.group, kind: k.kind }));
}

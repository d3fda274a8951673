import { parse, parseAllDocuments } from 'yaml';
import type { ReleaseFacts } from '../constructs/chart-facts-file';
import { CLIENT_SIDE_APPLY_LIMIT, CLUSTER_SCOPED, parseObjectRef } from '../constructs/chart-measure';
import type { KubeObject } from '../core/kube-object';
import { byCodePoint } from '../core/order';
import { IN_CLUSTER_NAME, IN_CLUSTER_SERVER, ProjectRules, destinationPermitted, globMatch, kindPermitted, projectRules, repoPermitted } from './argocd-project';
import { SecretStoreSeed, parseSeed, seedCovers } from '../charts/gitops/secret-seed';

/**
 * Argo CD 3.4's sync of the tree, simulated at synth: the root Application the bootstrap applies, the Applications
 * and ApplicationSets it syncs wave by wave, and what each of them applies (its folder and, from the measured chart
 * facts, its Helm charts). Each finding is a sync that Argo CD would refuse or that would stop the root at a wave:
 * an object its AppProject does not allow, a namespace or CRD that does not exist yet when the object is applied, an
 * object too large for client-side apply, an ApplicationSet destination no cluster Secret registers, an ExternalSecret
 * reading a key the bootstrap does not put into the secret store. Pure: everything comes in through the input.
 */

export interface SyncInput {
  /** Objects of every dist/kubernetes/<folder>/, by folder. */
  readonly folders: ReadonlyMap<string, readonly KubeObject[]>;
  /** Every other file of the tree by its path in dist/ (bootstrap/, edge/). */
  readonly files: ReadonlyMap<string, string>;
  /**
   * The objects files of `files` were written from, by path (synth's extraManifests): read instead of parsing the
   * file's text back.
   * @default - every file is parsed
   */
  readonly objects?: ReadonlyMap<string, readonly KubeObject[]>;
  /**
   * The values data files of `files` were written from, by path (the seed list): read instead of parsing the text.
   * @default - every file is parsed
   */
  readonly data?: ReadonlyMap<string, unknown>;
  /** The measured facts of the site's charts: what each Helm source installs. */
  readonly charts: readonly ReleaseFacts[];
  /** API groups the API server serves itself ('' is the core group). */
  readonly builtInGroups: ReadonlySet<string>;
  /** API groups whose CRDs an operator registers when it runs, with the Application that runs it. */
  readonly runtimeCrds: Readonly<Record<string, string>>;
}

export interface SyncFinding {
  /** The Application (or ApplicationSet) whose sync fails. */
  readonly application: string;
  /** The object, as `Kind namespace/name` or `Kind name`. */
  readonly object: string;
  readonly message: string;
  readonly fix: string;
}

export function formatSyncFinding(f: SyncFinding): string {
  return `Argo CD sync: ${f.application}: ${f.object}: ${f.message}; fix: ${f.fix}`;
}

const ROOT_FILE = 'bootstrap/root-application.yaml';
export const SEED_FILE = 'bootstrap/secret-store-seed.yaml';
export const CLUSTER_SECRET_LABEL = 'argocd.argoproj.io/secret-type';
const SYNC_WAVE = 'argocd.argoproj.io/sync-wave';
const SYNC_OPTIONS = 'argocd.argoproj.io/sync-options';
/** Namespaces every cluster has before anything is applied. */
const BUILT_IN_NAMESPACES = ['default', 'kube-node-lease', 'kube-public', 'kube-system'];
/** Findings of one kind listed in full before the rest are counted (a fleet of 10,000 edges fails 10,000 times the same way). */
const SHOWN_PER_KIND = 5;

/** One object an Application applies. */
export interface SyncObject {
  readonly group: string;
  readonly kind: string;
  readonly name: string;
  /** Undefined for a cluster-scoped object. */
  readonly namespace?: string;
  /** Size of the object as JSON, which client-side apply copies into its last-applied annotation. */
  readonly bytes: number;
  readonly options: readonly string[];
  /** The object as rendered (own folder objects); undefined for chart objects known from the facts. */
  readonly raw?: KubeObject;
  /** Where it comes from: "folder" or "chart <name> <version>". */
  readonly from: string;
}

export interface SimApp {
  readonly name: string;
  /** "Application x", "ApplicationSet y -> Application z". */
  readonly label: string;
  readonly project: string;
  readonly wave: number;
  readonly destination: { readonly server?: string; readonly name?: string; readonly namespace: string };
  readonly repos: readonly string[];
  readonly options: readonly string[];
  readonly objects: readonly SyncObject[];
}

/** What is in the cluster before the root Application syncs: what the bootstrap installs and applies. */
interface Bootstrapped {
  readonly namespaces: Set<string>;
  readonly crds: Set<string>;
  readonly seed?: SecretStoreSeed;
}

/** Runs the simulation; no findings when the tree has no root Application (a site without Argo CD). */
export function simulateArgoCdSync(input: SyncInput): SyncFinding[] {
  const rootText = input.files.get(ROOT_FILE);
  if (rootText === undefined) return [];
  const rootDocs = objectsOf(input, ROOT_FILE);
  const rootApp = rootDocs.find((o) => o.kind === 'Application');
  if (!rootApp) return [{ application: 'bootstrap', object: ROOT_FILE, message: 'holds no Application, so nothing syncs the tree', fix: 'synth the site again (the bootstrap writes the root Application)' }];
  const findings: SyncFinding[] = [];
  const boot = bootstrapped(input);
  // The bootstrap applies the root after everything it installs itself (wave -Infinity), before any wave of the root.
  const root = simApp(rootApp, `Application ${rootApp.metadata.name} (root)`, Number.MIN_SAFE_INTEGER, input);
  const rootObjects = input.folders.get(folderOf(rootApp)) ?? [];
  const projects = new Map<string, { rules: ProjectRules; wave: number }>();
  // The root's own project comes from the bootstrap, before anything syncs; the rest are the root's objects.
  for (const o of rootObjects) if (o.kind === 'AppProject') projects.set(o.metadata.name, { rules: projectRules(o), wave: waveOf(o, 0) });
  for (const o of rootDocs) if (o.kind === 'AppProject') projects.set(o.metadata.name, { rules: projectRules(o), wave: Number.NEGATIVE_INFINITY });
  const distRoot = distRootOf(gitSources(rootApp)[0]?.path ?? '');

  // The root's folder holds the root itself (it keeps itself in sync): it is simulated once, as the root.
  const children = rootObjects.filter((o) => o.kind === 'Application' && o.metadata.name !== rootApp.metadata.name).map((o) => simApp(o, `Application ${o.metadata.name}`, waveOf(o, 0), input));
  const clusters = registeredClusters([root, ...children], root.destination.namespace);
  const generated = rootObjects.filter((o) => o.kind === 'ApplicationSet').flatMap((o) => applicationSetApps(o, input, distRoot, clusters, findings));
  const clusterIndex: ClusterIndex = { byName: new Map(clusters.map((c) => [c.name, c])), byServer: new Map(clusters.map((c) => [c.server, c])) };
  const apps = [root, ...children, ...generated];

  const crds = crdProviders(apps, input, boot);
  const namespaces = namespaceProviders(apps, boot);
  const lastWave = Math.max(0, ...rootObjects.map((o) => waveOf(o, 0)));
  for (const app of apps) {
    checkProjectAndSources(app, projects, clusterIndex, findings);
    for (const o of app.objects) {
      checkPermitted(app, o, projects.get(app.project)?.rules, crdScope(crds, o), findings);
      checkNamespace(app, o, namespaces, findings);
      checkCrd(app, o, crds, input, findings);
      checkSize(app, o, findings);
      checkSeeded(app, o, boot.seed, lastWave, findings);
    }
  }
  return summarise(findings);
}

/** The repository path of dist/ from the root's source path (`dist/kubernetes/argocd-apps` -> `dist/`). */
function distRootOf(rootPath: string): string {
  const parts = rootPath.split('/').filter((p) => p !== '');
  return parts.length > 2 ? `${parts.slice(0, -2).join('/')}/` : '';
}

/** Folder of an Application's git source: the last segment of its path. */
function folderOf(app: KubeObject): string {
  const path = gitSources(app)[0]?.path ?? '';
  return path.split('/').filter((p) => p !== '').pop() ?? '';
}

interface Source {
  readonly repoURL: string;
  readonly path?: string;
  readonly chart?: string;
  readonly targetRevision?: string;
  readonly helm?: { readonly releaseName?: string };
}

function sourcesOf(app: KubeObject): Source[] {
  const spec = (app.spec ?? {}) as { source?: Source; sources?: Source[] };
  return spec.sources ?? (spec.source ? [spec.source] : []);
}

function gitSources(app: KubeObject): Source[] {
  return sourcesOf(app).filter((s) => s.path !== undefined);
}

function waveOf(o: KubeObject, fallback: number): number {
  const v = (o.metadata.annotations as Record<string, string> | undefined)?.[SYNC_WAVE];
  return v === undefined ? fallback : Number(v);
}

function optionsOf(o: KubeObject): string[] {
  const v = (o.metadata.annotations as Record<string, string> | undefined)?.[SYNC_OPTIONS];
  return v === undefined ? [] : v.split(',').map((x) => x.trim()).filter((x) => x !== '');
}

function groupOf(apiVersion: string): string {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? '' : apiVersion.slice(0, slash);
}

function objectName(o: { kind: string; name: string; namespace?: string }): string {
  return o.namespace === undefined ? `${o.kind} ${o.name}` : `${o.kind} ${o.namespace}/${o.name}`;
}

/** An Application as the controller sees it: destination, sources, options and every object its sources render. */
export function simApp(app: KubeObject, label: string, wave: number, input: SyncInput, folderObjects?: readonly KubeObject[]): SimApp {
  const spec = (app.spec ?? {}) as { project?: string; destination?: { server?: string; name?: string; namespace?: string }; syncPolicy?: { syncOptions?: string[] } };
  const destination = { ...spec.destination, namespace: spec.destination?.namespace ?? '' };
  const objects: SyncObject[] = [];
  for (const s of sourcesOf(app)) {
    if (s.path !== undefined) {
      const own = folderObjects ?? input.folders.get(s.path.split('/').filter((p) => p !== '').pop() ?? '') ?? [];
      for (const o of own) {
        objects.push({
          group: groupOf(o.apiVersion),
          kind: o.kind,
          name: o.metadata.name,
          namespace: o.metadata.namespace ?? (CLUSTER_SCOPED.has(o.kind) ? undefined : destination.namespace || undefined),
          bytes: Buffer.byteLength(JSON.stringify(o)),
          options: optionsOf(o),
          raw: o,
          from: 'folder',
        });
      }
    } else if (s.chart !== undefined) {
      objects.push(...chartObjects(s, app.metadata.name, input.charts));
    }
  }
  return { name: app.metadata.name, label, project: spec.project ?? 'default', wave, destination, repos: sourcesOf(app).map((s) => s.repoURL), options: spec.syncPolicy?.syncOptions ?? [], objects };
}

/** What a Helm source installs, from the release's measured facts (none when it was never measured: synth warns then). */
function chartObjects(s: Source, appName: string, charts: readonly ReleaseFacts[]): SyncObject[] {
  const releaseName = s.helm?.releaseName ?? appName;
  const matching = charts.filter((f) => f.chart === s.chart && f.version === s.targetRevision && f.releaseName === releaseName);
  const facts = matching.find((f) => f.component === appName) ?? matching[0];
  if (!facts) return [];
  const oversized = new Set(facts.oversized);
  return facts.objects.map((ref) => {
    const r = parseObjectRef(ref);
    // The facts keep the sizes of the largest and of the oversized objects only; the others fit client-side apply.
    const bytes = ref === facts.largestObject.object ? facts.largestObject.bytes : oversized.has(ref) ? CLIENT_SIDE_APPLY_LIMIT + 1 : 0;
    return { group: r.group, kind: r.kind, name: r.name, namespace: r.namespace, bytes, options: [], from: `chart ${facts.chart} ${facts.version}` };
  });
}

/** The Kubernetes objects of a file outside dist/kubernetes/: those it was written from when known, else its text parsed. */
function objectsOf(input: SyncInput, file: string, version?: '1.1'): readonly KubeObject[] {
  const known = input.objects?.get(file);
  if (known) return known;
  return parseAllDocuments(input.files.get(file) ?? '', version ? { version } : {})
    .map((d) => d.toJS() as KubeObject)
    .filter((o) => o && typeof o.kind === 'string');
}

/** What the bootstrap script installs and applies before the root: namespaces, CRDs, and the secret store it seeds. */
function bootstrapped(input: SyncInput): Bootstrapped {
  const script = input.files.get('bootstrap/bootstrap.sh') ?? '';
  const namespaces = new Set(BUILT_IN_NAMESPACES);
  const crds = new Set<string>();
  // By path first: the tree may hold a file per edge of a fleet, made only when its text is read (synth/lazy-file-tree.ts).
  for (const file of input.files.keys()) {
    if (!file.startsWith('bootstrap/') || !/\.ya?ml$/.test(file) || !script.includes(`-f ${file.slice('bootstrap/'.length)}`)) continue;
    for (const o of objectsOf(input, file)) {
      if (o.kind === 'Namespace') namespaces.add(o.metadata.name);
      if (o.kind === 'CustomResourceDefinition') crds.add(crdKey(o));
    }
  }
  // Releases the script installs with helm: what their facts say they install exists before the root.
  for (const m of script.matchAll(/^helm upgrade --install (\S+) (\S+) .*--version (\S+) /gm)) {
    const [, release, chartRef, version] = m;
    const chart = chartRef.split('/').pop() ?? chartRef;
    const facts = input.charts.find((f) => f.releaseName === release && f.chart === chart && f.version === version);
    for (const c of facts?.crds ?? []) crds.add(`${c.group}/${c.kind}`);
    for (const ref of facts?.objects ?? []) if (ref.startsWith('Namespace ')) namespaces.add(parseObjectRef(ref).name);
  }
  // The seed list counts for the keys the script really checks (its `seed '<key>' '<property>'` lines).
  const seedText = input.files.get(SEED_FILE);
  if (seedText === undefined) return { namespaces, crds };
  const checked = new Set([...script.matchAll(/^seed '([^']*)' '([^']*)'$/gm)].map((m) => `${m[1]}\n${m[2]}`));
  const listed = parseSeed(input.data?.get(SEED_FILE) ?? parse(seedText));
  const keys = listed.keys
    .map((k) => ({ ...k, properties: k.properties.filter((p) => checked.has(`${k.key}\n${p}`)) }))
    .filter((k) => k.properties.length > 0 || checked.has(`${k.key}\n`));
  return { namespaces, crds, seed: { ...listed, keys } };
}

function crdKey(o: KubeObject): string {
  const spec = (o.spec ?? {}) as { group?: string; names?: { kind?: string } };
  return `${spec.group ?? ''}/${spec.names?.kind ?? ''}`;
}

interface Provider {
  readonly app: string;
  readonly wave: number;
  readonly scope?: string;
  /** An operator registers the CRDs when it runs, so they are not part of the sync that starts it. */
  readonly runtime?: boolean;
}

/** Who installs each CRD (group/kind), and who registers a whole API group at run time. */
function crdProviders(apps: readonly SimApp[], input: SyncInput, boot: Bootstrapped): Map<string, Provider[]> {
  const out = new Map<string, Provider[]>();
  const add = (key: string, p: Provider): void => {
    const list = out.get(key);
    if (list) list.push(p);
    else out.set(key, [p]);
  };
  for (const key of boot.crds) add(key, { app: 'the bootstrap', wave: Number.NEGATIVE_INFINITY });
  // The first fact of each CRD name, as a search of all the facts in order finds it: looked up once per chart CRD
  // object (hundreds), where flattening every chart's CRDs for each was most of the simulation's own time.
  const crdFacts = new Map<string, ReleaseFacts['crds'][number]>();
  for (const c of input.charts.flatMap((f) => f.crds)) if (!crdFacts.has(c.name)) crdFacts.set(c.name, c);
  for (const app of apps) {
    for (const o of app.objects) {
      if (o.kind !== 'CustomResourceDefinition' || o.group !== 'apiextensions.k8s.io') continue;
      if (o.raw) {
        const spec = (o.raw.spec ?? {}) as { scope?: string };
        add(crdKey(o.raw), { app: app.name, wave: app.wave, scope: spec.scope });
      } else {
        const fact = crdFacts.get(o.name);
        if (fact) add(`${fact.group}/${fact.kind}`, { app: app.name, wave: app.wave, scope: fact.scope });
      }
    }
  }
  for (const [group, appName] of Object.entries(input.runtimeCrds)) {
    const app = apps.find((a) => a.name === appName);
    if (app) add(`${group}/*`, { app: app.name, wave: app.wave, runtime: true });
  }
  return out;
}

function providersOf(crds: ReadonlyMap<string, readonly Provider[]>, o: SyncObject): readonly Provider[] {
  return [...(crds.get(`${o.group}/${o.kind}`) ?? []), ...(crds.get(`${o.group}/*`) ?? [])];
}

function crdScope(crds: ReadonlyMap<string, readonly Provider[]>, o: SyncObject): boolean {
  if (CLUSTER_SCOPED.has(o.kind) && (o.group === '' || o.raw === undefined || groupOf(o.raw.apiVersion) === o.group)) return o.namespace === undefined;
  const scope = providersOf(crds, o).find((p) => p.scope !== undefined)?.scope;
  return scope === 'Cluster' || (scope === undefined && o.namespace === undefined);
}

/** Who creates a namespace, indexed so that each object's check is constant time however many Applications create it. */
interface NamespaceProviders {
  readonly providers: Provider[];
  /** The earliest wave any provider creates it in. */
  earliest: number;
  readonly apps: Set<string>;
}

/**
 * Which Application creates each namespace, and in which wave; the bootstrap's and the built-in ones first. Every
 * Application an ApplicationSet generates creates the same namespace, so a fleet of n edges gives one namespace n
 * providers: the check reads the earliest wave and the set of names instead of scanning them per object.
 */
function namespaceProviders(apps: readonly SimApp[], boot: Bootstrapped): Map<string, NamespaceProviders> {
  const out = new Map<string, NamespaceProviders>();
  const add = (ns: string, p: Provider): void => {
    const known = out.get(ns) ?? { providers: [], earliest: Number.POSITIVE_INFINITY, apps: new Set<string>() };
    known.providers.push(p);
    known.earliest = Math.min(known.earliest, p.wave);
    known.apps.add(p.app);
    out.set(ns, known);
  };
  for (const ns of boot.namespaces) add(ns, { app: 'the bootstrap', wave: Number.NEGATIVE_INFINITY });
  for (const app of apps) {
    for (const o of app.objects) if (o.kind === 'Namespace' && o.group === '') add(o.name, { app: app.name, wave: app.wave });
  }
  return out;
}

/** Clusters an Argo CD Secret (or an ExternalSecret producing one) registers in Argo CD's namespace, by name, with their labels. */
export interface RegisteredCluster {
  readonly name: string;
  readonly server: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly by: string;
}

interface ClusterIndex {
  readonly byName: ReadonlyMap<string, RegisteredCluster>;
  readonly byServer: ReadonlyMap<string, RegisteredCluster>;
}

function registeredClusters(apps: readonly SimApp[], argocdNamespace: string): RegisteredCluster[] {
  const out: RegisteredCluster[] = [{ name: IN_CLUSTER_NAME, server: IN_CLUSTER_SERVER, labels: {}, by: 'Argo CD' }];
  for (const app of apps) {
    for (const o of app.objects) {
      if (!o.raw || o.namespace !== argocdNamespace) continue;
      const meta = o.raw.metadata as { labels?: Record<string, string> };
      if (o.kind === 'Secret' && meta.labels?.[CLUSTER_SECRET_LABEL] === 'cluster') {
        const data = { ...((o.raw as { stringData?: Record<string, string> }).stringData ?? {}) };
        if (data.name && data.server) out.push({ name: data.name, server: data.server, labels: meta.labels, by: `${app.label}: Secret ${o.name}` });
      }
      if (o.kind === 'ExternalSecret') {
        const template = ((o.raw.spec as { target?: { template?: { metadata?: { labels?: Record<string, string> }; data?: Record<string, string> } } } | undefined)?.target?.template) ?? {};
        const labels = template.metadata?.labels ?? {};
        if (labels[CLUSTER_SECRET_LABEL] === 'cluster' && template.data?.name && template.data.server) {
          out.push({ name: template.data.name, server: template.data.server, labels, by: `${app.label}: ExternalSecret ${o.name}` });
        }
      }
    }
  }
  return out;
}

function finding(findings: SyncFinding[], app: { label: string }, object: string, message: string, fix: string): void {
  findings.push({ application: app.label, object, message, fix });
}

/** The Application's project exists before it, allows its sources and its destination, and the destination cluster is known. */
function checkProjectAndSources(app: SimApp, projects: ReadonlyMap<string, { rules: ProjectRules; wave: number }>, clusters: ClusterIndex, findings: SyncFinding[]): void {
  const project = projects.get(app.project);
  const self = `Application ${app.name}`;
  if (!project) {
    finding(findings, app, self, `names AppProject ${app.project}, which neither the root nor the bootstrap creates; the controller refuses the Application`, `give the Application an AppProject in the argocd-apps folder (charts/argocd-apps-chart.ts)`);
    return;
  }
  if (project.wave >= app.wave) finding(findings, app, self, `is in sync wave ${app.wave}, not after its AppProject ${app.project} (wave ${project.wave}); the controller refuses an Application whose project does not exist yet`, 'put the AppProject in an earlier sync wave than its Applications');
  for (const repo of app.repos) {
    if (!repoPermitted(project.rules, repo)) finding(findings, app, self, `has a source in ${repo}, which AppProject ${app.project} does not list in sourceRepos`, `add ${repo} to the sourceRepos of AppProject ${app.project}`);
  }
  const cluster = app.destination.name !== undefined ? clusters.byName.get(app.destination.name) : clusters.byServer.get(app.destination.server ?? '');
  if (!cluster) {
    finding(findings, app, self, `deploys to cluster ${app.destination.name ?? app.destination.server}, which no Argo CD cluster Secret registers; the controller refuses it and the Application stays Unknown`, 'register the cluster (a Secret labelled argocd.argoproj.io/secret-type=cluster in the Argo CD namespace) before the Application, or generate Applications only for registered clusters (an ApplicationSet cluster generator)');
    return;
  }
  const dest = { server: cluster.server, name: cluster.name, namespace: app.destination.namespace };
  if (!destinationPermitted(project.rules, dest)) finding(findings, app, self, `deploys to namespace ${dest.namespace} of cluster ${cluster.name}, which AppProject ${app.project} does not list in destinations`, `add {server: ${cluster.server}, namespace: ${dest.namespace}} to the destinations of AppProject ${app.project}`);
}

/** The object's kind and namespace are allowed by the Application's project (the controller refuses the whole sync otherwise). */
function checkPermitted(app: SimApp, o: SyncObject, project: ProjectRules | undefined, clusterScoped: boolean, findings: SyncFinding[]): void {
  if (!project) return;
  const what = objectName(o);
  if (!kindPermitted(project, o.group, o.kind, clusterScoped)) {
    const list = clusterScoped ? 'clusterResourceWhitelist' : 'namespaceResourceWhitelist';
    finding(findings, app, what, `is a ${clusterScoped ? 'cluster-scoped' : 'namespaced'} ${o.kind} (group "${o.group}", from ${o.from}) that AppProject ${app.project} does not allow; the controller refuses the whole sync`, `add {group: "${o.group}", kind: ${o.kind}} to the ${list} of AppProject ${app.project} (derived from what the component renders and its chart facts: measure them again with npx site-compiler vendor --facts-only)`);
  }
  if (clusterScoped || o.namespace === undefined) return;
  const cluster = app.destination.name !== undefined ? { name: app.destination.name } : { server: app.destination.server };
  if (!destinationPermitted(project, { ...cluster, ...(cluster.name === IN_CLUSTER_NAME || cluster.server === IN_CLUSTER_SERVER ? { server: IN_CLUSTER_SERVER, name: IN_CLUSTER_NAME } : {}), namespace: o.namespace })) {
    finding(findings, app, what, `is in namespace ${o.namespace} (from ${o.from}), which AppProject ${app.project} does not list in destinations; the controller refuses the whole sync`, `add namespace ${o.namespace} to the destinations of AppProject ${app.project}, or move the object into the component's namespace ${app.destination.namespace}`);
  }
}

/** A namespaced object's namespace exists: built in, from the bootstrap, created in an earlier wave or by the same sync. */
function checkNamespace(app: SimApp, o: SyncObject, namespaces: ReadonlyMap<string, NamespaceProviders>, findings: SyncFinding[]): void {
  if (o.namespace === undefined || o.kind === 'Namespace') return;
  const known = namespaces.get(o.namespace);
  if (known && (known.earliest < app.wave || known.apps.has(app.name))) return;
  const providers = known?.providers ?? [];
  if (o.namespace === app.destination.namespace && app.options.includes('CreateNamespace=true')) return;
  const later = providers.map((p) => `${p.app} (wave ${p.wave})`).join(', ');
  finding(findings, app, objectName(o), `is in namespace ${o.namespace}, which ${later ? `only ${later} creates, not before wave ${app.wave}` : 'nothing creates'}; the apply fails with "namespaces not found"`, later ? `make ${app.name} depend on the component that creates ${o.namespace}, so it syncs in a later wave` : `create namespace ${o.namespace} in the component (a Namespace object) or in one it depends on`);
}

/** A custom resource's CRD exists before the object is applied: built in, from the bootstrap, an earlier wave, or the same sync with the dry run skipped. */
function checkCrd(app: SimApp, o: SyncObject, crds: ReadonlyMap<string, readonly Provider[]>, input: SyncInput, findings: SyncFinding[]): void {
  if (input.builtInGroups.has(o.group)) return;
  const providers = providersOf(crds, o);
  const what = objectName(o);
  if (providers.some((p) => p.wave < app.wave)) return;
  const same = providers.filter((p) => p.app === app.name);
  // A CRD in the same sync makes Argo CD skip the object's dry run and apply the CRD first; one an operator of the
  // same sync registers later is unknown to the dry run, which fails unless it is told to skip missing resources.
  if (same.some((p) => !p.runtime)) return;
  if (same.length > 0) {
    if (o.options.includes('SkipDryRunOnMissingResource=true') || app.options.includes('SkipDryRunOnMissingResource=true')) return;
    finding(findings, app, what, `is a custom resource (${o.kind}.${o.group}) whose CRD the operator of the same sync registers only once it runs, so Argo CD's dry run, before anything is applied, fails on it`, 'annotate the object with argocd.argoproj.io/sync-options: SkipDryRunOnMissingResource=true (the Application retries until the operator has registered it)');
    return;
  }
  if (providers.length === 0) {
    finding(findings, app, what, `is a custom resource (${o.kind}.${o.group}) whose CRD no Application installs; the sync fails with "the server could not find the requested resource"`, 'add the add-on whose chart installs the CRD (platform.addons) and measure its facts (npx site-compiler vendor --facts-only)');
    return;
  }
  const p = providers[0];
  finding(findings, app, what, `is a custom resource (${o.kind}.${o.group}) in sync wave ${app.wave}, but its CRD comes from ${p.app} in wave ${p.wave}, not an earlier one`, `make ${app.name} depend on ${p.app} so it syncs in a later wave (the sync order follows dependencies and CRD use: charts/gitops/sync-order.ts)`);
}

/** Client-side apply copies the object into an annotation, and annotations may not pass 262,144 bytes together. */
function checkSize(app: SimApp, o: SyncObject, findings: SyncFinding[]): void {
  const annotations = o.raw ? Buffer.byteLength(JSON.stringify((o.raw.metadata as { annotations?: unknown }).annotations ?? {})) : 0;
  if (o.bytes + annotations <= CLIENT_SIDE_APPLY_LIMIT) return;
  const ssa = (x: readonly string[]): boolean => x.includes('ServerSideApply=true') || x.includes('Replace=true');
  if (ssa(o.options) || ssa(app.options)) return;
  finding(findings, app, objectName(o), `is ${o.bytes} bytes (from ${o.from}), past the ${CLIENT_SIDE_APPLY_LIMIT}-byte last-applied annotation of client-side apply; the API server refuses it ("metadata.annotations: Too long")`, `sync it server-side: argocd.argoproj.io/sync-options: ServerSideApply=true on the object, or ServerSideApply=true in the syncOptions of Application ${app.name}`);
}

/**
 * An ExternalSecret reads only keys the bootstrap puts into (or checks in) the secret store before the root syncs;
 * keys that arrive later (an edge enrolling) are read only from the last wave, so nothing waits for them.
 */
function checkSeeded(app: SimApp, o: SyncObject, seed: SecretStoreSeed | undefined, lastWave: number, findings: SyncFinding[]): void {
  if (o.kind !== 'ExternalSecret' || !o.raw) return;
  const spec = (o.raw.spec ?? {}) as { secretStoreRef?: { name?: string; kind?: string }; data?: { remoteRef?: { key?: string; property?: string } }[]; dataFrom?: { extract?: { key?: string } }[] };
  const refs = [
    ...(spec.data ?? []).map((d) => ({ key: d.remoteRef?.key ?? '', property: d.remoteRef?.property })),
    ...(spec.dataFrom ?? []).filter((d) => d.extract?.key).map((d) => ({ key: d.extract?.key ?? '', property: undefined })),
  ];
  const store = spec.secretStoreRef?.name ?? '';
  for (const ref of refs) {
    const covered = seed && seed.store === store ? seedCovers(seed, ref.key, ref.property) : undefined;
    const what = `${objectName(o)} (key ${ref.key}${ref.property ? `, property ${ref.property}` : ''})`;
    if (covered === 'bootstrap') continue;
    if (covered === 'later') {
      if (app.wave >= lastWave) continue;
      finding(findings, app, what, `reads a key that reaches store ${store} only after the bootstrap (${seed?.later.find((l) => globMatch(l.key, ref.key))?.by ?? 'later'}), in sync wave ${app.wave}; until it arrives the ExternalSecret is Degraded and the root sync stops at that wave`, 'read such keys from an Application in the last sync wave, which nothing waits for');
      continue;
    }
    finding(findings, app, what, `reads a key the bootstrap does not put into secret store ${store || '(none)'}; the ExternalSecret stays Degraded, the root sync stops at wave ${app.wave}, and auto-sync does not try again until a new commit`, `list the key in ${SEED_FILE} (written by charts/gitops/secret-seed.ts from every ExternalSecret), so bootstrap.sh checks or seeds it before applying the root`);
  }
}

/** Keeps the first findings of each kind in full and counts the rest, so a fleet-wide mistake reads as one. */
function summarise(findings: readonly SyncFinding[]): SyncFinding[] {
  const byKind = new Map<string, SyncFinding[]>();
  for (const f of findings) {
    const key = `${f.application.replace(/ -> .*/, '')}|${f.message.replace(/\d+|edge-\S+/g, '#')}`;
    const group = byKind.get(key);
    if (group) group.push(f);
    else byKind.set(key, [f]);
  }
  const out: SyncFinding[] = [];
  for (const group of byKind.values()) {
    out.push(...group.slice(0, SHOWN_PER_KIND));
    if (group.length > SHOWN_PER_KIND) out.push({ ...group[SHOWN_PER_KIND], object: `and ${group.length - SHOWN_PER_KIND} more like ${group[SHOWN_PER_KIND].object}` });
  }
  return out.sort((a, b) => byCodePoint(formatSyncFinding(a), formatSyncFinding(b)));
}

/**
 * The Applications an ApplicationSet generates: its git file generator's elements (YAML lists in the tree) or its
 * cluster generator's registered clusters, through the template's `{{.field}}` placeholders.
 */
function applicationSetApps(set: KubeObject, input: SyncInput, distRoot: string, clusters: readonly RegisteredCluster[], findings: SyncFinding[]): SimApp[] {
  const spec = (set.spec ?? {}) as { generators?: Record<string, unknown>[]; template?: { metadata?: unknown; spec?: unknown } };
  const wave = waveOf(set, 0);
  const elements: Record<string, unknown>[] = [];
  for (const g of spec.generators ?? []) {
    if (g.git) {
      const files = ((g.git as { files?: { path: string }[] }).files ?? []).map((f) => f.path);
      for (const file of input.files.keys()) {
        if (!files.some((pattern) => globMatch(pattern, `${distRoot}${file}`))) continue;
        const list = parse(input.files.get(file) ?? '') as unknown;
        if (Array.isArray(list)) elements.push(...(list as Record<string, unknown>[]));
      }
    } else if (g.clusters) {
      const selector = ((g.clusters as { selector?: { matchLabels?: Record<string, string> } }).selector?.matchLabels) ?? {};
      for (const c of clusters) {
        if (c.name === IN_CLUSTER_NAME && Object.keys(selector).length > 0) continue;
        if (Object.entries(selector).every(([k, v]) => c.labels[k] === v)) elements.push({ name: c.name, server: c.server, metadata: { labels: c.labels } });
      }
    } else {
      finding(findings, { label: `ApplicationSet ${set.metadata.name}` }, 'generator', `uses a generator the simulation does not know (${Object.keys(g).join(', ')})`, 'use a git files or a cluster generator');
    }
  }
  const workloads = new Map<string, KubeObject[]>();
  return elements.map((e) => {
    const app = renderTemplate({ apiVersion: 'argoproj.io/v1alpha1', kind: 'Application', metadata: spec.template?.metadata, spec: spec.template?.spec }, e) as KubeObject;
    const path = gitSources(app)[0]?.path;
    const folder = path === undefined ? [] : workloadObjects(path.startsWith(distRoot) ? path.slice(distRoot.length) : path, input, workloads);
    return simApp(app, `ApplicationSet ${set.metadata.name} -> Application ${app.metadata.name}`, wave, input, folder);
  });
}

/** Objects of a folder outside dist/kubernetes/ (the edge workload), parsed once. */
function workloadObjects(path: string, input: SyncInput, cache: Map<string, KubeObject[]>): KubeObject[] {
  const known = cache.get(path);
  if (known) return known;
  const rel = path.replace(/\/$/, '');
  const objects = [...input.files.keys()]
    .filter((f) => f.startsWith(`${rel}/`) && /\.ya?ml$/.test(f))
    .flatMap((f) => objectsOf(input, f, '1.1'));
  cache.set(path, objects);
  return objects;
}

/** Replaces `{{.a.b}}` and `{{index .metadata.labels "k"}}` in every string of a template. */
function renderTemplate(value: unknown, element: Record<string, unknown>): unknown {
  if (typeof value === 'string') {
    return value.replace(/\{\{\s*(?:index\s+\.([\w.]+)\s+"([^"]+)"|\.([\w.]+))\s*\}\}/g, (_m, base: string | undefined, key: string | undefined, path: string | undefined) => {
      const lookup = (p: string): unknown => p.split('.').reduce<unknown>((v, k) => (v && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined), element);
      const v = base !== undefined ? (lookup(base) as Record<string, unknown> | undefined)?.[key ?? ''] : lookup(path ?? '');
      return v === undefined ? `<missing ${path ?? key}>` : String(v);
    });
  }
  if (Array.isArray(value)) return value.map((v) => renderTemplate(v, element));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, renderTemplate(v, element)]));
  return value;
}

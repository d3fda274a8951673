import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App as Cdk8sApp, ApiObject, Chart } from 'cdk8s';
import { IConstruct, IValidation } from 'constructs';
import { parseAllDocuments } from 'yaml';
import { z } from 'zod';
import type { AddonDefinition } from '../addons/addon-definition';
import { buildCharts } from '../charts';
import { ComponentChart } from '../constructs/component-chart';
import { DistFiles } from '../constructs/dist-files';
import { ObjectRenders } from '../constructs/object-renders';
import { UniformObjects } from '../constructs/uniform-objects';
import { ChartSources, HelmRelease } from '../constructs/helm-release';
import type { ReleaseFacts } from '../constructs/chart-facts-file';
import { lookupFacts } from '../charts/gitops/measured-facts';
import { buildInfrastructure } from '../infra';
import { App as TerraformApp, TerraformStack } from '../core/cdktf';
import type { SiteModel } from '../model';
import { siteSchema, siteSchemaFor } from '../site';
import { generatedMarker } from '../core/generated';
import { toYamlText } from '../core/yaml-text';
import type { KubeObject } from '../core/kube-object';
import { byCodePoint } from '../core/order';
import { LazyFileTree } from './lazy-file-tree';
import { SynthError } from './synth-error';
import { terraformDocument } from './terraform-document';
import { writeFileAtomically } from '../core/atomic-file';

/** Where each generated file goes, relative to the output folder, and what it holds. */
export type FileTree = Map<string, string>;

export interface ComponentReport {
  /** `terraform/<workdir>` or `kubernetes/<component>`. */
  readonly name: string;
  /** Resources (Terraform) or objects (Kubernetes). */
  readonly objects: number;
  readonly files: number;
}

export interface SynthResult {
  readonly files: FileTree;
  readonly components: readonly ComponentReport[];
  readonly warnings: readonly string[];
  /** Kubernetes objects by component, for validators and tests. */
  readonly manifests: ReadonlyMap<string, readonly KubeObject[]>;
  /** Terraform documents by working directory. */
  readonly terraform: ReadonlyMap<string, Record<string, unknown>>;
  /**
   * Kubernetes objects in files outside dist/kubernetes/ (the bootstrap, manifests for edge clusters),
   * by file: schema-checked, but not Argo CD components of this cluster.
   */
  readonly extraManifests: ReadonlyMap<string, readonly KubeObject[]>;
  /**
   * The measured facts of every chart release in the tree (the site's own facts, else the project's committed facts
   * of the same chart and values), for checks that need the pods a chart runs.
   * @default - none
   */
  readonly releaseFacts?: readonly ReleaseFacts[];
  /**
   * Objects written beyond `manifests` as copies of a representative (UniformObjects: an edge fleet's cluster
   * ExternalSecrets), by component and kind: in the tree and in REVIEW.md's counts, checked through the representative.
   * @default - none
   */
  readonly copies?: ReadonlyMap<string, ReadonlyMap<string, number>>;
  /**
   * The value each data file outside dist/kubernetes/ was written from, where a check reads the file (the bootstrap's
   * secret-store seed list), by file: the check takes it instead of parsing the text back.
   * @default - none: a check parses the file
   */
  readonly data?: ReadonlyMap<string, unknown>;
}

export type { KubeObject } from '../core/kube-object';

/** A check that runs on the rendered output before anything is written. */
export type OutputCheck = (result: Omit<SynthResult, 'files' | 'components'>, model: SiteModel) => string[];

export { SynthError };

/**
 * Builds the Terraform and Kubernetes apps for a model, in this process, and returns every output
 * file in memory. Nothing is written here except cdktf's scratch folder (removed before returning):
 * the caller decides whether and where the tree lands.
 */
export interface SynthOptions {
  /**
   * Where third-party charts come from (the site's chart lock, the chart cache for rendered delivery).
   * @default - none: Argo CD releases are not checked against a lock and rendered releases are refused
   */
  readonly chartSources?: ChartSources;
  /**
   * The add-on definitions the charts are built with (a test adds a fixture add-on).
   * @default - every add-on of addons/all-addons.ts
   */
  readonly addons?: readonly AddonDefinition[];
}

export function synthesize(model: SiteModel, checks: readonly OutputCheck[] = [], options: SynthOptions = {}): SynthResult {
  const files = new LazyFileTree();
  const components: ComponentReport[] = [];

  // --- Terraform -------------------------------------------------------------------------------
  const terraform = new Map<string, Record<string, unknown>>();
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'site-compiler-cdktf-'));
  try {
    withoutTokenStacks(() => {
      const tfApp = new TerraformApp({ outdir: scratch, skipValidation: true });
      buildInfrastructure(tfApp, model);
      const stacks = tfApp.node.findAll().filter((c): c is TerraformStack => TerraformStack.isStack(c));
      // prepareStack resolves every element of a stack once more (toTerraform resolves them again) to find references
      // that cross stacks, and adds the default backend. One stack has no such references: it needs only the backend.
      if (stacks.length === 1) stacks[0].ensureBackendExists();
      else for (const stack of stacks) stack.prepareStack();
      throwOnConstructErrors(tfApp.node.findAll());
      for (const stack of sortById(stacks)) {
        const doc = terraformDocument(stack);
        const out = { '//': generatedMarker(model.name), ...doc };
        terraform.set(stack.node.id, out);
        files.set(`terraform/${stack.node.id}/main.tf.json`, `${JSON.stringify(out, null, 2)}\n`);
        components.push({ name: `terraform/${stack.node.id}`, objects: countResources(doc), files: 1 });
      }
    });
  } finally {
    removeScratch(scratch);
  }

  // --- Kubernetes ------------------------------------------------------------------------------
  const { manifests, extraManifests, releaseFacts, copies, data } = synthKubernetes(model, options, scratch, files, components);

  // --- editor schema for YAML/JSON sites -------------------------------------------------------
  files.set('site.schema.json', options.addons ? schemaText(siteSchemaFor(options.addons.map((a) => a.facts))) : defaultSchemaText());

  const partial = { warnings: model.warnings, manifests, terraform, extraManifests, releaseFacts };
  const findings = checks.flatMap((check) => check(partial, model));
  if (findings.length > 0) throw new SynthError(findings);

  return { files: LazyFileTree.sorted(files), components, warnings: model.warnings, manifests, terraform, extraManifests, releaseFacts, copies, data };
}

/**
 * Builds the cdk8s app, renders every component's objects into `files` and returns them as JSON. A function of its
 * own so that the app (its constructs and their props: a second copy of a large fleet) can be collected before the
 * checks, the review and the writer run.
 */
function synthKubernetes(
  model: SiteModel,
  options: SynthOptions,
  scratch: string,
  files: LazyFileTree,
  components: ComponentReport[],
): Pick<SynthResult, 'manifests' | 'extraManifests' | 'releaseFacts' | 'copies' | 'data'> {
  const manifests = new Map<string, KubeObject[]>();
  const k8sApp = new Cdk8sApp({ outdir: scratch });
  if (options.chartSources) HelmRelease.useSources(k8sApp, options.chartSources);
  buildCharts(k8sApp, model, options.addons);
  // Every construct of the built app, listed once for the lookups below (each was a walk of the whole tree).
  const all = k8sApp.node.findAll();
  throwOnConstructErrors(all);
  // Files outside the two trees (the bootstrap, the edge fleet's data and workload): written as given,
  // and any Kubernetes objects among them are schema-checked like the rest.
  const extraManifests = new Map<string, KubeObject[]>();
  // Data files (the edge list: 100,000 entries for a large fleet) are not parsed back: they hold no objects. Files
  // written from objects are checked as those objects (test/dist-files.test.ts: the same as the text parsed back).
  const dataOnly = DistFiles.dataOnly(all);
  const written = DistFiles.objects(all);
  for (const [rel, content] of DistFiles.collect(all)) {
    files.set(rel, content);
    if (/\.ya?ml$/.test(rel) && !dataOnly.has(rel)) {
      const objects = ((written.get(rel) as unknown[] | undefined) ?? parseAllDocuments(content).map((d) => d.toJS() as unknown)).filter(isKubeObject);
      if (objects.length > 0) extraManifests.set(rel, objects);
    }
  }
  const charts = all.filter((c): c is ComponentChart => ComponentChart.isComponentChart(c));
  const anyUniform = all.some((c) => c instanceof UniformObjects);
  const uniform = new Map<string, { family: UniformObjects; rendered: KubeObject }[]>();
  // Each object as the Argo CD Applications rendered it (with the annotations they added since), not rendered anew;
  // throwOnConstructErrors above ran the validations chart.toJson() would run again for every chart.
  const renders = ObjectRenders.of(k8sApp);
  for (const chart of charts) {
    const list = manifests.get(chart.component) ?? [];
    const rendered = renders.chartObjects(chart);
    list.push(...rendered);
    manifests.set(chart.component, list);
    for (const family of anyUniform ? UniformObjects.in(chart) : []) {
      const r = family.representative;
      const own = rendered.find((o) => o.kind === r.kind && o.metadata.name === r.name && o.metadata.namespace === r.metadata.namespace);
      if (!own) throw new Error(`UniformObjects ${family.node.path}: its representative ${r.kind} ${r.name} is not among ${chart.component}'s objects`);
      uniform.set(chart.component, [...(uniform.get(chart.component) ?? []), { family, rendered: own }]);
    }
  }
  const leftovers = all.filter((c) => ApiObject.isApiObject(c) && !ComponentChart.isComponentChart(Chart.of(c)));
  if (leftovers.length > 0) {
    throw new Error(`objects outside any ComponentChart have no dist/ folder: ${leftovers.map((c) => c.node.path).join(', ')}`);
  }
  const copies = new Map<string, Map<string, number>>();
  for (const component of [...manifests.keys()].sort()) {
    const objects = manifests.get(component) ?? [];
    const names = fileNames(component, objects);
    objects.forEach((obj, i) => files.set(`kubernetes/${component}/${names[i]}`, `# ${generatedMarker(model.name)}\n${toYamlText(obj)}`));
    let written = objects.length;
    const byKind = new Map<string, number>();
    // Each member's object is made here only for its file name; its text is made again whenever the file is read
    // (hashed, compared, written), so no member's text or object outlives its use.
    for (const { family, rendered } of uniform.get(component) ?? []) {
      const header = `# ${generatedMarker(model.name)}\n`;
      const object = family.objectOf(rendered);
      const render = (index: number): string => `${header}${toYamlText(object(index))}`;
      let index = 0;
      for (const obj of family.objects(rendered)) {
        const file = `kubernetes/${component}/${obj.kind.toLowerCase()}-${obj.metadata.name}.yaml`;
        if (files.has(file)) throw new Error(`dist/kubernetes/${component}: two objects would both be written to ${file} (${obj.kind} ${obj.metadata.name}); give them different names`);
        files.setLazy(file, render, index);
        index += 1;
      }
      written += family.count - 1;
      byKind.set(rendered.kind, (byKind.get(rendered.kind) ?? 0) + family.count - 1);
    }
    if (byKind.size > 0) copies.set(component, byKind);
    components.push({ name: `kubernetes/${component}`, objects: written, files: written });
  }

  // The same lookup the Argo CD Applications use, so a site and its YAML print see the same facts.
  const releaseFacts = HelmRelease.releasesIn(all)
    .map((r) => lookupFacts(r, model.kubernetes.version, options.chartSources?.facts).facts)
    .filter((f): f is ReleaseFacts => f !== undefined);
  return { manifests, extraManifests, releaseFacts, copies, data: DistFiles.data(all) };
}

/**
 * Removes cdktf's scratch folder. Its App leaves an empty stacks/ there (the manifest's folder); two rmdir calls remove
 * that, and a recursive rm runs only when anything else is there: fs.rmSync loads Node's rimraf first, which with its
 * walk was about 2 ms of a compile.
 */
function removeScratch(dir: string): void {
  try {
    fs.rmdirSync(path.join(dir, 'stacks'));
    fs.rmdirSync(dir);
  } catch {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function schemaText(schema: z.ZodType): string {
  return `${JSON.stringify(z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }), null, 2)}\n`;
}

/** The editor schema of every add-on depends on no site: rendered once per process (synth --watch renders it once). */
let defaultSchema: string | undefined;
/** Where the launcher keeps that schema between processes (keepEditorSchemaIn); undefined: rendered in each. */
let editorSchemaFile: string | undefined;

/**
 * Keeps the editor schema of every add-on in `file` (or stops keeping it: undefined). The schema depends on the
 * compiler alone, and rendering it from the zod schema was about 10 ms of every compile; bin/bundle.js names the file
 * by the compiler's identity, so a changed compiler never reads another one's schema.
 */
export function keepEditorSchemaIn(file: string | undefined): void {
  editorSchemaFile = file;
  defaultSchema = undefined;
}

/** The editor schema of every add-on: from the kept file when it holds one, else rendered (and kept). */
export function defaultSchemaText(): string {
  defaultSchema ??= keptSchemaText() ?? keepSchemaText(schemaText(siteSchema));
  return defaultSchema;
}

function keptSchemaText(): string | undefined {
  if (editorSchemaFile === undefined) return undefined;
  try {
    const text = fs.readFileSync(editorSchemaFile, 'utf8');
    // Written whole and renamed in, so a file that is not one JSON document was not written by keepSchemaText.
    JSON.parse(text);
    return text.endsWith('}\n') ? text : undefined;
  } catch {
    return undefined;
  }
}

function keepSchemaText(text: string): string {
  if (editorSchemaFile === undefined) return text;
  try {
    writeFileAtomically(editorSchemaFile, text);
  } catch {
    // A read-only checkout renders the schema in each process.
  }
  return text;
}

/**
 * cdktf records the whole call stack of every token it creates (thousands per site: each VM resource makes
 * dozens), only for the text of its errors; capturing and formatting them took a sixth of a re-synth. While
 * the Terraform app is built, Error.captureStackTrace records nothing, so cdktf keeps empty stacks and its
 * errors keep their message without where the token was made. Errors still get their own stack when made.
 */
export function withoutTokenStacks<T>(build: () => T): T {
  const previous = Error.captureStackTrace;
  Error.captureStackTrace = () => undefined;
  try {
    return build();
  } finally {
    Error.captureStackTrace = previous;
  }
}

/**
 * Human, stable file names: `<kind>-<name>.yaml`, with the namespace added only where two objects
 * in one folder would otherwise share a name.
 */
function fileNames(component: string, objects: readonly KubeObject[]): string[] {
  const base = objects.map((o) => `${o.kind.toLowerCase()}-${o.metadata.name}`);
  const count = new Map<string, number>();
  base.forEach((b) => count.set(b, (count.get(b) ?? 0) + 1));
  const names = objects.map((o, i) => {
    const b = base[i];
    return (count.get(b) ?? 0) > 1 && o.metadata.namespace ? `${o.kind.toLowerCase()}-${o.metadata.namespace}-${o.metadata.name}.yaml` : `${b}.yaml`;
  });
  const seen = new Set<string>();
  names.forEach((n, i) => {
    if (seen.has(n)) throw new Error(`dist/kubernetes/${component}: two objects would both be written to ${n} (${objects[i].kind} ${objects[i].metadata.name}); give them different names`);
    seen.add(n);
  });
  return names;
}

function isKubeObject(x: unknown): x is KubeObject {
  const o = x as Partial<KubeObject> | null;
  return !!o && typeof o === 'object' && typeof o.apiVersion === 'string' && typeof o.kind === 'string' && typeof o.metadata === 'object';
}

function throwOnConstructErrors(all: readonly IConstruct[]): void {
  const errors = all.flatMap((c) => validationsOf(c).flatMap((v) => v.validate()).map((e) => `[${c.node.path}] ${e}`));
  if (errors.length > 0) throw new SynthError(errors);
}

/**
 * A construct's validations, minus cdktf's checks of the local `terraform` binary. Those run
 * `terraform version` once per terraform_data resource (seconds of child processes) and fail where no
 * terraform is installed, yet dist/ is applied by whatever Terraform the GitOps pipeline runs, not by
 * the machine that synthesizes it. constructs keeps validations in a private list; reading it is the
 * only way to skip those checks without skipping ours.
 */
function validationsOf(c: IConstruct): IValidation[] {
  const all = (c.node as unknown as { _validations?: IValidation[] })._validations ?? [];
  return all.filter((v) => !isToolVersionCheck(v));
}

function isToolVersionCheck(v: IValidation): boolean {
  const candidate = v as unknown as { binary?: unknown; versionCommand?: unknown };
  return typeof candidate.binary === 'string' && typeof candidate.versionCommand === 'string';
}

function sortById<T extends IConstruct>(items: readonly T[]): T[] {
  return [...items].sort((a, b) => byCodePoint(a.node.id, b.node.id));
}

function countResources(doc: Record<string, unknown>): number {
  const count = (block: unknown): number =>
    block && typeof block === 'object' ? Object.values(block).reduce<number>((n, byName) => n + Object.keys(byName as object).length, 0) : 0;
  return count(doc.resource) + count(doc.data);
}

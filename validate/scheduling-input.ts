import { ALL_ADDONS } from '../addons';
import type { AddonDefinition } from '../addons';
import { committedFacts } from '../charts/gitops/measured-facts';
import { ChartFactsFile, factsCommand } from '../constructs/chart-facts-file';
import { parseObjectRef } from '../constructs/chart-measure';
import { registeredLabels, registeredTaints } from '../constructs/kubeadm-config';
import { podSchedulingFact } from '../constructs/pod-scheduling';
import type { KubeObject } from '../core/kube-object';
import { byCodePoint } from '../core/order';
import { SiteModel, nodeAllocatable } from '../model';
import { PoolFields, SchedulingInput, SchedulingNode, SchedulingReport, SchedulingWorkload, WorkloadFields, simulateScheduling } from './scheduling';

/**
 * The scheduling simulation's inputs, read from what synth produced: the nodes as the tree registers them (kubeadm's
 * labels, taints and kube-reserved), the workloads of dist/kubernetes/, and the chart workloads Argo CD renders out of
 * sight from the measured chart facts.
 */

type Json = Record<string, unknown>;
const obj = (v: unknown): Json => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : {});
const labelsOf = (v: unknown): Record<string, string> => Object.fromEntries(Object.entries(obj(v)).map(([k, x]) => [k, String(x)]));

/** The Kubernetes nodes: every VM of the model, allocatable after kubeReserved, systemReserved and eviction, GPUs where the device plugin advertises them. */
export function schedulingNodes(model: SiteModel): SchedulingNode[] {
  const advertisesGpus = model.addons.some((a) => a.provides.includes('gpu'));
  return model.vms.map((vm) => ({
    name: vm.name,
    pool: vm.pool,
    labels: registeredLabels(vm),
    taints: registeredTaints(vm),
    allocatable: { ...nodeAllocatable(vm), gpus: vm.gpu && advertisesGpus ? 1 : 0 },
  }));
}

export function poolFields(model: SiteModel): Record<string, PoolFields> {
  return Object.fromEntries(
    model.kubernetes.nodePools.map((p, j) => [p.name, { path: `kubernetes.nodePools[${j}]`, cores: p.cores, memoryGiB: p.memoryGiB, count: p.count, taints: p.taints.map((t) => t.key) }]),
  );
}

/** The site fields behind a component's pods: an app's replicas and requests, a data store's instances, an add-on. */
export function fieldsOf(component: string, model: SiteModel): WorkloadFields | undefined {
  // model.apps are the site's apps in site order, so the index is the one of apps[].
  const i = model.apps.findIndex((a) => a.name === component);
  if (i >= 0) {
    const app = model.apps[i].spec;
    const at = `apps[${i}]`;
    return {
      owner: at,
      replicas: { path: `${at}.replicas`, value: app.replicas },
      cpuMilli: { path: `${at}.resources.requests.cpuMilli`, value: app.resources.requests.cpuMilli },
      memoryMiB: { path: `${at}.resources.requests.memoryMiB`, value: app.resources.requests.memoryMiB },
      ...(app.gpu ? { gpus: { path: `${at}.gpu.count`, value: app.gpu.count } } : {}),
    };
  }
  const stores = model.dataStores;
  if (component === 'postgres' && stores.postgres) return { owner: 'dataStores.postgres', replicas: { path: 'dataStores.postgres.instances', value: stores.postgres.instances } };
  if (component === 'redis' && stores.redis) return { owner: 'dataStores.redis' };
  const addon = model.addons.find((a) => a.component === component);
  return addon ? { owner: `platform.addons.${addon.key}` } : undefined;
}

const POD_KINDS = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job', 'CronJob']);

/** A workload object's pod template spec (a CronJob's through its job template). */
function podSpecOf(o: KubeObject): Json {
  const spec = obj(o.spec);
  const template = o.kind === 'CronJob' ? obj(obj(obj(spec.jobTemplate).spec).template) : obj(spec.template);
  return obj(template.spec);
}

function templateLabels(o: KubeObject): Record<string, string> {
  const spec = obj(o.spec);
  const template = o.kind === 'CronJob' ? obj(obj(obj(spec.jobTemplate).spec).template) : obj(spec.template);
  return labelsOf(obj(template.metadata).labels);
}

/** The ReadWriteOnce claims of the component, by namespace/name. */
function rwoClaims(objects: readonly KubeObject[]): Set<string> {
  return new Set(
    objects
      .filter((o) => o.kind === 'PersistentVolumeClaim' && ((obj(o.spec).accessModes as string[] | undefined) ?? []).includes('ReadWriteOnce'))
      .map((o) => `${o.metadata.namespace ?? ''}/${o.metadata.name}`),
  );
}

/** Every workload of dist/kubernetes/: Deployments, StatefulSets, DaemonSets, ReplicaSets and Jobs. */
export function manifestWorkloads(manifests: ReadonlyMap<string, readonly KubeObject[]>, model: SiteModel): SchedulingWorkload[] {
  const out: SchedulingWorkload[] = [];
  for (const component of [...manifests.keys()].sort(byCodePoint)) {
    const objects = manifests.get(component) ?? [];
    const claims = rwoClaims(objects);
    for (const o of objects) {
      if (!POD_KINDS.has(o.kind) || !/^(apps|batch)\//.test(o.apiVersion)) continue;
      const namespace = o.metadata.namespace ?? 'default';
      const podSpec = podSpecOf(o);
      const mounted = ((podSpec.volumes as Json[] | undefined) ?? []).map((v) => obj(v.persistentVolumeClaim).claimName).filter((c): c is string => typeof c === 'string');
      const shared = mounted.map((c) => `${namespace}/${c}`).filter((c) => claims.has(c));
      const fields = fieldsOf(component, model);
      out.push({
        component,
        workload: `${o.kind} ${namespace}/${o.metadata.name}`,
        kind: o.kind,
        namespace,
        podLabels: templateLabels(o),
        scheduling: podSchedulingFact(o.kind, o.spec, podSpec),
        ...(o.kind === 'Job' || o.kind === 'CronJob' ? { runsToCompletion: true } : {}),
        ...(shared.length > 0 ? { sharedRwoClaims: shared } : {}),
        ...(fields ? { fields } : {}),
      });
    }
  }
  return out;
}

/**
 * The pods operators create from custom resources, as each installed add-on declares them (its operatorPods): the
 * simulation asks every add-on and names none.
 */
export function operatorWorkloads(model: SiteModel, manifests: ReadonlyMap<string, readonly KubeObject[]>, addons: readonly AddonDefinition[] = ALL_ADDONS): SchedulingWorkload[] {
  const definitions = new Map(addons.map((a) => [a.facts.component, a]));
  return model.addons.flatMap((addon) =>
    (definitions.get(addon.component)?.operatorPods?.({ config: addon.config, model, manifests }) ?? []).map((p) => {
      const fields = p.fields ?? fieldsOf(p.component, model);
      return {
        component: p.component,
        workload: p.workload,
        kind: p.kind,
        namespace: p.namespace,
        podLabels: p.podLabels,
        scheduling: p.scheduling,
        source: p.source,
        ...(p.runsToCompletion ? { runsToCompletion: true } : {}),
        ...(fields ? { fields } : {}),
      };
    }),
  );
}

/**
 * The workloads of the charts Argo CD renders (not in dist/), from the site's measured facts; rendered charts are in
 * dist/ already. Facts measured before they carried scheduling are named in `unmeasured`.
 */
export function factsWorkloads(facts: ChartFactsFile, model: SiteModel, fallback: readonly ChartFactsFile[] = []): { workloads: SchedulingWorkload[]; unmeasured: string[] } {
  const workloads: SchedulingWorkload[] = [];
  const unmeasured: string[] = [];
  for (const release of releasesOf(facts, model, fallback)) {
    const component = model.components.find((c) => c.name === release.component);
    if (!component || component.delivery === 'rendered') continue;
    const fields = fieldsOf(release.component, model);
    for (const w of release.workloads) {
      if (!w.scheduling) {
        unmeasured.push(`${release.component}: ${w.workload}`);
        continue;
      }
      const ref = parseObjectRef(w.workload);
      workloads.push({
        component: release.component,
        workload: `${ref.kind} ${ref.namespace ?? release.namespace}/${ref.name}`,
        kind: ref.kind,
        namespace: ref.namespace ?? release.namespace,
        podLabels: w.podLabels,
        scheduling: w.scheduling,
        ...(ref.kind === 'Job' || ref.kind === 'CronJob' ? { runsToCompletion: true } : {}),
        ...(fields ? { fields } : {}),
      });
    }
  }
  return { workloads, unmeasured };
}

/**
 * The releases whose workloads are placed: the site's own facts, and for a component they lack (a site without a
 * facts file, such as a YAML print in another folder) the committed facts of another site, as the AppProjects do.
 */
function releasesOf(facts: ChartFactsFile, model: SiteModel, fallback: readonly ChartFactsFile[]): ChartFactsFile['releases'] {
  const own = facts.exists ? facts.releases : [];
  const covered = new Set(own.map((r) => r.component));
  const borrowed = model.components
    .filter((c) => !covered.has(c.name))
    .flatMap((c) => fallback.map((f) => f.releases.filter((r) => r.component === c.name)).find((rs) => rs.length > 0) ?? []);
  return [...own, ...borrowed];
}

/** The whole simulation for a synthesized site: every pod of the tree and of the charts placed on the site's nodes. */
export function checkTreeScheduling(
  model: SiteModel,
  manifests: ReadonlyMap<string, readonly KubeObject[]>,
  facts: ChartFactsFile,
  /** The site as the user named it, for the command in messages. @default - the reference site */
  siteSource = 'sites/hookprobe.ts',
  /** The add-on definitions asked for their operators' pods (a test adds a fixture add-on). @default - every add-on */
  addons: readonly AddonDefinition[] = ALL_ADDONS,
): SchedulingReport {
  const charts = factsWorkloads(facts, model, committedFacts());
  const input: SchedulingInput = {
    nodes: schedulingNodes(model),
    workloads: [...manifestWorkloads(manifests, model), ...charts.workloads, ...operatorWorkloads(model, manifests, addons)],
    pools: poolFields(model),
    allocatableOf: nodeAllocatable,
  };
  const report = simulateScheduling(input);
  const unmeasured =
    charts.unmeasured.length > 0
      ? [`the chart facts of ${charts.unmeasured.join(', ')} carry no scheduling (measured before it was recorded), so the scheduling check did not place their pods; measure the charts again: ${factsCommand(siteSource)}`]
      : [];
  return { ...report, warnings: [...report.warnings, ...unmeasured] };
}

import { ApiObject, Chart, DependencyGraph } from 'cdk8s';
import { IConstruct } from 'constructs';
import type { KubeObject } from '../core/kube-object';

/** The renders of each app, keyed by its root construct: they go when the app goes. */
const RENDERS = new WeakMap<IConstruct, ObjectRenders>();

/**
 * Each ApiObject of a cdk8s app rendered once. cdk8s renders an object anew on every `toJson()` (resolving its tokens
 * and sorting every key), and `Chart.toJson()` also makes the whole app's dependencies explicit and validates every
 * construct of the app before rendering its own objects: the Argo CD Applications read every object, the bootstrap
 * some of them and the synth driver all of them again, which rendered each object two to four times and ran those
 * app-wide steps once per chart. Annotations added after an object is rendered go through `addAnnotation`, which
 * sets them on the construct and on its kept render alike, so the render stays what `toJson()` would give now.
 */
export class ObjectRenders {
  /** The renders of the app that `scope` belongs to. */
  public static of(scope: IConstruct): ObjectRenders {
    const root = scope.node.root;
    let renders = RENDERS.get(root);
    if (!renders) {
      renders = new ObjectRenders();
      RENDERS.set(root, renders);
    }
    return renders;
  }

  private readonly kept = new WeakMap<ApiObject, KubeObject>();
  private dependenciesResolved = false;

  private constructor() {}

  /**
   * The object as `api.toJson()` renders it, rendered on the first call. The same JSON object is returned on every
   * call and shared by everyone who reads it: nobody may change it.
   */
  public json(api: ApiObject): KubeObject {
    let json = this.kept.get(api);
    if (!json) {
      json = api.toJson() as KubeObject;
      this.kept.set(api, json);
    }
    return json;
  }

  /**
   * Adds an annotation to the object, and to its kept render a copy of that render with the new annotations in
   * the place and key order cdk8s renders them (keys sorted; the rest of the render is shared, not copied).
   */
  public addAnnotation(api: ApiObject, key: string, value: string): void {
    api.metadata.addAnnotation(key, value);
    const json = this.kept.get(api);
    if (!json) return;
    // With cdk8s' key sorting turned off the order is the construct's: render it anew when it is next read.
    if (process.env.CDK8S_DISABLE_SORT) {
      this.kept.delete(api);
      return;
    }
    const annotations = { ...((json.metadata.annotations as Record<string, string> | undefined) ?? {}), [key]: value };
    const metadata: Record<string, unknown> = { ...json.metadata, annotations: sortedKeys(annotations) };
    this.kept.set(api, { ...json, metadata: sortedKeys(metadata) as KubeObject['metadata'] });
  }

  /**
   * A chart's objects as `chart.toJson()` gives them, in its order (dependencies first), from the kept renders. The
   * first chart asked is rendered by cdk8s itself, which first turns every construct dependency of the app into one
   * between ApiObjects (an internal step it runs for the whole app on any chart's `toJson()`); after that the
   * order comes from cdk8s' DependencyGraph as `toJson()` takes it. Construct validations are the caller's to run.
   */
  public chartObjects(chart: Chart): KubeObject[] {
    if (!this.dependenciesResolved) {
      this.dependenciesResolved = true;
      return chart.toJson() as KubeObject[];
    }
    const all = chart.node.findAll();
    // Without a dependency among its constructs the graph has no edge, and its topology is the constructs' own order.
    const ordered = all.some((c) => c.node.dependencies.length > 0) ? new DependencyGraph(chart.node).topology() : all;
    return ordered.filter((c): c is ApiObject => ApiObject.isApiObject(c) && Chart.of(c) === chart).map((api) => this.json(api));
  }
}

function sortedKeys<T>(record: Record<string, T>): Record<string, T> {
  const out: Record<string, T> = {};
  for (const key of Object.keys(record).sort()) out[key] = record[key];
  return out;
}

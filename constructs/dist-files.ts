import { Construct, IConstruct } from 'constructs';
import { constructsOf } from './constructs-of';

export interface DistFileOptions {
  /**
   * Whether the file holds data only (a list an Argo CD generator reads, a release's Helm values), never a Kubernetes
   * object.
   * @default false - a .yaml file is read back by the synth driver and its Kubernetes objects are schema-checked
   */
  readonly dataOnly?: boolean;
  /**
   * The Kubernetes objects the file holds, as they were written into it (in its order): the synth driver
   * schema-checks these instead of parsing the text it was just given back into them.
   * @default - none: a .yaml file that is not data is parsed for its objects
   */
  readonly objects?: readonly object[];
  /**
   * The value a data file was written from (with `dataOnly`), for checks that read the file: they take this instead
   * of parsing the text back.
   * @default - none: a check that reads the file parses its text
   */
  readonly data?: unknown;
}


/** Top-level folders of dist/ that belong to the synth driver itself: nothing else may write there. */
const RESERVED = ['kubernetes/', 'terraform/'];

/**
 * Files a component contributes to dist/ outside the Kubernetes and Terraform trees: the bootstrap
 * script, data files that Argo CD generators read, manifests for clusters other than the site's.
 * They are collected by the synth driver with `DistFiles.collect(app)`.
 */
export class DistFiles extends Construct {
  /**
   * Every file of every DistFiles in `root`, sorted by path. Two constructs giving the same path is a
   * mistake in the charts, not something to resolve by order, so it throws.
   */
  public static collect(root: IConstruct | readonly IConstruct[]): Map<string, string> {
    const owner = new Map<string, string>();
    const out = new Map<string, string>();
    for (const c of constructsOf(root)) {
      if (!(c instanceof DistFiles)) continue;
      for (const [file, content] of c.entries) {
        const other = owner.get(file);
        if (other !== undefined) throw new Error(`DistFiles: ${file} is written by both ${other} and ${c.node.path}; give one of them another path`);
        owner.set(file, c.node.path);
        out.set(file, content);
      }
    }
    return new Map([...out.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  }

  /** The objects given with each file of every DistFiles in `root` (`DistFileOptions.objects`), by file. */
  public static objects(root: IConstruct | readonly IConstruct[]): Map<string, readonly object[]> {
    const out = new Map<string, readonly object[]>();
    for (const c of constructsOf(root)) if (c instanceof DistFiles) for (const [f, objects] of c.objectsOf) out.set(f, objects);
    return out;
  }

  /** The value given with each data file of every DistFiles in `root` (`DistFileOptions.data`), by file. */
  public static data(root: IConstruct | readonly IConstruct[]): Map<string, unknown> {
    const out = new Map<string, unknown>();
    for (const c of constructsOf(root)) if (c instanceof DistFiles) for (const [f, value] of c.dataOf) out.set(f, value);
    return out;
  }

  /** The files of every DistFiles in `root` that were added as data only: nothing in them needs a schema check. */
  public static dataOnly(root: IConstruct | readonly IConstruct[]): Set<string> {
    const out = new Set<string>();
    for (const c of constructsOf(root)) if (c instanceof DistFiles) for (const f of c.dataOnlyFiles) out.add(f);
    return out;
  }

  private readonly entries = new Map<string, string>();
  private readonly dataOnlyFiles = new Set<string>();
  private readonly objectsOf = new Map<string, readonly object[]>();
  private readonly dataOf = new Map<string, unknown>();

  /** Adds a file; `file` is relative to dist/, with `/` separators. */
  public add(file: string, content: string, options: DistFileOptions = {}): void {
    if (!/^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/.test(file) || file.split('/').some((p) => p === '.' || p === '..')) {
      throw new Error(`DistFiles ${this.node.path}: "${file}" is not a relative path of plain names; use e.g. bootstrap/bootstrap.sh`);
    }
    if (RESERVED.some((r) => file.startsWith(r))) {
      throw new Error(`DistFiles ${this.node.path}: "${file}" is inside ${RESERVED.join(' or ')}, which only the synth driver writes; put it in a folder of its own`);
    }
    if (this.entries.has(file)) throw new Error(`DistFiles ${this.node.path}: "${file}" was added twice`);
    this.entries.set(file, content);
    if (options.dataOnly) this.dataOnlyFiles.add(file);
    if (options.objects) this.objectsOf.set(file, options.objects);
    if (options.data !== undefined) this.dataOf.set(file, options.data);
  }

  /** The files added so far, by path. */
  public get files(): ReadonlyMap<string, string> {
    return this.entries;
  }
}

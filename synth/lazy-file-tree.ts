/** Makes the text of one file of a family (the edge fleet's cluster ExternalSecrets) from the member's index. */
export type FileRenderer = (index: number) => string;

interface Lazy {
  readonly render: FileRenderer;
  readonly index: number;
}

/**
 * A file tree (path -> text) in which some files are kept as a renderer and an index instead of their text, and
 * rendered each time they are read. A fleet of 100,000 edges writes one cluster ExternalSecret file per edge (about
 * 1.2 KB each): held as text until the write, they were the largest part of synth's memory. Every reader of a tree
 * (hashing for the manifest, the diff against the folder, the writer) sees plain strings one file at a time, so a
 * file's text lives only while it is hashed, compared or written.
 *
 * Copy a tree with `LazyFileTree.copy` (or `sorted`), never `new Map(tree)`: the Map constructor would render and keep
 * every file.
 */
export class LazyFileTree extends Map<string, string> {
  /** A copy of `tree` that keeps its lazy files lazy, in `order` when given (every key of `tree`, once). */
  public static copy(tree: ReadonlyMap<string, string>, order: Iterable<string> = tree.keys()): LazyFileTree {
    const out = new LazyFileTree();
    for (const file of order) {
      const lazy = tree instanceof LazyFileTree ? tree.lazy.get(file) : undefined;
      if (lazy) out.setLazy(file, lazy.render, lazy.index);
      else out.set(file, tree.get(file) as string);
    }
    return out;
  }

  /** A copy of `tree` in code-point order of its paths (what every tree synth returns is in). */
  public static sorted(tree: ReadonlyMap<string, string>): LazyFileTree {
    return LazyFileTree.copy(tree, [...tree.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
  }

  /** How many files of `tree` are held as text (the rest are rendered on read). */
  public static heldAsText(tree: ReadonlyMap<string, string>): { files: number; chars: number } {
    let files = 0;
    let chars = 0;
    for (const file of tree.keys()) {
      if (tree instanceof LazyFileTree && tree.lazy.has(file)) continue;
      files += 1;
      chars += (tree.get(file) as string).length;
    }
    return { files, chars };
  }

  // Initialised after Map's constructor, which may call set() with its iterable before: hence the optional reads.
  private readonly lazy = new Map<string, Lazy>();

  /** Adds (or replaces) a file whose text is `render(index)`, made again on every read. */
  public setLazy(file: string, render: FileRenderer, index: number): this {
    super.set(file, '');
    this.lazy.set(file, { render, index });
    return this;
  }

  public override set(file: string, text: string): this {
    this.lazy?.delete(file);
    return super.set(file, text);
  }

  public override get(file: string): string | undefined {
    const lazy = this.lazy?.get(file);
    return lazy ? lazy.render(lazy.index) : super.get(file);
  }

  public override delete(file: string): boolean {
    this.lazy.delete(file);
    return super.delete(file);
  }

  public override clear(): void {
    this.lazy.clear();
    super.clear();
  }

  public override forEach(each: (text: string, file: string, tree: Map<string, string>) => void, thisArg?: unknown): void {
    for (const [file, text] of this.entries()) each.call(thisArg, text, file, this);
  }

  public override entries(): MapIterator<[string, string]> {
    return this.read((file) => [file, this.get(file) as string]);
  }

  public override values(): MapIterator<string> {
    return this.read((file) => this.get(file) as string);
  }

  public override [Symbol.iterator](): MapIterator<[string, string]> {
    return this.entries();
  }

  /** Each path in order, mapped when the reader asks for it (not before): one rendered text at a time. */
  private read<T>(map: (file: string) => T): MapIterator<T> {
    const files = this.keys();
    const it: MapIterator<T> = {
      next: () => {
        const n = files.next();
        return n.done ? { done: true, value: undefined } : { done: false, value: map(n.value) };
      },
      [Symbol.iterator]: () => it,
      [Symbol.toStringTag]: 'Map Iterator',
    } as MapIterator<T>;
    return it;
  }
}

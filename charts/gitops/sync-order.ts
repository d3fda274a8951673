/**
 * Argo CD sync waves from the component graph: a component syncs after everything it depends on and
 * after every component that installs a CRD its objects use. Waves are the longest path to a
 * component with no dependencies, so independent components share a wave and sync together.
 */

export interface OrderNode {
  readonly name: string;
  /** Edges with the reason each exists, for the message when they form a cycle. */
  readonly after: ReadonlyMap<string, string>;
}

export type OrderResult =
  | { readonly waves: ReadonlyMap<string, number> }
  | { readonly cycle: readonly { readonly from: string; readonly to: string; readonly reason: string }[] };

export function syncWaves(nodes: readonly OrderNode[]): OrderResult {
  const byName = new Map(nodes.map((n) => [n.name, n]));
  const state = new Map<string, 'open' | 'done'>();
  const wave = new Map<string, number>();
  const stack: string[] = [];
  let cycle: { from: string; to: string; reason: string }[] | undefined;

  const visit = (name: string): number => {
    const known = wave.get(name);
    if (known !== undefined) return known;
    if (state.get(name) === 'open') {
      const loop = [...stack.slice(stack.indexOf(name)), name];
      cycle = loop.slice(0, -1).map((from, i) => ({ from, to: loop[i + 1], reason: byName.get(from)?.after.get(loop[i + 1]) ?? '' }));
      return 0;
    }
    state.set(name, 'open');
    stack.push(name);
    let w = 0;
    const node = byName.get(name);
    for (const dep of [...(node?.after.keys() ?? [])].sort()) {
      if (!byName.has(dep)) continue;
      w = Math.max(w, visit(dep) + 1);
      if (cycle) return 0;
    }
    stack.pop();
    state.set(name, 'done');
    wave.set(name, w);
    return w;
  };
  for (const name of [...byName.keys()].sort()) {
    visit(name);
    if (cycle) return { cycle };
  }
  return { waves: wave };
}

/** `a -> b (reason) -> a (reason)`: the whole cycle, each step with why it exists. */
export function describeCycle(cycle: readonly { from: string; to: string; reason: string }[]): string {
  return [cycle[0].from, ...cycle.map((e) => `${e.to}${e.reason ? ` (${e.from} ${e.reason})` : ''}`)].join(' -> ');
}

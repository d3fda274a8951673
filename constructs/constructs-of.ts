import type { IConstruct } from 'constructs';

/**
 * `root` and every construct in it; or the list a caller has already made of them (`root.node.findAll()`), so that
 * several lookups over one built app walk its tree once.
 */
export function constructsOf(root: IConstruct | readonly IConstruct[]): readonly IConstruct[] {
  return Array.isArray(root) ? root : (root as IConstruct).node.findAll();
}

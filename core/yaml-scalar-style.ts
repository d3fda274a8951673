import { Document, isMap, isPair, isScalar, isSeq, Scalar } from 'yaml';

/**
 * Gives every scalar of `doc` whose value is one of `values` the style `type`, keys as well as values: what a
 * `visit(doc, { Scalar })` that sets the type does, without the visitor's frozen path array for every node. The
 * cloud-init and kubeadm documents (7 to 20 per site) are the first YAML a compile writes, while the code is cold,
 * and the visitor was a tenth of their time. Aliases are not followed, as the visitor does not follow them.
 */
export function styleScalars(doc: Document, values: ReadonlySet<unknown>, type: Scalar.Type): void {
  if (values.size === 0) return;
  const walk = (node: unknown): void => {
    if (isScalar(node)) {
      if (values.has(node.value)) node.type = type;
    } else if (isMap(node) || isSeq(node)) {
      for (const item of node.items) walk(item);
    } else if (isPair(node)) {
      walk(node.key);
      walk(node.value);
    }
  };
  walk(doc.contents);
}

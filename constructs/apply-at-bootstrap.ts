import type { IConstruct } from 'constructs';

/** Construct metadata type of an object the bootstrap applies together with its component's charts. */
const APPLY_AT_BOOTSTRAP = 'site-compiler:apply-at-bootstrap';

/**
 * Marks an object the cluster needs before Argo CD can run, e.g. Calico's Installation, without which the operator the
 * CNI chart installs deploys nothing and the nodes never turn Ready. The bootstrap applies it right after the
 * component's charts (whose CRDs it uses); Argo CD later finds it unchanged in the component's folder.
 */
export function applyAtBootstrap(object: IConstruct): void {
  object.node.addMetadata(APPLY_AT_BOOTSTRAP, true);
}

export function isAppliedAtBootstrap(object: IConstruct): boolean {
  return object.node.metadata.some((m) => m.type === APPLY_AT_BOOTSTRAP);
}

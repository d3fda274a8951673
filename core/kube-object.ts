/** A Kubernetes object as rendered (JSON), read loosely: checks and reports reach into any field. */
export interface KubeObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly namespace?: string; readonly [k: string]: unknown };
  readonly [k: string]: unknown;
}

/**
 * The one way the compiler names a Kubernetes object in findings, exceptions and reports: `Kind/namespace/name`, or
 * `Kind/name` for a cluster-scoped object (the form site authors write in policy.exceptions). A part the object lacks
 * (a malformed object) reads "-".
 */
export function objectId(obj: { readonly kind?: unknown; readonly metadata?: { readonly name?: unknown; readonly namespace?: unknown } }): string {
  const part = (v: unknown): string => (typeof v === 'string' && v.length > 0 ? v : '-');
  const ns = obj.metadata?.namespace;
  return typeof ns === 'string' && ns.length > 0 ? `${part(obj.kind)}/${ns}/${part(obj.metadata?.name)}` : `${part(obj.kind)}/${part(obj.metadata?.name)}`;
}

/**
 * Kubernetes versions each pinned add-on release line is tested against, as its upstream states it. Only lines whose
 * matrix we could read from the upstream documentation are listed, each with the page it comes from; an add-on line
 * not listed here is not checked (rather than refused on a guess).
 */
export interface VersionSupport {
  /** The add-on's key under platform.addons. */
  readonly addon: string;
  /** The release line, matched against the add-on's chartVersion (or version) as `major.minor`. */
  readonly line: string;
  /** Kubernetes minor versions the line supports, e.g. ['1.30', '1.31']. */
  readonly kubernetes: readonly string[];
  readonly source: string;
}

export const KUBERNETES_SUPPORT: readonly VersionSupport[] = [
  {
    addon: 'cilium',
    line: '1.18',
    kubernetes: ['1.30', '1.31', '1.32', '1.33'],
    // "All Kubernetes versions listed are e2e tested and guaranteed to be compatible with Cilium."
    source: 'https://docs.cilium.io/en/v1.18/network/kubernetes/compatibility/',
  },
];

/** `1.18` from `1.18.0` or `v1.18.0`. */
export function releaseLine(version: string): string {
  return version.replace(/^v/, '').split('.').slice(0, 2).join('.');
}

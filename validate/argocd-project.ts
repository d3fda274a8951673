/**
 * Argo CD's AppProject rules as the application controller applies them before it syncs anything: a source repository
 * must match sourceRepos, the Application's destination and every namespaced object's namespace must match a
 * destination, a cluster-scoped kind must be on clusterResourceWhitelist (an empty or missing whitelist allows none)
 * and off clusterResourceBlacklist, a namespaced kind must be on namespaceResourceWhitelist when the project has one
 * and off namespaceResourceBlacklist. Patterns are globs; a destination or repository starting with "!" denies.
 */

export interface GroupKindRule {
  readonly group: string;
  readonly kind: string;
}

export interface ProjectDestination {
  readonly server?: string;
  readonly name?: string;
  readonly namespace?: string;
}

export interface ProjectRules {
  readonly name: string;
  readonly sourceRepos: readonly string[];
  readonly destinations: readonly ProjectDestination[];
  readonly clusterResourceWhitelist: readonly GroupKindRule[];
  readonly clusterResourceBlacklist: readonly GroupKindRule[];
  readonly namespaceResourceWhitelist: readonly GroupKindRule[];
  readonly namespaceResourceBlacklist: readonly GroupKindRule[];
}

/** The in-cluster destination every Argo CD knows without a cluster Secret. */
export const IN_CLUSTER_SERVER = 'https://kubernetes.default.svc';
export const IN_CLUSTER_NAME = 'in-cluster';

/** Glob match as Argo CD uses it for project patterns: `*` is any run of characters, `?` one character. */
export function globMatch(pattern: string, value: string): boolean {
  if (pattern === '*' || pattern === value) return true;
  let re = compiled.get(pattern);
  if (!re) {
    re = new RegExp(`^${pattern.split('').map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&'))).join('')}$`);
    compiled.set(pattern, re);
  }
  return re.test(value);
}

/** Patterns are few (the projects' rules) and matched once per object: compiled once. */
const compiled = new Map<string, RegExp>();

/** Reads an AppProject object (as rendered) into its rules; missing lists are empty. */
export function projectRules(obj: { readonly metadata: { readonly name: string }; readonly spec?: unknown }): ProjectRules {
  const spec = (obj.spec ?? {}) as Record<string, unknown>;
  const list = <T>(key: string): T[] => (Array.isArray(spec[key]) ? (spec[key] as T[]) : []);
  return {
    name: obj.metadata.name,
    sourceRepos: list<string>('sourceRepos'),
    destinations: list<ProjectDestination>('destinations'),
    clusterResourceWhitelist: list<GroupKindRule>('clusterResourceWhitelist'),
    clusterResourceBlacklist: list<GroupKindRule>('clusterResourceBlacklist'),
    namespaceResourceWhitelist: list<GroupKindRule>('namespaceResourceWhitelist'),
    namespaceResourceBlacklist: list<GroupKindRule>('namespaceResourceBlacklist'),
  };
}

function listed(rules: readonly GroupKindRule[], group: string, kind: string): boolean {
  return rules.some((r) => globMatch(r.group, group) && globMatch(r.kind, kind));
}

/** Whether a source repository URL is permitted; the deny patterns ("!…") win. */
export function repoPermitted(p: ProjectRules, repoUrl: string): boolean {
  if (p.sourceRepos.some((r) => r.startsWith('!') && globMatch(r.slice(1), repoUrl))) return false;
  return p.sourceRepos.some((r) => !r.startsWith('!') && globMatch(r, repoUrl));
}

/**
 * Whether a destination (cluster by server URL or name, and a namespace) is permitted. A project destination given by
 * name matches a cluster by name, one given by server by URL; `serverOf` resolves a name to its URL and back.
 */
export function destinationPermitted(p: ProjectRules, dest: { readonly server?: string; readonly name?: string; readonly namespace: string }): boolean {
  const clusterMatches = (d: ProjectDestination): boolean =>
    (d.server !== undefined && dest.server !== undefined && globMatch(d.server.replace(/^!/, ''), dest.server)) ||
    (d.name !== undefined && dest.name !== undefined && globMatch(d.name.replace(/^!/, ''), dest.name));
  const nsMatches = (d: ProjectDestination): boolean => globMatch((d.namespace ?? '*').replace(/^!/, ''), dest.namespace);
  const denied = p.destinations.some((d) => (d.namespace?.startsWith('!') || d.server?.startsWith('!') || d.name?.startsWith('!')) && clusterMatches(d) && nsMatches(d));
  if (denied) return false;
  return p.destinations.some((d) => !(d.namespace?.startsWith('!') || d.server?.startsWith('!') || d.name?.startsWith('!')) && clusterMatches(d) && nsMatches(d));
}

/** Whether the project lets an Application manage an object of this group and kind (cluster-scoped or not). */
export function kindPermitted(p: ProjectRules, group: string, kind: string, clusterScoped: boolean): boolean {
  if (clusterScoped) return listed(p.clusterResourceWhitelist, group, kind) && !listed(p.clusterResourceBlacklist, group, kind);
  if (p.namespaceResourceWhitelist.length > 0 && !listed(p.namespaceResourceWhitelist, group, kind)) return false;
  return !listed(p.namespaceResourceBlacklist, group, kind);
}

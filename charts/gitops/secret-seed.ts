import { stringify } from 'yaml';
import { YAML_OPTIONS } from '../../core/yaml-options';
import type { KubeObject } from '../../core/kube-object';
import { byCodePoint } from '../../core/order';

/**
 * What the secret store must hold before the root Application syncs: every key and property an ExternalSecret of
 * the tree reads. An ExternalSecret whose key is missing is Degraded, the root sync stops at its wave, and automated
 * sync does not start again on its own until a new commit; so the bootstrap checks the list (and fills it from a
 * folder outside Git when given one) before it applies the root. Keys that reach the store later by design (an edge
 * cluster's credentials, put there when the edge is enrolled) are listed apart, with how they arrive.
 */

/** ExternalSecret annotation: the store key pattern of a key that arrives after the bootstrap (e.g. `edge-cluster-*`). */
export const LATER_KEY_ANNOTATION = 'site-compiler/store-key-arrives-later';
/** ExternalSecret annotation: how such a key arrives (a command a person or a provisioning step runs). */
export const LATER_BY_ANNOTATION = 'site-compiler/store-key-arrives-by';

export interface SeedKey {
  /** Entry in the store: a Secret name in the store namespace (kubernetes backend) or a path under the KV mount (Vault). */
  readonly key: string;
  /** Properties (Secret data keys, Vault fields) read from it; empty: the entry must exist. */
  readonly properties: readonly string[];
  /** The ExternalSecrets reading it, as `component: namespace/name`. */
  readonly readBy: readonly string[];
}

export interface LaterKey {
  /** Glob over store keys. */
  readonly key: string;
  readonly properties: readonly string[];
  /** How the keys arrive. */
  readonly by: string;
}

export interface SecretStoreSeed {
  /** The ClusterSecretStore the ExternalSecrets read. */
  readonly store: string;
  readonly backend: 'kubernetes' | 'vault';
  /** Namespace of the source Secrets (kubernetes backend). */
  readonly namespace?: string;
  /** Vault address and KV mount (vault backend). */
  readonly vault?: { readonly server: string; readonly path: string };
  readonly keys: readonly SeedKey[];
  readonly later: readonly LaterKey[];
}

interface RemoteRef {
  readonly key: string;
  readonly property?: string;
}

function remoteRefs(es: KubeObject): RemoteRef[] {
  const spec = (es.spec ?? {}) as { data?: { remoteRef?: RemoteRef }[]; dataFrom?: { extract?: { key?: string } }[] };
  return [
    ...(spec.data ?? []).flatMap((d) => (d.remoteRef?.key ? [d.remoteRef] : [])),
    ...(spec.dataFrom ?? []).flatMap((d) => (d.extract?.key ? [{ key: d.extract.key }] : [])),
  ];
}

/**
 * The seed list of one ClusterSecretStore from the objects of every component: its backend from the store object,
 * its keys from the ExternalSecrets that read it. Undefined when nothing reads the store.
 */
export function secretStoreSeed(store: KubeObject, components: ReadonlyMap<string, readonly KubeObject[]>): SecretStoreSeed | undefined {
  const provider = ((store.spec ?? {}) as { provider?: { kubernetes?: { remoteNamespace?: string }; vault?: { server: string; path: string } } }).provider ?? {};
  const keys = new Map<string, { properties: Set<string>; readBy: Set<string> }>();
  const later = new Map<string, { properties: Set<string>; by: string }>();
  for (const [component, objects] of components) {
    for (const es of objects) {
      if (es.kind !== 'ExternalSecret' || ((es.spec ?? {}) as { secretStoreRef?: { name?: string } }).secretStoreRef?.name !== store.metadata.name) continue;
      const annotations = (es.metadata.annotations ?? {}) as Record<string, string>;
      const pattern = annotations[LATER_KEY_ANNOTATION];
      for (const ref of remoteRefs(es)) {
        if (pattern !== undefined) {
          const entry = later.get(pattern) ?? { properties: new Set<string>(), by: annotations[LATER_BY_ANNOTATION] ?? 'after the bootstrap' };
          if (ref.property) entry.properties.add(ref.property);
          later.set(pattern, entry);
          continue;
        }
        const entry = keys.get(ref.key) ?? { properties: new Set<string>(), readBy: new Set<string>() };
        if (ref.property) entry.properties.add(ref.property);
        entry.readBy.add(`${component}: ${es.metadata.namespace ?? ''}/${es.metadata.name}`);
        keys.set(ref.key, entry);
      }
    }
  }
  if (keys.size === 0 && later.size === 0) return undefined;
  const sortedSet = (s: ReadonlySet<string>): string[] => [...s].sort(byCodePoint);
  return {
    store: store.metadata.name,
    backend: provider.vault ? 'vault' : 'kubernetes',
    ...(provider.kubernetes?.remoteNamespace ? { namespace: provider.kubernetes.remoteNamespace } : {}),
    ...(provider.vault ? { vault: { server: provider.vault.server, path: provider.vault.path } } : {}),
    keys: [...keys.entries()].sort(([a], [b]) => byCodePoint(a, b)).map(([key, e]) => ({ key, properties: sortedSet(e.properties), readBy: sortedSet(e.readBy) })),
    later: [...later.entries()].sort(([a], [b]) => byCodePoint(a, b)).map(([key, e]) => ({ key, properties: sortedSet(e.properties), by: e.by })),
  };
}

/** The seed list as the file bootstrap/secret-store-seed.yaml holds it. */
export function seedYaml(header: string, seed: SecretStoreSeed): string {
  return [
    `# ${header}`,
    `# What secret store ${seed.store} must hold before the root Application syncs: bootstrap.sh checks every entry of`,
    '# "keys" (and creates missing ones from $SEED_DIR/<key>/<property> when SEED_DIR is given) before it applies the root.',
    '# "later" lists keys that arrive after the bootstrap, and how; only Applications nothing waits for read them.',
    stringify(seed, YAML_OPTIONS),
  ].join('\n');
}

/** Reads the seed file back (the Argo CD sync simulation does, from the tree). */
export function parseSeed(doc: unknown): SecretStoreSeed {
  const d = (doc ?? {}) as Partial<SecretStoreSeed>;
  return {
    store: d.store ?? '',
    backend: d.backend === 'vault' ? 'vault' : 'kubernetes',
    ...(d.namespace ? { namespace: d.namespace } : {}),
    ...(d.vault ? { vault: d.vault } : {}),
    keys: d.keys ?? [],
    later: d.later ?? [],
  };
}

function globMatch(pattern: string, value: string): boolean {
  return new RegExp(`^${pattern.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`).test(value);
}

/** Whether the bootstrap puts a key (and property) into the store, whether it arrives later, or neither. */
export function seedCovers(seed: SecretStoreSeed, key: string, property: string | undefined): 'bootstrap' | 'later' | undefined {
  const k = seed.keys.find((x) => x.key === key);
  if (k && (property === undefined || k.properties.includes(property))) return 'bootstrap';
  const l = seed.later.find((x) => globMatch(x.key, key));
  if (l && (property === undefined || l.properties.includes(property))) return 'later';
  return undefined;
}

/**
 * The bootstrap's lines that check the store and fill what is missing from $SEED_DIR (a folder outside Git, one file
 * per `<key>/<property>`); they end the script, before the root is applied, when anything is still missing.
 */
export function seedScript(seed: SecretStoreSeed, seedFile: string): string[] {
  const lines: string[] = [`say "secret store ${seed.store}: checking the ${seed.keys.length} entries of ${seedFile} (missing ones come from \\$SEED_DIR/<key>/<property> when SEED_DIR is set)"`];
  if (seed.backend === 'vault' && seed.vault) {
    const mount = seed.vault.path;
    lines.push(
      'command -v vault >/dev/null 2>&1 || { echo "bootstrap: the vault CLI is needed to check the secret store (VAULT_ADDR, VAULT_TOKEN)" >&2; exit 1; }',
      `export VAULT_ADDR="\${VAULT_ADDR:-${seed.vault.server}}"`,
      `store_has() { if [ -z "$2" ]; then vault kv get -mount=${mount} "$1"; else vault kv get -mount=${mount} -field="$2" "$1"; fi >/dev/null 2>&1; }`,
      `store_put() { vault kv patch -mount=${mount} "$1" "$2=@$3" >/dev/null 2>&1 || vault kv put -mount=${mount} "$1" "$2=@$3"; }`,
      `store_hint() { echo "vault kv patch -mount=${mount} $1 $2=@<file>"; }`,
    );
  } else {
    const ns = seed.namespace ?? 'secret-store';
    lines.push(
      // go-template rather than jsonpath: property names with dots or dashes need no escaping.
      `store_has() { if [ -z "$2" ]; then kubectl -n ${ns} get secret "$1" >/dev/null 2>&1; else kubectl -n ${ns} get secret "$1" -o "go-template={{with index .data \\"$2\\"}}{{.}}{{end}}" 2>/dev/null | grep -q .; fi; }`,
      'store_put() {',
      `  if kubectl -n ${ns} get secret "$1" >/dev/null 2>&1; then`,
      `    kubectl -n ${ns} patch secret "$1" --type merge -p "{\\"data\\":{\\"$2\\":\\"$(base64 < "$3" | tr -d '\\n')\\"}}"`,
      '  else',
      `    kubectl -n ${ns} create secret generic "$1" --from-file="$2=$3"`,
      '  fi',
      '}',
      `store_hint() { echo "kubectl -n ${ns} create secret generic $1 --from-file=$2=<file> (or patch the key into the existing Secret)"; }`,
    );
  }
  lines.push(
    'missing=0',
    'seed() {',
    '  store_has "$1" "$2" && return 0',
    '  if [ -n "${SEED_DIR:-}" ] && [ -f "$SEED_DIR/$1/$2" ]; then store_put "$1" "$2" "$SEED_DIR/$1/$2" && return 0; fi',
    '  echo "bootstrap: secret store: $1 has no $2; add it with: $(store_hint "$1" "$2"), or run again with SEED_DIR=<folder> holding $1/$2" >&2',
    '  missing=$((missing + 1))',
    '}',
  );
  for (const k of seed.keys) {
    for (const p of k.properties.length > 0 ? k.properties : ['']) lines.push(`seed '${k.key}' '${p}'`);
  }
  lines.push(`[ "$missing" -eq 0 ] || { echo "bootstrap: $missing secret-store entries are missing; the root Application is not applied until they are there (its ExternalSecrets would stay Degraded and stop the sync)" >&2; exit 1; }`);
  return lines;
}

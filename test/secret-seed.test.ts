import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { LATER_BY_ANNOTATION, LATER_KEY_ANNOTATION, SecretStoreSeed, parseSeed, secretStoreSeed, seedCovers, seedScript, seedYaml } from '../charts/gitops/secret-seed';
import type { KubeObject } from '../core/kube-object';
import { tempDir } from './support/sites';

const store: KubeObject = { apiVersion: 'external-secrets.io/v1', kind: 'ClusterSecretStore', metadata: { name: 'site-secrets' }, spec: { provider: { kubernetes: { remoteNamespace: 'secret-store' } } } };
const externalSecret = (name: string, refs: { key: string; property?: string }[], annotations?: Record<string, string>): KubeObject => ({
  apiVersion: 'external-secrets.io/v1',
  kind: 'ExternalSecret',
  metadata: { name, namespace: 'apps', ...(annotations ? { annotations } : {}) },
  spec: { secretStoreRef: { kind: 'ClusterSecretStore', name: 'site-secrets' }, data: refs.map((r, i) => ({ secretKey: `k${i}`, remoteRef: r })) },
});

const components = new Map<string, KubeObject[]>([
  ['web', [externalSecret('web-db', [{ key: 'db', property: 'password' }, { key: 'db', property: 'tls.crt' }])]],
  ['edge-fleet', [externalSecret('cluster-edge-a', [{ key: 'edge-cluster-a', property: 'config' }], { [LATER_KEY_ANNOTATION]: 'edge-cluster-*', [LATER_BY_ANNOTATION]: 'enrolling the edge' })]],
]);

/** A kubectl stand-in that keeps each store Secret as a folder of files under $STORE. */
const FAKE_KUBECTL = `#!/bin/sh
[ "$1" = "-n" ] && shift 2
verb=$1; shift
case "$verb" in
get)
  d="$STORE/$2"; [ -d "$d" ] || exit 1
  case "\${4:-}" in go-template=*) key=$(printf '%s' "$4" | sed 's/.*index .data "\\([^"]*\\)".*/\\1/'); [ -f "$d/$key" ] && base64 < "$d/$key" | tr -d '\\n'; exit 0;; esac ;;
create) kv=\${4#--from-file=}; mkdir -p "$STORE/$3"; cp "\${kv#*=}" "$STORE/$3/\${kv%%=*}" ;;
patch) key=$(printf '%s' "$6" | sed 's/.*"data":{"\\([^"]*\\)".*/\\1/'); printf '%s' "$6" | sed 's/.*":"\\([^"]*\\)"}}.*/\\1/' | base64 -d > "$STORE/$2/$key" ;;
esac
`;

function runSeed(seed: SecretStoreSeed, env: Record<string, string>): { code: number; stderr: string; stdout: string } {
  const dir = tempDir();
  fs.mkdirSync(path.join(dir, 'bin'));
  fs.writeFileSync(path.join(dir, 'bin', 'kubectl'), FAKE_KUBECTL, { mode: 0o755 });
  const script = ['set -eu', 'say() { echo "bootstrap: $*"; }', ...seedScript(seed, 'secret-store-seed.yaml'), 'echo ROOT-APPLIED', ''].join('\n');
  const r = spawnSync('sh', ['-c', script], { env: { ...process.env, PATH: `${path.join(dir, 'bin')}:${process.env.PATH}`, ...env }, encoding: 'utf8' });
  return { code: r.status ?? -1, stderr: r.stderr, stdout: r.stdout };
}

describe('secret store seed', () => {
  const seed = secretStoreSeed(store, components)!;

  it('lists every key and property the ExternalSecrets read, and keys that arrive later apart with how', () => {
    expect(seed).toEqual({
      store: 'site-secrets',
      backend: 'kubernetes',
      namespace: 'secret-store',
      keys: [{ key: 'db', properties: ['password', 'tls.crt'], readBy: ['web: apps/web-db'] }],
      later: [{ key: 'edge-cluster-*', properties: ['config'], by: 'enrolling the edge' }],
    });
    expect(parseSeed(parse(seedYaml('Generated', seed)))).toEqual(seed);
    expect(seedCovers(seed, 'db', 'tls.crt')).toBe('bootstrap');
    expect(seedCovers(seed, 'edge-cluster-b', 'config')).toBe('later');
    expect(seedCovers(seed, 'db', 'user')).toBeUndefined();
  });

  it('fails when the store lacks an entry and no SEED_DIR is given, naming the key, the property and the command, before the root', () => {
    const store = tempDir();
    const r = runSeed(seed, { STORE: store });
    expect(r.code).toBe(1);
    expect(r.stdout).not.toContain('ROOT-APPLIED');
    expect(r.stderr).toContain('secret store: db has no password; add it with: kubectl -n secret-store create secret generic db --from-file=password=<file>');
    expect(r.stderr).toContain('2 secret-store entries are missing');
  });

  it('creates the missing entries from SEED_DIR (also a property with a dot, into an existing Secret), then goes on', () => {
    const store = tempDir();
    const seedDir = tempDir();
    fs.mkdirSync(path.join(seedDir, 'db'));
    fs.writeFileSync(path.join(seedDir, 'db', 'password'), 's3cret');
    fs.writeFileSync(path.join(seedDir, 'db', 'tls.crt'), 'CERT');
    const r = runSeed(seed, { STORE: store, SEED_DIR: seedDir });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('ROOT-APPLIED');
    expect(fs.readFileSync(path.join(store, 'db', 'password'), 'utf8')).toBe('s3cret');
    expect(fs.readFileSync(path.join(store, 'db', 'tls.crt'), 'utf8')).toBe('CERT');
    // A second run finds everything there and changes nothing.
    expect(runSeed(seed, { STORE: store }).code).toBe(0);
  });
});

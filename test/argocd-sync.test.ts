import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { RUNTIME_CRD_GROUPS, builtInApiGroups } from '../charts/gitops/measured-facts';
import { chartFactsFileFor, readChartFacts } from '../constructs/chart-facts-file';
import { chartLockFileFor, readChartLock } from '../constructs/chart-lock';
import type { KubeObject } from '../core/kube-object';
import { loadSite } from '../site';
import { argoCdSyncFindings, refuseOnSyncFindings } from '../synth/argocd-sync-check';
import { LazyFileTree } from '../synth/lazy-file-tree';
import { synthesize } from '../synth/synthesize';
import { SyncFinding, simulateArgoCdSync } from '../validate/argocd-sync';
import { committedCompile } from './support/compiled';
import { siteWithEdges } from './support/gitops';

const PROJECT_ROOT = path.resolve(__dirname, '..');
const loaded = loadSite('sites/hookprobe.ts', PROJECT_ROOT);
const compiled = committedCompile('sites/hookprobe.ts');
const facts = readChartFacts(chartFactsFileFor(loaded.file));

type Folders = Map<string, KubeObject[]>;

/** The reference tree with something planted: folders and files are copies, the compiled tree is left alone. */
function planted(plant: (folders: Folders, files: Map<string, string>) => void): { manifests: Folders; files: Map<string, string> } {
  const manifests: Folders = new Map([...compiled.result.manifests].map(([k, v]) => [k, structuredClone([...v])]));
  const files = new Map(compiled.result.files);
  plant(manifests, files);
  return { manifests, files };
}

function simulate(tree: { manifests: Folders; files: Map<string, string> }): SyncFinding[] {
  return simulateArgoCdSync({ folders: tree.manifests, files: tree.files, charts: facts.releases, builtInGroups: builtInApiGroups(), runtimeCrds: RUNTIME_CRD_GROUPS });
}

/** synth's own refusal (the function compileSite calls) over a planted tree: the message it ends with. */
function refusal(tree: { manifests: Folders; files: Map<string, string> }): string {
  try {
    refuseOnSyncFindings(tree, facts);
  } catch (err) {
    return (err as Error).message;
  }
  return '';
}

function add(folders: Folders, folder: string, o: KubeObject): void {
  folders.get(folder)?.push(o);
}

const configMap = (namespace: string, name: string, data: Record<string, string> = { a: 'b' }, annotations?: Record<string, string>): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace, ...(annotations ? { annotations } : {}) },
  data,
});

describe('Argo CD sync simulation', () => {
  it('passes the reference site, the homelab site and a 1,000-edge fleet as they are', () => {
    expect(argoCdSyncFindings(compiled.result, facts)).toEqual([]);
    const homelab = loadSite('sites/homelab.ts', PROJECT_ROOT);
    const homelabTree = committedCompile('sites/homelab.ts').result;
    expect(argoCdSyncFindings(homelabTree, readChartFacts(chartFactsFileFor(homelab.file)))).toEqual([]);
    const { model } = siteWithEdges(1000);
    const fleet = synthesize(model, [], { chartSources: { lock: readChartLock(chartLockFileFor(loaded.file)), facts, kubeVersion: model.kubernetes.version, apiVersions: facts.apiVersions } });
    // The edges' cluster ExternalSecrets are checked through the first one, the rest being copies with other strings.
    expect(fleet.manifests.get('edge-fleet')?.filter((o) => o.kind === 'ExternalSecret')).toHaveLength(1);
    expect([...fleet.files.keys()].filter((f) => f.startsWith('kubernetes/edge-fleet/externalsecret-'))).toHaveLength(1000);
    expect(argoCdSyncFindings(fleet, facts)).toEqual([]);
  });

  it('takes the objects and the seed list synth wrote the bootstrap files from instead of parsing their text, and parses a file it was given nothing for', () => {
    const root = 'bootstrap/root-application.yaml';
    const extra = compiled.result.extraManifests;
    expect(extra.get(root)?.some((o) => o.kind === 'Application')).toBe(true);
    const seed = 'bootstrap/secret-store-seed.yaml';
    expect(compiled.result.data?.get(seed)).toBeDefined();
    const files = new Map(compiled.result.files);
    files.set(root, 'not: an application\n');
    files.set(seed, 'keys: []\n');
    const input = { folders: compiled.result.manifests, files, charts: facts.releases, builtInGroups: builtInApiGroups(), runtimeCrds: RUNTIME_CRD_GROUPS };
    // With the objects and the seed's value, the text is not read back; without them, the text is what the simulation sees.
    expect(simulateArgoCdSync({ ...input, objects: extra, data: compiled.result.data })).toEqual([]);
    expect(simulateArgoCdSync(input).map((f) => f.message)).toEqual(['holds no Application, so nothing syncs the tree']);
    files.set(root, compiled.result.files.get(root) ?? '');
    expect(simulateArgoCdSync({ ...input, objects: extra }).length).toBeGreaterThan(0);
  });

  it('reads the tree by path: a file made only when read (a fleet has one per edge) is not made unless the simulation needs it', () => {
    const files = LazyFileTree.copy(compiled.result.files);
    let made = 0;
    files.setLazy('kubernetes/edge-fleet/externalsecret-planted.yaml', () => {
      made += 1;
      return '';
    }, 0);
    expect(simulate({ manifests: compiled.result.manifests as Folders, files })).toEqual([]);
    expect(made).toBe(0);
  });

  it('fails when an Application holds an object of a kind its AppProject forbids, naming the Application, the object and the whitelist', () => {
    const tree = planted((f) => add(f, 'redis', { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'planted' }, rules: [] }));
    expect(simulate(tree)).toContainEqual(expect.objectContaining({ application: 'Application redis', object: 'ClusterRole planted', message: expect.stringContaining('that AppProject redis does not allow') }));
    expect(refusal(tree)).toMatch(/Application redis: ClusterRole planted: .*fix: add \{group: "rbac.authorization.k8s.io", kind: ClusterRole\} to the clusterResourceWhitelist of AppProject redis/);
  });

  it('fails when an object is in a namespace its AppProject does not list as a destination', () => {
    const tree = planted((f) => add(f, 'redis', configMap('kube-public', 'planted')));
    expect(refusal(tree)).toMatch(/Application redis: ConfigMap kube-public\/planted: is in namespace kube-public .*does not list in destinations;.*fix: add namespace kube-public to the destinations of AppProject redis/);
  });

  it('fails when a namespaced object comes before the wave that creates its namespace', () => {
    // cert-manager syncs in wave 1; the monitoring namespace is created by monitoring in wave 3.
    const tree = planted((f) => add(f, 'cert-manager', configMap('monitoring', 'planted')));
    expect(refusal(tree)).toMatch(/Application cert-manager: ConfigMap monitoring\/planted: is in namespace monitoring, which only monitoring \(wave 3\) creates, not before wave 1.*fix: make cert-manager depend on the component that creates monitoring/);
  });

  it('fails when a custom resource syncs before the wave of its CRD, naming the component that installs it', () => {
    const tree = planted((f) => add(f, 'cert-manager', { apiVersion: 'monitoring.coreos.com/v1', kind: 'ServiceMonitor', metadata: { name: 'planted', namespace: 'cert-manager' }, spec: {} }));
    expect(refusal(tree)).toMatch(/Application cert-manager: ServiceMonitor cert-manager\/planted: is a custom resource \(ServiceMonitor.monitoring.coreos.com\) in sync wave 1, but its CRD comes from monitoring in wave 3.*fix: make cert-manager depend on monitoring/);
  });

  it('fails when a custom resource has no CRD anywhere', () => {
    const tree = planted((f) => add(f, 'redis', { apiVersion: 'example.org/v1', kind: 'Widget', metadata: { name: 'planted', namespace: 'hookprobe' } }));
    expect(refusal(tree)).toMatch(/Application redis: Widget hookprobe\/planted: is a custom resource \(Widget.example.org\) whose CRD no Application installs/);
  });

  it('fails when an object is past the client-side apply annotation without ServerSideApply, and passes with it', () => {
    const big = { blob: 'x'.repeat(300_000) };
    const tree = planted((f) => add(f, 'redis', configMap('hookprobe', 'planted', big)));
    expect(refusal(tree)).toMatch(/Application redis: ConfigMap hookprobe\/planted: is 300\d{3} bytes \(from folder\), past the 262144-byte last-applied annotation .*fix: sync it server-side: argocd.argoproj.io\/sync-options: ServerSideApply=true on the object/);
    const annotated = planted((f) => add(f, 'redis', configMap('hookprobe', 'planted', big, { 'argocd.argoproj.io/sync-options': 'ServerSideApply=true' })));
    expect(simulate(annotated)).toEqual([]);
  });

  it('fails when an ApplicationSet generates an Application for a cluster nobody registers', () => {
    const tree = planted((f, files) => {
      files.set('edge/clusters-000.yaml', '- name: "sbc-1"\n  cluster: "edge-sbc-1"\n');
      add(f, 'argocd-apps', {
        apiVersion: 'argoproj.io/v1alpha1',
        kind: 'ApplicationSet',
        metadata: { name: 'planted', namespace: 'argocd', annotations: { 'argocd.argoproj.io/sync-wave': '7' } },
        spec: {
          generators: [{ git: { repoURL: 'https://github.com/hookprobe/backend', revision: 'main', files: [{ path: 'dist/edge/clusters-*.yaml' }] } }],
          template: { metadata: { name: '{{.cluster}}' }, spec: { project: 'edge-fleet', source: { repoURL: 'https://github.com/hookprobe/backend', path: 'dist/edge/workload' }, destination: { name: '{{.cluster}}', namespace: 'edge-monitoring' } } },
        },
      });
    });
    expect(refusal(tree)).toMatch(/ApplicationSet planted -> Application edge-sbc-1: Application edge-sbc-1: deploys to cluster edge-sbc-1, which no Argo CD cluster Secret registers.*fix: register the cluster/);
  });

  it('fails when the bootstrap does not seed a key an ExternalSecret reads, naming the key and the seed list', () => {
    const tree = planted((_f, files) => files.set('bootstrap/bootstrap.sh', (files.get('bootstrap/bootstrap.sh') ?? '').replace("seed 'velero-s3' 'access-key-id'\n", '')));
    expect(refusal(tree)).toMatch(/Application velero: ExternalSecret velero\/velero-s3 \(key velero-s3, property access-key-id\): reads a key the bootstrap does not put into secret store hookprobe-secrets; .*fix: list the key in bootstrap\/secret-store-seed.yaml/);
    const noSeed = planted((_f, files) => files.delete('bootstrap/secret-store-seed.yaml'));
    expect(simulate(noSeed).filter((x) => x.message.includes('does not put into secret store')).length).toBeGreaterThan(5);
  });

  it('fails when a key that arrives after the bootstrap is read by an Application that a later wave waits for', () => {
    const tree = planted((f, files) => {
      const seed = parse(files.get('bootstrap/secret-store-seed.yaml') ?? '') as { later: unknown[] };
      files.set('bootstrap/secret-store-seed.yaml', stringify({ ...seed, later: [{ key: 'late-*', properties: ['p'], by: 'a person, later' }] }));
      add(f, 'redis', {
      apiVersion: 'external-secrets.io/v1',
      kind: 'ExternalSecret',
      metadata: { name: 'planted', namespace: 'hookprobe', annotations: { 'site-compiler/store-key-arrives-later': 'late-*', 'site-compiler/store-key-arrives-by': 'a person, later' } },
      spec: { secretStoreRef: { kind: 'ClusterSecretStore', name: 'hookprobe-secrets' }, data: [{ secretKey: 'k', remoteRef: { key: 'late-1', property: 'p' } }] },
      });
    });
    // redis syncs in wave 4; django-central waits for it in wave 6.
    expect(refusal(tree)).toMatch(/Application redis: ExternalSecret hookprobe\/planted \(key late-1, property p\): reads a key that reaches store hookprobe-secrets only after the bootstrap \(a person, later\), in sync wave 4; .*fix: read such keys from an Application in the last sync wave/);
  });
});

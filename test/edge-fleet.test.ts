import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { ARGOCD_APPS_COMPONENT } from '../charts/argocd-apps-chart';
import { EDGE_FLEET_LABEL, EDGE_SCRAPE_JOB } from '../charts/edge-fleet-chart';
import { MAX_OBJECT_BYTES, shardByHash, shardName } from '../charts/gitops/sharding';
import { EDGE_FLEET_COMPONENT } from '../model';
import type { KubeObject } from '../core/kube-object';
import { toYamlText } from '../core/yaml-text';
import { ScrapeConfig, ScrapeConfigProps } from '../imports/k8s-crds/monitoring.coreos.com';
import { SiteError } from '../site';
import { synthesize } from '../synth/synthesize';
import { validateManifests } from '../validate/kubernetes-schema';
import { fixtureEdges, inventoryYaml } from '../scripts/gen-edge-inventory';
import { Obj, siteWithEdges } from './support/gitops';

const EDGES = 10_000;

describe(`an edge fleet of ${EDGES} SBCs`, () => {
  const { model } = siteWithEdges(EDGES);
  const result = synthesize(model);
  const fleet = (result.manifests.get(EDGE_FLEET_COMPONENT) ?? []) as readonly Obj[];
  // The files outside dist/kubernetes/ and dist/terraform/ (what DistFiles contributed), from the same synth.
  const extra = new Map([...result.files].filter(([f]) => !/^(kubernetes|terraform)\//.test(f)));
  const edges = model.edgeFleet?.edges ?? [];

  it('compiles, and no object or file in dist/ is over 1 MiB', () => {
    expect(edges).toHaveLength(EDGES);
    for (const objects of result.manifests.values()) {
      for (const o of objects) expect(Buffer.byteLength(JSON.stringify(o)), `${o.kind} ${o.metadata.name}`).toBeLessThanOrEqual(MAX_OBJECT_BYTES);
    }
    for (const [file, content] of [...result.files, ...extra]) expect(Buffer.byteLength(content), file).toBeLessThanOrEqual(MAX_OBJECT_BYTES);
    // The fleet is large enough that its lists had to be split.
    expect(fleet.filter((o) => o.metadata.name.startsWith('wireguard-peers-')).length).toBeGreaterThan(1);
  });

  it('gives the WireGuard hub every edge as a peer, by public key only, in shards it loads by name', () => {
    const shards = fleet.filter((o) => o.kind === 'ConfigMap' && o.metadata.name.startsWith('wireguard-peers-'));
    const text = shards.map((s) => s.data?.['peers.conf'] ?? '').join('');
    const keys = [...text.matchAll(/^PublicKey = (\S+)$/gm)].map((m) => m[1]);
    expect(keys).toHaveLength(EDGES);
    expect(new Set(keys)).toEqual(new Set(edges.map((e) => e.publicKey)));
    expect([...text.matchAll(/^AllowedIPs = (\S+)\/32$/gm)].map((m) => m[1]).sort()).toEqual(edges.map((e) => e.address).sort());
    const hub = fleet.find((o) => o.metadata.name === 'wireguard-hub');
    const conf = hub?.data?.['wg0.conf'] ?? '';
    expect(conf).toContain('Address = 172.16.0.1/18');
    expect(conf).toContain('PostUp = wg set %i private-key /etc/wireguard/hub.key');
    for (const s of shards) expect(conf).toContain(`PostUp = wg addconf %i /etc/wireguard/peers/${s.metadata.name}.conf`);
    for (const o of fleet) expect(JSON.stringify(o), o.metadata.name).not.toMatch(/PrivateKey\s*=/);
  });

  it('gives Prometheus one target per edge, labelled with its name and site', () => {
    const scrape = fleet.filter((o) => o.kind === 'ScrapeConfig');
    expect(scrape.length).toBeGreaterThan(1);
    const targets = scrape.flatMap((s) => (s.spec as { jobName: string; staticConfigs: { targets: string[]; labels: Record<string, string> }[] }).staticConfigs.map((c) => ({ job: (s.spec as { jobName: string }).jobName, ...c })));
    expect(targets).toHaveLength(EDGES);
    const first = edges[0];
    expect(targets).toContainEqual({ job: EDGE_SCRAPE_JOB, targets: [`${first.address}:9100`], labels: { edge: first.name, site: first.site } });
    for (const s of scrape) expect(s.metadata.namespace).toBe('monitoring');
  });

  it('renders the ScrapeConfigs exactly as the generated ScrapeConfig class does (the chart uses a plain ApiObject of its kind)', () => {
    const scrape = fleet.filter((o) => o.kind === 'ScrapeConfig');
    for (const s of scrape) {
      const generated = ScrapeConfig.manifest(s as unknown as ScrapeConfigProps) as KubeObject;
      // The text compares the key order too, which the YAML follows.
      expect(toYamlText(s as unknown as KubeObject)).toBe(toYamlText(generated));
    }
  });

  it('registers every edge in Argo CD from the secret store, and manages only registered edges through one ApplicationSet', () => {
    const sets = (result.manifests.get(ARGOCD_APPS_COMPONENT) ?? []).filter((o) => o.kind === 'ApplicationSet');
    expect(sets).toHaveLength(1);
    const spec = (sets[0] as Obj).spec as { generators: { clusters?: { selector: { matchLabels: Record<string, string> } } }[]; template: { spec: { source: { path: string }; destination: { name: string } } } };
    // The cluster generator sees only the cluster Secrets that exist: no Application for an edge Argo CD cannot reach.
    expect(spec.generators).toEqual([{ clusters: { selector: { matchLabels: { [EDGE_FLEET_LABEL]: model.name } } } }]);
    expect(spec.template.spec.destination.name).toBe('{{.name}}');
    // One ExternalSecret per edge makes its cluster Secret in Argo CD's namespace; Git holds no credential. The checks
    // see the first edge's; every edge's is written from it, with the edge's own strings.
    expect(fleet.filter((o) => o.kind === 'ExternalSecret').map((o) => o.metadata.name)).toEqual([`cluster-edge-${edges[0].name}`]);
    const registrations = [...result.files].filter(([f]) => f.startsWith(`kubernetes/${EDGE_FLEET_COMPONENT}/externalsecret-`)).map(([, c]) => c);
    expect(registrations).toHaveLength(EDGES);
    expect(result.components.find((c) => c.name === `kubernetes/${EDGE_FLEET_COMPONENT}`)?.objects).toBe(fleet.length + EDGES - 1);
    // Three parsed in full; the text of all of them compared below (parsing 10,000 of them took seconds).
    const sampled = [edges[0], edges[1], edges[EDGES - 1]];
    const byName = new Map(registrations.filter((c) => sampled.some((e) => c.includes(`name: cluster-edge-${e.name}\n`))).map((c) => parse(c) as Obj).map((o) => [o.metadata.name, o]));
    expect(byName.size).toBe(sampled.length);
    for (const e of sampled) {
      const reg = byName.get(`cluster-edge-${e.name}`) as Obj;
      expect(reg.metadata.namespace).toBe('argocd');
      const target = (reg.spec as { target: { name: string; template: { metadata: { labels: Record<string, string> }; data: Record<string, string> } } }).target;
      expect(target.name).toBe(`cluster-edge-${e.name}`);
      expect(target.template.metadata.labels).toEqual({ 'argocd.argoproj.io/secret-type': 'cluster', [EDGE_FLEET_LABEL]: model.name, 'site-compiler/edge-site': e.site });
      expect(target.template.data).toEqual({ name: `edge-${e.name}`, server: `https://${e.address}:6443` });
      expect((reg.spec as { data: unknown[] }).data).toEqual([{ secretKey: 'config', remoteRef: { key: `edge-cluster-${e.name}`, property: 'config' } }]);
    }
    // What makes checking one sound: with the edge's own strings blanked, every registration is the same text.
    const blanked = (text: string): string => text.replace(/sbc-\d+|site-\d+|172\.16\.\d+\.\d+/g, '_');
    expect(new Set(registrations.map(blanked)).size).toBe(1);
    // The edge's key arrives at enrollment: its component syncs last, with the ApplicationSet, so no wave waits for it.
    const apps = (result.manifests.get(ARGOCD_APPS_COMPONENT) ?? []).filter((o) => o.kind === 'Application');
    const wave = (o: Obj): number => Number(o.metadata.annotations?.['argocd.argoproj.io/sync-wave']);
    const fleetApp = apps.find((a) => a.metadata.name === EDGE_FLEET_COMPONENT) as Obj;
    expect(wave(sets[0] as Obj)).toBe(wave(fleetApp));
    for (const a of apps.filter((x) => x.metadata.name !== ARGOCD_APPS_COMPONENT)) expect(wave(a as Obj), a.metadata.name).toBeLessThanOrEqual(wave(fleetApp));
    // What each generated Application deploys is in the tree, outside dist/kubernetes/ (no Application of its own).
    expect([...extra.keys()].some((f) => f.startsWith(`${spec.template.spec.source.path.replace(/^dist\//, '')}/`))).toBe(true);
    expect([...extra.keys()].filter((f) => f.startsWith('edge/clusters-'))).toEqual([]);
    // Those manifests are outside the synth driver's checks: they pass the same schemas.
    const workload = [...extra].filter(([f]) => f.startsWith('edge/workload/')).map(([, c]) => parse(c, { version: '1.1' }) as object);
    expect(workload.map((o) => (o as Obj).kind).sort()).toEqual(['DaemonSet', 'Namespace']);
    expect(validateManifests(workload)).toEqual([]);
    // No Application per edge: the ApplicationSet makes them in the cluster.
    expect(apps.length).toBeLessThan(30);
  });
});

describe('sharding', () => {
  const items = fixtureEdges(10_000, { cidr: '172.16.0.0/18', reserved: ['172.16.0.1'] });
  const options = { keyOf: (e: { name: string }) => e.name, sizeOf: () => 200, overheadBytes: 4096 };

  it('keeps every shard under 1 MiB, with a power-of-two count of stably named shards', () => {
    const shards = shardByHash(items, options);
    expect(shards.length).toBe(4);
    for (const s of shards) expect(4096 + s.length * 200).toBeLessThanOrEqual(MAX_OBJECT_BYTES);
    expect(shards.flat()).toHaveLength(items.length);
    expect(shards.map((_, i) => shardName('wireguard-peers', i))).toEqual(['wireguard-peers-000', 'wireguard-peers-001', 'wireguard-peers-002', 'wireguard-peers-003']);
  });

  it('changes only the shard of an edge that is added, and keeps each shard sorted by name', () => {
    const before = shardByHash(items, options);
    const added = { ...items[0], name: 'sbc-new' };
    const after = shardByHash([...items, added], options);
    expect(after).toHaveLength(before.length);
    const changed = after.map((s, i) => JSON.stringify(s) !== JSON.stringify(before[i]));
    expect(changed.filter(Boolean)).toHaveLength(1);
    for (const s of after) expect(s.map((e) => e.name)).toEqual([...s.map((e) => e.name)].sort());
  });

  it('gives the same shards when calls share their hashes, each key hashed once', () => {
    const hashes = new Map<string, number>();
    const shared = shardByHash(items, { ...options, hashes });
    expect(hashes.size).toBe(items.length);
    expect(shared).toEqual(shardByHash(items, options));
    // A second call reads the hashes it is given: wrong ones would move the items.
    const some = items.slice(0, 4000);
    const moved = shardByHash(some, { ...options, hashes: new Map(some.map((e) => [e.name, 1])) });
    expect(moved.map((s) => s.length)).toEqual([0, some.length]);
  });

  it('gives no shards for no items, and refuses an item larger than a shard', () => {
    expect(shardByHash([], options)).toEqual([]);
    expect(() => shardByHash(items.slice(0, 1), { ...options, sizeOf: () => MAX_OBJECT_BYTES })).toThrow(/sbc-00001.*more than a shard may hold/);
  });
});

describe('edge inventory', () => {
  const fixture = fixtureEdges(3, { cidr: '172.16.0.0/24', reserved: ['172.16.0.1'] });

  function problemsOf(text: string): string {
    try {
      siteWithEdges(0, text);
    } catch (err) {
      expect(err).toBeInstanceOf(SiteError);
      return (err as Error).message;
    }
    throw new Error('expected the inventory to be refused');
  }

  it('fails when two edges share a name, naming both lines', () => {
    const text = inventoryYaml([fixture[0], fixture[1], { ...fixture[2], name: fixture[0].name }]);
    // Line 1 is a comment, 2 is `edges:`, each edge takes four lines.
    expect(problemsOf(text)).toContain(`sites/edges.yaml:11 edges[2].name: repeats the name of edges[0] (${fixture[0].name}) at sites/edges.yaml:3`);
  });

  it('fails when two edges share a WireGuard key, naming both lines', () => {
    const text = inventoryYaml([fixture[0], { ...fixture[1], publicKey: fixture[0].publicKey }, fixture[2]]);
    expect(problemsOf(text)).toContain('sites/edges.yaml:9 edges[1].publicKey: repeats the WireGuard public key of edges[0] (sbc-00001) at sites/edges.yaml:5');
  });

  it('fails when two edges share an address, naming both lines', () => {
    const text = inventoryYaml([fixture[0], fixture[1], { ...fixture[2], address: fixture[1].address }]);
    expect(problemsOf(text)).toContain('sites/edges.yaml:14 edges[2].address: repeats the address of edges[1] (sbc-00002) at sites/edges.yaml:10');
  });

  it('fails when an address is outside the edge network, or is the hub', () => {
    const text = inventoryYaml([{ ...fixture[0], address: '10.0.0.5' }, { ...fixture[1], address: '172.16.0.1' }]);
    const message = problemsOf(text);
    expect(message).toContain('sites/edges.yaml:6 edges[0].address: is not a host address of the edge network edge (172.16.0.0/18)');
    expect(message).toContain('sites/edges.yaml:10 edges[1].address: is the address of the WireGuard hub (edge.wireguard.hubAddress)');
  });

  it('fails when a key is not a WireGuard public key, a field is missing or unknown', () => {
    const text = [
      'edges:',
      '  - name: sbc-1',
      '    site: store-1',
      '    publicKey: not-a-key',
      '    address: 172.16.0.10',
      '  - name: sbc-2',
      '    site: store-1',
      '    privateKey: c2VjcmV0',
      '    address: 172.16.0.11',
      '',
    ].join('\n');
    const message = problemsOf(text);
    expect(message).toContain('sites/edges.yaml:4 edges[0].publicKey: is not a WireGuard public key');
    expect(message).toContain('sites/edges.yaml:8 edges[1].privateKey: is not a known field');
    expect(message).toContain('sites/edges.yaml:6 edges[1]: has no publicKey');
  });

  it('fails when the inventory is not valid YAML, naming the line', () => {
    expect(problemsOf('edges:\n  - name: sbc-1\n    site: [unclosed\n')).toMatch(/sites\/edges\.yaml:\d+: /);
  });
});

import { ApiObject } from 'cdk8s';
import { k8s } from 'cdk8s-plus-30';
import { clusterSecretStoreName } from '../addons/addon-contracts';
import { ComponentChart, DistFiles, SyncedSecret, UniformObjects, WorkloadNetworkPolicy } from '../constructs';
import type { KubeObject } from '../core/kube-object';
import { ScrapeConfig, ScrapeConfigProps } from '../imports/k8s-crds/monitoring.coreos.com';
import { providerOf } from '../model';
import type { ComponentModel, EdgeModel, SiteModel } from '../model';
import { toYamlText } from '../core/yaml-text';
import { MAX_OBJECT_BYTES, shardByHash, shardName } from './gitops/sharding';
import { LATER_BY_ANNOTATION, LATER_KEY_ANNOTATION } from './gitops/secret-seed';
import { generatedMarker } from '../core/generated';

/**
 * The edge fleet, compiled from the inventory: the WireGuard hub's peers (public keys only), the
 * Prometheus scrape targets behind the fleet dashboard, and the data and manifests from which one
 * Argo CD ApplicationSet manages each edge's k3s cluster. Every list that grows with the fleet is
 * split into shards that stay under the API server's object limit.
 */

/** Prometheus job of the edge node exporters; the fleet dashboard selects on it. */
export const EDGE_SCRAPE_JOB = 'edge-node-exporter';
/** Labels every edge series carries: the edge's name and its site. */
export const EDGE_LABELS = { edge: 'edge', site: 'site' } as const;
/** Port node-exporter listens on at each edge, on its tunnel address. */
export const EDGE_EXPORTER_PORT = 9100;
/** Namespace of the fleet's workload on each edge cluster. */
export const EDGE_WORKLOAD_NAMESPACE = 'edge-monitoring';
/** node-exporter release deployed to the edges. */
export const EDGE_NODE_EXPORTER_IMAGE = 'quay.io/prometheus/node-exporter:v1.9.1';

/** Where, relative to dist/, the ApplicationSet finds what it deploys to every edge. */
export const EDGE_DIST = { workload: 'edge/workload' } as const;
/** Port of each edge's k3s API server, on its tunnel address. */
export const EDGE_API_PORT = 6443;
/** Label of the Argo CD cluster Secrets of this site's edges; the ApplicationSet's cluster generator selects on it. */
export const EDGE_FLEET_LABEL = 'site-compiler/edge-fleet';
/** Label carrying the edge's site on its cluster Secret, for the generated Application's labels. */
export const EDGE_SITE_LABEL = 'site-compiler/edge-site';
/** Store key holding an edge's Argo CD cluster config (JSON: bearerToken and tlsClientConfig), put there at enrollment. */
export function edgeStoreKey(edge: Pick<EdgeModel, 'name'>): string {
  return `edge-cluster-${edge.name}`;
}

/** Argo CD cluster name an edge must be registered under (`argocd cluster add ... --name`). */
export function edgeClusterName(edge: Pick<EdgeModel, 'name'>): string {
  return `edge-${edge.name}`;
}

/** Where the hub's private key is read from; it never enters the repository. */
const HUB_PRIVATE_KEY_FILE = '/etc/wireguard/hub.key';
/** Where the hub mounts the peer shards (one file per ConfigMap). */
const HUB_PEERS_DIR = '/etc/wireguard/peers';

/** Bytes a ConfigMap or custom resource spends beyond its payload (metadata, keys); generous on purpose. */
const OBJECT_OVERHEAD_BYTES = 4096;

export function buildEdgeFleetChart(chart: ComponentChart, model: SiteModel, component: ComponentModel): void {
  const fleet = model.edgeFleet;
  if (!fleet) throw new Error(`component ${component.name}: the site has no edge section`);
  const ns = component.namespace;
  const labels = { 'app.kubernetes.io/part-of': component.name };
  // Nothing runs here (the namespace holds configuration); whatever is added later starts closed.
  new WorkloadNetworkPolicy(chart, 'default-deny', { name: 'default-deny-all', namespace: ns, podSelector: {} });

  // Every list is sharded by the edge's name: each name is hashed once for all of them.
  const hashes = new Map<string, number>();

  // --- WireGuard hub: one [Peer] per edge, in shards the hub loads with `wg addconf` ----------------
  const peer = (e: EdgeModel): string => `[Peer]\n# ${e.name} (${e.site})\nPublicKey = ${e.publicKey}\nAllowedIPs = ${e.address}/32\n\n`;
  const peerShards = shardByHash(fleet.edges, { keyOf: (e) => e.name, hashes, sizeOf: (e) => Buffer.byteLength(peer(e)), overheadBytes: OBJECT_OVERHEAD_BYTES });
  const peerNames = peerShards.map((_, i) => shardName('wireguard-peers', i));
  peerShards.forEach((edges, i) => {
    new k8s.KubeConfigMap(chart, peerNames[i], {
      metadata: { name: peerNames[i], namespace: ns, labels: { ...labels, 'site-compiler/shard-of': 'wireguard-peers' } },
      data: { 'peers.conf': edges.map(peer).join('') },
    });
  });
  const hubConf = [
    '[Interface]',
    `Address = ${fleet.hubAddress}/${fleet.vlan.prefixLength}`,
    `ListenPort = ${fleet.listenPort}`,
    '# No PrivateKey here: the hub reads it from a file that never leaves the hub.',
    `PostUp = wg set %i private-key ${HUB_PRIVATE_KEY_FILE}`,
    ...peerNames.map((n) => `PostUp = wg addconf %i ${HUB_PEERS_DIR}/${n}.conf`),
    '',
  ].join('\n');
  new k8s.KubeConfigMap(chart, 'wireguard-hub', {
    metadata: { name: 'wireguard-hub', namespace: ns, labels },
    data: { 'wg0.conf': hubConf, peers: peerNames.join('\n') },
  });

  // --- Prometheus: ScrapeConfigs the operator picks up as they appear (no pod restart, no mount) ------
  const monitoring = model.components.find((c) => c.name === providerOf(model, 'metrics')?.component);
  if (monitoring && fleet.edges.length > 0) {
    const target = (e: EdgeModel): { targets: string[]; labels: Record<string, string> } => ({
      targets: [`${e.address}:${EDGE_EXPORTER_PORT}`],
      labels: { [EDGE_LABELS.edge]: e.name, [EDGE_LABELS.site]: e.site },
    });
    const shards = shardByHash(fleet.edges, { keyOf: (e) => e.name, hashes, sizeOf: (e) => Buffer.byteLength(JSON.stringify(target(e))) + 1, overheadBytes: OBJECT_OVERHEAD_BYTES });
    shards.forEach((edges, i) => {
      const name = shardName('edge-fleet', i);
      const props: ScrapeConfigProps = {
        metadata: { name, namespace: monitoring.namespace, labels: { ...labels, 'site-compiler/shard-of': 'edge-fleet' } },
        spec: { jobName: EDGE_SCRAPE_JOB, staticConfigs: edges.map(target) },
      };
      // A plain ApiObject of the generated class's kind: that class's toJson copies every object once more through
      // `{ ...copy, [key]: value }`, and V8 gives each such copy a hidden class of its own. One a target (two objects an
      // edge) was about a fifth of a large fleet's live heap through the checks; the plain copy shares them.
      new ApiObject(chart, `scrape-${name}`, { ...ScrapeConfig.GVK, ...props });
    });
  }

  // --- edge clusters: registered in Argo CD from the secret store, and what the ApplicationSet deploys to each ----
  const gitops = model.components.find((c) => c.name === providerOf(model, 'gitops')?.component);
  if (gitops && fleet.edges.length > 0) {
    registerEdgeClusters(chart, model, fleet.edges, gitops.namespace);
    const files = new DistFiles(chart, 'dist-files');
    const header = `# ${generatedMarker(model.name)}\n`;
    for (const obj of edgeWorkload()) {
      const text = `${header}${toYamlText(obj)}`;
      if (Buffer.byteLength(text) > MAX_OBJECT_BYTES) throw new Error(`edge workload ${obj.kind} ${obj.metadata.name} is over 1 MiB`);
      files.add(`${EDGE_DIST.workload}/${obj.kind.toLowerCase()}-${obj.metadata.name}.yaml`, text, { objects: [obj] });
    }
  }
}

/**
 * One Argo CD cluster Secret per edge, made by External Secrets in Argo CD's namespace from the edge's entry in the
 * secret store: Git holds the cluster's name, address and labels, never its credentials. The entry arrives when the
 * edge is enrolled (after the bootstrap), so until then that ExternalSecret alone waits; the ApplicationSet's cluster
 * generator sees only the Secrets that exist, so it never makes an Application for an edge Argo CD cannot reach.
 */
function registerEdgeClusters(chart: ComponentChart, model: SiteModel, edges: readonly EdgeModel[], argocdNamespace: string): void {
  const store = clusterSecretStoreName(model, `the edge fleet (each edge's Argo CD cluster credentials)`);
  const enroll = `enrolling the edge: its k3s API credentials as an Argo CD cluster config (JSON with bearerToken and tlsClientConfig) under property config of key edge-cluster-<edge name>`;
  const [first, ...rest] = edges;
  const representative = new SyncedSecret(chart, `cluster-${edgeClusterName(first)}`, {
    name: `cluster-${edgeClusterName(first)}`,
    namespace: argocdNamespace,
    store,
    keys: [{ secretKey: 'config', remoteKey: edgeStoreKey(first), property: 'config' }],
    template: { name: edgeClusterName(first), server: edgeServer(first) },
    secretLabels: { 'argocd.argoproj.io/secret-type': 'cluster', [EDGE_FLEET_LABEL]: model.name, [EDGE_SITE_LABEL]: first.site },
    annotations: { [LATER_KEY_ANNOTATION]: edgeStoreKey({ name: '*' }), [LATER_BY_ANNOTATION]: enroll },
  });
  // The other edges' ExternalSecrets are the first one with the edge's own strings: written from its rendering, so a
  // fleet of 100,000 keeps no construct or object per edge (see UniformObjects for why checking one is sound).
  new UniformObjects(chart, 'edge-cluster-secrets', { representative: representative.apiObject, members: rest, vary: varyEdgeClusterSecret });
}

/** The Argo CD cluster server of an edge: its k3s API on its tunnel address. */
function edgeServer(e: EdgeModel): string {
  return `https://${e.address}:${EDGE_API_PORT}`;
}

/** The fields registerEdgeClusters sets from the edge, set in a copy of another edge's rendered ExternalSecret. */
export function varyEdgeClusterSecret(copy: KubeObject, e: EdgeModel): void {
  const spec = copy.spec as {
    data: { remoteRef: { key: string } }[];
    target: { name: string; template: { data: Record<string, string>; metadata: { labels: Record<string, string> } } };
  };
  const name = `cluster-${edgeClusterName(e)}`;
  (copy.metadata as { name: string }).name = name;
  spec.target.name = name;
  spec.data[0].remoteRef.key = edgeStoreKey(e);
  spec.target.template.data.name = edgeClusterName(e);
  spec.target.template.data.server = edgeServer(e);
  spec.target.template.metadata.labels[EDGE_SITE_LABEL] = e.site;
}

interface Manifest {
  readonly kind: string;
  readonly metadata: { readonly name: string };
}

/**
 * What every edge k3s cluster runs for the fleet: node-exporter on the host network, listening only
 * on the node's own address. Edges run k3s with `--node-ip` set to their tunnel address, so that is
 * the WireGuard address the hub routes and Prometheus scrapes, never the shop's LAN.
 */
function edgeWorkload(): Manifest[] {
  const name = 'node-exporter';
  const selector = { 'app.kubernetes.io/name': name };
  const namespace = k8s.KubeNamespace.manifest({
    metadata: {
      name: EDGE_WORKLOAD_NAMESPACE,
      labels: {
        'pod-security.kubernetes.io/enforce': 'privileged',
        'pod-security.kubernetes.io/audit': 'restricted',
        'pod-security.kubernetes.io/warn': 'restricted',
      },
      annotations: { 'site-compiler/pod-security-reason': 'node-exporter reads host metrics with hostNetwork, hostPID and a read-only hostPath of /' },
    },
  }) as Manifest;
  const daemonSet = k8s.KubeDaemonSet.manifest({
    metadata: { name, namespace: EDGE_WORKLOAD_NAMESPACE, labels: selector },
    spec: {
      selector: { matchLabels: selector },
      template: {
        metadata: { labels: selector },
        spec: {
          hostNetwork: true,
          hostPid: true,
          automountServiceAccountToken: false,
          securityContext: { runAsNonRoot: true, runAsUser: 65534, runAsGroup: 65534, seccompProfile: { type: 'RuntimeDefault' } },
          tolerations: [{ operator: 'Exists' }],
          containers: [
            {
              name,
              image: EDGE_NODE_EXPORTER_IMAGE,
              args: ['--path.rootfs=/host/root', `--web.listen-address=$(NODE_IP):${EDGE_EXPORTER_PORT}`],
              env: [{ name: 'NODE_IP', valueFrom: { fieldRef: { fieldPath: 'status.hostIP' } } }],
              ports: [{ name: 'metrics', containerPort: EDGE_EXPORTER_PORT, protocol: 'TCP' }],
              resources: {
                requests: { cpu: k8s.Quantity.fromString('20m'), memory: k8s.Quantity.fromString('32Mi') },
                limits: { memory: k8s.Quantity.fromString('64Mi') },
              },
              securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
              volumeMounts: [{ name: 'root', mountPath: '/host/root', readOnly: true, mountPropagation: 'HostToContainer' }],
            },
          ],
          volumes: [{ name: 'root', hostPath: { path: '/' } }],
        },
      },
    },
  }) as Manifest;
  return [namespace, daemonSet];
}

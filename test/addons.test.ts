import { App } from 'cdk8s';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { buildCharts } from '../charts';
import { ComponentChart, HelmRelease } from '../constructs';
import { ADDONS, buildModel, ip } from '../model';
import type { SiteModel } from '../model';
import type { Site } from '../site';
import hookprobe from '../sites/hookprobe';
import { synthesize, SynthResult } from '../synth/synthesize';
import { readWriteManyClassOf } from '../addons/addon-facts';
import { readWriteManyStorageClassName } from '../addons/addon-contracts';
import { validateManifests } from '../validate/kubernetes-schema';

/** The add-on components this suite covers (one dist/kubernetes/<name>/ folder each). */
const ADDON_COMPONENTS = ['cilium', 'rook-ceph', 'nvidia-gpu', 'monitoring', 'argocd', 'velero', 'falco', 'ingress-nginx', 'cert-manager', 'external-secrets'];

/** A rendered object, read loosely: tests reach into fields the typed bindings know nothing of. */
type Obj = Record<string, any> & { kind: string; metadata: Record<string, any> & { name: string; namespace?: string } };

interface ReleaseView {
  readonly component: string;
  readonly repoUrl: string;
  readonly chart: string;
  readonly version: string;
  readonly releaseName: string;
  readonly namespace: string;
  readonly delivery: string;
  readonly values: Record<string, any>;
}

/** Every HelmRelease of a model, by building the charts in-process. */
function releasesOf(model: SiteModel): ReleaseView[] {
  const app = new App();
  buildCharts(app, model);
  return app.node
    .findAll()
    .filter((c): c is ComponentChart => ComponentChart.isComponentChart(c))
    .flatMap((chart) =>
      HelmRelease.releasesIn(chart).map((r) => ({
        component: chart.component,
        repoUrl: r.repoUrl,
        chart: r.chart,
        version: r.version,
        releaseName: r.releaseName,
        namespace: r.namespace,
        delivery: r.delivery,
        values: r.values as Record<string, any>,
      })),
    );
}

function release(releases: readonly ReleaseView[], chart: string): ReleaseView {
  const found = releases.find((r) => r.chart === chart);
  if (!found) throw new Error(`no release of chart ${chart}; releases: ${releases.map((r) => r.chart).join(', ')}`);
  return found;
}

function objectsOf(result: SynthResult, component: string): Obj[] {
  return [...(result.manifests.get(component) ?? [])] as unknown as Obj[];
}

function find(objects: readonly Obj[], kind: string, name: string): Obj {
  const found = objects.find((o) => o.kind === kind && o.metadata.name === name);
  if (!found) throw new Error(`no ${kind} ${name} among ${objects.map((o) => `${o.kind}/${o.metadata.name}`).join(', ')}`);
  return found;
}

/** A changed copy of the reference site: variants prove that values follow the site instead of being retyped. */
function variant(change: (site: Site) => void): Site {
  const site = structuredClone(hookprobe);
  if (!site.platform.addons.cloudnativePg && site.dataStores.postgres) {
    // The postgres data store needs the CloudNativePG operator, which the reference site does not list yet, and
    // synth refuses its custom resources without it. This suite is about the other add-ons: it leaves postgres out.
    delete site.dataStores.postgres;
    for (const app of site.apps) {
      app.env = app.env.filter((e) => !('serviceOf' in e && e.serviceOf.app === 'postgres'));
      app.dependsOn = app.dependsOn.filter((d) => d !== 'postgres');
    }
  }
  change(site);
  return site;
}

/** Every container image in an object tree (pod templates, CRs, chart values). */
function imagesIn(value: unknown, out: string[] = []): string[] {
  if (Array.isArray(value)) value.forEach((v) => imagesIn(v, out));
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (k === 'image' && typeof v === 'string') out.push(v);
      else imagesIn(v, out);
    }
  }
  return out;
}

describe('platform add-ons of the reference site', () => {
  let model: SiteModel;
  let result: SynthResult;
  let releases: ReleaseView[];

  beforeAll(() => {
    model = buildModel(variant(() => undefined));
    result = synthesize(model);
    releases = releasesOf(model);
  }, 120_000);

  it('renders every add-on component of the site', () => {
    const components = model.components.map((c) => c.name);
    for (const name of ADDON_COMPONENTS) expect(components).toContain(name);
    for (const name of ADDON_COMPONENTS.filter((n) => n !== 'cilium')) expect(objectsOf(result, name).length).toBeGreaterThan(0);
  });

  describe('Cilium', () => {
    it('reaches the API server through the site VIP and uses the site pod CIDR', () => {
      const values = release(releases, 'cilium').values;
      expect(values.kubeProxyReplacement).toBe(true);
      expect(values.k8sServiceHost).toBe(model.kubernetes.apiVip);
      expect(values.k8sServicePort).toBe(model.kubernetes.apiPort);
      expect(values.ipam.operator.clusterPoolIPv4PodCIDRList).toEqual([model.kubernetes.podCidr]);
      expect(values.l2announcements.enabled).toBe(true);
      expect(values.hubble.enabled).toBe(true);
      // Hubble's certificates are made in the cluster, not rendered into the manifests.
      expect(values.hubble.tls.auto.method).toBe('cronJob');
    });

    it('announces a LoadBalancer pool inside the node VLAN and outside every VM, host and VIP address', () => {
      const objects = objectsOf(result, 'cilium');
      const pool = objects.find((o) => o.kind === 'CiliumLoadBalancerIPPool') as Obj;
      const policy = objects.find((o) => o.kind === 'CiliumL2AnnouncementPolicy') as Obj;
      expect(pool.metadata.namespace).toBeUndefined();
      expect(policy.metadata.namespace).toBeUndefined();
      const [block] = pool.spec.blocks as { start: string; stop: string }[];
      expect(block).toEqual(hookprobe.platform.addons.cilium?.loadBalancerRange);
      const vlan = ip.subnet(model.kubernetes.nodeVlan.cidr);
      expect(ip.isHostAddress(vlan, block.start) && ip.isHostAddress(vlan, block.stop)).toBe(true);
      const used = [...model.vms.map((v) => v.ip), model.kubernetes.apiVip, ...model.hosts.flatMap((h) => Object.values(h.addresses))];
      for (const address of used) {
        const n = ip.toInt(address);
        expect(n < ip.toInt(block.start) || n > ip.toInt(block.stop), `${address} lies in the LoadBalancer range`).toBe(true);
      }
      expect(policy.spec.loadBalancerIPs).toBe(true);
    });

    it('follows the site when the VIP, port and pod CIDR change', () => {
      const changed = buildModel(
        variant((s) => {
          s.kubernetes.apiVip = '10.100.0.99';
          s.kubernetes.apiPort = 8443;
          s.kubernetes.podCidr = '10.250.0.0/16';
        }),
      );
      const values = release(releasesOf(changed), 'cilium').values;
      expect([values.k8sServiceHost, values.k8sServicePort, values.ipam.operator.clusterPoolIPv4PodCIDRList]).toEqual(['10.100.0.99', 8443, ['10.250.0.0/16']]);
    });
  });

  describe('Rook-Ceph (external)', () => {
    it('installs the operator and, from Rook v1.20, the CSI drivers chart with the StorageClasses\' provisioner names', () => {
      const operator = release(releases, 'rook-ceph');
      expect(operator.version).toBe(hookprobe.platform.addons.rookCeph?.chartVersion);
      const drivers = release(releases, 'ceph-csi-drivers');
      expect(drivers.version).toBe(hookprobe.platform.addons.rookCeph?.csiDriversChartVersion);
      const sc = objectsOf(result, 'rook-ceph').filter((o) => o.kind === 'StorageClass');
      expect(sc.map((s) => s.provisioner).sort()).toEqual([drivers.values.drivers.cephfs.name, drivers.values.drivers.rbd.name].sort());
    });

    it('puts the default RBD StorageClass on a pool Terraform creates', () => {
      const rbd = find(objectsOf(result, 'rook-ceph'), 'StorageClass', 'ceph-rbd');
      expect(rbd.metadata.namespace).toBeUndefined();
      expect(rbd.metadata.annotations['storageclass.kubernetes.io/is-default-class']).toBe('true');
      const pool = model.ceph?.pools.find((p) => p.name === rbd.parameters.pool);
      expect(pool?.application).toBe('rbd');
      expect(rbd.parameters.pool).toBe(hookprobe.platform.addons.rookCeph?.rbdPool);
      // ...and that the Terraform side really creates.
      const tfPools = [...result.terraform.values()].flatMap((doc: Record<string, any>) => Object.values(doc.resource?.proxmox_ceph_pool ?? {}).map((r: any) => r.name));
      expect(tfPools).toContain(rbd.parameters.pool);
    });

    it('adds a CephFS class on the site filesystem', () => {
      const fs = find(objectsOf(result, 'rook-ceph'), 'StorageClass', 'cephfs');
      expect(fs.parameters.fsName).toBe(model.ceph?.filesystem?.name);
      expect(fs.parameters.pool).toBe(model.ceph?.filesystem?.dataPool);
    });

    it('takes the monitor endpoints from the nodes\' Ceph public addresses', () => {
      const endpoints = find(objectsOf(result, 'rook-ceph'), 'ConfigMap', 'rook-ceph-mon-endpoints');
      const expected = model.ceph?.monitors.map((m) => `${m.host}=${m.ip}:6789`).join(',');
      expect(endpoints.data.data).toBe(expected);
      for (const m of model.ceph?.monitors ?? []) expect(model.hosts.find((h) => h.name === m.host)?.cephPublicIp).toBe(m.ip);
      const cluster = objectsOf(result, 'rook-ceph').find((o) => o.kind === 'CephCluster') as Obj;
      expect(cluster.spec.external.enable).toBe(true);
    });

    it('brings every Ceph key through an ExternalSecret', () => {
      const secrets = objectsOf(result, 'rook-ceph').filter((o) => o.kind === 'ExternalSecret').map((o) => o.spec.target.name).sort();
      expect(secrets).toEqual(['rook-ceph-mon', 'rook-csi-cephfs-node', 'rook-csi-cephfs-provisioner', 'rook-csi-rbd-node', 'rook-csi-rbd-provisioner']);
    });

    it('leaves the CephFS class out when the site has no filesystem', () => {
      // Without CephFS the site has no ReadWriteMany class, so the app that shares its claims goes too.
      const changed = buildModel(variant((s) => {
        delete s.ceph?.filesystem;
        s.apps = s.apps.map((app) => ({ ...app, volumes: app.volumes.filter((v) => v.claim.accessMode !== 'ReadWriteMany') }));
      }));
      const classes = objectsOf(synthesize(changed), 'rook-ceph').filter((o) => o.kind === 'StorageClass').map((o) => o.metadata.name);
      expect(classes).toEqual(['ceph-rbd']);
    });
  });

  describe('GPU', () => {
    it('runs the device plugin and DCGM exporter on GPU nodes only, past the GPU taint, with the nvidia RuntimeClass', () => {
      const objects = objectsOf(result, 'nvidia-gpu');
      const runtimeClass = find(objects, 'RuntimeClass', 'nvidia');
      expect(runtimeClass.metadata.namespace).toBeUndefined();
      const gpuVm = model.kubernetes.gpuWorkers[0];
      for (const name of ['nvidia-device-plugin', 'dcgm-exporter']) {
        const pod = find(objects, 'DaemonSet', name).spec.template.spec;
        expect(pod.nodeSelector).toEqual({ 'nvidia.com/gpu': gpuVm.labels['nvidia.com/gpu'] });
        expect(pod.tolerations).toEqual(gpuVm.taints.map((t) => ({ key: t.key, operator: 'Exists', effect: t.effect })));
        expect(pod.runtimeClassName).toBe('nvidia');
      }
      const plugin = find(objects, 'DaemonSet', 'nvidia-device-plugin');
      expect(plugin.spec.template.spec.containers[0].image).toBe(`nvcr.io/nvidia/k8s-device-plugin:${hookprobe.platform.addons.nvidiaGpu?.devicePluginVersion}`);
    });

    it('follows a GPU pool that labels its nodes differently', () => {
      const changed = buildModel(
        variant((s) => {
          const pool = s.kubernetes.nodePools.find((p) => p.gpuModel);
          if (pool) pool.labels = { 'nvidia.com/gpu': 'a100' };
        }),
      );
      const plugin = find(objectsOf(synthesize(changed), 'nvidia-gpu'), 'DaemonSet', 'nvidia-device-plugin');
      expect(plugin.spec.template.spec.nodeSelector).toEqual({ 'nvidia.com/gpu': 'a100' });
    });
  });

  describe('monitoring', () => {
    it('keeps Prometheus and Grafana on the Ceph default class at the site sizes', () => {
      const values = release(releases, 'kube-prometheus-stack').values;
      const spec = hookprobe.platform.addons.monitoring;
      const pvc = values.prometheus.prometheusSpec.storageSpec.volumeClaimTemplate.spec;
      expect(pvc.resources.requests.storage).toBe(`${spec?.prometheusStorageGiB}Gi`);
      expect(pvc.storageClassName).toBe(hookprobe.platform.addons.rookCeph?.storageClass);
      expect(values.grafana.persistence).toMatchObject({ enabled: true, size: `${spec?.grafanaStorageGiB}Gi`, storageClassName: 'ceph-rbd' });
      expect(values.prometheus.prometheusSpec.retention).toBe(`${spec?.retentionDays}d`);
      // No chart-made Secret with a password or a receiver URL.
      expect(values.grafana.admin.existingSecret).toBe('grafana-admin');
      expect(values.alertmanager.alertmanagerSpec.useExistingSecret).toBe(true);
      expect(values.kubeProxy.enabled).toBe(false);
    });

    it('runs Loki on the site storage with Alloy shipping to its Service', () => {
      const loki = release(releases, 'loki');
      expect(loki.values.singleBinary.persistence).toMatchObject({ size: `${hookprobe.platform.addons.monitoring?.loki?.storageGiB}Gi`, storageClass: 'ceph-rbd' });
      const alloy = release(releases, 'alloy');
      expect(alloy.version).toBe(hookprobe.platform.addons.monitoring?.loki?.agentChartVersion);
      expect(alloy.values.alloy.configMap.content).toContain(`url = "http://loki.monitoring.svc.${model.kubernetes.dnsDomain}:3100/loki/api/v1/push"`);
      const grafanaLoki = release(releases, 'kube-prometheus-stack').values.grafana.additionalDataSources[0];
      expect(grafanaLoki.url).toBe(`http://loki.monitoring.svc.${model.kubernetes.dnsDomain}:3100`);
    });

    it('ships the plan\'s five dashboards as generated JSON the Grafana sidecar picks up', () => {
      const dashboards = objectsOf(result, 'monitoring').filter((o) => o.kind === 'ConfigMap' && o.metadata.labels?.grafana_dashboard === '1');
      expect(dashboards.map((d) => d.metadata.name).sort()).toEqual(['application-performance', 'cluster-overview', 'cost-per-application', 'gpu-utilization', 'sbc-fleet-status']);
      for (const d of dashboards) {
        const json = JSON.parse(d.data[`${d.metadata.name}.json`]);
        expect(json.uid).toBe(d.metadata.name);
        expect(json.panels.length).toBeGreaterThan(0);
        for (const p of json.panels) expect(p.targets.length).toBeGreaterThan(0);
      }
      const apps = JSON.parse(find(dashboards, 'ConfigMap', 'application-performance').data['application-performance.json']);
      for (const app of model.apps) expect(apps.panels.some((p: any) => p.title.startsWith(`${app.name}:`))).toBe(true);
      const overview = JSON.parse(find(dashboards, 'ConfigMap', 'cluster-overview').data['cluster-overview.json']);
      expect(overview.panels[0].fieldConfig.defaults.max).toBe(model.vms.length);
    });

    it('alerts on the GPU, missed backups of the site schedule and ingress errors', () => {
      const rule = find(objectsOf(result, 'monitoring'), 'PrometheusRule', 'hookprobe-alerts');
      const alerts = rule.spec.groups.flatMap((g: any) => g.rules.map((r: any) => r.alert));
      expect(alerts).toEqual(expect.arrayContaining(['GpuExporterDown', 'GpuTemperatureHigh', 'BackupFailed', 'BackupTooOld', 'IngressHighErrorRate']));
      const tooOld = rule.spec.groups.flatMap((g: any) => g.rules).find((r: any) => r.alert === 'BackupTooOld');
      // Daily schedule ("0 2 * * *"): 24 h between runs plus 2 h grace.
      expect(tooOld.expr).toContain(`> ${26 * 3600}`);
    });

    it('scrapes the other add-ons\' metrics Services', () => {
      const monitors = objectsOf(result, 'monitoring').filter((o) => o.kind === 'ServiceMonitor');
      const dcgm = monitors.find((m) => m.metadata.name === 'dcgm-exporter') as Obj;
      expect(dcgm.spec.namespaceSelector.matchNames).toEqual([ADDONS.nvidiaGpu.namespace]);
      const service = find(objectsOf(result, 'nvidia-gpu'), 'Service', 'dcgm-exporter');
      expect(service.metadata.labels).toMatchObject(dcgm.spec.selector.matchLabels);
      expect(service.spec.ports.map((p: any) => p.name)).toContain(dcgm.spec.endpoints[0].port);
      expect(monitors.map((m) => m.metadata.name).sort()).toEqual(['dcgm-exporter', 'ingress-nginx', 'velero']);
    });
  });

  describe('Velero', () => {
    it('backs up daily to the site S3 location with the site schedule', () => {
      const values = release(releases, 'velero').values;
      const [bsl] = values.configuration.backupStorageLocation;
      expect(bsl).toMatchObject({ provider: 'aws', bucket: hookprobe.platform.backupStore?.bucket, config: { region: hookprobe.platform.backupStore?.region } });
      expect(values.credentials).toEqual({ useSecret: true, existingSecret: 'velero-s3' });
      const schedule = find(objectsOf(result, 'velero'), 'Schedule', 'daily-backup');
      expect(schedule.spec.schedule).toBe(hookprobe.platform.addons.velero?.schedule);
      expect(schedule.spec.template.ttl).toBe(`${(hookprobe.platform.addons.velero?.ttlDays ?? 0) * 24}h0m0s`);
    });

    it('points at MinIO with path-style addressing when the site says so', () => {
      const changed = buildModel(variant((s) => void (s.platform.backupStore = { bucket: 'backups', region: 'minio', endpoint: 'https://minio.lab.example:9000', forcePathStyle: true })));
      const [bsl] = release(releasesOf(changed), 'velero').values.configuration.backupStorageLocation;
      expect(bsl.config).toEqual({ region: 'minio', s3Url: 'https://minio.lab.example:9000', s3ForcePathStyle: 'true' });
    });
  });

  describe('security add-ons', () => {
    it('has an ACME ClusterIssuer that solves through the ingress class', () => {
      const issuer = find(objectsOf(result, 'cert-manager'), 'ClusterIssuer', 'acme');
      expect(issuer.metadata.namespace).toBeUndefined();
      expect(issuer.spec.acme.email).toBe(hookprobe.platform.addons.certManager?.acmeEmail);
      const ingress = release(releases, 'ingress-nginx').values.controller;
      expect(issuer.spec.acme.solvers[0].http01.ingress.ingressClassName).toBe(ingress.ingressClassResource.name);
    });

    it('pins the ingress controller to the first LoadBalancer address', () => {
      const service = release(releases, 'ingress-nginx').values.controller.service;
      expect(service.annotations['lbipam.cilium.io/ips']).toBe(hookprobe.platform.addons.cilium?.loadBalancerRange.start);
    });

    it('has one ClusterSecretStore on the site backend, reading a namespace of its own', () => {
      const objects = objectsOf(result, 'external-secrets');
      const store = objects.find((o) => o.kind === 'ClusterSecretStore') as Obj;
      expect(store.metadata.namespace).toBeUndefined();
      expect(store.spec.provider.kubernetes.remoteNamespace).toBe('secret-store');
      const ns = find(objects, 'Namespace', 'secret-store');
      expect(ns.metadata.labels['pod-security.kubernetes.io/enforce']).toBe('restricted');
      for (const c of ADDON_COMPONENTS) {
        for (const es of objectsOf(result, c).filter((o) => o.kind === 'ExternalSecret')) expect(es.spec.secretStoreRef.name).toBe(store.metadata.name);
      }
    });

    it('uses Vault when the site chooses it', () => {
      const changed = buildModel(
        variant((s) => {
          if (s.platform.addons.externalSecrets) s.platform.addons.externalSecrets.backend = { type: 'vault', server: 'https://vault.lab.example', path: 'kv', role: 'external-secrets' };
        }),
      );
      const objects = objectsOf(synthesize(changed), 'external-secrets');
      const store = objects.find((o) => o.kind === 'ClusterSecretStore') as Obj;
      expect(store.spec.provider.vault).toMatchObject({ server: 'https://vault.lab.example', path: 'kv', version: 'v2', auth: { kubernetes: { role: 'external-secrets' } } });
      expect(objects.some((o) => o.kind === 'Role')).toBe(false);
    });

    it('labels every add-on namespace with its Pod Security level and states each exception', () => {
      for (const c of model.components.filter((x) => ADDON_COMPONENTS.includes(x.name) && x.ownsNamespace)) {
        const ns = find(objectsOf(result, c.name), 'Namespace', c.namespace);
        expect(ns.metadata.labels['pod-security.kubernetes.io/enforce']).toBe(c.podSecurity.level);
        if (c.podSecurity.level !== 'restricted') expect(ns.metadata.annotations?.['site-compiler/pod-security-reason']).toBeTruthy();
      }
    });
  });

  it('puts no Secret with data anywhere in dist/', () => {
    for (const [file, text] of result.files) {
      if (!file.startsWith('kubernetes/')) continue;
      const doc = parseYaml(text) as Obj;
      if (doc?.kind === 'Secret') expect([file, doc.data ?? doc.stringData]).toEqual([file, undefined]);
    }
  });

  it('pins every image of the add-ons to a version', () => {
    const images = [
      ...ADDON_COMPONENTS.flatMap((c) => imagesIn(objectsOf(result, c))),
      ...releases.filter((r) => ADDON_COMPONENTS.includes(r.component)).flatMap((r) => imagesIn(r.values)),
    ];
    expect(images.length).toBeGreaterThan(0);
    for (const image of images) expect(image, image).toMatch(/^[^@\s]+:(?!latest$)[A-Za-z0-9._-]+$|@sha256:[0-9a-f]{64}$/);
  });

  it('renders add-on objects that pass the Kubernetes 1.31 and CRD schemas', () => {
    const findings = validateManifests(ADDON_COMPONENTS.flatMap((c) => objectsOf(result, c)));
    expect(findings).toEqual([]);
  }, 120_000);
});

// These mistakes are refused by the model's check phases (model/checks/) before any builder runs, as site problems.
describe('platform add-on settings against the site', () => {
  const fails = (site: Site): (() => void) => () => buildCharts(new App(), buildModel(site));

  it('fails when the RBD pool is a CephFS pool', () => {
    expect(fails(variant((s) => void (s.platform.addons.rookCeph && (s.platform.addons.rookCeph.rbdPool = 'k8s-fs-data'))))).toThrow(/platform\.addons\.rookCeph\.rbdPool: is a "cephfs" pool/);
  });

  it('fails when Rook v1.20 has no CSI drivers chart version', () => {
    expect(fails(variant((s) => void delete s.platform.addons.rookCeph?.csiDriversChartVersion))).toThrow(/platform\.addons\.rookCeph\.csiDriversChartVersion: is not set/);
  });

  it('fails when credentials need a secret store and the site has none', () => {
    expect(fails(variant((s) => void delete s.platform.addons.externalSecrets))).toThrow(/platform\.addons\.rookCeph: the rook-ceph add-on needs a secret store[\s\S]*fix: add platform\.addons\.externalSecrets/);
  });

  it('fails when Velero has no backup store', () => {
    expect(fails(variant((s) => void delete s.platform.backupStore))).toThrow(/platform\.backupStore: is not set, but platform\.addons\.velero writes its backups there/);
  });

  it('fails when the Velero chart line has no paired AWS plugin', () => {
    expect(fails(variant((s) => void (s.platform.addons.velero && (s.platform.addons.velero.chartVersion = '13.0.0'))))).toThrow(/platform\.addons\.velero\.chartVersion: has no velero-plugin-for-aws paired with chart 13\.x/);
  });

  it('fails when the pod CIDR is smaller than one node range', () => {
    expect(fails(variant((s) => void (s.kubernetes.podCidr = '10.244.0.0/25')))).toThrow(/kubernetes\.podCidr: holds 0 Cilium per-node \/24 pod ranges, but the site has 7 Kubernetes nodes/);
  });

  it('fails when the secret store namespace belongs to another component', () => {
    expect(
      fails(
        variant((s) => {
          if (s.platform.addons.externalSecrets) s.platform.addons.externalSecrets.backend = { type: 'kubernetes', namespace: 'monitoring' };
        }),
      ),
    ).toThrow(/backend\.namespace: is the namespace of platform\.addons\.monitoring/);
  });
});

describe('what consumers read from the add-ons\' facts instead of their keys', () => {
  const site = variant(() => undefined);
  const model = buildModel(site);

  it('derives the ReadWriteMany class once, for the checks and the builders, from the storage providers so configured', () => {
    expect(readWriteManyClassOf(model.addons, site)).toBe('cephfs');
    expect(readWriteManyStorageClassName(model)).toBe('cephfs');
    const noFilesystem = { ...site, ceph: site.ceph && { ...site.ceph, filesystem: undefined } };
    expect(readWriteManyClassOf(model.addons, noFilesystem)).toBeUndefined();
    const nfs = { facts: ADDONS.nfsProvisioner, config: {} };
    expect(readWriteManyClassOf([...model.addons, nfs], noFilesystem)).toBe('nfs-client');
  });

  it('fails when a ReadWriteMany claim has no class, offering every add-on whose facts serve ReadWriteMany', () => {
    expect(() => buildModel(variant((s) => void delete s.ceph?.filesystem))).toThrow(
      /needs a ReadWriteMany StorageClass, and the site has none \(Rook with ceph\.filesystem, or the NFS provisioner\)[^\n]*\n\s+fix: add ceph\.filesystem with platform\.addons\.rookCeph, or platform\.addons\.nfsProvisioner, or use accessMode/,
    );
  });

  it('fails when charts go through Argo CD without a gitops provider, proposing the provider with its starter settings', () => {
    expect(() => buildModel(variant((s) => void delete s.platform.addons.argocd))).toThrow(/platform\.addons\.argocd: is not set[\s\S]*fix: add platform\.addons\.argocd \(chartVersion: "10\.1\.1"\), or set platform\.delivery/);
  });

  it('names the Ceph clients in the cluster by their facts (model.ceph.clients, which the Proxmox firewall lets in)', () => {
    expect(model.ceph?.clients).toEqual(['rook-ceph']);
  });
});


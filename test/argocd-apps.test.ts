import { ApiObject } from 'cdk8s';
import { k8s } from 'cdk8s-plus-30';
import { describe, expect, it } from 'vitest';
import { ARGOCD_APPS_COMPONENT, SYNC_OPTIONS, SYNC_WAVE } from '../charts/argocd-apps-chart';
import * as path from 'node:path';
import { RUNTIME_CRD_GROUPS, builtInApiGroups, groupOf } from '../charts/gitops/measured-facts';
import { readChartFacts } from '../constructs/chart-facts-file';
import { HelmRelease } from '../constructs';
import { buildModel } from '../model';
import { SiteError, parseSite } from '../site';
import reference from '../sites/hookprobe';
import { synthesizedReference } from './support/compiled';
import { Obj, addBootstrapReleases, buildFixture, objectsOf, sourcesOf } from './support/gitops';
import { referenceSite } from './support/sites';

const { model, result } = synthesizedReference();
const manifests = result.manifests as ReadonlyMap<string, readonly Obj[]>;
const gitops = manifests.get(ARGOCD_APPS_COMPONENT) ?? [];
const applications = gitops.filter((o) => o.kind === 'Application');
const projects = new Map(gitops.filter((o) => o.kind === 'AppProject').map((p) => [p.metadata.name, p]));
const wave = (name: string): number => Number(applications.find((a) => a.metadata.name === name)?.metadata.annotations?.[SYNC_WAVE]);
const git = model.gitops;

/** Who installs each API group's CRDs: the measured facts of the reference site's charts, and the operators that register theirs. */
const providerOf = new Map<string, string>([
  ...Object.entries(RUNTIME_CRD_GROUPS),
  ...readChartFacts(path.join(__dirname, '..', 'sites', 'hookprobe.facts.yaml')).releases.flatMap((r) => r.crds.map((c): [string, string] => [c.group, r.component])),
]);

/**
 * Custom resources of the reference output: component, object, API group, the component installing its CRD. The
 * Applications themselves are left out: the bootstrap installs Argo CD, and so their CRDs, before the root exists.
 */
const customResources = [...manifests.entries()].filter(([component]) => component !== ARGOCD_APPS_COMPONENT).flatMap(([component, objects]) =>
  objects
    .filter((o) => !builtInApiGroups().has(groupOf(o.apiVersion)))
    .map((o) => ({ component, object: `${o.kind} ${o.metadata.name}`, o, group: groupOf(o.apiVersion), provider: providerOf.get(groupOf(o.apiVersion)) })),
);

describe('Argo CD Applications of the reference site', () => {
  it('leaves the fields an operator keeps up to date to it: Rook\'s mon endpoints are ignored after the first sync', () => {
    const rook = applications.find((a) => a.metadata.name === 'rook-ceph') as Obj & { spec: Record<string, any> };
    expect(rook.spec.ignoreDifferences).toEqual([{ group: '', kind: 'ConfigMap', name: 'rook-ceph-mon-endpoints', namespace: 'rook-ceph', jsonPointers: ['/data'] }]);
    expect(rook.spec.syncPolicy.syncOptions).toContain('RespectIgnoreDifferences=true');
    const others = applications.filter((a) => a.metadata.name !== 'rook-ceph') as (Obj & { spec: Record<string, any> })[];
    expect(others.filter((a) => a.spec.ignoreDifferences).map((a) => a.metadata.name)).toEqual([]);
  });

  it('references every dist/kubernetes/ folder from exactly one Application, and no missing folder', () => {
    const folders = new Set([...result.files.keys()].filter((f) => f.startsWith('kubernetes/')).map((f) => f.split('/')[1]));
    const refs = new Map<string, string[]>();
    for (const app of applications) {
      for (const s of sourcesOf(app)) {
        if (s.repoURL !== git.repoUrl) continue;
        expect(s.path?.startsWith(`${git.path}/`), `${app.metadata.name}: ${s.path}`).toBe(true);
        const folder = (s.path ?? '').slice(git.path.length + 1);
        refs.set(folder, [...(refs.get(folder) ?? []), app.metadata.name]);
      }
    }
    expect(folders.size).toBeGreaterThan(10);
    for (const folder of folders) expect(refs.get(folder), `dist/kubernetes/${folder}`).toHaveLength(1);
    for (const folder of refs.keys()) expect(folders.has(folder), `Application points at missing ${folder}`).toBe(true);
    // The root is one of them: it points at the folder that holds every other Application.
    expect(refs.get(ARGOCD_APPS_COMPONENT)).toEqual([ARGOCD_APPS_COMPONENT]);
  });

  it('gives each Application the site repository and revision, automated sync with prune, self-heal and retry', () => {
    expect(applications.length).toBeGreaterThan(10);
    for (const app of applications) {
      const spec = app.spec as { syncPolicy: { automated: unknown; retry: { limit: number } }; destination: { server: string } };
      expect(spec.syncPolicy.automated, app.metadata.name).toEqual({ prune: true, selfHeal: true });
      // Unlimited (-1): a sync that failed on a late secret or CRD heals without a new commit.
      expect(spec.syncPolicy.retry.limit, app.metadata.name).toBe(-1);
      expect(spec.destination.server).toBe('https://kubernetes.default.svc');
      for (const s of sourcesOf(app).filter((x) => x.path !== undefined)) {
        expect(s).toMatchObject({ repoURL: git.repoUrl, targetRevision: git.revision });
      }
    }
  });

  it('cascades deletion to what an Application deployed, except for data stores, the CNI and Argo CD', () => {
    const finalizers = (name: string): unknown => (applications.find((a) => a.metadata.name === name)?.metadata as { finalizers?: string[] }).finalizers;
    expect(finalizers('monitoring')).toEqual(['resources-finalizer.argocd.argoproj.io']);
    for (const name of ['postgres', 'redis', 'cilium', 'argocd', ARGOCD_APPS_COMPONENT]) expect(finalizers(name), name).toBeUndefined();
  });

  it('delivers Argo CD charts as Helm sources beside the component folder', () => {
    const monitoring = applications.find((a) => a.metadata.name === 'monitoring');
    const sources = sourcesOf(monitoring!);
    expect(sources.find((s) => s.chart === 'kube-prometheus-stack')).toMatchObject({
      repoURL: 'https://prometheus-community.github.io/helm-charts',
      targetRevision: reference.platform.addons.monitoring?.chartVersion,
      helm: { releaseName: 'kube-prometheus-stack' },
    });
    expect(sources.some((s) => s.path === `${git.path}/monitoring`)).toBe(true);
  });

  it('has a component that installs the CRD of every custom resource it renders', () => {
    const present = new Set(model.components.map((c) => c.name));
    const orphans = customResources.filter((r) => r.provider === undefined || !present.has(r.provider)).map((r) => `${r.component}: ${r.object} (${r.group} from ${r.provider ?? 'nobody'})`);
    expect(orphans).toEqual([]);
  });

  it('orders every CRD installer before the components that use its custom resources, and after its own dependencies', () => {
    let checked = 0;
    for (const r of customResources) {
      if (r.provider === undefined || !applications.some((a) => a.metadata.name === r.provider)) continue;
      if (r.provider === r.component) {
        // In the installer's own Application: after the chart that brings the CRD or its operator.
        expect(Number(r.o.metadata.annotations?.[SYNC_WAVE]), `${r.component}: ${r.object}`).toBeGreaterThan(0);
      } else {
        expect(wave(r.component), `${r.component} (${r.object}) after ${r.provider}`).toBeGreaterThan(wave(r.provider));
      }
      checked++;
    }
    expect(checked).toBeGreaterThan(10);
    for (const c of model.components) {
      if (!applications.some((a) => a.metadata.name === c.name)) continue;
      for (const d of c.dependsOn) if (applications.some((a) => a.metadata.name === d)) expect(wave(c.name), `${c.name} after ${d}`).toBeGreaterThan(wave(d));
    }
    expect(wave('cilium')).toBe(0);
  });

  it('skips the dry run of custom resources whose CRD may not exist yet', () => {
    for (const r of customResources) expect(r.o.metadata.annotations?.[SYNC_OPTIONS], `${r.component}: ${r.object}`).toContain('SkipDryRunOnMissingResource=true');
  });

  it('puts each Application in a project that allows exactly its sources, namespaces and cluster-scoped kinds', () => {
    for (const app of applications) {
      const name = app.metadata.name;
      const project = projects.get((app.spec as { project: string }).project);
      expect(project, name).toBeDefined();
      const spec = project?.spec as { sourceRepos: string[]; destinations: { namespace: string }[]; clusterResourceWhitelist: { group: string; kind: string }[] };
      expect(spec.sourceRepos.sort()).toEqual([...new Set(sourcesOf(app).map((s) => s.repoURL))].sort());
      if (name === ARGOCD_APPS_COMPONENT) {
        expect(spec.clusterResourceWhitelist).toEqual([]);
        expect((project?.spec as { namespaceResourceWhitelist: unknown[] }).namespaceResourceWhitelist).toHaveLength(3);
        continue;
      }
      const objects = manifests.get(name) ?? [];
      const allowedNs = new Set(spec.destinations.map((d) => d.namespace));
      for (const o of objects) {
        if (o.metadata.namespace) expect(allowedNs.has(o.metadata.namespace), `${name}: ${o.kind} ${o.metadata.name}`).toBe(true);
        else expect(spec.clusterResourceWhitelist, `${name}: ${o.kind}`).toContainEqual({ group: groupOf(o.apiVersion), kind: o.kind });
      }
      expect(spec.clusterResourceWhitelist.some((k) => k.group === '*' || k.kind === '*')).toBe(false);
    }
  });

  it('switches to server-side apply the Applications whose charts render objects over the annotation limit', () => {
    const monitoring = applications.find((a) => a.metadata.name === 'monitoring');
    expect((monitoring?.spec as { syncPolicy: { syncOptions: string[] } }).syncPolicy.syncOptions).toContain('ServerSideApply=true');
    const cilium = applications.find((a) => a.metadata.name === 'cilium');
    expect((cilium?.spec as { syncPolicy: { syncOptions: string[] } }).syncPolicy.syncOptions).not.toContain('ServerSideApply=true');
  });
});

describe('per-object sync options', () => {
  it('applies an object server-side when its last-applied annotation would pass 262,144 bytes', () => {
    const app = buildFixture(buildModel(reference), (charts) => {
      addBootstrapReleases(charts);
      const base = charts.get('hookprobe-base')!;
      new k8s.KubeConfigMap(base, 'huge', { metadata: { name: 'huge', namespace: 'hookprobe' }, data: { blob: 'x'.repeat(300_000) } });
      new k8s.KubeConfigMap(base, 'small', { metadata: { name: 'small', namespace: 'hookprobe' }, data: { blob: 'x'.repeat(200_000) } });
    });
    const objects = objectsOf(app, 'hookprobe-base');
    expect(objects.find((o) => o.metadata.name === 'huge')?.metadata.annotations?.[SYNC_OPTIONS]).toBe('ServerSideApply=true');
    expect(objects.find((o) => o.metadata.name === 'small')?.metadata.annotations?.[SYNC_OPTIONS]).toBeUndefined();
  });

  it('keeps sync options a component set itself and adds its own after them', () => {
    const app = buildFixture(buildModel(reference), (charts) => {
      addBootstrapReleases(charts);
      // The measured facts of this chart version say it installs the monitoring.coreos.com CRDs.
      new HelmRelease(charts.get('monitoring')!, 'kps', { repoUrl: 'https://prometheus-community.github.io/helm-charts', chart: 'kube-prometheus-stack', version: '88.5.3', releaseName: 'kps', namespace: 'monitoring', delivery: 'argocd' });
      new ApiObject(charts.get('hookprobe-base')!, 'monitor', {
        apiVersion: 'monitoring.coreos.com/v1',
        kind: 'ServiceMonitor',
        metadata: { name: 'm', namespace: 'hookprobe', annotations: { [SYNC_OPTIONS]: 'Replace=true' } },
        spec: { selector: {}, endpoints: [] },
      });
    });
    const monitor = objectsOf(app, 'hookprobe-base').find((o) => o.kind === 'ServiceMonitor');
    expect(monitor?.metadata.annotations?.[SYNC_OPTIONS]).toBe('Replace=true,SkipDryRunOnMissingResource=true');
  });

  it('fails when an object is over 1 MiB, naming it', () => {
    expect(() =>
      buildFixture(buildModel(reference), (charts) => {
        addBootstrapReleases(charts);
        new k8s.KubeConfigMap(charts.get('hookprobe-base')!, 'too-big', { metadata: { name: 'too-big', namespace: 'hookprobe' }, data: { blob: 'x'.repeat(1_100_000) } });
      }),
    ).toThrow(/hookprobe-base: is 1100\d+ bytes; the API server refuses objects over 1048576 \(got "ConfigMap too-big"\)/);
  });
});

describe('ordering failures', () => {
  it('fails when custom resources make the installers depend on each other in a cycle, naming the cycle', () => {
    let error: unknown;
    try {
      buildFixture(buildModel(reference), (charts) => {
        addBootstrapReleases(charts);
        // Versions with measured facts: those say which CRDs each chart installs.
        for (const [component, chart, version] of [['monitoring', 'kube-prometheus-stack', '88.5.3'], ['cert-manager', 'cert-manager', 'v1.19.6']]) {
          new HelmRelease(charts.get(component)!, chart, { repoUrl: 'https://charts.example.org', chart, version, releaseName: chart, namespace: component, delivery: 'argocd' });
        }
        // cert-manager would wait for monitoring (a ServiceMonitor) and monitoring for cert-manager (a Certificate).
        new ApiObject(charts.get('cert-manager')!, 'sm', { apiVersion: 'monitoring.coreos.com/v1', kind: 'ServiceMonitor', metadata: { name: 'cert-manager', namespace: 'cert-manager' }, spec: { selector: {}, endpoints: [] } });
        new ApiObject(charts.get('monitoring')!, 'cert', { apiVersion: 'cert-manager.io/v1', kind: 'Certificate', metadata: { name: 'grafana', namespace: 'monitoring' }, spec: { secretName: 'grafana-tls', issuerRef: { name: 'acme' } } });
      });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(SiteError);
    const message = (error as Error).message;
    expect(message).toMatch(/cert-manager -> monitoring \(cert-manager uses ServiceMonitor \(monitoring\.coreos\.com\), whose CRD it installs\) -> cert-manager \(monitoring uses Certificate \(cert-manager\.io\), whose CRD it installs\)/);
  });

  it('fails when a custom resource belongs to an API group no component installs', () => {
    expect(() =>
      buildFixture(buildModel(reference), (charts) => {
        addBootstrapReleases(charts);
        new ApiObject(charts.get('hookprobe-base')!, 'gw', { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway', metadata: { name: 'public', namespace: 'hookprobe' }, spec: {} });
      }),
    ).toThrow(/API group gateway\.networking\.k8s\.io, whose CRD no component installs \(got "Gateway public"\)/);
  });

  it('fails when components depend on each other in a cycle, naming the whole cycle (model)', () => {
    const site = referenceSite() as { apps: { name: string; dependsOn: string[] }[] };
    const qsecbit = site.apps.find((a) => a.name === 'qsecbit-backend');
    qsecbit?.dependsOn.push('django-central');
    expect(() => buildModel(parseSite(site, 'cycle'))).toThrow(/django-central -> qsecbit-backend -> django-central/);
  });
});

import { App } from 'cdk8s';
import { parse, parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { buildCharts } from '../charts';
import { ARGOCD_APPS_COMPONENT } from '../charts/argocd-apps-chart';
import { ComponentChart, DistFiles, HelmRelease } from '../constructs';
import { buildModel } from '../model';
import reference from '../sites/hookprobe';
import { synthesize } from '../synth/synthesize';
import { validateManifests } from '../validate/kubernetes-schema';
import { Obj, addBootstrapReleases, buildFixture, distFiles, objectsOf, sourcesOf } from './support/gitops';
import { tempDir } from './support/sites';

const HELM_LINE = /^helm upgrade --install (\S+) (\S+) --repo (\S+) --version (\S+) --namespace (\S+) --values (\S+)$/gm;

/** The text of a generated values file without its two header comment lines. */
function valuesBody(file: string): string {
  return file.split('\n').slice(2).join('\n');
}

/**
 * Every `helm upgrade --install` of the bootstrap, checked against the Application that carries the same
 * release: chart, repository, version, namespace and the values text itself. Returns how many were checked.
 */
function expectSameInputs(files: ReadonlyMap<string, string>, applications: readonly Obj[], releases: readonly HelmRelease[]): number {
  const script = files.get('bootstrap/bootstrap.sh') ?? '';
  let checked = 0;
  for (const [, release, chart, repo, version, namespace, valuesFile] of script.matchAll(HELM_LINE)) {
    const app = applications.find((a) => sourcesOf(a).some((s) => s.chart === chart && s.helm?.releaseName === release));
    expect(app, `Application with chart ${chart} release ${release}`).toBeDefined();
    const source = sourcesOf(app!).find((s) => s.chart === chart)!;
    expect(source.repoURL).toBe(repo);
    expect(source.targetRevision).toBe(version);
    expect(source.helm?.namespace ?? (app!.spec as { destination: { namespace: string } }).destination.namespace).toBe(namespace);
    const values = files.get(`bootstrap/${valuesFile}`);
    expect(values, valuesFile).toBeDefined();
    expect(valuesBody(values!)).toBe(source.helm?.values ?? '');
    const construct = releases.find((r) => r.releaseName === release && r.chart === chart);
    expect(construct, `HelmRelease ${release}`).toBeDefined();
    expect(parse(valuesBody(values!)) ?? {}).toEqual(construct!.values);
    checked++;
  }
  return checked;
}

describe('bootstrap of the reference site', () => {
  const model = buildModel(reference);
  const app = new App({ outdir: tempDir() });
  buildCharts(app, model);
  const files = distFiles(app);
  const applications = objectsOf(app, ARGOCD_APPS_COMPONENT).filter((o) => o.kind === 'Application');
  const releases = HelmRelease.releasesIn(app);
  const script = files.get('bootstrap/bootstrap.sh') ?? '';

  it('installs Cilium and Argo CD from exactly the chart, version and values of their Applications', () => {
    expect(expectSameInputs(files, applications, releases)).toBe(2);
    expect(script).toMatch(/helm upgrade --install cilium cilium --repo https:\/\/helm\.cilium\.io\/ --version 1\.18\.0 --namespace kube-system --values cilium-values\.yaml/);
    expect(script).toMatch(/helm upgrade --install argocd argo-cd .* --namespace argocd --values argocd-values\.yaml/);
  });

  it('installs the CNI, then Argo CD, then applies the root Application', () => {
    const cni = script.indexOf('helm upgrade --install cilium');
    const nodesReady = script.indexOf('kubectl wait --for=condition=Ready node');
    const argocd = script.indexOf('helm upgrade --install argocd');
    const root = script.indexOf('kubectl apply -f root-application.yaml');
    expect(cni).toBeGreaterThan(0);
    expect(nodesReady).toBeGreaterThan(cni);
    expect(argocd).toBeGreaterThan(nodesReady);
    expect(root).toBeGreaterThan(argocd);
    // Argo CD's namespace carries its Pod Security labels from the start, as its Application will render it.
    expect(script.indexOf('kubectl apply -f argocd-namespace.yaml')).toBeLessThan(argocd);
    expect(script).toMatch(/^set -eu$/m);
  });

  it('applies the same root Application and project that the argocd-apps folder holds', () => {
    const synthesized = synthesize(buildModel(reference));
    const inFolder = ['appproject', 'application'].map((kind) => synthesized.files.get(`kubernetes/${ARGOCD_APPS_COMPONENT}/${kind}-${ARGOCD_APPS_COMPONENT}.yaml`));
    const docs = parseAllDocuments(files.get('bootstrap/root-application.yaml') ?? '').map((d) => ('toJS' in d ? d.toJS() : undefined));
    expect(docs).toEqual(inFolder.map((text) => parse(text ?? '')));
    // Byte for byte, below the header: what the bootstrap applies is what Argo CD will find in Git.
    const body = (text: string | undefined): string => (text ?? '').split('\n').slice(1).join('\n');
    expect(body(files.get('bootstrap/root-application.yaml'))).toBe(inFolder.map(body).join('---\n'));
    expect(docs.map((d) => `${d.kind}/${d.metadata.name}`)).toEqual([`AppProject/${ARGOCD_APPS_COMPONENT}`, `Application/${ARGOCD_APPS_COMPONENT}`]);
  });

  it('marks its values files and seed list as data, so synth schema-checks only the files that hold objects', () => {
    expect([...DistFiles.dataOnly(app)].filter((f) => f.startsWith('bootstrap/')).sort()).toEqual(['bootstrap/argocd-values.yaml', 'bootstrap/cilium-values.yaml', 'bootstrap/secret-store-seed.yaml']);
    const checked = [...synthesize(buildModel(reference)).extraManifests.keys()].filter((f) => f.startsWith('bootstrap/'));
    expect(checked.sort()).toEqual(['bootstrap/argocd-namespace.yaml', 'bootstrap/root-application.yaml', 'bootstrap/secret-store-namespace.yaml']);
  });

  it('applies only objects that pass the Kubernetes and CRD schemas', () => {
    const objects = ['bootstrap/argocd-namespace.yaml', 'bootstrap/root-application.yaml'].flatMap((f) =>
      parseAllDocuments(files.get(f) ?? '', { version: '1.1' }).map((d) => ('toJS' in d ? (d.toJS() as object) : {})),
    );
    expect(objects).toHaveLength(3);
    expect(validateManifests(objects)).toEqual([]);
  });

  it('checks, before it applies the root, that the secret store holds every key and property an ExternalSecret reads', () => {
    const externalSecrets = [...app.node.findAll()].filter((c) => c instanceof ComponentChart).flatMap((c) => (c as ComponentChart).toJson() as Obj[]).filter((o) => o.kind === 'ExternalSecret');
    expect(externalSecrets.length).toBeGreaterThan(5);
    const seed = parse(files.get('bootstrap/secret-store-seed.yaml') ?? '') as { store: string; namespace: string; keys: { key: string; properties: string[] }[] };
    expect(seed).toMatchObject({ store: 'hookprobe-secrets', backend: 'kubernetes', namespace: 'secret-store' });
    const root = script.indexOf('kubectl apply -f root-application.yaml');
    const storeNamespace = script.indexOf('kubectl apply -f secret-store-namespace.yaml');
    expect(storeNamespace).toBeGreaterThan(script.indexOf('helm upgrade --install argocd'));
    for (const es of externalSecrets) {
      for (const d of (es.spec as { data: { remoteRef: { key: string; property: string } }[] }).data) {
        expect(seed.keys.find((k) => k.key === d.remoteRef.key)?.properties, `${es.metadata.name}: ${d.remoteRef.key}`).toContain(d.remoteRef.property);
        const line = script.indexOf(`\nseed '${d.remoteRef.key}' '${d.remoteRef.property}'\n`);
        expect(line, `${d.remoteRef.key}/${d.remoteRef.property}`).toBeGreaterThan(storeNamespace);
        expect(line).toBeLessThan(root);
      }
    }
    // A missing entry stops the script before the root, so no ExternalSecret of the first sync is Degraded.
    const stop = script.indexOf('[ "$missing" -eq 0 ] || {');
    expect(stop).toBeGreaterThan(storeNamespace);
    expect(stop).toBeLessThan(root);
  });

  it('says that it was generated in every file, and holds no absolute path', () => {
    expect([...files.keys()].filter((f) => f.startsWith('bootstrap/')).sort()).toEqual([
      'bootstrap/argocd-namespace.yaml',
      'bootstrap/argocd-values.yaml',
      'bootstrap/bootstrap.sh',
      'bootstrap/cilium-values.yaml',
      'bootstrap/root-application.yaml',
      'bootstrap/secret-store-namespace.yaml',
      'bootstrap/secret-store-seed.yaml',
    ]);
    for (const [file, content] of files) {
      if (!file.startsWith('bootstrap/')) continue;
      expect(content.split('\n').slice(0, 2).join('\n'), file).toMatch(/# Generated by site-compiler from site "hookprobe"/);
      expect(content, file).not.toContain(process.cwd());
    }
  });
});

describe('bootstrap inputs', () => {
  it('carries values the Application would lose as an object (a null that deletes a chart default) as the same text', () => {
    const app = buildFixture(buildModel(reference), addBootstrapReleases);
    const files = distFiles(app);
    const applications = objectsOf(app, ARGOCD_APPS_COMPONENT).filter((o) => o.kind === 'Application');
    expect(expectSameInputs(files, applications, HelmRelease.releasesIn(app))).toBe(2);
    expect(files.get('bootstrap/cilium-values.yaml')).toContain('nullMeansDelete: null');
    // Helm reads values as YAML 1.1, where a bare on is true: the string is quoted.
    expect(files.get('bootstrap/cilium-values.yaml')).toContain('hubbleTls: "on"');
  });

  it('fails when the CNI has no Helm release to install, naming the component', () => {
    expect(() =>
      buildFixture(buildModel(reference), (charts) => {
        addBootstrapReleases(charts);
        const cilium = charts.get('cilium') as ComponentChart;
        cilium.node.tryRemoveChild('cilium');
      }),
    ).toThrow(/kubernetes\/cilium: has no Helm release, so the bootstrap cannot install it/);
  });
});

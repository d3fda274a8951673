import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALL_ADDONS, AddonDefinition } from '../addons';
import { contentDigest } from '../constructs/chart-measure';
import type { ChartLock, LockedChart } from '../constructs/chart-lock';
import { buildModel } from '../model';
import { SiteError, parseSite, siteSchemaFor } from '../site';
import { synthesize } from '../synth/synthesize';
import { completeChartDependencies } from '../scripts/complete-chart-deps';
import { GADGET_CHART, gadgetOperatorAddon } from './fixtures/addons/gadget-operator';
import { FIXTURE_CHARTS, scratchDir } from './support/chart-fixtures';
import { captureSiteError } from './support/site-error';
import { referenceSite } from './support/sites';

/**
 * Rendered delivery of a chart whose CRDs live in a `crds` dependency chart that its mirror folder lacks and that is
 * completed into the cache from elsewhere (kube-prometheus-stack's shape): the lock pins the mirror's folder and the
 * dependency each by content digest, helm renders the dependency's crds/ (--include-crds), and the GitOps layer counts
 * those CRDs as installed by the component, so its custom resource is ordered instead of refused.
 */
const ADDONS: readonly AddonDefinition[] = [...ALL_ADDONS, gadgetOperatorAddon];
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

let cacheDir: string;
let folder: string;
let mirrorDigest: string;
beforeAll(() => {
  const dir = scratchDir('subchart-crds');
  dirs.push(dir);
  cacheDir = path.join(dir, 'cache');
  folder = path.join(cacheDir, `${GADGET_CHART.chart}-${GADGET_CHART.version}`);
  fs.cpSync(path.join(FIXTURE_CHARTS, 'with-crds-dep'), folder, { recursive: true });
  mirrorDigest = contentDigest(folder);
  completeChartDependencies(folder, [{ name: 'crds', from: { folder: path.join(FIXTURE_CHARTS, 'fixture-crds') } }]);
});

function lockWith(over: Partial<LockedChart>): ChartLock {
  const entry: LockedChart = { ...GADGET_CHART, sha256: mirrorDigest, sha256Of: 'chart-content', components: ['gadget-operator'], ...over };
  // exists: false, so the reference site's Argo CD releases need no entries; a rendered release is always checked.
  return { file: path.join(cacheDir, 'fixture.lock.yaml'), exists: false, charts: [entry] };
}

function compile(lock: ChartLock) {
  const site = referenceSite() as Record<string, any>;
  site.platform.addons.gadgetOperator = {};
  const catalog = ADDONS.map((a) => a.facts);
  const model = buildModel(parseSite(site, 'fixture site', siteSchemaFor(catalog)), 'fixture site', { addons: catalog });
  return synthesize(model, [], { addons: ADDONS, chartSources: { lock, cacheDir, kubeVersion: model.kubernetes.version } });
}

describe('rendered delivery of a chart whose CRDs come from a completed crds dependency chart', () => {
  it('renders the dependency\'s CRDs and counts them as installed by the component, ordering its custom resource', () => {
    const result = compile(lockWith({ dependencies: [{ name: 'crds', version: '0.0.0', sha256: contentDigest(path.join(folder, 'charts', 'crds')) }] }));
    const objects = result.manifests.get('gadget-operator') ?? [];
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual(expect.arrayContaining(['CustomResourceDefinition/gadgets.operator.fixture.example', 'Gadget/gadgets-default']));
    const annotations = (objects.find((o) => o.kind === 'Gadget')?.metadata as { annotations?: Record<string, string> } | undefined)?.annotations ?? {};
    // Installed by its own component: same sync, a wave after the CRD, without the dry run that cannot know the kind yet.
    expect(annotations['argocd.argoproj.io/sync-wave']).toBe('1');
    expect(annotations['argocd.argoproj.io/sync-options']).toContain('SkipDryRunOnMissingResource=true');
  });

  it('fails when the lock pins only the mirror\'s folder, naming the digest of the completed folder instead of the CRDs it hides', () => {
    const err = captureSiteError(() => compile(lockWith({})));
    const messages = err.problems.map((p) => `${p.path}: ${p.message}`);
    expect(messages.join('\n')).toMatch(/kubernetes\/gadget-operator: is not rendered: .*content sha256 [0-9a-f]{64}, but .* pins /);
    expect(messages.join('\n')).not.toMatch(/whose CRD no component installs/);
  });

  it('fails when the completed dependency is not the one the lock pins, naming it and how to complete it again', () => {
    const err = captureSiteError(() => compile(lockWith({ dependencies: [{ name: 'crds', version: '0.0.0', sha256: '0'.repeat(64) }] })));
    const text = err.problems.map((p) => p.message).join('\n');
    expect(text).toMatch(/charts\/crds\/ with content sha256 [0-9a-f]{64}, but .* pins 0{64} for crds 0\.0\.0/);
    expect(text).toMatch(/complete-chart-deps\.ts --chart fixture-operator-0\.1\.0 --dep crds=<source>/);
  });

  it('fails when the pinned dependency is missing from the cache, naming the command that completes it', () => {
    const bare = path.join(cacheDir, '..', 'bare-cache');
    fs.cpSync(path.join(FIXTURE_CHARTS, 'with-crds-dep'), path.join(bare, `${GADGET_CHART.chart}-${GADGET_CHART.version}`), { recursive: true });
    const lock = lockWith({ dependencies: [{ name: 'crds', version: '0.0.0', sha256: '0'.repeat(64) }] });
    const site = referenceSite() as Record<string, any>;
    site.platform.addons.gadgetOperator = {};
    const catalog = ADDONS.map((a) => a.facts);
    const model = buildModel(parseSite(site, 'fixture site', siteSchemaFor(catalog)), 'fixture site', { addons: catalog });
    const err = captureSiteError(() => synthesize(model, [], { addons: ADDONS, chartSources: { lock, cacheDir: bare, kubeVersion: model.kubernetes.version } }));
    expect(err).toBeInstanceOf(SiteError);
    expect(err.problems.map((p) => p.message).join('\n')).toMatch(/lacks the dependency charts crds, .*pins crds 0\.0\.0 as completed .*complete-chart-deps\.ts --chart fixture-operator-0\.1\.0 --dep crds=<source of crds 0\.0\.0>/);
  });
});

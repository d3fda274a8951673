import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { ALL_ADDONS, AddonDefinition } from '../addons';
import { buildModel } from '../model';
import { SiteError, parseSite, siteSchemaFor } from '../site';
import { SCHEMA_CHECKS } from '../synth/checks';
import { synthesize } from '../synth/synthesize';
import { checkPolicy } from '../validate/policy';
import { nodeProbeAddon } from './fixtures/addons/node-probe';
import { referenceSite } from './support/sites';
import { captureSiteError } from './support/site-error';

/**
 * An add-on is a folder plus one line. The fixture add-on (test/fixtures/addons/node-probe/) is written like the real
 * ones in addons/<name>/, and the line below is all it takes to have it validated, ordered, compiled, monitored and
 * policed: nothing else in the compiler names it.
 */
const ADDONS: readonly AddonDefinition[] = [...ALL_ADDONS, nodeProbeAddon];

/** Site -> model -> tree -> policy with a given list of add-ons, as compileSite does with the compiler's own. */
function compile(site: unknown, addons: readonly AddonDefinition[] = ADDONS) {
  const catalog = addons.map((a) => a.facts);
  const parsed = parseSite(site, 'fixture site', siteSchemaFor(catalog));
  const model = buildModel(parsed, 'fixture site', { addons: catalog });
  const result = synthesize(model, SCHEMA_CHECKS, { addons });
  return { model, result, policy: checkPolicy(result.manifests, model) };
}


function siteWithProbe(): Record<string, any> {
  const site = referenceSite() as Record<string, any>;
  site.platform.addons.nodeProbe = { image: 'quay.io/example/node-probe:v1.2.3' };
  return site;
}

const { model, result, policy } = compile(siteWithProbe());
const yamlOf = (file: string): Record<string, any> => {
  const text = result.files.get(file);
  if (text === undefined) throw new Error(`${file} was not written`);
  return parseYaml(text) as Record<string, any>;
};

describe('an add-on added as a folder plus one line', () => {
  it('is part of the site schema, documented, with its defaults filled in', () => {
    expect(model.addons.find((a) => a.facts.key === 'nodeProbe')?.config).toEqual({ image: 'quay.io/example/node-probe:v1.2.3', intervalSeconds: 30 });
    const schema = JSON.parse(result.files.get('site.schema.json') ?? '{}');
    expect(schema.properties.platform.properties.addons.properties.nodeProbe.description).toMatch(/Default: not installed/);
  });

  it('fails when the site uses it but the compiler is not given it', () => {
    expect(() => compile(siteWithProbe(), ALL_ADDONS)).toThrow(SiteError);
    expect(() => compile(siteWithProbe(), ALL_ADDONS)).toThrow(/platform\.addons\.nodeProbe/);
  });

  it('fails when its own check fails, reported with the other site problems before anything is built', () => {
    const site = siteWithProbe();
    site.platform.addons.nodeProbe.intervalSeconds = 1;
    site.platform.addons.longhorn = { chartVersion: '1.12.1', replicas: 99 };
    const err = captureSiteError(() => compile(site));
    const paths = err.problems.map((p) => p.path);
    expect(paths).toContain('platform.addons.nodeProbe.intervalSeconds');
    // Another add-on's own check (Longhorn's replicas against the workers) in the same report.
    expect(paths).toContain('platform.addons.longhorn.replicas');
  });

  it('fails when a field its facts declare a release tag holds another tag, with the field\'s path and the tag to use', () => {
    const tagged: AddonDefinition = { ...nodeProbeAddon, facts: { ...nodeProbeAddon.facts, releaseTagFields: [{ field: 'image', image: 'quay.io/example/node-probe' }] } };
    const err = captureSiteError(() => compile(siteWithProbe(), [...ALL_ADDONS, tagged]));
    expect(err.problems).toContainEqual(expect.objectContaining({ path: 'platform.addons.nodeProbe.image', message: expect.stringContaining('is not a release tag of quay.io/example/node-probe') }));
  });

  it('is ordered after the providers of the capabilities it needs', () => {
    const probe = model.components.find((c) => c.name === 'node-probe');
    expect(probe?.dependsOn).toEqual(['cilium', 'monitoring']);
    const depth = (name: string): number => model.components.find((c) => c.name === name)?.depth ?? -1;
    expect(depth('node-probe')).toBeGreaterThan(depth('monitoring'));
    const wave = (name: string): number => Number(yamlOf(`kubernetes/argocd-apps/application-${name}.yaml`).metadata.annotations['argocd.argoproj.io/sync-wave']);
    expect(wave('node-probe')).toBeGreaterThan(wave('monitoring'));
  });

  it('is compiled into its own folder, with its namespace at the Pod Security level its definition gives', () => {
    expect([...result.files.keys()].filter((f) => f.startsWith('kubernetes/node-probe/'))).toEqual([
      'kubernetes/node-probe/daemonset-node-probe.yaml',
      'kubernetes/node-probe/namespace-node-probe.yaml',
      'kubernetes/node-probe/networkpolicy-allow-monitoring-9100.yaml',
      'kubernetes/node-probe/networkpolicy-default-deny-all.yaml',
      'kubernetes/node-probe/service-node-probe.yaml',
    ]);
    const ns = yamlOf('kubernetes/node-probe/namespace-node-probe.yaml');
    expect(ns.metadata.labels['pod-security.kubernetes.io/enforce']).toBe('privileged');
    expect(ns.metadata.annotations['site-compiler/pod-security-reason']).toMatch(/hostPath/);
    expect(yamlOf('kubernetes/node-probe/daemonset-node-probe.yaml').spec.template.spec.containers[0].args).toEqual(['--interval=30s']);
  });

  it('is monitored: the metrics provider scrapes the target its definition offers', () => {
    const monitor = yamlOf('kubernetes/monitoring/servicemonitor-node-probe.yaml');
    expect(monitor.spec.namespaceSelector).toEqual({ matchNames: ['node-probe'] });
    expect(monitor.spec.selector.matchLabels).toEqual({ 'app.kubernetes.io/name': 'node-probe' });
    expect(monitor.spec.endpoints[0].port).toBe('metrics');
  });

  it('is policed: its objects pass the policy, with exactly the exception its definition declares', () => {
    expect(policy.findings).toEqual([]);
    expect(policy.exceptions.filter((e) => e.component === 'node-probe').map((e) => [e.object, e.rule, e.source])).toEqual([['DaemonSet/node-probe/node-probe', 'host-path', 'built-in']]);
  });

  it('fails the policy when its definition does not declare the host access it uses', () => {
    const undeclared: AddonDefinition = { ...nodeProbeAddon, facts: { ...nodeProbeAddon.facts, policyExceptions: [] } };
    const again = compile(siteWithProbe(), [...ALL_ADDONS, undeclared]);
    expect(again.policy.findings.map((f) => [f.object, f.rule])).toEqual([['DaemonSet/node-probe/node-probe', 'host-path']]);
  });
});

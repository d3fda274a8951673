import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { helmBinary } from '../constructs/chart-cache';
import { canonicalJson, readChartFacts } from '../constructs/chart-facts-file';
import { CLIENT_SIDE_APPLY_LIMIT } from '../constructs/chart-measure';
import { SiteFacts, chartIn, measureSite, siteReleases } from '../scripts/measure-facts';
import { filesUnder, sourcesOf, verifiedOnce } from './support/verified-once';

/**
 * The two sync failures the hand-typed chart table hid, measured from the real charts. Needs the upstream
 * mirror ../shared/charts, which a clone does not have: skipped then (npm run verify:upstream checks every chart).
 */
const MIRROR = path.resolve(__dirname, '..', '..', 'shared', 'charts');
const present = fs.existsSync(MIRROR);
if (!present) console.warn(`test/upstream-charts.test.ts skipped: no upstream chart mirror at ${MIRROR}`);

describe.skipIf(!present)('facts measured from the upstream charts (../shared/charts)', () => {
  const committed = readChartFacts(path.resolve(__dirname, '..', 'sites', 'hookprobe.facts.yaml'));
  let measured: SiteFacts | undefined;
  // Measured on first use, so a clone without the mirror renders nothing.
  const facts = (): SiteFacts => {
    if (measured) return measured;
    const site = siteReleases(path.resolve(__dirname, '..', 'sites', 'hookprobe.ts'));
    const wanted = site.releases.filter((r) => r.chart === 'cilium' || r.chart === 'rook-ceph');
    measured = measureSite(wanted, { helm: helmBinary(), kubeVersion: site.kubeVersion, locate: (c, v) => chartIn(MIRROR, c, v) });
    return measured;
  };
  const of = (chart: string) => facts().releases.find((r) => r.chart === chart)!;
  // helm is deterministic: each check runs once per content of what the measurement reads (the two charts in the
  // mirror, the site, the committed facts, this file and every module it imports; npm's lock, which pins helm).
  let read: string[] | undefined;
  const inputs = (): string[] =>
    (read ??= [
      ...fs
        .readdirSync(MIRROR)
        .filter((e) => /^(cilium|rook-ceph)-/.test(e))
        .sort()
        .flatMap((e) => (fs.statSync(path.join(MIRROR, e)).isDirectory() ? filesUnder(path.join(MIRROR, e)) : [path.join(MIRROR, e)])),
      ...sourcesOf('sites/hookprobe.ts'),
      path.resolve(__dirname, '..', 'sites', 'hookprobe.facts.yaml'),
      ...sourcesOf('test/upstream-charts.test.ts'),
    ]);

  it('finds Namespace cilium-secrets with its Roles and RoleBindings in the cilium chart', () => {
    verifiedOnce('upstream-charts-cilium-secrets', inputs(), () =>
      expect(of('cilium').objects.filter((o) => o.includes('cilium-secrets'))).toEqual([
        'Namespace cilium-secrets',
        'Role.rbac.authorization.k8s.io cilium-secrets/cilium-operator-tlsinterception-secrets',
        'Role.rbac.authorization.k8s.io cilium-secrets/cilium-tlsinterception-secrets',
        'RoleBinding.rbac.authorization.k8s.io cilium-secrets/cilium-operator-tlsinterception-secrets',
        'RoleBinding.rbac.authorization.k8s.io cilium-secrets/cilium-tlsinterception-secrets',
      ]),
    );
  });

  it('finds the ceph-csi-operator CRDs past the client-side apply limit in the rook-ceph chart', () => {
    verifiedOnce('upstream-charts-rook-oversized', inputs(), () => {
      const rook = of('rook-ceph');
      expect(rook.oversized).toEqual(['CustomResourceDefinition.apiextensions.k8s.io drivers.csi.ceph.io', 'CustomResourceDefinition.apiextensions.k8s.io operatorconfigs.csi.ceph.io']);
      expect(rook.largestObject.bytes).toBeGreaterThan(CLIENT_SIDE_APPLY_LIMIT);
    });
  });

  it('measures what the committed facts say', () => {
    verifiedOnce('upstream-charts-committed-facts', inputs(), () => {
      for (const r of facts().releases) {
        const mine = committed.releases.find((c) => c.component === r.component && c.releaseName === r.releaseName);
        expect(canonicalJson(mine), r.chart).toBe(canonicalJson(r));
      }
    });
  });
});

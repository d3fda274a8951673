import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ADDON_CATALOG } from '../addons/catalog';
import { verifyRendered, withRenderedDelivery } from '../scripts/verify-rendered';
import { siteSchema } from '../site';
import homelab from '../sites/homelab';

const componentOf = (key: string): string | undefined => ADDON_CATALOG.find((f) => f.key === key)?.component;

/** The end-to-end run itself needs the upstream mirror: `npm run verify:upstream -- --charts ../shared/charts`. */
describe('withRenderedDelivery', () => {
  it('switches every chart-based add-on to rendered delivery and keeps the components it is told to keep on argocd', () => {
    const site = withRenderedDelivery(homelab, new Set(['monitoring']), componentOf);
    const addons = site.platform.addons as Record<string, { chartVersion?: string; delivery?: string } | undefined>;
    expect(site.platform.delivery).toBe('rendered');
    expect(addons.monitoring?.delivery).toBe('argocd');
    const charted = Object.entries(addons).filter(([k, a]) => a?.chartVersion !== undefined && k !== 'monitoring');
    expect(charted.length).toBeGreaterThan(5);
    for (const [key, a] of charted) expect(a?.delivery, key).toBe('rendered');
    expect(() => siteSchema.parse(site)).not.toThrow();
  });

  it('leaves the site it was given unchanged', () => {
    const before = JSON.stringify(homelab);
    withRenderedDelivery(homelab, new Set(), componentOf);
    expect(JSON.stringify(homelab)).toBe(before);
  });
});

/**
 * The end-to-end run with monitoring rendered: it needs a copy of the upstream mirror whose kube-prometheus-stack is
 * completed with its dependency charts (README, Third-party software), named by COMPLETED_CHARTS. Not in a clone.
 */
const COMPLETED = process.env.COMPLETED_CHARTS;
const completed = COMPLETED !== undefined && fs.existsSync(path.join(COMPLETED, 'kube-prometheus-stack-88.5.3', 'charts', 'grafana'));
const ROOT = path.resolve(__dirname, '..');

describe('verifyRendered with kube-prometheus-stack completed', () => {
  for (const site of ['sites/hookprobe.ts', 'sites/homelab.ts']) {
    it.skipIf(!completed)(
      `${site}: compiles with every chart, monitoring included, on rendered delivery${completed ? '' : ' (SKIPPED: COMPLETED_CHARTS does not name a mirror copy with kube-prometheus-stack completed; see README)'}`,
      () => {
        const report = verifyRendered(site, COMPLETED ?? '', ROOT);
        expect(report.failures).toEqual([]);
        expect(report.notRendered).toEqual([]);
        expect(report.lines.join('\n')).toMatch(/every check passed/);
      },
      600_000,
    );
  }
});

import { describe, expect, it } from 'vitest';
import { ADDON_CATALOG } from '../addons/catalog';
import { withRenderedDelivery } from '../scripts/verify-rendered';
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

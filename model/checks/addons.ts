import { EXCLUSIVE_CAPABILITIES } from '../../addons/addon-facts';
import { candidates, installed, type CheckContext, type CheckFindings } from './types';

/**
 * Each installed add-on's own checks (the `checks` of its facts), and what holds between add-ons whatever they are:
 * at most one provider of an exclusive capability, and a CNI at all. No add-on is named here, so a new one brings its
 * checks in its own folder.
 */
export function checkAddons(ctx: CheckContext, found: CheckFindings): void {
  const present = installed(ctx);
  const configured = ctx.site.platform.addons as Readonly<Record<string, unknown>>;
  const workers = ctx.vms.filter((v) => v.role === 'worker').length;
  const namespaces = componentNamespaces(ctx);
  for (const f of present) {
    found.problems.push(...(f.checks?.({ config: configured[f.key], path: `platform.addons.${f.key}`, site: ctx.site, workers, namespaces }) ?? []));
  }
  for (const capability of EXCLUSIVE_CAPABILITIES) {
    const providers = present.filter((f) => f.provides.includes(capability));
    const what = capability === 'cni' ? 'CNI' : `"${capability}" provider`;
    for (const extra of providers.slice(1)) {
      found.problems.push({
        path: `platform.addons.${extra.key}`,
        value: extra.key,
        message: `is set together with ${providers[0].key}; both provide "${capability}"`,
        fix: `a cluster has one ${what}: remove one of them`,
      });
    }
  }
  if (!present.some((f) => f.provides.includes('cni'))) {
    found.warnings.push(`platform.addons: no CNI (${candidates(ctx, 'cni')}); nodes stay NotReady until one is installed`);
  }
}

/** Namespaces the site's components run in, with who runs there (the first claimant of each). */
function componentNamespaces(ctx: CheckContext): Map<string, string> {
  const out = new Map<string, string>();
  for (const f of installed(ctx)) if (!out.has(f.namespace)) out.set(f.namespace, `platform.addons.${f.key}`);
  const apps = ctx.site.appNamespace ?? ctx.site.name;
  if (!out.has(apps)) out.set(apps, 'the site\'s apps');
  if (ctx.site.edge && !out.has('edge-fleet')) out.set('edge-fleet', 'the edge fleet');
  return out;
}

import type { AppSpec } from '../site';
import * as ip from './ip';
import type { ModelContext } from './model-context';
import type { AppModel, ServiceAddress, VmModel } from './types';
import { checkGpuFit } from './gpu-fit';

const SECRET_NAME = /(PASSWORD|PASSWD|SECRET|TOKEN|API_?KEY|PRIVATE_?KEY|CREDENTIAL)/i;
const CREDENTIALS_IN_URL = /^[a-z][a-z0-9+.-]*:\/\/[^/\s:@]+:[^/\s@]+@/i;

/**
 * The site's apps and data stores: names and Services unique, every dependency known, environment resolved
 * (another app's address is derived, a secret in plain text is refused), egress exceptions inside their range, and a
 * GPU app only where a GPU worker exists and its model fits the GPU's memory.
 */
export function appPhase(ctx: ModelContext, vms: readonly VmModel[]): { appNamespace: string; services: Record<string, ServiceAddress>; apps: AppModel[]; gpuWorkers: VmModel[] } {
  const { site, fail } = ctx;
  const appNamespace = site.appNamespace ?? site.name;
  const services: Record<string, ServiceAddress> = {};
  if (site.dataStores.postgres) services.postgres = { host: site.dataStores.postgres.serviceName, port: 5432, scheme: 'postgresql' };
  if (site.dataStores.redis) services.redis = { host: site.dataStores.redis.serviceName, port: 6379, scheme: 'redis' };
  const serviceNames = new Map<string, string>(Object.entries(services).map(([n, s]) => [s.host, `dataStores.${n}`]));
  const appNames = new Set<string>();
  site.apps.forEach((a, i) => {
    const path = `apps[${i}]`;
    if (appNames.has(a.name) || services[a.name]) fail(`${path}.name`, a.name, 'repeats the name of another app or data store', 'give every app its own name');
    appNames.add(a.name);
    const owner = serviceNames.get(a.service.name);
    if (owner) fail(`${path}.service.name`, a.service.name, `is already the Service of ${owner}`, 'give every app its own Service name');
    serviceNames.set(a.service.name, path);
    services[a.name] = { host: a.service.name, port: a.service.port, scheme: 'http' };
  });
  const gpuWorkers = vms.filter((v) => v.gpu);
  const apps: AppModel[] = site.apps.map((a, i) => {
    const path = `apps[${i}]`;
    a.dependsOn.forEach((d, j) => {
      if (!services[d]) fail(`${path}.dependsOn[${j}]`, d, 'is not an app or data store of this site', `use one of: ${Object.keys(services).sort().join(', ')}`);
      if (d === a.name) fail(`${path}.dependsOn[${j}]`, d, 'is the app itself', 'remove it');
    });
    const env = appEnv(ctx, a, path, services);
    a.egress.forEach((e, j) => {
      const outer = ip.subnet(e.cidr);
      e.except.forEach((x, k) => {
        const inner = ip.subnet(x);
        if (inner.network < outer.network || inner.broadcast > outer.broadcast) {
          fail(`${path}.egress[${j}].except[${k}]`, x, `is not inside ${e.cidr}`, `list only ranges inside ${e.cidr}, or remove it`);
        }
      });
    });
    const gpu = appGpu(ctx, a, path, gpuWorkers);
    return { spec: a, name: a.name, namespace: appNamespace, container: a.container ?? a.name, env, dependsOn: [...a.dependsOn].sort(), gpu };
  });
  return { appNamespace, services, apps, gpuWorkers };
}

/** An app's environment with every serviceOf resolved to the other app's address; secrets stay references. */
function appEnv(ctx: ModelContext, a: AppSpec, path: string, services: Readonly<Record<string, ServiceAddress>>): AppModel['env'] {
  const { fail } = ctx;
  return a.env.map((e, j) => {
    const ePath = `${path}.env[${j}]`;
    if ('value' in e) {
      if (SECRET_NAME.test(e.name) || CREDENTIALS_IN_URL.test(e.value)) {
        fail(`${ePath}.value`, '(redacted)', `puts a secret in plain text (${e.name})`, `use { name: "${e.name}", secret: { name, key, remoteKey } } so the value arrives through an ExternalSecret`);
      }
      return { name: e.name, value: e.value };
    }
    if ('secret' in e) return { name: e.name, secret: e.secret };
    const target = services[e.serviceOf.app];
    if (!target) {
      fail(`${ePath}.serviceOf.app`, e.serviceOf.app, 'is not an app or data store of this site', `use one of: ${Object.keys(services).sort().join(', ')}`);
      return { name: e.name, value: '' };
    }
    if (!a.dependsOn.includes(e.serviceOf.app)) {
      fail(`${ePath}.serviceOf.app`, e.serviceOf.app, `is called by ${a.name} but not listed in ${path}.dependsOn`, `add "${e.serviceOf.app}" to ${path}.dependsOn so its network policy and ordering follow`);
    }
    const value = e.serviceOf.format.replace(/\{host\}/g, target.host).replace(/\{port\}/g, String(target.port)).replace(/\{scheme\}/g, target.scheme);
    return { name: e.name, value };
  });
}

/** The GPU an app gets, after checking a GPU worker exists and the model (weights, KV cache, overhead) fits its memory. */
function appGpu(ctx: ModelContext, a: AppSpec, path: string, gpuWorkers: readonly VmModel[]): AppModel['gpu'] {
  const { fail } = ctx;
  if (a.gpu) {
    if (gpuWorkers.length === 0) {
      fail(`${path}.gpu`, a.gpu, `needs a GPU but the site has no GPU worker for ${a.name}`, 'add a node pool with gpuModel (and the GPU under proxmox.nodes[].gpus), or remove the app\'s gpu');
    } else {
      const memoryGiB = Math.min(...gpuWorkers.map((v) => v.gpu?.memoryGiB ?? 0));
      // vLLM's start-up rule: weights + KV cache of one max-context sequence + overhead (model/gpu-fit.ts).
      const { fit, problem } = checkGpuFit({ ...a.gpu, gpuMemoryGiB: memoryGiB, gpuCount: a.gpu.count });
      if (problem) fail(`${path}.gpu.${problem.field}`, problem.value, problem.message, problem.fix);
      if (fit) return { count: a.gpu.count, nodeLabel: 'nvidia.com/gpu', ...fit };
    }
  }
  return undefined;
}

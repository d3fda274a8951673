import { POSTGRES_PORT } from '../constructs/postgres-cluster';
import { REDIS_PORT } from '../constructs/redis-store';
import type { NetworkRule } from '../constructs/workload-network-policy';
import type { AppModel, SiteModel } from '../model';
import { byCodePoint } from '../core/order';

/**
 * Who may talk to whom in the app namespace, derived from the site's `dependsOn` lists: the one
 * place that turns a declared dependency into network rules. Each edge caller -> callee becomes an
 * egress rule on the caller and an ingress rule on the callee, so adding or removing one line in the
 * site adds or removes exactly that pair of rules.
 */

/** Names of the data-store workloads (and their component names, fixed by model/components.ts). */
export const POSTGRES_CLUSTER = 'postgres';
export const REDIS_WORKLOAD = 'redis';

export { CLUSTER_DNS } from '../constructs/default-deny-network-policy';

export interface WorkloadEndpoint {
  readonly name: string;
  /** Labels of the workload's pods. */
  readonly selector: Readonly<Record<string, string>>;
  /** Port the pods listen on (what a policy must open, after Service translation). */
  readonly port: number;
}

/** Selector and listening port of an app or data store, by the name `dependsOn` uses. */
export function workloadEndpoint(model: SiteModel, name: string): WorkloadEndpoint {
  const app = model.apps.find((a) => a.name === name);
  if (app) return { name, selector: { app: app.name }, port: app.spec.containerPort };
  if (name === 'postgres' && model.dataStores.postgres) return { name, selector: { 'cnpg.io/cluster': POSTGRES_CLUSTER }, port: POSTGRES_PORT };
  if (name === 'redis' && model.dataStores.redis) return { name, selector: { app: REDIS_WORKLOAD }, port: REDIS_PORT };
  throw new Error(`workloadEndpoint: "${name}" is neither an app nor a data store of site ${model.name}; dependsOn lists only those`);
}

/** Apps that declare `name` in their dependsOn, by name. */
export function callersOf(model: SiteModel, name: string): AppModel[] {
  return model.apps.filter((a) => a.dependsOn.includes(name)).sort((a, b) => byCodePoint(a.name, b.name));
}

/** Ingress rules of a workload: one per declared caller, on the workload's own port. */
export function callerIngressRules(model: SiteModel, name: string): NetworkRule[] {
  const self = workloadEndpoint(model, name);
  return callersOf(model, name).map((caller) => ({ peer: { pods: workloadEndpoint(model, caller.name).selector }, ports: [{ port: self.port }] }));
}

/** Egress rules of an app: one per declared dependency, on the dependency's port. */
export function dependencyEgressRules(model: SiteModel, app: AppModel): NetworkRule[] {
  return app.dependsOn.map((dep) => {
    const target = workloadEndpoint(model, dep);
    return { peer: { pods: target.selector }, ports: [{ port: target.port }] };
  });
}

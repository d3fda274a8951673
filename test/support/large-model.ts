import type { AppModel, ComponentModel, SiteModel } from '../../model';

/**
 * A site much larger than either example, built from the reference model: 7 Proxmox nodes with 8 VMs each, 30 add-ons
 * over 3 waves, 20 apps calling one another in a chain. What the caps must split or group.
 */
export function largeModel(model: SiteModel): SiteModel {
  const hosts = Array.from({ length: 7 }, (_, h) => ({ ...model.hosts[0], name: `pve-rack-${h + 1}`, gpus: [] }));
  const worker = model.kubernetes.workers[0];
  const vms = hosts.flatMap((h, i) => Array.from({ length: 8 }, (_, k) => ({ ...worker, name: `k8s-worker-${i * 8 + k + 1}`, host: h.name, ip: `10.100.1.${i * 8 + k + 1}`, gpu: undefined })));
  const addon = (name: string, dependsOn: string[], depth: number): ComponentModel => ({ ...model.components[0], name, kind: 'addon', dependsOn, depth, delivery: 'argocd' });
  const components: ComponentModel[] = [addon('cni', [], 0)];
  for (let i = 1; i <= 14; i++) components.push(addon(`addon-${String(i).padStart(2, '0')}`, ['cni'], 1));
  for (let i = 15; i <= 29; i++) components.push(addon(`addon-${i}`, ['cni', `addon-${String(i - 14).padStart(2, '0')}`], 2));
  const app0 = model.apps[0];
  const apps: AppModel[] = Array.from({ length: 20 }, (_, i) => ({ ...app0, name: `svc-${i + 1}`, gpu: undefined, dependsOn: i < 19 ? [`svc-${i + 2}`] : [], spec: { ...app0.spec, ingress: undefined, egress: [] } }));
  const appComponents = apps.map((a) => ({ ...model.components[0], name: a.name, kind: 'app' as const, dependsOn: ['cni', ...a.dependsOn], depth: 3, delivery: undefined }));
  return { ...model, hosts, vms, serviceVms: [], components: [...components, ...appComponents], apps };
}


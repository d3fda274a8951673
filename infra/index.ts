import type { SiteModel } from '../model';
import type { App } from './cdktf';
import { ProxmoxStack } from './proxmox-stack';

/** One TerraformStack per Terraform working directory (dist/terraform/<stack id>/). */
export function buildInfrastructure(app: App, model: SiteModel): void {
  new ProxmoxStack(app, 'proxmox', { model });
}
export { checkInfrastructure } from './check-infrastructure';

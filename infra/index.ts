import type { SiteModel } from '../model';
import type { App } from '../core/cdktf';
import { ProxmoxStack } from './proxmox-stack';

/** One TerraformStack per Terraform working directory (dist/terraform/<stack id>/). */
export function buildInfrastructure(app: App, model: SiteModel): void {
  new ProxmoxStack(app, 'proxmox', { model });
}


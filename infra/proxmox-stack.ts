import { Construct } from 'constructs';
import { ProxmoxProvider } from '../imports/proxmox/provider';
import type { SiteModel } from '../model';
import { LocalBackend, PgBackend, S3Backend, TerraformOutput, TerraformStack, TerraformVariable } from './cdktf';

export interface ProxmoxStackProps {
  readonly model: SiteModel;
}

/**
 * The Proxmox working directory: provider and state backend, then the cluster's networks, Ceph,
 * images and VMs. Credentials are always Terraform variables, never values from the site.
 */
export class ProxmoxStack extends TerraformStack {
  /** The API token variable (`var.proxmox_api_token`), sensitive. */
  public readonly apiToken: TerraformVariable;

  constructor(scope: Construct, id: string, props: ProxmoxStackProps) {
    super(scope, id);
    const { model } = props;
    const site = model.site;

    const backend = site.terraform.backend;
    switch (backend.type) {
      case 'local':
        new LocalBackend(this, { path: backend.path });
        break;
      case 's3':
        new S3Backend(this, {
          bucket: backend.bucket,
          key: backend.key,
          region: backend.region,
          encrypt: true,
          // MinIO: path-style addressing and none of the AWS account look-ups.
          ...(backend.endpoint
            ? { endpoints: { s3: backend.endpoint }, usePathStyle: true, skipCredentialsValidation: true, skipRegionValidation: true, skipRequestingAccountId: true, skipMetadataApiCheck: true }
            : {}),
        });
        break;
      case 'pg':
        // The connection string comes from PG_CONN_STR in the environment, so no credential is in dist/.
        // cdktf insists on connStr; Terraform itself falls back to PG_CONN_STR, so the rendered block omits it.
        new PgBackend(this, { connStr: '', schemaName: backend.schemaName });
        this.addOverride('terraform.backend.pg.conn_str', undefined);
        break;
    }

    this.apiToken = new TerraformVariable(this, 'proxmox_api_token', {
      type: 'string',
      sensitive: true,
      nullable: false,
      description: 'Proxmox VE API token, "user@realm!tokenid=secret". Pass it with TF_VAR_proxmox_api_token; it is never written to dist/.',
    });

    new ProxmoxProvider(this, 'proxmox', {
      endpoint: site.proxmox.endpoint,
      apiToken: this.apiToken.stringValue,
      insecure: site.proxmox.insecureTls,
      // Snippet uploads go over SSH; the agent holds the key so no key material is in dist/.
      ssh: [{ agent: true, username: site.proxmox.sshUser }],
    });

    new TerraformOutput(this, 'api_vip', { value: model.kubernetes.controlPlaneEndpoint, description: 'Kubernetes API endpoint (VIP:port)' });
    new TerraformOutput(this, 'node_ips', {
      value: Object.fromEntries(model.hosts.map((h) => [h.name, h.managementIp ?? null])),
      description: 'Management address of each Proxmox node',
    });
    new TerraformOutput(this, 'vm_ips', {
      value: Object.fromEntries(model.vms.map((v) => [v.name, v.ip])),
      description: 'Address of each Kubernetes VM on the node VLAN',
    });
  }
}

import { Construct } from 'constructs';
import { CephCluster } from '../constructs/ceph-cluster';
import { CephFilesystem } from '../constructs/ceph-filesystem';
import { CephPool } from '../constructs/ceph-pool';
import { CloudImage } from '../constructs/cloud-image';
import { CloudInitSnippet } from '../constructs/cloud-init-snippet';
import { CA_KEY_DELIVERED, NodeBootstrapSecrets, nodeCloudConfig } from '../constructs/node-cloud-config';
import { NodeNetwork } from '../constructs/node-network';
import { PciMapping } from '../constructs/pci-mapping';
import { ProxmoxVm } from '../constructs/proxmox-vm';
import { PveFirewall } from '../constructs/pve-firewall';
import { RemoteCommand } from '../constructs/remote-command';
import { serviceVmCloudConfig } from '../constructs/service-vm-cloud-config';
import { VmSecretFile } from '../constructs/vm-secret-file';
import { DataProxmoxVirtualEnvironmentNodes } from '../imports/proxmox/data-proxmox-virtual-environment-nodes';
import { ProxmoxProvider } from '../imports/proxmox/provider';
import type { CephModel, HostModel, ServiceVmModel, SiteModel, VlanModel, VmModel } from '../model';
import { ITerraformDependable, LocalBackend, PgBackend, S3Backend, TerraformOutput, TerraformStack, TerraformVariable } from '../core/cdktf';

export interface ProxmoxStackProps {
  readonly model: SiteModel;
}

/** Names of the stack's input variables; the expressions below refer to them. */
export const VARIABLES = {
  apiToken: 'proxmox_api_token',
  sshAuthorizedKeys: 'ssh_authorized_keys',
  kubeadmToken: 'kubeadm_token',
  certificateKey: 'kubeadm_certificate_key',
  caCertificate: 'kubernetes_ca_certificate',
  caKey: 'kubernetes_ca_key',
  cephRepository: 'ceph_repository',
} as const;

/** How the bootstrap secrets appear in the generated files: Terraform expressions, evaluated at apply. */
export const BOOTSTRAP_EXPRESSIONS: NodeBootstrapSecrets = {
  token: `\${var.${VARIABLES.kubeadmToken}}`,
  certificateKey: `\${var.${VARIABLES.certificateKey}}`,
  caCertificateBase64: `\${base64encode(var.${VARIABLES.caCertificate})}`,
  sshAuthorizedKeys: `\${jsonencode(var.${VARIABLES.sshAuthorizedKeys})}`,
};

/**
 * The CA key's only way to a VM (see caKeyDelivery). It is not in BOOTSTRAP_EXPRESSIONS, which are the expressions
 * cloud-init snippets may carry.
 */
export const CA_KEY_EXPRESSION = `\${var.${VARIABLES.caKey}}`;

/**
 * The Proxmox working directory: everything that turns clustered Proxmox nodes into a running Kubernetes
 * cluster — provider and state backend, node networks, Ceph, the cloud image, GPU mappings, the VMs with
 * their cloud-init bootstrap (kubeadm), HA and the host firewall. Credentials and bootstrap secrets are
 * always Terraform variables, never values from the site.
 *
 * What must be true before `terraform apply` (checked where Terraform can check it):
 * - the nodes form one Proxmox cluster (pvecm) and are online: a postcondition on the node list fails the
 *   plan otherwise;
 * - Terraform runs from the management network, with an SSH agent holding a key root accepts on every node;
 * - it also reaches the first control plane's address on the node VLAN over SSH, as the VMs' admin user with a key
 *   of ssh_authorized_keys in the agent: that is how the cluster CA key gets there (caKeyDelivery);
 * - each node's package repositories work (pveceph install and the Ceph packages come from them).
 */
export class ProxmoxStack extends TerraformStack {
  /** The API token variable (`var.proxmox_api_token`), sensitive. */
  public readonly apiToken: TerraformVariable;
  /** Kubernetes node VMs by name. */
  public readonly vms: ReadonlyMap<string, ProxmoxVm>;
  /** Service VMs (API load balancer, NFS server) by name. */
  public readonly serviceVms: ReadonlyMap<string, ProxmoxVm>;
  public readonly networks: ReadonlyMap<string, NodeNetwork>;
  public readonly ceph?: CephCluster;
  public readonly pools: ReadonlyMap<string, CephPool>;
  public readonly snippets: ReadonlyMap<string, CloudInitSnippet>;
  /** The cluster CA key's delivery to the first control plane, over SSH. */
  public readonly caKey: VmSecretFile;
  public readonly image: CloudImage;
  public readonly firewall: PveFirewall;

  constructor(scope: Construct, id: string, props: ProxmoxStackProps) {
    super(scope, id);
    const { model } = props;
    this.stateBackend(model.proxmox.stateBackend);
    // import blocks (1.5), terraform_data (1.4) and the S3 backend's endpoints/use_path_style (1.6).
    this.addOverride('terraform.required_version', '>= 1.6.0');

    this.apiToken = new TerraformVariable(this, VARIABLES.apiToken, {
      type: 'string',
      sensitive: true,
      nullable: false,
      description:
        'Proxmox VE API token, "user@realm!tokenid=secret", of a user with Administrator on / (grant it to the token too when privilege ' +
        'separation is on; bridges are only visible with SDN.Audit). Pass it with TF_VAR_proxmox_api_token; it is never written to dist/.',
    });
    const secrets = this.bootstrapVariables();
    const { mgmt, hosts } = managedHosts(model);
    this.providerAndClusterCheck(model, hosts);

    this.networks = this.nodeNetworks(model, hosts, mgmt);
    const networksReady = [...this.networks.values()].map((n) => n.ready);
    const storageContent = this.imageStorageContent(model, hosts[0]);
    const ceph = model.ceph ? this.cephCluster(model, model.ceph, hosts, networksReady) : undefined;
    this.ceph = ceph?.cluster;
    this.pools = ceph?.pools ?? new Map();

    // --- cloud image and GPU mappings ----------------------------------------------------------
    const vmHosts = [...new Set([...model.vms, ...model.serviceVms].map((v) => v.host))];
    this.image = new CloudImage(this, 'image', {
      url: model.kubernetes.image.url,
      sha256: model.kubernetes.image.sha256,
      fileName: model.kubernetes.image.fileName,
      nodes: vmHosts,
      datastoreId: model.proxmox.imageStorage,
      dependsOn: [storageContent.resource],
    });
    const mappings = this.pciMappings(hosts);

    // --- VMs: service VMs first, the control planes' kubeadm reaches the API through the load balancers' VIP
    const vmInputs: VmInputs = { model, hosts, secrets, storageContent, snippets: new Map(), cephStorages: ceph?.storages ?? new Map(), mappings };
    this.serviceVms = this.serviceVmResources(vmInputs);
    const loadBalancers = model.serviceVms.filter((v) => v.role === 'api-load-balancer');
    const apiLoadBalancers = loadBalancers.map((v) => this.serviceVms.get(v.name)?.vm).filter((v): v is NonNullable<typeof v> => v !== undefined);
    this.vms = this.kubernetesVmResources(vmInputs, apiLoadBalancers);
    this.snippets = vmInputs.snippets;
    this.caKey = this.caKeyDelivery(model);

    this.firewall = this.hostFirewall(model, hosts, mgmt, networksReady);
    this.outputs(model);
  }

  /** Where Terraform keeps its state: never a credential in dist/ (S3 keys and PG_CONN_STR come from the environment). */
  private stateBackend(backend: SiteModel['proxmox']['stateBackend']): void {
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

  }

  /** The provider, over the nodes' management addresses, and a check that fails the plan unless they are one online cluster. */
  private providerAndClusterCheck(model: SiteModel, hosts: readonly ManagedHost[]): void {
    const sshUser = model.proxmox.sshUser;
    new ProxmoxProvider(this, 'proxmox', {
      endpoint: model.proxmox.endpoint,
      apiToken: this.apiToken.stringValue,
      insecure: model.proxmox.insecureTls,
      // Uploads and disk imports go over SSH to each node's management address; the agent holds the
      // key, so no key material is in dist/.
      ssh: [{ agent: true, username: sshUser, nodeAttribute: hosts.map((h) => ({ name: h.name, address: h.managementIp })) }],
    });

    // Fails the plan, before anything changes, when the nodes are not one online cluster yet.
    const nodeNames = JSON.stringify(hosts.map((h) => h.name));
    const cluster = new DataProxmoxVirtualEnvironmentNodes(this, 'cluster', {});
    cluster.overrideLogicalId('cluster');
    cluster.addOverride('lifecycle.postcondition', [
      {
        condition: `\${length(setsubtract(${nodeNames}, [for i, n in self.names : n if self.online[i]])) == 0}`,
        error_message: `The Proxmox nodes ${hosts.map((h) => h.name).join(', ')} must be online members of one cluster (pvecm create on the first, pvecm add on the others) before this configuration is applied.`,
      },
    ]);
  }

  /** Each node's bridge and VLAN interfaces. */
  private nodeNetworks(model: SiteModel, hosts: readonly ManagedHost[], mgmt: VlanModel): Map<string, NodeNetwork> {
    // --- networks ------------------------------------------------------------------------------
    // The management VLAN reaches each node untagged, where the Proxmox installer put it (on the bridge);
    // moving it through the API Terraform is talking over would cut the connection mid-apply. Every other
    // VLAN is tagged on the bridge, with a host interface where the node has an address on it.
    const tagged = model.network.vlans.filter((v) => v.role !== 'management');
    const networks = new Map<string, NodeNetwork>();
    for (const h of hosts) {
      networks.set(
        h.name,
        new NodeNetwork(this, `network-${h.name}`, {
          node: h.name,
          bridge: model.network.bridge,
          uplink: model.network.uplink,
          vlanIds: tagged.map((v) => v.id),
          address: `${h.managementIp}/${mgmt.prefixLength}`,
          gateway: mgmt.gateway,
          vlanInterfaces: tagged.filter((v) => h.addresses[v.name]).map((v) => ({ id: v.id, name: v.name, address: `${h.addresses[v.name]}/${v.prefixLength}` })),
          mtu: model.network.mtu,
          adoptExisting: model.network.bridge === 'vmbr0',
          resourcePrefix: h.name,
        }),
      );
    }
    return networks;
  }

  private imageStorageContent(model: SiteModel, firstHost: ManagedHost): RemoteCommand {
    // --- image storage: cloud images (iso) and cloud-init snippets ----------------------------
    // storage.cfg is cluster-wide, so one node changes it for all. Only missing content types are added.
    const imageStorage = model.proxmox.imageStorage;
    return new RemoteCommand(this, 'image-storage-content', {
      host: firstHost.managementIp,
      user: model.proxmox.sshUser,
      resourceName: `pve-storage-content_${imageStorage}`,
      commands: [
        `current=$(pvesh get /storage/${imageStorage} --output-format json | sed -n 's/.*"content":"\\([^"]*\\)".*/\\1/p')`,
        `[ -n "$current" ] || { echo "storage ${imageStorage} has no content list" >&2; exit 1; }`,
        'wanted=$current',
        'for type in iso snippets; do case ",$wanted," in *",$type,"*) ;; *) wanted="$wanted,$type" ;; esac; done',
        `[ "$wanted" = "$current" ] || pvesm set ${imageStorage} --content "$wanted"`,
      ],
    });
  }

  /** Ceph on the nodes (pveceph), its pools and the CephFS filesystem. */
  private cephCluster(model: SiteModel, c: CephModel, hosts: readonly ManagedHost[], networksReady: readonly ITerraformDependable[]): CephResources {
    // --- Ceph ----------------------------------------------------------------------------------
    const pools = new Map<string, CephPool>();
    const storages = new Map<string, CephPool>();
    const sshUser = model.proxmox.sshUser;
    const hostByName = new Map(hosts.map((h) => [h.name, h]));
    {
      const daemons = new Map(c.monitors.map((m) => [m.host, m.ip]));
      const repository = new TerraformVariable(this, VARIABLES.cephRepository, {
        type: 'string',
        default: 'no-subscription',
        nullable: false,
        description: 'Repository `pveceph install` takes the Ceph packages from: "enterprise" needs a subscription on every node.',
        validation: [{ condition: `\${contains(["enterprise", "no-subscription", "test"], var.${VARIABLES.cephRepository})}`, errorMessage: 'ceph_repository must be "enterprise", "no-subscription" or "test".' }],
      });
      const repositoryExpr = `\${var.${repository.friendlyUniqueId}}`;
      const cluster = new CephCluster(this, 'ceph', {
        nodes: hosts.map((h) => ({ name: h.name, sshHost: h.managementIp, publicIp: daemons.get(h.name), osdDevices: daemons.has(h.name) ? h.osdDevices : [] })),
        publicNetwork: c.publicNetwork,
        clusterNetwork: c.clusterNetwork,
        sshUser,
        release: c.release,
        repository: repositoryExpr,
        expressions: [repositoryExpr],
        metadataServers: c.filesystem !== undefined,
        dependsOn: networksReady,
      });
      const primary = hostByName.get(cluster.primary.name) ?? hosts[0];
      for (const p of c.pools) {
        const pool = new CephPool(this, `pool-${p.name}`, {
          name: p.name,
          node: primary.name,
          size: p.size,
          minSize: p.minSize,
          application: p.application,
          pveStorage: p.pveStorage,
          ssh: { host: primary.managementIp, user: sshUser },
          dependsOn: cluster.ready,
        });
        pools.set(p.name, pool);
        if (p.pveStorage) storages.set(p.pveStorage, pool);
      }
      if (c.filesystem) {
        const fs = c.filesystem;
        new CephFilesystem(this, 'cephfs', {
          name: fs.name,
          metadataPool: fs.metadataPool,
          dataPool: fs.dataPool,
          ssh: { host: primary.managementIp, user: sshUser },
          dependsOn: [...[fs.metadataPool, fs.dataPool].map((n) => poolOrThrow(pools, n).pool), ...cluster.metadataServers.map((m) => m.resource)],
        });
      }
      return { cluster, pools, storages };
    }
  }

  private pciMappings(hosts: readonly ManagedHost[]): Map<string, PciMapping> {
    const mappings = new Map<string, PciMapping>();
    for (const h of hosts) {
      for (const g of h.gpus) {
        mappings.set(g.name, new PciMapping(this, `pci-${g.name}`, {
          name: g.name,
          comment: `${g.model} on ${h.name}`,
          devices: [{ node: h.name, path: g.pciAddress, deviceId: g.deviceId, iommuGroup: g.iommuGroup, subsystemId: g.subsystemId }],
        }));
      }
    }
    return mappings;
  }

  /** The service VMs (API load balancer, NFS server), each with its cloud-init. */
  private serviceVmResources({ model, secrets, storageContent, snippets }: VmInputs): Map<string, ProxmoxVm> {
    const k = model.kubernetes;
    const imageStorage = model.proxmox.imageStorage;
    const networks = this.networks;
    const serviceVms = new Map<string, ProxmoxVm>();
    const loadBalancers = model.serviceVms.filter((v) => v.role === 'api-load-balancer');
    for (const vm of model.serviceVms) {
      const snippet = new CloudInitSnippet(this, `user-data-${vm.name}`, {
        fileName: `${vm.name}-user-data.yaml`,
        content: serviceVmCloudConfig({ vm, kubernetes: k, sshAuthorizedKeys: secrets.sshAuthorizedKeys, loadBalancers }),
        expressions: [secrets.sshAuthorizedKeys],
        nodes: [vm.host],
        datastoreId: imageStorage,
        resourcePrefix: vm.name,
        dependsOn: [storageContent.resource],
      });
      snippets.set(vm.name, snippet);
      const image = this.image.byNode.get(vm.host);
      if (!image) throw new Error(`ProxmoxStack: no cloud image on ${vm.host} for ${vm.name}`);
      serviceVms.set(
        vm.name,
        new ProxmoxVm(this, `vm-${vm.name}`, {
          name: vm.name,
          vmId: vm.vmId,
          node: vm.host,
          cores: vm.cores,
          memoryMiB: vm.memoryMiB,
          diskGiB: vm.diskGiB,
          storage: vm.storage,
          dataDisks: vm.dataDisks,
          imageFileId: image.id,
          userDataFileId: snippet.fileIdOn(vm.host),
          bridge: model.network.bridge,
          vlanId: k.nodeVlan.id,
          mtu: model.network.mtu === 1500 ? undefined : model.network.mtu,
          ipv4: `${vm.ip}/${vm.prefixLength}`,
          gateway: vm.gateway,
          dnsServers: k.dnsServers,
          tags: serviceVmTags(vm),
          dependsOn: [networks.get(vm.host)?.bridge, ...snippet.byNode.values()].filter((d): d is NonNullable<typeof d> => d !== undefined),
        }),
      );
    }
    return serviceVms;
  }

  /** The Kubernetes VMs with their kubeadm cloud-init, on shared storage with HA where the site allows. */
  private kubernetesVmResources({ model, hosts, secrets, storageContent, snippets, cephStorages, mappings }: VmInputs, apiLoadBalancers: readonly ITerraformDependable[]): Map<string, ProxmoxVm> {
    const k = model.kubernetes;
    const skipKubeProxy = !k.kubeProxy;
    const addonRequirements = k.nodeRequirements;
    const expressions = Object.values(secrets);
    const imageStorage = model.proxmox.imageStorage;
    const networks = this.networks;
    const vms = new Map<string, ProxmoxVm>();
    const sharedFiles = new Map<string, string>();
    for (const vm of model.vms) {
      const cephStorage = cephStorages.get(vm.storage);
      // HA needs the disks on shared storage (a Ceph storage of this site) and somewhere else to go;
      // a GPU VM stays with its GPU.
      const ha = hosts.length > 1 && cephStorage !== undefined && !vm.gpu;
      const snippet = new CloudInitSnippet(this, `user-data-${vm.name}`, {
        fileName: `${vm.name}-user-data.yaml`,
        content: nodeCloudConfig({ kubernetes: k, vm, secrets, skipKubeProxy, addonRequirements, sharedFiles }),
        expressions,
        // HA may start the VM on any node, and the user-data is read where it starts.
        nodes: ha ? hosts.map((h) => h.name) : [vm.host],
        datastoreId: imageStorage,
        resourcePrefix: vm.name,
        dependsOn: [storageContent.resource],
      });
      snippets.set(vm.name, snippet);
      const image = this.image.byNode.get(vm.host);
      if (!image) throw new Error(`ProxmoxStack: no cloud image on ${vm.host} for ${vm.name}`);
      const mapping = vm.gpu ? mappings.get(vm.gpu.mapping) : undefined;
      if (vm.gpu && !mapping) throw new Error(`ProxmoxStack: ${vm.name} uses PCI mapping ${vm.gpu.mapping}, which no node declares`);
      const dependsOn: ITerraformDependable[] = [networks.get(vm.host)?.bridge, ...[...snippet.byNode.values()], cephStorage?.storage?.resource, mapping?.mapping, ...apiLoadBalancers].filter(
        (d): d is NonNullable<typeof d> => d !== undefined,
      );
      vms.set(
        vm.name,
        new ProxmoxVm(this, `vm-${vm.name}`, {
          name: vm.name,
          vmId: vm.vmId,
          node: vm.host,
          cores: vm.cores,
          memoryMiB: vm.memoryMiB,
          diskGiB: vm.diskGiB,
          storage: vm.storage,
          imageFileId: image.id,
          userDataFileId: snippet.fileIdOn(vm.host),
          bridge: model.network.bridge,
          vlanId: k.nodeVlan.id,
          mtu: model.network.mtu === 1500 ? undefined : model.network.mtu,
          ipv4: `${vm.ip}/${vm.prefixLength}`,
          gateway: vm.gateway,
          secondaryNic: vm.cephPublic ? { vlanId: vm.cephPublic.vlanId, ipv4: `${vm.cephPublic.ip}/${vm.cephPublic.prefixLength}` } : undefined,
          dnsServers: k.dnsServers,
          pciMapping: mapping?.name,
          highAvailability: ha,
          tags: vmTags(vm),
          dependsOn,
        }),
      );
    }
    return vms;
  }

  /**
   * The cluster CA key goes to the first control plane over SSH, never through its user-data: a snippet stays on
   * the nodes' storage and cloud-init keeps a copy in the VM. The alternative, letting kubeadm init make the CA,
   * would leave the joining nodes nothing to pin before the cluster exists: token discovery needs the CA's hash,
   * which then is known only after init, so every other VM's user-data would have to wait for a value read back
   * from the first control plane, or skip the CA check. A CA made beforehand keeps the joins pinned (its
   * certificate is public and stays in the user-data); only the key travels apart, into the one VM that needs it.
   */
  private caKeyDelivery(model: SiteModel): VmSecretFile {
    const first = model.kubernetes.firstControlPlane;
    const vm = this.vms.get(first.name);
    if (!vm) throw new Error(`ProxmoxStack: the first control plane ${first.name} has no VM`);
    return new VmSecretFile(this, `ca-key-${first.name}`, {
      host: first.ip,
      user: model.kubernetes.adminUser,
      content: CA_KEY_EXPRESSION,
      destination: CA_KEY_DELIVERED,
      // A new VM (its id is unknown while it is replaced) gets the key again; the key is never a trigger, so a
      // changed variable does not push a new key under a running cluster.
      triggersReplace: { vm: vm.vm.id },
      resourceName: `${first.name}_ca-key`,
      dependsOn: [vm.vm],
    });
  }

  private hostFirewall(model: SiteModel, hosts: readonly ManagedHost[], mgmt: VlanModel, networksReady: readonly ITerraformDependable[]): PveFirewall {
    // --- host firewall -------------------------------------------------------------------------
    const k = model.kubernetes;
    const managementNodes = model.managementHosts.filter((m) => m.role === 'management-node').map((m) => m.address);
    return new PveFirewall(this, 'firewall', {
      nodes: hosts.map((h) => h.name),
      managementCidr: mgmt.cidr,
      // Where the site names its management nodes, root SSH to the hypervisors comes from them only.
      sshSources: managementNodes.length > 0 ? managementNodes : undefined,
      nodeAddresses: hosts.map((h) => h.managementIp),
      cephPublicCidr: model.ceph?.publicNetwork,
      cephClusterCidr: model.ceph?.clusterNetwork,
      // An add-on in the cluster that is a Ceph client (Rook in external mode) reaches Ceph from the Kubernetes nodes.
      cephClientCidrs: model.ceph && model.ceph.clients.length > 0 ? [k.nodeVlan.cidr] : [],
      // After the Ceph daemons and the networks, so neither is cut off while it is being set up.
      dependsOn: [...networksReady, ...(this.ceph?.ready ?? [])],
    });
  }

  private outputs(model: SiteModel): void {
    new TerraformOutput(this, 'api_vip', { value: model.kubernetes.controlPlaneEndpoint, description: 'Kubernetes API endpoint (VIP:port)' });
    new TerraformOutput(this, 'node_ips', {
      value: Object.fromEntries(model.hosts.map((h) => [h.name, h.managementIp ?? null])),
      description: 'Management address of each Proxmox node',
    });
    new TerraformOutput(this, 'vm_ips', {
      value: Object.fromEntries(model.vms.map((v) => [v.name, v.ip])),
      description: 'Address of each Kubernetes VM on the node VLAN',
    });
    new TerraformOutput(this, 'vm_ids', {
      value: Object.fromEntries(model.vms.map((v) => [v.name, v.vmId])),
      description: 'Proxmox VM id of each Kubernetes VM',
    });
    if (model.serviceVms.length > 0) {
      new TerraformOutput(this, 'service_vm_ips', {
        value: Object.fromEntries(model.serviceVms.map((v) => [v.name, v.ip])),
        description: 'Address of each service VM (API load balancer, NFS server) on the node VLAN',
      });
    }
  }

  /** The inputs every node's bootstrap needs; secrets are sensitive and checked for shape before anything is created. */
  private bootstrapVariables(): NodeBootstrapSecrets {
    new TerraformVariable(this, VARIABLES.sshAuthorizedKeys, {
      type: 'list(string)',
      nullable: false,
      description: "SSH public keys of the VMs' admin user. The VMs have no password login at all.",
      validation: [
        {
          condition: `\${length(var.${VARIABLES.sshAuthorizedKeys}) > 0 && alltrue([for k in var.${VARIABLES.sshAuthorizedKeys} : can(regex("^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(256|384|521)|sk-ssh-ed25519@openssh[.]com|sk-ecdsa-sha2-nistp256@openssh[.]com) ", k))])}`,
          errorMessage: 'ssh_authorized_keys must hold at least one OpenSSH public key line ("ssh-ed25519 AAAA... comment").',
        },
      ],
    });
    new TerraformVariable(this, VARIABLES.kubeadmToken, {
      type: 'string',
      sensitive: true,
      nullable: false,
      description: 'kubeadm bootstrap token the nodes join with, e.g. from `kubeadm token generate`. Valid 24 h after the first control plane starts.',
      validation: [{ condition: `\${can(regex("^[a-z0-9]{6}[.][a-z0-9]{16}$", var.${VARIABLES.kubeadmToken}))}`, errorMessage: 'kubeadm_token must match [a-z0-9]{6}.[a-z0-9]{16}.' }],
    });
    new TerraformVariable(this, VARIABLES.certificateKey, {
      type: 'string',
      sensitive: true,
      nullable: false,
      description: 'Key that encrypts the control-plane certificates kubeadm uploads for the other control planes (`kubeadm certs certificate-key`).',
      validation: [{ condition: `\${can(regex("^[a-f0-9]{64}$", var.${VARIABLES.certificateKey}))}`, errorMessage: 'kubeadm_certificate_key must be 64 hexadecimal digits.' }],
    });
    new TerraformVariable(this, VARIABLES.caCertificate, {
      type: 'string',
      nullable: false,
      description:
        'Cluster CA certificate (PEM), made beforehand, e.g. `kubeadm init phase certs ca --cert-dir ./pki`. Joining nodes pin it, so they ' +
        'verify the API server instead of trusting whoever answers on the VIP.',
      validation: [{ condition: `\${can(regex("-----BEGIN CERTIFICATE-----", var.${VARIABLES.caCertificate}))}`, errorMessage: 'kubernetes_ca_certificate must be a PEM certificate.' }],
    });
    new TerraformVariable(this, VARIABLES.caKey, {
      type: 'string',
      sensitive: true,
      nullable: false,
      description:
        'Private key (PEM) of kubernetes_ca_certificate. Terraform copies it over SSH into the first control plane only (as the VMs\' admin ' +
        'user, so the SSH agent must hold one of ssh_authorized_keys); it is never in a cloud-init snippet. No resource attribute holds it, so the state does not; a saved plan (plan -out) does.',
      validation: [{ condition: `\${can(regex("-----BEGIN (RSA |EC )?PRIVATE KEY-----", var.${VARIABLES.caKey}))}`, errorMessage: 'kubernetes_ca_key must be a PEM private key.' }],
    });
    return BOOTSTRAP_EXPRESSIONS;
  }
}

function poolOrThrow(pools: ReadonlyMap<string, CephPool>, name: string): CephPool {
  const pool = pools.get(name);
  if (!pool) throw new Error(`ProxmoxStack: CephFS pool ${name} is not in ceph.pools`);
  return pool;
}

function serviceVmTags(vm: ServiceVmModel): string[] {
  return ['service', vm.role];
}

function vmTags(vm: VmModel): string[] {
  return ['kubernetes', vm.role, ...(vm.gpu ? ['gpu'] : [])];
}

/** A Proxmox node with the management address Terraform reaches it on. */
type ManagedHost = HostModel & { readonly managementIp: string };

/** The management VLAN and every node's address on it: Terraform reaches the nodes (API, SSH) there, so both must exist. */
function managedHosts(model: SiteModel): { mgmt: VlanModel; hosts: ManagedHost[] } {
  const mgmt = model.network.byRole.management;
  if (!mgmt) {
    throw new Error(`site ${model.name}: network.vlans has no VLAN with role "management"; Terraform reaches the nodes (API, SSH) on it. Add one and give every node an address on it`);
  }
  const hosts = model.hosts.map((h, i) => {
    if (!h.managementIp) throw new Error(`site ${model.name}: proxmox.nodes[${i}] (${h.name}) has no address on the management VLAN "${mgmt.name}"; add addresses.${mgmt.name}`);
    return { ...h, managementIp: h.managementIp };
  });
  return { mgmt, hosts };
}

interface CephResources {
  readonly cluster: CephCluster;
  readonly pools: Map<string, CephPool>;
  /** Pools exposed as PVE storage, by storage id. */
  readonly storages: Map<string, CephPool>;
}

/** What the VM phases share. */
interface VmInputs {
  readonly model: SiteModel;
  readonly hosts: readonly ManagedHost[];
  readonly secrets: NodeBootstrapSecrets;
  readonly storageContent: RemoteCommand;
  /** Filled by the VM phases: each VM's cloud-init snippet. */
  readonly snippets: Map<string, CloudInitSnippet>;
  readonly cephStorages: ReadonlyMap<string, CephPool>;
  readonly mappings: ReadonlyMap<string, PciMapping>;
}

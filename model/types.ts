import type { AppSpec, CephPoolSpec, Delivery, GpuSpec, ManagementHostSpec, NodePoolSpec, ServiceVmSpec, Site, VlanRole } from '../site';
import type { S3LocationSpec } from '../site/spec';
import type { AddonFacts, Capability } from '../addons/addon-facts';
import type { EdgeFleetModel } from './edge-fleet';
import type { GpuFit } from './gpu-fit';

/** An add-on the site installs: its facts and its platform.addons.<key> value, defaults filled in. */
export interface AddonModel {
  readonly facts: AddonFacts;
  readonly key: string;
  readonly component: string;
  readonly namespace: string;
  readonly provides: readonly Capability[];
  readonly config: unknown;
}

/**
 * The model: everything the constructs need, derived once from a validated site. Constructs read only
 * this, never the raw spec, so every derived value (an address, a placement, an order) has one source.
 */

export interface VlanModel {
  readonly id: number;
  readonly name: string;
  readonly role: VlanRole;
  readonly cidr: string;
  readonly prefixLength: number;
  readonly gateway?: string;
  readonly purpose?: string;
}

export interface HostModel {
  readonly name: string;
  readonly cpuCores: number;
  readonly memoryGiB: number;
  /** Address per VLAN name. */
  readonly addresses: Readonly<Record<string, string>>;
  readonly managementIp?: string;
  readonly cephPublicIp?: string;
  readonly cephClusterIp?: string;
  readonly osdDevices: readonly string[];
  readonly gpus: readonly GpuSpec[];
  /** What VMs may use after the site's reserve. */
  readonly allocatable: { readonly cpuCores: number; readonly memoryMiB: number };
  /** What the placed VMs use. */
  readonly allocated: { readonly cpuCores: number; readonly memoryMiB: number };
  /** Names of the VMs placed here (Kubernetes nodes, then service VMs), in site order. */
  readonly vms: readonly string[];
}

export interface VmModel {
  readonly name: string;
  readonly vmId: number;
  readonly pool: string;
  readonly role: 'control-plane' | 'worker';
  /** 1-based index within its pool. */
  readonly index: number;
  /** Proxmox node it runs on. */
  readonly host: string;
  readonly ip: string;
  readonly prefixLength: number;
  readonly gateway?: string;
  /** Second NIC on the Ceph public VLAN (ceph.clientFirstIp), for in-cluster Ceph clients. */
  readonly cephPublic?: { readonly vlanId: number; readonly ip: string; readonly prefixLength: number };
  readonly cores: number;
  readonly memoryMiB: number;
  readonly diskGiB: number;
  readonly storage: string;
  readonly gpu?: { readonly mapping: string; readonly model: string; readonly memoryGiB: number; readonly pciAddress: string; readonly deviceId: string };
  readonly labels: Readonly<Record<string, string>>;
  readonly taints: readonly { readonly key: string; readonly value: string; readonly effect: string }[];
}

/** A VM beside the Kubernetes nodes (site.serviceVms), placed on a Proxmox node like them. */
export interface ServiceVmModel {
  readonly name: string;
  readonly vmId: number;
  readonly role: ServiceVmSpec['role'];
  /** 1-based position among the site's VMs of the same role, in site order. */
  readonly index: number;
  /** Proxmox node it runs on. */
  readonly host: string;
  /** Address on the Kubernetes node VLAN. */
  readonly ip: string;
  readonly prefixLength: number;
  readonly gateway?: string;
  readonly cores: number;
  readonly memoryMiB: number;
  readonly diskGiB: number;
  readonly storage: string;
  /** Disks beside the system disk, in attachment order (scsi1, scsi2, ...). */
  readonly dataDisks: readonly { readonly sizeGiB: number; readonly storage: string }[];
  /** nfs-server: the folder the data disk is mounted on and exported as. */
  readonly exportPath?: string;
}

/** A machine on the management network that is not a Proxmox node (site.managementHosts). */
export interface ManagementHostModel {
  readonly name: string;
  readonly role: ManagementHostSpec['role'];
  readonly address: string;
  /** Name of the management VLAN the address is on. */
  readonly vlan: string;
  readonly purpose?: string;
}

/** Where the NFS provisioner creates its volumes, resolved against the site's nfs-server VM. */
export interface NfsExportModel {
  readonly server: string;
  readonly path: string;
  /** The site's VM serving the export, when it is one. */
  readonly vm?: string;
}

export interface KubernetesModel {
  readonly version: string;
  /** "1.31": the package repository line for kubeadm/kubelet/kubectl. */
  readonly minorVersion: string;
  readonly clusterName: string;
  readonly nodeVlan: VlanModel;
  readonly apiVip: string;
  readonly apiPort: number;
  /** `<vip>:<port>`, kubeadm's controlPlaneEndpoint. */
  readonly controlPlaneEndpoint: string;
  readonly podCidr: string;
  readonly serviceCidr: string;
  /** First address of the service range: the `kubernetes` Service. */
  readonly apiServiceIp: string;
  /** Tenth address of the service range: kube-dns, as kubeadm assigns it. */
  readonly dnsServiceIp: string;
  readonly dnsDomain: string;
  readonly vip: { readonly provider: 'kube-vip' | 'haproxy'; readonly version: string };
  readonly containerdVersion: string;
  readonly image: { readonly url: string; readonly sha256: string; readonly fileName: string };
  readonly adminUser: string;
  readonly dnsServers: readonly string[];
  readonly controlPlanes: readonly VmModel[];
  readonly workers: readonly VmModel[];
  /** Workers with a GPU passed through. */
  readonly gpuWorkers: readonly VmModel[];
  /** The control plane that runs `kubeadm init`. */
  readonly firstControlPlane: VmModel;
  /** The site's node pools (kubernetes.nodePools, in site order), for messages that name a pool's fields. */
  readonly nodePools: readonly NodePoolSpec[];
  /** Whether kubeadm installs kube-proxy: false when the site's CNI, so configured, serves Services itself. */
  readonly kubeProxy: boolean;
  /** Packages and services the installed add-ons need on every node (their facts' `node`), sorted, without repeats. */
  readonly nodeRequirements: { readonly packages: readonly string[]; readonly services: readonly string[] };
}

/** How Terraform reaches Proxmox VE and where it keeps its state (site.proxmox, site.terraform.backend). */
export interface ProxmoxAccessModel {
  /** API endpoint the provider talks to. */
  readonly endpoint: string;
  readonly insecureTls: boolean;
  /** User of the provider's SSH connections and of the remote commands. */
  readonly sshUser: string;
  /** PVE storage id for cloud images and snippets on every node. */
  readonly imageStorage: string;
  readonly stateBackend: Site['terraform']['backend'];
}

export interface CephModel {
  /** Ceph release `pveceph install --version` installs (ceph.release). */
  readonly release: string;
  readonly publicNetwork: string;
  readonly clusterNetwork: string;
  readonly monitors: readonly { readonly host: string; readonly ip: string }[];
  readonly osdHosts: readonly string[];
  readonly pools: readonly CephPoolSpec[];
  readonly filesystem?: { readonly name: string; readonly metadataPool: string; readonly dataPool: string };
  /** Components in the cluster that are clients of this Ceph (add-ons whose facts say cephClient), in catalog order. */
  readonly clients: readonly string[];
}

export type ComponentKind = 'addon' | 'data-store' | 'app';

/** A unit of the Kubernetes side: one Argo CD Application, one dist/kubernetes/ folder. */
export interface ComponentModel {
  readonly name: string;
  readonly kind: ComponentKind;
  readonly namespace: string;
  /** Components that must be running first (names), sorted. */
  readonly dependsOn: readonly string[];
  /** Position in the dependency order: 0 for components with no dependencies. */
  readonly depth: number;
  /** For chart-based add-ons: how the chart reaches the cluster. */
  readonly delivery?: Delivery;
  /** Whether this component creates its namespace (false for kube-system and for namespaces another component owns). */
  readonly ownsNamespace: boolean;
  /** Pod Security Standards level enforced on the namespace, and the reason when it is not restricted. */
  readonly podSecurity: { readonly level: 'restricted' | 'baseline' | 'privileged'; readonly reason?: string };
}

export interface ServiceAddress {
  readonly host: string;
  readonly port: number;
  readonly scheme: string;
}

export interface AppModel {
  readonly spec: AppSpec;
  readonly name: string;
  readonly namespace: string;
  readonly container: string;
  /** Environment with every `serviceOf` resolved to the Service's address. */
  readonly env: readonly (
    | { readonly name: string; readonly value: string }
    | { readonly name: string; readonly secret: { readonly name: string; readonly key: string; readonly remoteKey: string; readonly remoteProperty?: string } }
  )[];
  readonly dependsOn: readonly string[];
  /** GPU placement and the fit vLLM checks at start-up (model/gpu-fit.ts), whose engine arguments the container carries. */
  readonly gpu?: { readonly count: number; readonly nodeLabel: string } & GpuFit;
}

export interface SiteModel {
  readonly name: string;
  /** Free text for REVIEW.md (site.description). */
  readonly description?: string;
  readonly proxmox: ProxmoxAccessModel;
  /** The Git repository Argo CD syncs from (site.gitops). */
  readonly gitops: Site['gitops'];
  /** Object storage for cluster and database backups (platform.backupStore). */
  readonly backupStore?: S3LocationSpec;
  /** The site's data stores (dataStores), defaults filled in. */
  readonly dataStores: Site['dataStores'];
  /** Exceptions to the output policy the site declares (policy.exceptions), in site order. */
  readonly policyExceptions: Site['policy']['exceptions'];
  /** The StorageClass for ReadWriteMany claims, when a storage add-on of the site serves them (readWriteManyClassOf). */
  readonly readWriteManyClass?: string;
  readonly network: {
    readonly uplink: string;
    readonly bridge: string;
    readonly mtu: number;
    readonly vlans: readonly VlanModel[];
    readonly byName: Readonly<Record<string, VlanModel>>;
    readonly byRole: Readonly<Partial<Record<VlanRole, VlanModel>>>;
  };
  readonly hosts: readonly HostModel[];
  /** The Kubernetes node VMs. */
  readonly vms: readonly VmModel[];
  /** VMs beside the Kubernetes nodes, in site order. */
  readonly serviceVms: readonly ServiceVmModel[];
  readonly managementHosts: readonly ManagementHostModel[];
  /** The NFS export the site's NFS client add-on (nfsExport in its facts) creates volumes on, resolved against the nfs-server VMs. */
  readonly nfsExport?: NfsExportModel;
  readonly kubernetes: KubernetesModel;
  readonly ceph?: CephModel;
  readonly appNamespace: string;
  readonly apps: readonly AppModel[];
  /** Kubernetes-side components in dependency order (dependencies first; ties by name). */
  readonly components: readonly ComponentModel[];
  /** The add-ons the site installs, in catalog order, each with its validated configuration. */
  readonly addons: readonly AddonModel[];
  /** Service address of an app or data store, by its name. */
  readonly services: Readonly<Record<string, ServiceAddress>>;
  /** Edge SBCs from the site's inventory, when the site has an edge section. */
  readonly edgeFleet?: EdgeFleetModel;
  /** Things that are allowed but a reviewer should see (printed by synth). */
  readonly warnings: readonly string[];
}

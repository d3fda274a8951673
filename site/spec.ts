import { z } from 'zod';
import {
  cidr,
  cron,
  dnsLabel,
  httpsUrl,
  image,
  ipv4,
  nonNegativeInt,
  wholeNumber,
  port,
  positiveInt,
  semver,
  sha256,
  url,
} from './primitives';
import type { AddonFacts } from '../addons/addon-facts';
import { ADDON_CATALOG } from '../addons/catalog';
import { delivery } from './addon-fields';

/**
 * The site schema: the one typed input of the compiler. Every object is strict (an unknown key is an
 * error, because a misspelt optional key would otherwise silently fall back to its default). Defaults
 * are applied here, once, so the model and the constructs only ever see complete values.
 *
 * Every field's documentation is its `.describe()`, not a comment: it lands in site.schema.json, so YAML and JSON
 * authors get it as hover docs, and a field a site may leave out says its default as behaviour ("Default: ...").
 * test/site-schema.test.ts fails on a field without either.
 */

// ---------------------------------------------------------------------------------------------
// Network

/** What a VLAN is for. The model looks networks up by role, so each role below is unique per site. */
export const VLAN_ROLES = ['management', 'kubernetes', 'ceph-public', 'ceph-cluster', 'storage', 'edge', 'dmz', 'iot'] as const;
export type VlanRole = (typeof VLAN_ROLES)[number];

const vlan = z.strictObject({
  id: z.number().int({ message: 'must be a whole number' }).min(1, { message: 'must be a VLAN id from 1 to 4094' }).max(4094, { message: 'must be a VLAN id from 1 to 4094' }).describe('802.1Q VLAN id (1-4094).'),
  name: dnsLabel.describe('Name of the VLAN; Proxmox node addresses and other sections refer to the VLAN by it.'),
  role: z.enum(VLAN_ROLES, { message: `must be one of ${VLAN_ROLES.join(', ')}` }).describe('What the VLAN is for; the model looks networks up by role, so each role is unique per site.'),
  cidr: cidr.describe('IPv4 network of the VLAN in CIDR form, no host bits set.'),
  gateway: ipv4.optional().describe('Default gateway of the network. Default: none, the network is not routed.'),
  purpose: z.string().min(1).optional().describe('Free text shown in REVIEW.md. Default: none.'),
});
export type VlanSpec = z.output<typeof vlan>;

const network = z.strictObject({
  uplink: z.string().regex(/^[a-z][a-z0-9.]*$/, { message: 'must be a Linux interface name, e.g. eno1' }).default('eno1').describe('Physical interface the VLAN-aware bridge is built on (the same name on every Proxmox node). Default: "eno1".'),
  bridge: z.string().regex(/^vmbr\d+$/, { message: 'must be a Proxmox bridge name like vmbr0' }).default('vmbr0').describe('The VLAN-aware Linux bridge the VMs attach to. Default: "vmbr0".'),
  mtu: z.number().int().min(1280).max(9216).default(1500).describe('MTU of the bridge and VLAN interfaces (1280-9216). Default: 1500.'),
  vlans: z.array(vlan).min(1, { message: 'must list at least the VLAN that carries the Kubernetes nodes' }).max(4094, { message: 'must list at most 4094 VLANs (the 802.1Q ids)' }).describe('The site\'s VLANs, at least the one that carries the Kubernetes nodes.'),
  dnsServers: z.array(ipv4).min(1).max(3, { message: 'must list at most 3 servers: the resolver (glibc) reads only the first three of resolv.conf' }).optional().describe('DNS servers given to the VMs through cloud-init. Default: the Kubernetes VLAN\'s gateway.'),
});

// ---------------------------------------------------------------------------------------------
// Proxmox

const gpu = z.strictObject({
  name: dnsLabel.describe('Name of the Proxmox PCI hardware mapping (cluster-wide, so unique per site).'),
  model: dnsLabel.describe('GPU model, matched by GPU node pools (kubernetes.nodePools[].gpuModel).'),
  pciAddress: z.string().regex(/^[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]$/, {
    message: 'must be a full PCI address like 0000:01:00.0 (see `lspci -D` on the host)',
  }).describe('PCI address on the host, e.g. 0000:01:00.0 (`lspci -D`).'),
  deviceId: z.string().regex(/^[0-9a-f]{4}:[0-9a-f]{4}$/, { message: 'must be vendor:device in hex like 10de:20b0 (see `lspci -nn`)' }).describe('Vendor:device id, e.g. 10de:20b0 for an A100 40GB PCIe (`lspci -nn`).'),
  iommuGroup: nonNegativeInt.optional().describe(
    'IOMMU group of the device on the host (`find /sys/kernel/iommu_groups/ -type l`). Default: unset; Proxmox accepts the mapping but marks it incomplete, so synth warns.',
  ),
  subsystemId: z.string().regex(/^[0-9a-f]{4}:[0-9a-f]{4}$/, { message: 'must be vendor:device in hex like 10de:145f' }).optional().describe('Subsystem vendor:device id (`lspci -nnv`). Default: unset; synth warns, as for iommuGroup.'),
  memoryGiB: wholeNumber(1, 1024, 'GiB').describe('Memory of one GPU in GiB (1-1024); the model checks that the site\'s AI models fit in it.'),
});
export type GpuSpec = z.output<typeof gpu>;

const proxmoxNode = z.strictObject({
  name: dnsLabel.describe('Proxmox node name (as in `pvecm nodes`).'),
  cpuCores: wholeNumber(1, 1024, 'a number of cores').describe('Physical cores available to VMs (1-1024).'),
  memoryGiB: wholeNumber(1, 65536, 'GiB').describe('Memory of the host in GiB (1-65536); VMs get it minus proxmox.reservedMemoryGiB.'),
  addresses: z.record(dnsLabel, ipv4).describe('Addresses of this node, one per VLAN it sits on, keyed by the VLAN\'s name.'),
  osdDevices: z.array(z.string().regex(/^\/dev\/[a-z0-9/_-]+$/, { message: 'must be a block device path like /dev/nvme1n1' })).max(64).default([]).describe('Disks given whole to Ceph OSDs. Default: none, the node runs no OSD.'),
  gpus: z.array(gpu).max(16).default([]).describe('GPUs that can be passed through to VMs. Default: none.'),
});
export type ProxmoxNodeSpec = z.output<typeof proxmoxNode>;

const proxmox = z.strictObject({
  cluster: dnsLabel.describe('Proxmox cluster name (pvecm).'),
  endpoint: httpsUrl.describe('API endpoint Terraform talks to, e.g. https://192.168.1.10:8006/.'),
  insecureTls: z.boolean().default(false).describe(
    'Skip TLS verification of the API endpoint; only for a first install with the self-signed certificate, and synth warns while it is on. Default: false, the certificate is verified.',
  ),
  sshUser: z.string().regex(/^[a-z_][a-z0-9_-]*$/).default('root').describe('User for the provider\'s SSH connection (snippet upload); authentication is through the SSH agent. Default: "root".'),
  reservedMemoryGiB: nonNegativeInt.default(8).describe('Memory per node in GiB kept free of VMs for Proxmox itself and Ceph daemons. Default: 8.'),
  reservedCpuCores: nonNegativeInt.default(0).describe('Cores per node kept free of VMs. Default: 0, VM cores may use every host core.'),
  existingStorages: z
    .array(z.string().regex(/^[a-z][a-z0-9-]*$/, { message: 'must be a PVE storage id like local-lvm' }))
    .max(64)
    .default(['local', 'local-lvm'])
    .describe(
      'PVE storages that already exist on every node (not created by the site), which VM disks may name beside the Ceph pools\' pveStorage. Default: ["local", "local-lvm"], what the Proxmox installer creates.',
    ),
  imageStorage: z.string().regex(/^[a-z][a-z0-9-]*$/).default('local').describe('PVE storage id for ISO/cloud images and snippets on every node. Default: "local".'),
  nodes: z.array(proxmoxNode).min(1, { message: 'must list at least one Proxmox node' }).max(64, { message: 'must list at most 64 Proxmox nodes (corosync is not supported beyond that)' }).describe('The Proxmox nodes, at least one.'),
});

// ---------------------------------------------------------------------------------------------
// Ceph (optional: a site may use other storage)

const cephPool = z.strictObject({
  name: dnsLabel.describe('Ceph pool name.'),
  size: wholeNumber(1, 10, 'a number of replicas').default(3).describe('Replicas; at most the number of hosts with OSDs. Default: 3.'),
  minSize: wholeNumber(1, 10, 'a number of replicas').default(2).describe('Replicas needed for I/O. Default: 2.'),
  application: z.enum(['rbd', 'cephfs', 'rgw']).default('rbd').describe('Ceph application of the pool. Default: "rbd".'),
  pveStorage: z.string().regex(/^[a-z][a-z0-9-]*$/).optional().describe('PVE storage id that exposes the pool to Proxmox (VM disks). Default: none, a Kubernetes-only pool.'),
});
export type CephPoolSpec = z.output<typeof cephPool>;

/**
 * Ceph releases by name, with what `pveceph install --version` offers and when upstream stops maintaining them
 * (https://docs.ceph.com/en/latest/releases/). Only maintained releases that pveceph installs are accepted.
 */
export const CEPH_RELEASES: Readonly<Record<string, { readonly supported: boolean; readonly note: string }>> = {
  quincy: { supported: false, note: 'reached end of life on 2025-01-13 (Proxmox VE 8 still installs it when pveceph install has no --version)' },
  reef: { supported: false, note: 'reached end of life (archived upstream, no more fixes)' },
  squid: { supported: true, note: 'Ceph 19, offered by pveceph on Proxmox VE 8.2 and later and on Proxmox VE 9' },
  tentacle: { supported: true, note: 'Ceph 20, offered by pveceph on Proxmox VE 9.1 and later' },
};

const ceph = z.strictObject({
  /** @default "squid" - the maintained release Proxmox VE 8.2+ and 9 both install */
  release: z
    .string()
    .regex(/^[a-z]+$/, { message: 'must be a Ceph release name like "squid"' })
    .default('squid')
    .describe('Ceph release `pveceph install --version` installs on every node: "squid" or "tentacle" (Proxmox VE 9.1+). Maintained releases only. Default: "squid".'),
  publicVlan: dnsLabel.describe('VLAN (by name) of the Ceph public network.'),
  clusterVlan: dnsLabel.optional().describe('VLAN (by name) of the Ceph cluster (replication) network. Default: the public network.'),
  pools: z.array(cephPool).min(1).max(256).describe('Ceph pools, at least one.'),
  clientFirstIp: ipv4.optional().describe(
    'Address of the first Kubernetes VM on the Ceph public network; every Kubernetes VM gets a second NIC there, counting up in VM order, so Ceph clients in the cluster (Rook in external mode) reach the monitors and OSDs directly. Default: none, the Ceph public VLAN must then be routed from the node VLAN (give it a gateway).',
  ),
  filesystem: z
    .strictObject({
      name: dnsLabel.describe('CephFS filesystem name.'),
      metadataPool: dnsLabel.describe('Pool (from ceph.pools, application cephfs) holding the metadata.'),
      dataPool: dnsLabel.describe('Pool (from ceph.pools, application cephfs) holding the data.'),
    })
    .optional()
    .describe('CephFS filesystem, exposed to Kubernetes as a ReadWriteMany class. Default: none.'),
});
export type CephSpec = z.output<typeof ceph>;

// ---------------------------------------------------------------------------------------------
// Service VMs and management hosts (optional: what a site runs beside the Kubernetes nodes)

const serviceVmBase = {
  name: dnsLabel.describe('VM name (its hostname).'),
  vmId: z.number().int().min(100, { message: 'must be a Proxmox VM id of 100 or more' }).max(999999999).describe('Proxmox VM id (100 or more), unique per site.'),
  ip: ipv4.describe('Address on the Kubernetes node VLAN.'),
  cores: wholeNumber(1, 512, 'a number of cores').describe('Virtual CPU cores (1-512).'),
  memoryGiB: wholeNumber(1, 4096, 'GiB').describe('Memory in GiB (1-4096).'),
  // The VM builder needs 10 GiB: the cloud image is grown onto the disk and the node's packages and images follow it.
  diskGiB: wholeNumber(10, 131072, 'GiB').describe('System disk size in GiB (10-131072).'),
  storage: z.string().regex(/^[a-z][a-z0-9-]*$/, { message: 'must be a PVE storage id like local-lvm' }).describe('PVE storage id for the VM\'s disks.'),
};

const serviceVm = z.discriminatedUnion(
  'role',
  [
    z.strictObject({
      ...serviceVmBase,
      role: z.literal('api-load-balancer').describe(
        'HAProxy in front of the control planes\' API servers (TCP, health-checked on /readyz), holding kubernetes.apiVip with keepalived: the VMs of this role serve the VIP when kubernetes.vip.provider is "haproxy".',
      ),
    }),
    z.strictObject({
      ...serviceVmBase,
      role: z.literal('nfs-server').describe('An NFS server exporting its data disk to the Kubernetes node VLAN.'),
      dataDisk: z
        .strictObject({
          sizeGiB: wholeNumber(1, 131072, 'GiB').describe('Size of the data disk in GiB (1-131072).'),
          storage: z.string().regex(/^[a-z][a-z0-9-]*$/, { message: 'must be a PVE storage id like local-lvm' }).optional().describe('PVE storage id of the data disk. Default: the VM\'s storage.'),
        })
        .describe('The exported disk, formatted (ext4) on first boot when blank, never when it holds a filesystem.'),
      exportPath: z.string().regex(/^(\/[a-z0-9][a-z0-9._-]*)+$/, { message: 'must be an absolute path of plain folder names, e.g. /srv/nfs' }).default('/srv/nfs').describe('Where the data disk is mounted and what is exported. Default: "/srv/nfs".'),
    }),
  ],
  { message: 'must have role "api-load-balancer" or "nfs-server"' },
).describe('A VM beside the Kubernetes nodes, by role.');
export type ServiceVmSpec = z.output<typeof serviceVm>;

/** What a machine outside Proxmox does on the management network. */
export const MANAGEMENT_HOST_ROLES = ['management-node', 'network-device'] as const;

const managementHost = z.strictObject({
  name: dnsLabel.describe('Host name.'),
  role: z.enum(MANAGEMENT_HOST_ROLES, { message: `must be one of ${MANAGEMENT_HOST_ROLES.join(', ')}` }).describe(
    '"management-node": where operators and Terraform work from (SSH to the Proxmox nodes is allowed from these addresses only, once the site names one); "network-device": a switch or access point, listed in the IP plan.',
  ),
  address: ipv4.describe('Address on the management VLAN.'),
  purpose: z.string().min(1).optional().describe('Free text shown in REVIEW.md. Default: none.'),
});
export type ManagementHostSpec = z.output<typeof managementHost>;

// ---------------------------------------------------------------------------------------------
// Kubernetes

const taint = z.strictObject({
  key: z.string().min(1).describe('Taint key.'),
  value: z.string().default('').describe('Taint value. Default: "" (empty).'),
  effect: z.enum(['NoSchedule', 'PreferNoSchedule', 'NoExecute']).describe('Taint effect.'),
});

const nodePool = z.strictObject({
  name: dnsLabel.describe('Pool name.'),
  role: z.enum(['control-plane', 'worker'], { message: 'must be "control-plane" or "worker"' }).describe('Whether the pool\'s VMs run the control plane or workloads.'),
  count: wholeNumber(1, 100, 'a number of VMs').describe('Number of VMs in the pool (1-100).'),
  namePrefix: dnsLabel.describe('VM names are `<namePrefix>-<n>`, n from 1.'),
  firstVmId: z.number().int().min(100, { message: 'must be a Proxmox VM id of 100 or more' }).max(999999999).describe('Proxmox VM id of the first VM; the next VMs count up from it.'),
  firstIp: ipv4.describe('Address of the first VM on the Kubernetes VLAN; the next VMs count up from it.'),
  cores: wholeNumber(1, 512, 'a number of cores').describe('Virtual CPU cores per VM (1-512).'),
  memoryGiB: wholeNumber(1, 4096, 'GiB').describe('Memory per VM in GiB (1-4096).'),
  diskGiB: wholeNumber(10, 131072, 'GiB').describe('System disk per VM in GiB (10-131072; the cloud image and the node\'s packages need the room).'),
  storage: z.string().regex(/^[a-z][a-z0-9-]*$/, { message: 'must be a PVE storage id like ceph-storage' }).describe('PVE storage id for the VM disks.'),
  spread: z.enum(['required', 'preferred']).optional().describe(
    'How strictly the pool\'s VMs are kept on different Proxmox nodes. Default: "required" for control-plane pools (etcd quorum must survive a host), "preferred" for workers.',
  ),
  evenCountReason: z.string().min(10, { message: 'must say why (at least 10 characters)' }).optional().describe(
    'Why a control-plane pool has an even count (etcd with 2n members tolerates no more failures than with 2n-1), e.g. during a migration. Default: none; an even control-plane count is refused.',
  ),
  gpuModel: dnsLabel.optional().describe('GPU model (matching proxmox.nodes[].gpus[].model) passed through to each VM of the pool. Default: none.'),
  labels: z.record(z.string(), z.string()).default({}).describe('Node labels set by kubelet at join. Default: none (GPU pools get nvidia.com/gpu=true).'),
  taints: z.array(taint).max(32).default([]).describe('Node taints set at join. Default: none (GPU pools get nvidia.com/gpu=true:NoSchedule).'),
});
export type NodePoolSpec = z.output<typeof nodePool>;

const kubernetes = z.strictObject({
  version: semver.describe('Exact Kubernetes release for kubeadm, kubelet and kubectl, e.g. 1.31.13.'),
  clusterName: dnsLabel.describe('Cluster name (kubeadm clusterName, Argo CD and monitoring labels).'),
  nodeVlan: dnsLabel.describe('VLAN (by name) the Kubernetes VMs sit on.'),
  apiVip: ipv4.describe('Virtual IP of the API server (control-plane endpoint), on the node VLAN.'),
  apiPort: port.default(6443).describe('Port of the API server behind the VIP. Default: 6443.'),
  vip: z
    .strictObject({
      provider: z.enum(['kube-vip', 'haproxy']).default('kube-vip').describe(
        'What serves the API VIP: kube-vip as a static pod on the control planes, or "haproxy", the site\'s api-load-balancer VMs (serviceVms). Default: "kube-vip".',
      ),
      version: semver.default('v0.8.9').describe('Version of kube-vip (its image tag). Default: "v0.8.9".'),
    })
    .prefault({})
    .describe('How the API VIP is served. Default: kube-vip v0.8.9 on the control planes.'),
  podCidr: cidr.describe('Pod network; each node gets a /24 of it, so it must be at least that large.'),
  serviceCidr: cidr.describe('Service network; the API server takes its first address and kube-dns its tenth.'),
  dnsDomain: z.string().default('cluster.local').describe('Cluster DNS domain. Default: "cluster.local".'),
  containerdVersion: z.string().regex(/^\d+\.\d+(\.\d+)?$/).default('1.7').describe('containerd release line installed on the nodes. Default: "1.7".'),
  image: z
    .strictObject({
      url: z.string().regex(/^https:\/\/\S+\.(img|qcow2)$/, { message: 'must be an https URL of a .img or .qcow2 cloud image' }).describe('https URL of a .img or .qcow2 cloud image.'),
      sha256: sha256.describe('sha256 of the image, checked by Proxmox on download.'),
    })
    .describe('The cloud image every VM boots from.'),
  adminUser: z.string().regex(/^[a-z_][a-z0-9_-]*$/).default('ubuntu').describe('Login user created by cloud-init (SSH keys only; there is never a password). Default: "ubuntu".'),
  nodePools: z.array(nodePool).min(1, { message: 'must define at least a control-plane pool' }).max(32).describe('VM pools of the cluster, at least a control-plane pool.'),
});

// ---------------------------------------------------------------------------------------------
// Platform add-ons

export { DELIVERIES, type Delivery } from './addon-fields';

/**
 * platform.addons, composed from the add-ons' own schema parts (addons/<name>/spec.ts, listed once in
 * addons/catalog.ts): each key is optional, and present means installed.
 */
type AddonsShape<C extends readonly AddonFacts[]> = { [F in C[number] as F['key']]: z.ZodOptional<F['spec']> };
export function addonsSchema<C extends readonly AddonFacts[]>(catalog: C) {
  const shape = Object.fromEntries(catalog.map((f) => [f.key, f.spec.optional().describe(f.description)]));
  return z.strictObject(shape as AddonsShape<C>);
}

const s3Location = z.strictObject({
  bucket: z.string().min(3).describe('Bucket name.'),
  region: z.string().min(1).describe('Bucket region (MinIO accepts any, e.g. us-east-1).'),
  endpoint: httpsUrl.optional().describe('S3-compatible endpoint (MinIO). Default: AWS S3.'),
  forcePathStyle: z.boolean().default(false).describe('Path-style addressing, which MinIO needs. Default: false.'),
});
export type S3LocationSpec = z.output<typeof s3Location>;


// ---------------------------------------------------------------------------------------------
// Applications

const quantity = z.strictObject({
  cpuMilli: wholeNumber(1, 512_000, 'millicores').describe('CPU in millicores (1000 = one core; 1-512000, the largest VM).'),
  memoryMiB: wholeNumber(1, 4_194_304, 'MiB').describe('Memory in MiB (1-4194304, the largest VM).'),
});

const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/).describe('Name of the environment variable.');
const envVar = z.union([
  z.strictObject({ name: envName, value: z.string().describe('Literal value (never a credential: plain-text secrets are refused).') }),
  z.strictObject({
    name: envName,
    secret: z
      .strictObject({
        name: dnsLabel.describe('Name of the Secret the ExternalSecret creates.'),
        key: z.string().min(1).describe('Key inside that Secret.'),
        remoteKey: z.string().min(1).describe('Entry in the secret store (Vault path, or Secret name for the kubernetes backend).'),
        remoteProperty: z.string().min(1).optional().describe('Field inside that entry (a key of the Secret for the kubernetes backend). Default: the whole entry.'),
      })
      .describe('A key of a Secret that an ExternalSecret creates; the value never passes through the site.'),
  }),
  z.strictObject({
    name: envName,
    serviceOf: z
      .strictObject({
        app: dnsLabel.describe('The app (or data store) whose Service is meant.'),
        format: z.string().default('{host}').describe('Template of the value; placeholders {host}, {port}, {scheme}. Default: "{host}".'),
      })
      .describe('The address of another app\'s Service, derived by the compiler so it is never typed twice.'),
  }),
]);
export type EnvVarSpec = z.output<typeof envVar>;

const volume = z.strictObject({
  name: dnsLabel.describe('Volume name.'),
  mountPath: z.string().startsWith('/', { message: 'must be an absolute path' }).describe('Where the volume is mounted in the container.'),
  readOnly: z.boolean().default(false).describe('Mount read-only. Default: false.'),
  claim: z
    .strictObject({
      name: dnsLabel.describe('PersistentVolumeClaim name.'),
      sizeGiB: positiveInt.describe('Requested size in GiB.'),
      accessMode: z.enum(['ReadWriteOnce', 'ReadWriteMany', 'ReadOnlyMany']).default('ReadWriteOnce').describe('Access mode of the claim. Default: "ReadWriteOnce".'),
      storageClass: dnsLabel.optional().describe('StorageClass of the claim. Default: the site\'s default StorageClass (ReadWriteMany claims: its ReadWriteMany class).'),
    })
    .describe('PersistentVolumeClaim backing the volume.'),
});

const app = z.strictObject({
  name: dnsLabel.describe('App name: its component, Deployment and Argo CD Application.'),
  container: dnsLabel.optional().describe('Name of the main container. Default: the app name.'),
  image: image.describe('Container image with a tag or digest (never "latest").'),
  replicas: wholeNumber(1, 500, 'a number of pods').default(1).describe('Pod replicas (1-500); more than one adds a PodDisruptionBudget and spreading. Default: 1.'),
  containerPort: port.describe('Port the container listens on.'),
  service: z
    .strictObject({ name: dnsLabel.describe('Service name.'), port: port.describe('Service port.') })
    .describe('The ClusterIP Service in front of the app.'),
  resources: z
    .strictObject({ requests: quantity.describe('Requests (what the scheduler reserves).'), limits: quantity.describe('Limits (what the container may use).') })
    .describe('Requests and limits of the main container.'),
  env: z.array(envVar).max(500).default([]).describe('Environment variables: a literal value, a secret, or another app\'s address. Default: none.'),
  volumes: z.array(volume).max(64).default([]).describe('Persistent volumes. Default: none.'),
  dependsOn: z.array(dnsLabel).max(500).default([]).describe('Apps and data stores this app calls; network policy and ordering are derived from it. Default: none.'),
  egress: z
    .array(
      z.strictObject({
        cidr: cidr.describe('Destination network.'),
        except: z.array(cidr).max(100).default([]).describe('Ranges inside cidr that stay closed (e.g. the site\'s private networks). Default: none.'),
        ports: z.array(port).min(1).max(100).describe('Destination TCP ports.'),
        reason: z.string().min(10, { message: 'must say why the app needs this connection (at least 10 characters)' }).describe('Why the app needs this connection (shown with the NetworkPolicy rule).'),
      }),
    )
    .max(100)
    .default([])
    .describe('Connections the app opens to addresses outside the cluster, each with its reason; the app namespace denies all other traffic. Default: none.'),
  gpu: z
    .strictObject({
      count: wholeNumber(1, 16, 'a number of GPUs').default(1).describe('GPUs per pod (1-16). Default: 1.'),
      // The shape facts come from model/llm-catalog.ts for the models listed there; for another model give them
      // from its config.json. Facts given here override the catalog.
      model: z
        .strictObject({
          name: z.string().min(1).describe('Model name, e.g. meta-llama/Llama-3.1-8B-Instruct.'),
          parametersBillions: z.number().positive().max(100_000).optional().describe('Parameters in billions (model card). Default: from the model catalog.'),
          bytesPerParameter: z.number().positive().max(8).describe('Bytes per weight: 2 for 16-bit weights, 1 for 8-bit, 0.5 for 4-bit.'),
          layers: wholeNumber(1, 1000, 'a number of layers').optional().describe('Transformer layers (config.json num_hidden_layers). Default: from the model catalog.'),
          kvHeads: wholeNumber(1, 1024, 'a number of heads').optional().describe('Key/value heads (config.json num_key_value_heads). Default: from the model catalog.'),
          headDim: wholeNumber(1, 4096, 'a head size').optional().describe('Size of one attention head (config.json head_dim). Default: from the model catalog.'),
          contextLength: wholeNumber(1, 16_777_216, 'a number of tokens').optional().describe('Longest context the model supports (config.json max_position_embeddings). Default: from the model catalog.'),
        })
        .describe('Model served, for the memory-fit check (weights + KV cache + overhead, as vLLM checks at start-up).'),
      memoryUtilization: z.number().gt(0).max(1).default(0.9).describe('Share of GPU memory the server may take (vLLM\'s gpu_memory_utilization). Default: 0.9.'),
      maxContextTokens: wholeNumber(1, 16_777_216, 'a number of tokens')
        .optional()
        .describe('Longest sequence (prompt + output) served: vLLM\'s --max-model-len, which the container arguments carry; vLLM refuses to start unless the KV cache holds one sequence this long. Default: the model\'s context length, as vLLM does.'),
      kvCacheDtype: z.enum(['auto', 'fp8']).default('auto').describe('KV cache precision: "auto" is the model\'s 16-bit dtype (also for quantized weights), "fp8" halves it (--kv-cache-dtype fp8). Default: "auto".'),
      overheadGiB: z
        .number()
        .nonnegative()
        .max(1024)
        .default(3)
        .describe('GiB per GPU vLLM needs beside weights and KV cache (CUDA context and libraries, activation peak) at 8192 batched tokens. Default: 3, vLLM\'s own profile of an 8B model: 1.79 GiB non-torch + 1.26 GiB activations (vllm-project/vllm#10511).'),
      maxBatchedTokens: wholeNumber(256, 1_048_576, 'a number of tokens')
        .optional()
        .describe('Tokens per forward pass: vLLM\'s --max-num-batched-tokens, which the container arguments carry. vLLM profiles its activation peak with a batch this large, so the overhead moves with it by 1.26 GiB per 8192 tokens. Default: vLLM\'s own, checked as 8192.'),
    })
    .optional()
    .describe('GPU use: the app is scheduled on the GPU pool and must fit the GPU\'s memory. Default: none.'),
  ingress: z
    .strictObject({
      host: z.string().regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, { message: 'must be a DNS host name like api.hookprobe.example' }).describe('Public host name.'),
      paths: z.array(z.string().startsWith('/')).min(1).max(100).describe('HTTP path prefixes published.'),
    })
    .optional()
    .describe('HTTP paths published through the site\'s ingress with TLS. Default: not published.'),
  healthPath: z.string().startsWith('/').optional().describe('HTTP path of the liveness/readiness probes. Default: a TCP check of the container port.'),
  metricsPath: z.string().startsWith('/').optional().describe('Path Prometheus scrapes on the container port. Default: not scraped.'),
});
export type AppSpec = z.output<typeof app>;

const dataStores = z.strictObject({
  postgres: z
    .strictObject({
      serviceName: dnsLabel.describe('Service name the apps use.'),
      version: wholeNumber(13, 18, 'a PostgreSQL major version').describe('PostgreSQL major version (13-18, those CloudNativePG supports).'),
      instances: wholeNumber(1, 9, 'a number of instances').default(3).describe('Instances of the cluster (one primary, the rest replicas). Default: 3.'),
      storageGiB: positiveInt.describe('Volume size per instance in GiB.'),
      database: dnsLabel.describe('Database created at bootstrap.'),
      owner: dnsLabel.describe('Owner role of the database.'),
      backup: z
        .strictObject({
          schedule: cron.describe('Five-field cron expression of the base backups.'),
          retentionDays: wholeNumber(1, 3650, 'days').default(30).describe('Days backups are kept. Default: 30.'),
        })
        .optional()
        .describe('Backups to platform.backupStore. Default: none.'),
    })
    .optional()
    .describe('A PostgreSQL cluster run by CloudNativePG in the app namespace. Default: none.'),
  redis: z
    .strictObject({
      serviceName: dnsLabel.describe('Service name the apps use.'),
      image: image.describe('Redis image with a tag or digest.'),
      storageGiB: positiveInt.describe('Volume size in GiB.'),
    })
    .optional()
    .describe('A single Redis with a persistent volume in the app namespace. Default: none.'),
});

// ---------------------------------------------------------------------------------------------
// GitOps, Terraform state, edge fleet

const gitops = z.strictObject({
  repoUrl: url.describe('Repository Argo CD syncs dist/ from.'),
  revision: z.string().min(1).default('main').describe('Branch, tag or commit Argo CD follows. Default: "main".'),
  path: z.string().default('dist/kubernetes').describe('Path of the kubernetes tree inside the repository. Default: "dist/kubernetes".'),
});

const terraformBackend = z.discriminatedUnion(
  'type',
  [
    z.strictObject({
      type: z.literal('local').describe('State in a local file.'),
      path: z.string().regex(/^(?!\/)(?!.*\.\.)\S+$/, { message: 'must be a relative path without "..", e.g. terraform.tfstate' }).describe(
        'State file, relative to the working directory, so dist/ never holds an absolute path.',
      ),
    }),
    z.strictObject({
      type: z.literal('s3').describe('State in an S3 bucket (or MinIO).'),
      bucket: z.string().min(3).describe('Bucket name.'),
      key: z.string().min(1).describe('Object key of the state.'),
      region: z.string().min(1).describe('Bucket region.'),
      endpoint: httpsUrl.optional().describe('MinIO or another S3-compatible endpoint. Default: AWS.'),
    }),
    z.strictObject({
      type: z.literal('pg').describe('State in PostgreSQL (connection string from PG_CONN_STR).'),
      schemaName: z.string().default('terraform_remote_state').describe('Schema holding the state. Default: "terraform_remote_state".'),
    }),
  ],
  { message: 'must have type "local", "s3" or "pg"' },
);

/** A replacement or removal of a control-plane VM, a VM with disks on Ceph or a Ceph pool that the site author has accepted. */
const replacementAcknowledgement = z.strictObject({
  /** Terraform address, e.g. `proxmox_virtual_environment_vm.k8s-control-1`. */
  address: z.string().regex(/^[a-z0-9_]+\.[A-Za-z0-9_-]+$/, { message: 'must be a Terraform resource address type.name, e.g. proxmox_virtual_environment_vm.k8s-control-1' }).describe('Terraform resource address (type.name) whose replacement is accepted'),
  reason: z.string().min(10, { message: 'must give the reason (at least 10 characters) so reviewers can judge it' }).describe('why destroying and recreating it is acceptable (etcd member removed first, data backed up, ...)'),
});

const edge = z.strictObject({
  vlan: dnsLabel.describe('VLAN (by name) of the edge tunnel network.'),
  inventory: z.string().optional().describe('Inventory file (YAML list of {name, site, publicKey, address}) of edge SBCs, relative to the site file. Default: no edges.'),
  wireguard: z
    .strictObject({
      hubAddress: ipv4.describe('Address of the WireGuard hub on the edge VLAN.'),
      listenPort: port.default(51820).describe('UDP port the hub listens on. Default: 51820.'),
    })
    .describe('WireGuard hub the edges connect to.'),
});

const policyException = z.strictObject({
  rule: z.string().min(1).describe('Policy rule the exception lifts (as named in the finding).'),
  object: z.string().min(1).describe('`Kind/namespace/name` or `Kind/name` the exception applies to.'),
  reason: z.string().min(10, { message: 'must give the reason (at least 10 characters) so reviewers can judge it' }).describe('Why, for reviewers (shown in REVIEW.md).'),
});

// ---------------------------------------------------------------------------------------------

const platformOf = <C extends readonly AddonFacts[]>(catalog: C) =>
  z.strictObject({
  delivery: delivery.default('argocd').describe('How third-party charts reach the cluster. Default: "argocd", Argo CD renders them and no chart cache is needed at synth.'),
  backupStore: s3Location.optional().describe('Object storage for cluster and database backups. Default: none.'),
  // Every add-on key is optional, so {} is always a valid input; the generic type cannot show it.
  addons: addonsSchema(catalog).prefault({} as never).describe('The cluster\'s platform add-ons, each installed when its key is present. Default: none.'),
});

/**
 * The site schema for a catalog of add-ons: the compiler's own (siteSchema), or one with a test's fixture add-on.
 */
export function siteSchemaFor<C extends readonly AddonFacts[]>(catalog: C) {
  return z
  .strictObject({
    name: dnsLabel.describe('Site name: labels, the Terraform and Argo CD names, and the default app namespace.'),
    description: z.string().optional().describe('Free text shown in REVIEW.md. Default: none.'),
    network: network.describe('Physical network: uplink, bridge and VLANs.'),
    proxmox: proxmox.describe('The Proxmox VE cluster.'),
    ceph: ceph.optional().describe('Ceph on the Proxmox nodes. Default: none, the site uses other storage.'),
    kubernetes: kubernetes.describe('The Kubernetes cluster built from Proxmox VMs with kubeadm.'),
    serviceVms: z.array(serviceVm).max(200).default([]).describe('VMs beside the Kubernetes nodes (API load balancer, NFS server), placed on the Proxmox nodes like them. Default: none.'),
    managementHosts: z.array(managementHost).max(1000).default([]).describe('Machines on the management network that are not Proxmox nodes (a management node, switches). Default: none.'),
    platform: platformOf(catalog).prefault({} as never).describe('Cluster platform: chart delivery, backup store and add-ons. Default: Argo CD delivery, no add-ons.'),
    dataStores: dataStores.prefault({}).describe('Data stores of the apps. Default: none.'),
    appNamespace: dnsLabel.optional().describe('Namespace of the site\'s own applications and data stores. Default: the site name.'),
    apps: z.array(app).max(500).default([]).describe('The site\'s applications, one Argo CD Application each. Default: none.'),
    gitops: gitops.describe('The Git repository Argo CD syncs from.'),
    terraform: z
      .strictObject({
        backend: terraformBackend.describe('Where Terraform keeps its state.'),
        acknowledgeReplacements: z
          .array(replacementAcknowledgement)
          .default([])
          .describe('Replacements (and removals) synth may write although they destroy a control-plane VM (and its etcd member), a VM\'s disks on Ceph storage, or a Ceph pool. Remove an entry once the change is applied; a stale entry is a warning. Default: none, synth refuses such a replacement and names the entry that would accept it.'),
      })
      .describe('Terraform settings.'),
    edge: edge.optional().describe('The edge fleet (WireGuard hub, k3s clusters). Default: none.'),
    policy: z
      .strictObject({ exceptions: z.array(policyException).max(1000).default([]).describe('Exceptions to the output policy, each with its reason. Default: none.') })
      .prefault({})
      .describe('Output policy settings. Default: no exceptions.'),
  })
  .describe('A site for site-compiler: one Proxmox VE cluster, its Kubernetes cluster, platform add-ons and apps.');
}

export const siteSchema = siteSchemaFor(ADDON_CATALOG);

/** What a site author writes (defaults optional). */
export type SiteInput = z.input<typeof siteSchema>;
/** A validated site with every default filled in. */
export type Site = z.output<typeof siteSchema>;
export type AddonsSpec = Site['platform']['addons'];
export type AddonName = keyof AddonsSpec;

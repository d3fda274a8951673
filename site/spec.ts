import { z } from 'zod';
import {
  cidr,
  cron,
  dnsLabel,
  httpsUrl,
  image,
  ipv4,
  nonNegativeInt,
  port,
  positiveInt,
  semver,
  sha256,
  url,
} from './primitives';

/**
 * The site schema: the one typed input of the compiler. Every object is strict (an unknown key is an
 * error, because a misspelt optional key would otherwise silently fall back to its default). Defaults
 * are applied here, once, so the model and the constructs only ever see complete values.
 */

// ---------------------------------------------------------------------------------------------
// Network

/** What a VLAN is for. The model looks networks up by role, so each role below is unique per site. */
export const VLAN_ROLES = ['management', 'kubernetes', 'ceph-public', 'ceph-cluster', 'storage', 'edge', 'dmz', 'iot'] as const;
export type VlanRole = (typeof VLAN_ROLES)[number];

const vlan = z.strictObject({
  /** 802.1Q VLAN id. */
  id: z.number().int({ message: 'must be a whole number' }).min(1, { message: 'must be a VLAN id from 1 to 4094' }).max(4094, { message: 'must be a VLAN id from 1 to 4094' }),
  name: dnsLabel,
  role: z.enum(VLAN_ROLES, { message: `must be one of ${VLAN_ROLES.join(', ')}` }),
  cidr,
  /** Default gateway of the network. @default - none: the network is not routed */
  gateway: ipv4.optional(),
  purpose: z.string().min(1).optional(),
});
export type VlanSpec = z.output<typeof vlan>;

const network = z.strictObject({
  /**
   * Physical interface the VLAN-aware bridge is built on (the same name on every Proxmox node).
   * @default - "eno1"
   */
  uplink: z.string().regex(/^[a-z][a-z0-9.]*$/, { message: 'must be a Linux interface name, e.g. eno1' }).default('eno1'),
  /** The VLAN-aware Linux bridge the VMs attach to. @default - "vmbr0" */
  bridge: z.string().regex(/^vmbr\d+$/, { message: 'must be a Proxmox bridge name like vmbr0' }).default('vmbr0'),
  /** MTU of the bridge and VLAN interfaces. @default - 1500 */
  mtu: z.number().int().min(1280).max(9216).default(1500),
  vlans: z.array(vlan).min(1, { message: 'must list at least the VLAN that carries the Kubernetes nodes' }),
  /** DNS servers given to the VMs through cloud-init. @default - the Kubernetes VLAN's gateway */
  dnsServers: z.array(ipv4).optional(),
});

// ---------------------------------------------------------------------------------------------
// Proxmox

const gpu = z.strictObject({
  /** Name of the Proxmox PCI hardware mapping (cluster-wide, so unique per site). */
  name: dnsLabel,
  /** Model, matched by GPU node pools. */
  model: dnsLabel,
  /** PCI address on the host, e.g. 0000:01:00.0. */
  pciAddress: z.string().regex(/^[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]$/, {
    message: 'must be a full PCI address like 0000:01:00.0 (see `lspci -D` on the host)',
  }),
  /** Vendor:device id, e.g. 10de:20b0 for an A100 40GB PCIe. */
  deviceId: z.string().regex(/^[0-9a-f]{4}:[0-9a-f]{4}$/, { message: 'must be vendor:device in hex like 10de:20b0 (see `lspci -nn`)' }),
  /**
   * IOMMU group of the device on the host (`find /sys/kernel/iommu_groups/ -type l`). Proxmox accepts a
   * mapping without it but marks the mapping incomplete, so synth warns while it is unset.
   * @default - unset
   */
  iommuGroup: nonNegativeInt.optional(),
  /** Subsystem vendor:device id (`lspci -nnv`). @default - unset (synth warns, as for iommuGroup) */
  subsystemId: z.string().regex(/^[0-9a-f]{4}:[0-9a-f]{4}$/, { message: 'must be vendor:device in hex like 10de:145f' }).optional(),
  /** Memory of one GPU; the model checks that the site's AI models fit in it. */
  memoryGiB: positiveInt,
});
export type GpuSpec = z.output<typeof gpu>;

const proxmoxNode = z.strictObject({
  name: dnsLabel,
  /** Physical cores available to VMs. */
  cpuCores: positiveInt,
  memoryGiB: positiveInt,
  /** Addresses of this node, one per VLAN it sits on, keyed by the VLAN's name. */
  addresses: z.record(dnsLabel, ipv4),
  /** Disks given whole to Ceph OSDs. @default - none: the node runs no OSD */
  osdDevices: z.array(z.string().regex(/^\/dev\/[a-z0-9/_-]+$/, { message: 'must be a block device path like /dev/nvme1n1' })).default([]),
  /** GPUs that can be passed through. @default - none */
  gpus: z.array(gpu).default([]),
});
export type ProxmoxNodeSpec = z.output<typeof proxmoxNode>;

const proxmox = z.strictObject({
  /** Proxmox cluster name (pvecm). */
  cluster: dnsLabel,
  /** API endpoint Terraform talks to. */
  endpoint: httpsUrl,
  /**
   * Skip TLS verification of the API endpoint. Only for a first install with the self-signed
   * certificate; synth warns while it is on.
   * @default false - the certificate is verified
   */
  insecureTls: z.boolean().default(false),
  /** User for the provider's SSH connection (snippet upload); authentication is through the SSH agent. @default - "root" */
  sshUser: z.string().regex(/^[a-z_][a-z0-9_-]*$/).default('root'),
  /** Headroom per node kept free of VMs for Proxmox itself and Ceph daemons. @default - 8 GiB */
  reservedMemoryGiB: nonNegativeInt.default(8),
  /** Cores per node kept free of VMs. @default - 0: VM cores may use every host core */
  reservedCpuCores: nonNegativeInt.default(0),
  /** PVE storage id for ISO/cloud images and snippets on every node. @default - "local" */
  imageStorage: z.string().regex(/^[a-z][a-z0-9-]*$/).default('local'),
  nodes: z.array(proxmoxNode).min(1, { message: 'must list at least one Proxmox node' }),
});

// ---------------------------------------------------------------------------------------------
// Ceph (optional: a site may use other storage)

const cephPool = z.strictObject({
  name: dnsLabel,
  /** Replicas. @default 3 */
  size: positiveInt.default(3),
  /** Replicas needed for I/O. @default 2 */
  minSize: positiveInt.default(2),
  /** Ceph application of the pool. @default - "rbd" */
  application: z.enum(['rbd', 'cephfs', 'rgw']).default('rbd'),
  /** PVE storage id that exposes the pool to Proxmox (VM disks). @default - none: Kubernetes-only pool */
  pveStorage: z.string().regex(/^[a-z][a-z0-9-]*$/).optional(),
});
export type CephPoolSpec = z.output<typeof cephPool>;

const ceph = z.strictObject({
  /** VLAN (by name) of the Ceph public network. */
  publicVlan: dnsLabel,
  /** VLAN (by name) of the Ceph cluster (replication) network. @default - the public network */
  clusterVlan: dnsLabel.optional(),
  pools: z.array(cephPool).min(1),
  /**
   * Address of the first Kubernetes VM on the Ceph public network; every Kubernetes VM gets a second
   * NIC there, counting up in VM order, so Ceph clients in the cluster (Rook in external mode) reach
   * the monitors and OSDs directly.
   * @default - none: the Ceph public VLAN must then be routed from the node VLAN (give it a gateway)
   */
  clientFirstIp: ipv4.optional(),
  /** CephFS filesystem, exposed to Kubernetes as a ReadWriteMany class. @default - none */
  filesystem: z.strictObject({ name: dnsLabel, metadataPool: dnsLabel, dataPool: dnsLabel }).optional(),
});

// ---------------------------------------------------------------------------------------------
// Service VMs and management hosts (optional: what a site runs beside the Kubernetes nodes)

const serviceVmBase = {
  name: dnsLabel,
  /** Proxmox VM id. */
  vmId: z.number().int().min(100, { message: 'must be a Proxmox VM id of 100 or more' }).max(999999999),
  /** Address on the Kubernetes node VLAN. */
  ip: ipv4,
  cores: positiveInt,
  memoryGiB: positiveInt,
  /** System disk. */
  diskGiB: positiveInt,
  /** PVE storage id for the VM's disks. */
  storage: z.string().regex(/^[a-z][a-z0-9-]*$/, { message: 'must be a PVE storage id like local-lvm' }),
};

const serviceVm = z.discriminatedUnion(
  'role',
  [
    z.strictObject({
      ...serviceVmBase,
      /**
       * HAProxy in front of the control planes' API servers (TCP, health-checked on /readyz), holding
       * kubernetes.apiVip with keepalived: the VMs of this role serve the VIP when kubernetes.vip.provider is "haproxy".
       */
      role: z.literal('api-load-balancer'),
    }),
    z.strictObject({
      ...serviceVmBase,
      /** An NFS server exporting its data disk to the Kubernetes node VLAN. */
      role: z.literal('nfs-server'),
      /** The exported disk, formatted (ext4) on first boot when blank, never when it holds a filesystem. */
      dataDisk: z.strictObject({
        sizeGiB: positiveInt,
        /** @default - the VM's storage */
        storage: z.string().regex(/^[a-z][a-z0-9-]*$/, { message: 'must be a PVE storage id like local-lvm' }).optional(),
      }),
      /** Where the data disk is mounted and what is exported. @default - "/srv/nfs" */
      exportPath: z.string().regex(/^(\/[a-z0-9][a-z0-9._-]*)+$/, { message: 'must be an absolute path of plain folder names, e.g. /srv/nfs' }).default('/srv/nfs'),
    }),
  ],
  { message: 'must have role "api-load-balancer" or "nfs-server"' },
);
export type ServiceVmSpec = z.output<typeof serviceVm>;

/** What a machine outside Proxmox does on the management network. */
export const MANAGEMENT_HOST_ROLES = ['management-node', 'network-device'] as const;

const managementHost = z.strictObject({
  name: dnsLabel,
  /**
   * "management-node": where operators and Terraform work from (SSH to the Proxmox nodes is allowed from these
   * addresses only, once the site names one); "network-device": a switch or access point, listed in the IP plan.
   */
  role: z.enum(MANAGEMENT_HOST_ROLES, { message: `must be one of ${MANAGEMENT_HOST_ROLES.join(', ')}` }),
  /** Address on the management VLAN. */
  address: ipv4,
  purpose: z.string().min(1).optional(),
});
export type ManagementHostSpec = z.output<typeof managementHost>;

// ---------------------------------------------------------------------------------------------
// Kubernetes

const taint = z.strictObject({
  key: z.string().min(1),
  value: z.string().default(''),
  effect: z.enum(['NoSchedule', 'PreferNoSchedule', 'NoExecute']),
});

const nodePool = z.strictObject({
  name: dnsLabel,
  role: z.enum(['control-plane', 'worker'], { message: 'must be "control-plane" or "worker"' }),
  count: positiveInt,
  /** VM names are `<namePrefix>-<n>`, n from 1. */
  namePrefix: dnsLabel,
  /** Proxmox VM id of the first VM; the next VMs count up from it. */
  firstVmId: z.number().int().min(100, { message: 'must be a Proxmox VM id of 100 or more' }).max(999999999),
  /** Address of the first VM on the Kubernetes VLAN; the next VMs count up from it. */
  firstIp: ipv4,
  cores: positiveInt,
  memoryGiB: positiveInt,
  diskGiB: positiveInt,
  /** PVE storage id for the VM disks. */
  storage: z.string().regex(/^[a-z][a-z0-9-]*$/, { message: 'must be a PVE storage id like ceph-storage' }),
  /**
   * How strictly the pool's VMs are kept on different Proxmox nodes.
   * @default - "required" for control-plane pools (etcd quorum must survive a host), "preferred" for workers
   */
  spread: z.enum(['required', 'preferred']).optional(),
  /** GPU model (matching `proxmox.nodes[].gpus[].model`) passed through to each VM of the pool. @default - none */
  gpuModel: dnsLabel.optional(),
  /** Node labels set by kubelet at join. @default - none (GPU pools get nvidia.com/gpu=true) */
  labels: z.record(z.string(), z.string()).default({}),
  /** Node taints set at join. @default - none (GPU pools get nvidia.com/gpu=true:NoSchedule) */
  taints: z.array(taint).default([]),
});
export type NodePoolSpec = z.output<typeof nodePool>;

const kubernetes = z.strictObject({
  /** Exact Kubernetes release for kubeadm, kubelet and kubectl. */
  version: semver,
  clusterName: dnsLabel,
  /** VLAN (by name) the Kubernetes VMs sit on. */
  nodeVlan: dnsLabel,
  /** Virtual IP of the API server (control-plane endpoint). */
  apiVip: ipv4,
  /** @default 6443 */
  apiPort: port.default(6443),
  /**
   * What serves the API VIP: kube-vip as a static pod on the control planes, or "haproxy", the site's
   * api-load-balancer VMs (serviceVms). @default - kube-vip
   */
  vip: z
    .strictObject({
      provider: z.enum(['kube-vip', 'haproxy']).default('kube-vip'),
      /** Version of kube-vip (its image tag). @default - "v0.8.9" */
      version: semver.default('v0.8.9'),
    })
    .prefault({}),
  podCidr: cidr,
  serviceCidr: cidr,
  /** @default - "cluster.local" */
  dnsDomain: z.string().default('cluster.local'),
  /** containerd release line installed on the nodes. @default - "1.7" */
  containerdVersion: z.string().regex(/^\d+\.\d+(\.\d+)?$/).default('1.7'),
  /** The cloud image every VM boots from. */
  image: z.strictObject({
    url: z.string().regex(/^https:\/\/\S+\.(img|qcow2)$/, { message: 'must be an https URL of a .img or .qcow2 cloud image' }),
    sha256,
  }),
  /** Login user created by cloud-init (SSH keys only; there is never a password). @default - "ubuntu" */
  adminUser: z.string().regex(/^[a-z_][a-z0-9_-]*$/).default('ubuntu'),
  nodePools: z.array(nodePool).min(1, { message: 'must define at least a control-plane pool' }),
});

// ---------------------------------------------------------------------------------------------
// Platform add-ons

export const DELIVERIES = ['argocd', 'rendered'] as const;
export type Delivery = (typeof DELIVERIES)[number];
const delivery = z.enum(DELIVERIES, { message: 'must be "argocd" (Argo CD renders the chart) or "rendered" (helm template at synth)' });

/** Fields every chart-based add-on shares. */
const chartAddon = {
  /** Chart version, pinned; the lock file beside the site pins its digest. */
  chartVersion: semver,
  /** Overrides the site's default delivery for this add-on. @default - platform.delivery */
  delivery: delivery.optional(),
};

const addons = z.strictObject({
  cilium: z
    .strictObject({
      ...chartAddon,
      hubble: z.boolean().default(true),
      /** LoadBalancer IP range announced with L2 (inside the node VLAN, outside every VM address). */
      loadBalancerRange: z.strictObject({ start: ipv4, stop: ipv4 }),
    })
    .optional(),
  calico: z
    .strictObject({
      ...chartAddon,
      /**
       * Data plane of calico-node. "bpf" serves Services itself in place of kube-proxy: the nodes are then built
       * without kube-proxy (kubeadm skips it) and the operator reaches the API server through the site's VIP.
       * @default - "iptables", Calico's own default
       */
      dataplane: z.enum(['iptables', 'bpf'], { message: 'must be "iptables" or "bpf"' }).default('iptables'),
    })
    .optional(),
  metallb: z.strictObject({ ...chartAddon, addressRange: z.strictObject({ start: ipv4, stop: ipv4 }) }).optional(),
  rookCeph: z
    .strictObject({
      ...chartAddon,
      /** Ceph pool (from `ceph.pools`) behind the default RBD StorageClass. */
      rbdPool: dnsLabel,
      /** Name of the default StorageClass. @default - "ceph-rbd" */
      storageClass: dnsLabel.default('ceph-rbd'),
      /**
       * Version of the ceph-csi-drivers chart (https://ceph.github.io/ceph-csi-operator), which Rook v1.20 and later
       * need beside the operator chart: the ceph-csi-operator version the Rook chart bundles.
       * @default - none (required from Rook v1.20)
       */
      csiDriversChartVersion: semver.optional(),
    })
    .optional(),
  longhorn: z
    .strictObject({
      ...chartAddon,
      replicas: positiveInt.default(3),
      /** Scheduled snapshots of every Longhorn volume (a RecurringJob of the "default" group). @default - none */
      snapshots: z.strictObject({ schedule: cron, retain: positiveInt.default(7) }).optional(),
    })
    .optional(),
  nfsProvisioner: z
    .strictObject({
      ...chartAddon,
      /** Address of the NFS server. @default - the address of the site's nfs-server VM (serviceVms) */
      server: ipv4.optional(),
      /** Exported folder the volumes are created in. @default - the exportPath of the site's nfs-server VM */
      path: z.string().startsWith('/', { message: 'must be an absolute path' }).optional(),
    })
    .optional(),
  localPath: z.strictObject({ version: semver }).optional(),
  nvidiaGpu: z
    .strictObject({
      /** Image tag of nvcr.io/nvidia/k8s-device-plugin. */
      devicePluginVersion: semver,
      /** Image tag of nvcr.io/nvidia/k8s/dcgm-exporter. */
      dcgmExporterVersion: z.string().regex(/^\d+\.\d+\.\d+-\d+\.\d+\.\d+-[a-z0-9.]+$/, {
        message: 'must be a dcgm-exporter tag like 3.3.9-3.6.1-ubuntu22.04',
      }),
    })
    .optional(),
  monitoring: z
    .strictObject({
      ...chartAddon,
      prometheusStorageGiB: positiveInt,
      grafanaStorageGiB: positiveInt,
      /** Days of metrics kept. @default 15 */
      retentionDays: positiveInt.default(15),
      loki: z
        .strictObject({
          ...chartAddon,
          storageGiB: positiveInt,
          /** Version of the Grafana Alloy chart, the agent that ships every pod's logs to Loki. */
          agentChartVersion: semver,
        })
        .optional(),
    })
    .optional(),
  argocd: z.strictObject({ ...chartAddon }).optional(),
  velero: z
    .strictObject({
      ...chartAddon,
      schedule: cron,
      /** Days a backup is kept. @default 30 */
      ttlDays: positiveInt.default(30),
    })
    .optional(),
  falco: z.strictObject({ ...chartAddon }).optional(),
  ingressNginx: z.strictObject({ ...chartAddon, replicas: positiveInt.default(2) }).optional(),
  certManager: z
    .strictObject({
      ...chartAddon,
      /** ACME account e-mail of the ClusterIssuer. */
      /**
       * ACME account e-mail of the ClusterIssuer.
       * @default - none: the account has no contact address (ACME allows it; Let's Encrypt sends no expiry mail anyway)
       */
      acmeEmail: z.email({ message: 'must be an e-mail address' }).optional(),
      /** ACME directory. @default - Let's Encrypt production */
      acmeServer: httpsUrl.default('https://acme-v02.api.letsencrypt.org/directory'),
    })
    .optional(),
  externalSecrets: z
    .strictObject({
      ...chartAddon,
      /** Backend of the ClusterSecretStore every ExternalSecret reads from. */
      backend: z.discriminatedUnion('type', [
        z.strictObject({ type: z.literal('vault'), server: httpsUrl, path: z.string().min(1), role: z.string().min(1) }),
        z.strictObject({ type: z.literal('kubernetes'), namespace: dnsLabel }),
      ]),
    })
    .optional(),
  cloudnativePg: z.strictObject({ ...chartAddon }).optional(),
});
export type AddonsSpec = z.output<typeof addons>;
export type AddonName = keyof AddonsSpec;

const s3Location = z.strictObject({
  bucket: z.string().min(3),
  region: z.string().min(1),
  /** S3-compatible endpoint (MinIO). @default - AWS S3 */
  endpoint: httpsUrl.optional(),
  /** Path-style addressing, which MinIO needs. @default false */
  forcePathStyle: z.boolean().default(false),
});
export type S3LocationSpec = z.output<typeof s3Location>;

const platform = z.strictObject({
  /** How third-party charts reach the cluster. @default - "argocd": no chart cache needed at synth */
  delivery: delivery.default('argocd'),
  /** Object storage for cluster and database backups. @default - none */
  backupStore: s3Location.optional(),
  addons: addons.prefault({}),
});

// ---------------------------------------------------------------------------------------------
// Applications

const quantity = z.strictObject({
  cpuMilli: positiveInt,
  memoryMiB: positiveInt,
});

const envVar = z.union([
  z.strictObject({ name: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/), value: z.string() }),
  z.strictObject({
    name: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/),
    /** A key of a Secret that an ExternalSecret creates; the value never passes through the site. */
    secret: z.strictObject({
      name: dnsLabel,
      key: z.string().min(1),
      /** Entry in the secret store (Vault path, or Secret name for the kubernetes backend). */
      remoteKey: z.string().min(1),
      /** Field inside that entry (a key of the Secret for the kubernetes backend). @default - the whole entry */
      remoteProperty: z.string().min(1).optional(),
    }),
  }),
  z.strictObject({
    name: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/),
    /**
     * The address of another app's Service, derived by the compiler so it is never typed twice.
     * `format` placeholders: {host}, {port}, {scheme}.
     */
    serviceOf: z.strictObject({ app: dnsLabel, format: z.string().default('{host}') }),
  }),
]);
export type EnvVarSpec = z.output<typeof envVar>;

const volume = z.strictObject({
  name: dnsLabel,
  mountPath: z.string().startsWith('/', { message: 'must be an absolute path' }),
  readOnly: z.boolean().default(false),
  /** PersistentVolumeClaim backing the volume. */
  claim: z.strictObject({
    name: dnsLabel,
    sizeGiB: positiveInt,
    accessMode: z.enum(['ReadWriteOnce', 'ReadWriteMany', 'ReadOnlyMany']).default('ReadWriteOnce'),
    /** @default - the site's default StorageClass */
    storageClass: dnsLabel.optional(),
  }),
});

const app = z.strictObject({
  name: dnsLabel,
  /** Name of the main container. @default - the app name */
  container: dnsLabel.optional(),
  image,
  replicas: positiveInt.default(1),
  /** Port the container listens on. */
  containerPort: port,
  /** The ClusterIP Service in front of the app. */
  service: z.strictObject({ name: dnsLabel, port }),
  resources: z.strictObject({ requests: quantity, limits: quantity }),
  env: z.array(envVar).default([]),
  volumes: z.array(volume).default([]),
  /** Apps and data stores this app calls; network policy and ordering are derived from it. @default - none */
  dependsOn: z.array(dnsLabel).default([]),
  /**
   * Connections the app opens to addresses outside the cluster. The app namespace denies all traffic
   * by default, so each one is declared with its reason.
   * @default - none
   */
  egress: z
    .array(
      z.strictObject({
        cidr,
        /** Ranges inside `cidr` that stay closed (e.g. the site's private networks). @default - none */
        except: z.array(cidr).default([]),
        ports: z.array(port).min(1),
        reason: z.string().min(10, { message: 'must say why the app needs this connection (at least 10 characters)' }),
      }),
    )
    .default([]),
  /** GPU use: the app is scheduled on the GPU pool and must fit the GPU's memory. @default - none */
  gpu: z
    .strictObject({
      count: positiveInt.default(1),
      /**
       * Model served, for the memory-fit check (weights + KV cache + overhead, as vLLM checks at start-up). The shape
       * facts come from model/llm-catalog.ts for the models listed there; for another model give them from its
       * config.json. Facts given here override the catalog.
       */
      model: z.strictObject({
        name: z.string().min(1),
        /** @default - from the catalog */
        parametersBillions: z.number().positive().optional().describe('parameters in billions (model card); default: from the catalog'),
        /** 2 for 16-bit weights, 1 for 8-bit, 0.5 for 4-bit. */
        bytesPerParameter: z.number().positive(),
        /** num_hidden_layers. @default - from the catalog */
        layers: positiveInt.optional().describe('transformer layers (config.json num_hidden_layers); default: from the catalog'),
        /** num_key_value_heads. @default - from the catalog */
        kvHeads: positiveInt.optional().describe('key/value heads (config.json num_key_value_heads); default: from the catalog'),
        /** head_dim (hidden_size / num_attention_heads). @default - from the catalog */
        headDim: positiveInt.optional().describe('size of one attention head (config.json head_dim); default: from the catalog'),
        /** max_position_embeddings. @default - from the catalog */
        contextLength: positiveInt.optional().describe('longest context the model supports (config.json max_position_embeddings); default: from the catalog'),
      }),
      /** Share of GPU memory the server may take (vLLM's gpu_memory_utilization). @default 0.9 */
      memoryUtilization: z.number().gt(0).max(1).default(0.9),
      /**
       * Longest sequence (prompt + output) served: vLLM's --max-model-len, which the app's container arguments carry.
       * vLLM refuses to start unless the KV cache holds one sequence this long.
       * @default - the model's context length, as vLLM does
       */
      maxContextTokens: positiveInt.optional().describe("--max-model-len: longest sequence served, passed to the engine; default: the model's context length"),
      /** KV cache precision: "auto" is the model's 16-bit dtype (also for quantized weights), "fp8" halves it. @default "auto" */
      kvCacheDtype: z.enum(['auto', 'fp8']).default('auto').describe('KV cache precision: auto (16-bit) or fp8 (half the memory, --kv-cache-dtype fp8); default auto'),
      /**
       * Memory per GPU vLLM needs beside weights and KV cache: CUDA context and libraries, activation peak.
       * @default 3 - vLLM's own profile of an 8B model: 1.79 GiB non-torch + 1.26 GiB activations (vllm-project/vllm#10511)
       */
      overheadGiB: z.number().nonnegative().default(3).describe('GiB per GPU beside weights and KV cache (CUDA context, activation peak); default 3'),
    })
    .optional(),
  /** HTTP paths published through the ingress with TLS. @default - not published */
  ingress: z
    .strictObject({
      host: z.string().regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, { message: 'must be a DNS host name like api.hookprobe.example' }),
      paths: z.array(z.string().startsWith('/')).min(1),
    })
    .optional(),
  /** HTTP path of the liveness/readiness probes. @default - a TCP check of the container port */
  healthPath: z.string().startsWith('/').optional(),
  /** Path Prometheus scrapes on the container port. @default - not scraped */
  metricsPath: z.string().startsWith('/').optional(),
});
export type AppSpec = z.output<typeof app>;

const dataStores = z.strictObject({
  postgres: z
    .strictObject({
      /** Service name the apps use (the seed's `postgres-service`). */
      serviceName: dnsLabel,
      /** PostgreSQL major version. */
      version: z.number().int().min(13),
      instances: positiveInt.default(3),
      storageGiB: positiveInt,
      database: dnsLabel,
      owner: dnsLabel,
      backup: z.strictObject({ schedule: cron, retentionDays: positiveInt.default(30) }).optional(),
    })
    .optional(),
  redis: z
    .strictObject({
      serviceName: dnsLabel,
      image,
      storageGiB: positiveInt,
    })
    .optional(),
});

// ---------------------------------------------------------------------------------------------
// GitOps, Terraform state, edge fleet

const gitops = z.strictObject({
  /** Repository Argo CD syncs dist/ from. */
  repoUrl: url,
  /** @default - "main" */
  revision: z.string().min(1).default('main'),
  /** Path of the kubernetes tree inside the repository. @default - "dist/kubernetes" */
  path: z.string().default('dist/kubernetes'),
});

const terraformBackend = z.discriminatedUnion(
  'type',
  [
    z.strictObject({
      type: z.literal('local'),
      /** Relative to the working directory, so dist/ never holds an absolute path. */
      path: z.string().regex(/^(?!\/)(?!.*\.\.)\S+$/, { message: 'must be a relative path without "..", e.g. terraform.tfstate' }),
    }),
    z.strictObject({
      type: z.literal('s3'),
      bucket: z.string().min(3),
      key: z.string().min(1),
      region: z.string().min(1),
      /** MinIO or another S3-compatible endpoint. @default - AWS */
      endpoint: httpsUrl.optional(),
    }),
    z.strictObject({
      type: z.literal('pg'),
      /** Schema holding the state. @default - "terraform_remote_state" */
      schemaName: z.string().default('terraform_remote_state'),
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
  /** VLAN (by name) of the edge tunnel network. */
  vlan: dnsLabel,
  /** Inventory file (YAML) of edge SBCs, relative to the site file. @default - no edges */
  inventory: z.string().optional(),
  /** WireGuard hub. */
  wireguard: z.strictObject({ hubAddress: ipv4, listenPort: port.default(51820) }),
});

const policyException = z.strictObject({
  rule: z.string().min(1),
  /** `Kind/namespace/name` or `Kind/name` the exception applies to. */
  object: z.string().min(1),
  reason: z.string().min(10, { message: 'must give the reason (at least 10 characters) so reviewers can judge it' }),
});

// ---------------------------------------------------------------------------------------------

export const siteSchema = z.strictObject({
  name: dnsLabel,
  description: z.string().optional(),
  network,
  proxmox,
  ceph: ceph.optional(),
  kubernetes,
  /** VMs beside the Kubernetes nodes (API load balancer, NFS server), placed on the Proxmox nodes like them. @default - none */
  serviceVms: z.array(serviceVm).default([]),
  /** Machines on the management network that are not Proxmox nodes (a management node, switches). @default - none */
  managementHosts: z.array(managementHost).default([]),
  platform: platform.prefault({}),
  dataStores: dataStores.prefault({}),
  /** Namespace of the site's own applications and data stores. @default - the site name */
  appNamespace: dnsLabel.optional(),
  apps: z.array(app).default([]),
  gitops,
  terraform: z.strictObject({
    backend: terraformBackend,
    /**
     * Replacements (and removals) synth may write although they destroy a control-plane VM (and its etcd member), a
     * VM's disks on Ceph storage, or a Ceph pool. Remove an entry once the change is applied; a stale entry is a warning.
     * @default - none: synth refuses such a replacement and names the entry that would accept it
     */
    acknowledgeReplacements: z.array(replacementAcknowledgement).default([]).describe('Terraform replacements or removals of control-plane VMs, VMs with Ceph-backed disks or Ceph pools that synth may write; default none (synth refuses them)'),
  }),
  edge: edge.optional(),
  policy: z.strictObject({ exceptions: z.array(policyException).default([]) }).prefault({}),
});

/** What a site author writes (defaults optional). */
export type SiteInput = z.input<typeof siteSchema>;
/** A validated site with every default filled in. */
export type Site = z.output<typeof siteSchema>;

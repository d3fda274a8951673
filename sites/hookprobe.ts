import { defineSite } from '../site';

/**
 * The HookProbe backend, transcribed from hookprobe-backend-plan.md (the reference site).
 *
 * Where this file departs from the plan, the comment beside the value says why; everything else is the
 * plan's own number. The plan gives minimum versions (Kubernetes 1.31+, Cilium 1.16+, Rook 1.15+); the
 * versions here are the ones whose API schemas the compiler validates against.
 *
 * Chart pins stay at these versions because they are the ones the upstream chart mirror (../shared/charts)
 * holds: sites/hookprobe.facts.yaml is measured from those charts and `npm run verify:upstream` proves it, and a
 * newer patch release would be pinned without facts measured from it. The mirror holds exactly these releases and
 * no newer patch of any of them (PROVENANCE.tsv); `npm run verify:upstream` fails once it does. Then bump the pin:
 * `npx site-compiler vendor --from <mirror>` measures it, and the facts diff shows what it changes.
 */
export default defineSite(
  {
    name: 'hookprobe',
    description: 'HookProbe backend: 3-node Proxmox VE cluster with Ceph, Kubernetes on VMs, GPU worker for AI content generation',

    network: {
      uplink: 'eno1',
      bridge: 'vmbr0',
      vlans: [
        { id: 10, name: 'management', role: 'management', cidr: '192.168.1.0/24', gateway: '192.168.1.1', purpose: 'Proxmox management' },
        { id: 20, name: 'k8s-nodes', role: 'kubernetes', cidr: '10.100.0.0/24', gateway: '10.100.0.1', purpose: 'K8s node network' },
        { id: 30, name: 'ceph-public', role: 'ceph-public', cidr: '10.0.1.0/24', purpose: 'Ceph public' },
        { id: 40, name: 'ceph-cluster', role: 'ceph-cluster', cidr: '10.0.2.0/24', purpose: 'Ceph cluster' },
        { id: 50, name: 'edge', role: 'edge', cidr: '172.16.0.0/24', gateway: '172.16.0.1', purpose: 'Edge SBC connection' },
      ],
    },

    proxmox: {
      cluster: 'hookprobe-cluster',
      endpoint: 'https://192.168.1.10:8006/',
      // The plan sets pm_tls_insecure = true; the compiler verifies TLS unless a site opts out (and warns then).
      insecureTls: false,
      // Ceph monitors/OSDs and Proxmox itself live beside the VMs on each host.
      reservedMemoryGiB: 16,
      // Section 6.1: 32-core, 128 GB servers; one NVIDIA A100 40GB.
      nodes: [1, 2, 3].map((n) => ({
        name: `pve-node-${n}`,
        cpuCores: 32,
        memoryGiB: 128,
        addresses: {
          management: `192.168.1.${9 + n}`,
          'ceph-public': `10.0.1.${9 + n}`,
          'ceph-cluster': `10.0.2.${9 + n}`,
        },
        osdDevices: ['/dev/nvme0n1'],
        // The architecture diagram puts the GPU worker on node 2; step 4.2 gives the GPU at PCI 01:00.
        gpus:
          n === 2
            ? [{ name: 'a100', model: 'nvidia-a100-40gb', pciAddress: '0000:01:00.0', deviceId: '10de:20f1', memoryGiB: 40 }]
            : [],
      })),
    },

    ceph: {
      publicVlan: 'ceph-public',
      clusterVlan: 'ceph-cluster',
      pools: [
        // k8s-storage backs the VM disks (the plan's `storage = "ceph-storage"`); k8s-rbd backs Kubernetes volumes.
        { name: 'k8s-storage', size: 3, minSize: 2, application: 'rbd', pveStorage: 'ceph-storage' },
        { name: 'k8s-rbd', size: 3, minSize: 2, application: 'rbd' },
        // Not in the plan: qsecbit's three replicas share their model and data claims across nodes, which
        // needs a ReadWriteMany (CephFS) class; an RBD image attaches to one node at a time.
        { name: 'k8s-fs-metadata', size: 3, minSize: 2, application: 'cephfs' },
        { name: 'k8s-fs-data', size: 3, minSize: 2, application: 'cephfs' },
      ],
      filesystem: { name: 'k8s-fs', metadataPool: 'k8s-fs-metadata', dataPool: 'k8s-fs-data' },
      // Not in the plan, which leaves the Ceph public network unrouted: the Kubernetes VMs get a second NIC on
      // it (10.0.1.100-106) so Rook, running in external mode inside the cluster, reaches the monitors.
      clientFirstIp: '10.0.1.100',
    },

    kubernetes: {
      version: '1.31.13',
      clusterName: 'hookprobe',
      nodeVlan: 'k8s-nodes',
      apiVip: '10.100.0.100',
      apiPort: 6443,
      podCidr: '10.244.0.0/16',
      // The plan's 10.96.0.0/12 spans 10.96.0.0-10.111.255.255 and so contains the node network
      // 10.100.0.0/24: a ClusterIP could shadow a node address. /16 keeps 10.96.0.1 (API) and 10.96.0.10 (DNS).
      serviceCidr: '10.96.0.0/16',
      image: {
        // Ubuntu 24.04 LTS cloud image (plan step 2.1), pinned to a dated release so its checksum holds.
        url: 'https://cloud-images.ubuntu.com/releases/noble/release-20250704/ubuntu-24.04-server-cloudimg-amd64.img',
        sha256: 'f1652d29d497fb7c623433705c9fca6525d1311b11294a0f495eed55c7639d1f',
      },
      nodePools: [
        { name: 'control-plane', role: 'control-plane', count: 3, namePrefix: 'k8s-control', firstVmId: 100, firstIp: '10.100.0.10', cores: 4, memoryGiB: 8, diskGiB: 50, storage: 'ceph-storage' },
        { name: 'worker', role: 'worker', count: 3, namePrefix: 'k8s-worker', firstVmId: 110, firstIp: '10.100.0.20', cores: 8, memoryGiB: 32, diskGiB: 100, storage: 'ceph-storage' },
        // The plan names a GPU worker but not its size; this one leaves the LLM pod (4 CPU, 16 GiB) room
        // for a model download cache and system daemons.
        { name: 'gpu', role: 'worker', count: 1, namePrefix: 'k8s-gpu-worker', firstVmId: 120, firstIp: '10.100.0.30', cores: 16, memoryGiB: 64, diskGiB: 200, storage: 'ceph-storage', gpuModel: 'nvidia-a100-40gb' },
      ],
    },

    platform: {
      delivery: 'argocd',
      backupStore: { bucket: 'hookprobe-k8s-backups', region: 'us-east-1' },
      addons: {
        cilium: { chartVersion: '1.18.0', hubble: true, loadBalancerRange: { start: '10.100.0.200', stop: '10.100.0.250' } },
        // Rook v1.20 installs the CSI drivers from a second chart; 1.0.4 is the ceph-csi-operator v1.20.6 bundles.
        rookCeph: { chartVersion: 'v1.20.6', rbdPool: 'k8s-rbd', storageClass: 'ceph-rbd', csiDriversChartVersion: '1.0.4' },
        nvidiaGpu: { devicePluginVersion: 'v0.17.4', dcgmExporterVersion: '3.3.9-3.6.1-ubuntu22.04' },
        monitoring: {
          chartVersion: '88.5.3',
          prometheusStorageGiB: 50,
          grafanaStorageGiB: 10,
          // The plan keeps a loki/ folder beside prometheus/ and grafana/ (section 7.1) but gives no size: 50 GiB holds
          // the default 15 days of logs of this cluster with room to spare. Grafana Alloy is the log agent.
          loki: { chartVersion: '6.49.0', storageGiB: 50, agentChartVersion: '1.2.1' },
        },
        argocd: { chartVersion: '10.1.1' },
        velero: { chartVersion: '12.1.0', schedule: '0 2 * * *' },
        falco: { chartVersion: '9.1.0' },
        // The plan's "Ingress: Nginx/Traefik" (section 3.2). Controller v1.14.1, tested on Kubernetes 1.30-1.34. Upstream
        // ended maintenance of ingress-nginx in March 2026: plan a move to a Gateway API controller.
        ingressNginx: { chartVersion: '4.14.1', replicas: 2 },
        certManager: { chartVersion: 'v1.19.6', acmeEmail: 'qsecbit@hookprobe.com' },
        externalSecrets: { chartVersion: '2.9.0', backend: { type: 'kubernetes', namespace: 'secret-store' } },
        // Runs the PostgreSQL the plan's apps expect at postgres-service. Chart 0.26.0 ships operator 1.27.0,
        // the last line whose supported Kubernetes versions include 1.31.
        cloudnativePg: { chartVersion: '0.26.0' },
      },
    },

    dataStores: {
      postgres: {
        serviceName: 'postgres-service',
        version: 16,
        instances: 3,
        storageGiB: 50,
        database: 'hookprobe',
        owner: 'hookprobe',
        backup: { schedule: '0 3 * * *' },
      },
      redis: { serviceName: 'redis-service', image: 'redis:7.4.2', storageGiB: 10 },
    },

    appNamespace: 'hookprobe',
    apps: [
      {
        name: 'qsecbit-backend',
        container: 'qsecbit',
        image: 'hookprobe/qsecbit:v5.0',
        replicas: 3,
        containerPort: 8888,
        service: { name: 'qsecbit-backend-service', port: 8888 },
        resources: { requests: { cpuMilli: 1000, memoryMiB: 2048 }, limits: { cpuMilli: 2000, memoryMiB: 4096 } },
        env: [
          { name: 'REDIS_HOST', serviceOf: { app: 'redis', format: '{host}' } },
          { name: 'POSTGRES_HOST', serviceOf: { app: 'postgres', format: '{host}' } },
          { name: 'ML_MODEL_PATH', value: '/models/qsecbit-v5.0.pkl' },
        ],
        volumes: [
          // Three replicas on different nodes share these claims, so they need a ReadWriteMany class.
          { name: 'models', mountPath: '/models', readOnly: true, claim: { name: 'qsecbit-models-pvc', sizeGiB: 20, accessMode: 'ReadWriteMany' } },
          { name: 'data', mountPath: '/data', claim: { name: 'qsecbit-data-pvc', sizeGiB: 50, accessMode: 'ReadWriteMany' } },
        ],
        dependsOn: ['redis', 'postgres'],
        // The plan's custom Qsecbit exporter (section 9.1); the path on the app port is assumed, not given.
        metricsPath: '/metrics',
      },
      {
        name: 'ai-content-generator',
        container: 'llm-service',
        image: 'hookprobe/llm-content-gen:v1.0',
        replicas: 1,
        containerPort: 8000,
        service: { name: 'ai-content-service', port: 8000 },
        resources: { requests: { cpuMilli: 4000, memoryMiB: 16384 }, limits: { cpuMilli: 4000, memoryMiB: 16384 } },
        env: [
          // The plan serves meta-llama/Llama-3.3-70B-Instruct: 70.6B parameters at 16 bits is ~131 GiB of
          // weights, more than three times the A100's 40 GiB, so the compiler refuses it. An 8B model fits.
          { name: 'MODEL_NAME', value: 'meta-llama/Llama-3.1-8B-Instruct' },
          // The memory share and the context reach vLLM as container arguments derived from gpu below
          // (--gpu-memory-utilization, --max-model-len), so the fit check and the server cannot disagree.
        ],
        volumes: [{ name: 'model-cache', mountPath: '/root/.cache', claim: { name: 'llm-cache-pvc', sizeGiB: 100 } }],
        egress: [
          {
            cidr: '0.0.0.0/0',
            except: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16'],
            ports: [443],
            reason: 'downloads the model weights from Hugging Face over HTTPS on first start; the model cache claim keeps them afterwards',
          },
        ],
        gpu: {
          count: 1,
          // Shape (32 layers, 8 KV heads of 128, 131072-token context) from the catalog (model/llm-catalog.ts).
          model: { name: 'meta-llama/Llama-3.1-8B-Instruct', parametersBillions: 8.03, bytesPerParameter: 2 },
          memoryUtilization: 0.9,
          // On the A100 40GB at 0.9: 36 GiB = 14.96 GiB weights + 3 GiB overhead + KV cache. The full 131072-token
          // context (16 GiB of KV cache) would fit, but only one such sequence at a time; 32768 tokens (4 GiB per
          // sequence) leaves the cache room for about four full-length requests at once, which content generation needs
          // more than book-length prompts.
          maxContextTokens: 32768,
        },
      },
      {
        name: 'django-central',
        container: 'django',
        image: 'hookprobe/django-central:v5.0',
        replicas: 3,
        containerPort: 8000,
        service: { name: 'django-central-service', port: 80 },
        resources: { requests: { cpuMilli: 500, memoryMiB: 1024 }, limits: { cpuMilli: 1000, memoryMiB: 2048 } },
        env: [
          // With the kubernetes store backend, the entry is a Secret in the store namespace and the property one of its keys.
          { name: 'DATABASE_URL', secret: { name: 'django-secrets', key: 'database-url', remoteKey: 'hookprobe-django', remoteProperty: 'database-url' } },
          { name: 'REDIS_URL', serviceOf: { app: 'redis', format: 'redis://{host}:{port}/0' } },
          { name: 'QSECBIT_API_URL', serviceOf: { app: 'qsecbit-backend', format: 'http://{host}:{port}' } },
          { name: 'AI_CONTENT_API_URL', serviceOf: { app: 'ai-content-generator', format: 'http://{host}:{port}' } },
        ],
        dependsOn: ['postgres', 'redis', 'qsecbit-backend', 'ai-content-generator'],
        // The plan's custom Django exporter (section 9.1); the path on the app port is assumed, not given.
        metricsPath: '/metrics',
        ingress: { host: 'backend.hookprobe.com', paths: ['/api/v1/sbc'] },
        egress: [
          // The plan's Backend -> Edge API (section 5.2): content publish, config update, status. HTTPS is assumed.
          { cidr: '172.16.0.0/24', ports: [443], reason: 'calls the edge SBCs\' API (publish content, update config, health check) over the edge network' },
        ],
      },
    ],

    gitops: { repoUrl: 'https://github.com/hookprobe/backend', revision: 'main', path: 'dist/kubernetes' },
    terraform: { backend: { type: 'local', path: 'terraform.tfstate' } },
    policy: {
      exceptions: [
        {
          rule: 'probes',
          object: 'DaemonSet/nvidia-gpu/nvidia-device-plugin',
          reason: 'The NVIDIA device plugin serves no health endpoint: it speaks only gRPC to kubelet over a host socket, and a plugin that stops serving shows as the node losing its nvidia.com/gpu capacity, which the GPU alerts watch.',
        },
      ],
    },
    edge: { vlan: 'edge', wireguard: { hubAddress: '172.16.0.1', listenPort: 51820 } },
  },
  'sites/hookprobe.ts',
);

import { defineSite } from '../site';

/**
 * The Dark Knight homelab, transcribed from darkknight-homelab-architecture.md (the second site).
 *
 * One Proxmox host (Ryzen 9 7950X, 128 GB, 2 TB NVMe) runs every VM of the seed: the HAProxy load balancer, three
 * masters, three workers and the NFS storage VM, on local-lvm (no Ceph). A Raspberry Pi 5 on the management network
 * is the management node. Numbers are the seed's unless the comment beside a value says why not. Where the seed
 * gives a range instead of an address (its IP plan), the first free address of the range is used.
 *
 * Chart pins stay at the versions the upstream chart mirror (../shared/charts) holds, the only releases whose facts
 * (sites/homelab.facts.yaml) are measured and verified. The mirror holds no newer patch release of any of them
 * (PROVENANCE.tsv); `npm run verify:upstream` fails once it does, and the pin is then bumped.
 */
export default defineSite(
  {
    name: 'homelab',
    description: 'Dark Knight homelab: one Proxmox host with an HAProxy API load balancer, 3 masters, 3 workers and an NFS server, managed from a Raspberry Pi',

    network: {
      // The seed names the five networks but not their 802.1Q tags: these tags are the site's choice, to be set the
      // same on the Cudy GS108 trunk ports. Management reaches the host untagged, as the Proxmox installer leaves it.
      vlans: [
        { id: 10, name: 'management', role: 'management', cidr: '10.0.0.0/24', gateway: '10.0.0.1', purpose: 'Infrastructure: Proxmox, switch, management node' },
        // The seed reserves 10.2.0.1-10 for load balancers and gives no gateway: the router's leg is taken to be .1,
        // as on the management network, so the load balancer VM is .2 and the API VIP .10.
        { id: 20, name: 'kubernetes', role: 'kubernetes', cidr: '10.2.0.0/24', gateway: '10.2.0.1', purpose: 'K8s nodes: masters, workers, load balancer, storage' },
        // The seed routes these but gives no router address on them; they carry no VM of this site yet.
        { id: 30, name: 'storage', role: 'storage', cidr: '10.3.0.0/24', purpose: 'Storage traffic: NFS, iSCSI' },
        { id: 40, name: 'dmz', role: 'dmz', cidr: '10.4.0.0/24', purpose: 'External access: reverse proxy, VPN' },
        { id: 50, name: 'iot', role: 'iot', cidr: '192.168.50.0/24', purpose: 'IoT devices: smart home, sensors' },
      ],
    },

    proxmox: {
      cluster: 'darkknight',
      endpoint: 'https://10.0.0.10:8006/',
      nodes: [
        {
          // Must be the host's own name (`hostname` on it); the seed does not give one.
          name: 'pve',
          // 16 cores / 32 threads: Proxmox schedules vCPUs on threads, and the seed plans with 32.
          cpuCores: 32,
          memoryGiB: 128,
          // First address of the seed's Proxmox range 10.0.0.10-20.
          addresses: { management: '10.0.0.10' },
          // The RTX 4080 is for the seed's phase 4 (GPU passthrough); no VM of this phase uses it.
        },
      ],
    },

    // Not in the seed's IP plan by address, only by range: the Pi in "infrastructure services" (10.0.0.50-99), the
    // switch in "network equipment" (10.0.0.30-40).
    managementHosts: [
      { name: 'rpi-mgmt', role: 'management-node', address: '10.0.0.50', purpose: 'Raspberry Pi 5 (8 GB, 64 GB SD): Terraform, kubectl and Ansible run here' },
      { name: 'cudy-gs108', role: 'network-device', address: '10.0.0.30', purpose: 'Cudy GS108 gigabit switch with the VLAN trunks' },
    ],

    kubernetes: {
      // The seed says Kubernetes 1.29.x; the compiler validates against the 1.31 API and kubeadm v1beta4 (1.31+).
      version: '1.31.13',
      clusterName: 'darkknight',
      nodeVlan: 'kubernetes',
      apiVip: '10.2.0.10',
      apiPort: 6443,
      // The seed's "API Server: 3 instances behind load balancer": HAProxy on the load-balancer VM holds the VIP.
      vip: { provider: 'haproxy' },
      podCidr: '10.244.0.0/16',
      // The seed's 10.96.0.0/12 (10.96.0.0-10.111.255.255) overlaps none of its networks, so it is kept whole.
      serviceCidr: '10.96.0.0/12',
      image: {
        // Ubuntu 22.04 LTS (the seed's OS), pinned to a dated release so its checksum holds. URL and sha256 as the
        // Lima project pins them (lima-vm/lima templates/ubuntu-22.04.yaml, commit 0625d0b0).
        url: 'https://cloud-images.ubuntu.com/releases/jammy/release-20250305/ubuntu-22.04-server-cloudimg-amd64.img',
        sha256: 'eb4707ac0dec191347bb5123ad2fd2b372077a66e5300ddb4c0d16444f619fa6',
      },
      // VM ids are 100 + the last octet of the VM's address, so one number finds a VM in both places.
      nodePools: [
        // One host: the three masters cannot be on different nodes. "preferred" accepts that (the model warns).
        { name: 'master', role: 'control-plane', count: 3, namePrefix: 'k8s-master', firstVmId: 111, firstIp: '10.2.0.11', cores: 4, memoryGiB: 8, diskGiB: 100, storage: 'local-lvm', spread: 'preferred' },
        { name: 'worker', role: 'worker', count: 3, namePrefix: 'k8s-worker', firstVmId: 131, firstIp: '10.2.0.31', cores: 4, memoryGiB: 16, diskGiB: 200, storage: 'local-lvm' },
      ],
    },

    // local-lvm is thin-provisioned: the seed's disks add up to 2,444 GiB on a 2 TB (1,863 GiB) NVMe, which works only
    // while the VMs use less than that; watch `lvs` (Data%) on the host. The seed's own total (1.2 TB) leaves out the
    // NFS data disk.
    serviceVms: [
      { role: 'api-load-balancer', name: 'haproxy-lb', vmId: 102, ip: '10.2.0.2', cores: 2, memoryGiB: 2, diskGiB: 20, storage: 'local-lvm' },
      // First address of the seed's storage-node range 10.2.0.81-99; "500GB + 1TB data": the 1 TB disk is the export.
      { role: 'nfs-server', name: 'nfs-storage', vmId: 181, ip: '10.2.0.81', cores: 4, memoryGiB: 8, diskGiB: 500, storage: 'local-lvm', dataDisk: { sizeGiB: 1024 }, exportPath: '/srv/nfs' },
    ],

    platform: {
      delivery: 'argocd',
      // "Backup: Velero + MinIO/S3". The seed gives MinIO no address: it is named in the site's own DNS under
      // home.arpa (RFC 8375, the domain for home networks), which the home DNS (Pi-hole) must resolve.
      backupStore: { bucket: 'velero', region: 'minio', endpoint: 'https://minio.darkknight.home.arpa:9000', forcePathStyle: true },
      addons: {
        // The seed's Calico 3.27 predates Kubernetes 1.31: 3.30 is the newest line tested on 1.31 (3.31 starts at 1.32),
        // and v3.30.7 (Tigera operator v1.38.13) is the release whose CRDs the compiler validates against. eBPF as the
        // seed says: Calico then also replaces kube-proxy, so the nodes are built without it.
        calico: { chartVersion: 'v3.30.7', dataplane: 'bpf' },
        // Layer 2 on the seed's pool 10.2.0.100-150. v0.16.1 is the MetalLB release whose CRDs the compiler validates
        // against; its chart version is the release without the "v".
        metallb: { chartVersion: '0.16.1', addressRange: { start: '10.2.0.100', stop: '10.2.0.150' } },
        // The seed's Longhorn 1.6.x is out of support; 1.12.1 is the release whose CRDs the compiler validates against
        // (Kubernetes >= 1.25; not 1.11.3, whose CSI provisioner needs 1.34). Three replicas as the seed says, all on
        // this one host's NVMe: they survive a VM, not the host. Nightly snapshots are the seed's "Longhorn snapshots".
        longhorn: { chartVersion: '1.12.1', replicas: 3, snapshots: { schedule: '0 1 * * *', retain: 7 } },
        // Server and export path come from the nfs-storage VM. Chart 4.0.18 ships provisioner v4.0.2, the latest.
        nfsProvisioner: { chartVersion: '4.0.18' },
        // Upstream publishes no chart repository, so the provisioner is a first-party construct at this image tag.
        localPath: { version: 'v0.0.32' },
        // The seed gives no sizes. Longhorn keeps three replicas on the workers' 200 GB disks, so these stay small.
        monitoring: {
          chartVersion: '88.5.3',
          prometheusStorageGiB: 30,
          grafanaStorageGiB: 5,
          // The seed's Promtail reached end of life in March 2026; Grafana Alloy is the log agent instead.
          loki: { chartVersion: '6.49.0', storageGiB: 30, agentChartVersion: '1.2.1' },
        },
        // The seed's deployment pipeline ends in Argo CD; the compiler delivers every component through it.
        argocd: { chartVersion: '10.1.1' },
        // The seed gives no schedule: nightly, after the 01:00 Longhorn snapshots.
        velero: { chartVersion: '12.1.0', schedule: '0 2 * * *' },
        // "Multiple NGINX controller instances", behind MetalLB on the first address of its pool.
        ingressNginx: { chartVersion: '4.14.1', replicas: 2 },
        // No ACME e-mail: the seed gives none, and Let's Encrypt accepts an account without one.
        certManager: { chartVersion: 'v1.19.6' },
        // Velero's MinIO keys and Grafana's admin login arrive through ExternalSecrets, never in the manifests: the
        // real Secrets are kept in one namespace of this cluster ("secrets management" in the seed's security layers).
        externalSecrets: { chartVersion: '2.9.0', backend: { type: 'kubernetes', namespace: 'secret-store' } },
      },
    },

    // The seed's "Git Repository" on its self-hosted GitLab, named like MinIO in the home DNS.
    gitops: { repoUrl: 'https://gitlab.darkknight.home.arpa/darkknight/homelab.git', revision: 'main', path: 'dist/kubernetes' },
    // Terraform runs on the management node, which keeps the state.
    terraform: { backend: { type: 'local', path: 'terraform.tfstate' } },
  },
  'sites/homelab.ts',
);

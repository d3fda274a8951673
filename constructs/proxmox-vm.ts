import { Construct } from 'constructs';
import { Haresource } from '../imports/proxmox/haresource';
import { VirtualEnvironmentVm } from '../imports/proxmox/virtual-environment-vm';
import { ITerraformDependable, Token } from '../core/cdktf';

export interface ProxmoxVmProps {
  /** VM name (also its hostname). */
  readonly name: string;
  readonly vmId: number;
  /** Node the VM is placed on. */
  readonly node: string;
  readonly cores: number;
  readonly memoryMiB: number;
  readonly diskGiB: number;
  /** Storage for the system disk and the cloud-init drive. */
  readonly storage: string;
  /**
   * Blank disks beside the system disk, attached as scsi1, scsi2, ... in this order (the guest finds them as
   * /dev/disk/by-id/scsi-0QEMU_QEMU_HARDDISK_drive-scsi1, ...).
   * @default - none
   */
  readonly dataDisks?: readonly { readonly sizeGiB: number; readonly storage: string }[];
  /** Volume id of the cloud image the system disk is imported from, on `node`. */
  readonly imageFileId: string;
  /** Volume id of the cloud-init user-data snippet. */
  readonly userDataFileId: string;
  /** Bridge the NIC attaches to. */
  readonly bridge: string;
  /** VLAN tag of the NIC. */
  readonly vlanId: number;
  /** Static address with prefix, e.g. 10.100.0.10/24. */
  readonly ipv4: string;
  /** @default - none */
  readonly gateway?: string;
  /**
   * A second NIC on another VLAN of the same bridge, with a static address and no gateway (e.g. the
   * Ceph public network for in-cluster Ceph clients).
   * @default - one NIC only
   */
  readonly secondaryNic?: { readonly vlanId: number; readonly ipv4: string };
  /** @default - none */
  readonly dnsServers?: readonly string[];
  /** NIC MTU. @default - the guest's default (1500) */
  readonly mtu?: number;
  /**
   * Name of a PCI resource mapping (a GPU) passed through as a PCIe device; the VM then uses the q35
   * machine type, which PCIe passthrough needs.
   * @default - no passthrough
   */
  readonly pciMapping?: string;
  /**
   * Make the VM an HA resource so Proxmox restarts it on another node when its node fails. Needs every
   * disk on shared storage.
   * @default false
   */
  readonly highAvailability?: boolean;
  /** Proxmox tags (sorted; Proxmox stores them sorted). @default - none */
  readonly tags?: readonly string[];
  /** @default - none */
  readonly dependsOn?: readonly ITerraformDependable[];
}

/**
 * A VM (a Kubernetes node, or a service VM beside them): system disk imported from a cloud image, optional blank data disks, host CPU type, no memory ballooning
 * (kubelet sizes the node from its memory), the QEMU guest agent, one VLAN-tagged virtio NIC with a
 * static address from cloud-init, and the site's user-data. Optionally a passed-through GPU and an HA
 * resource.
 */
export class ProxmoxVm extends Construct {
  public readonly vm: VirtualEnvironmentVm;
  public readonly ha?: Haresource;

  constructor(scope: Construct, id: string, props: ProxmoxVmProps) {
    super(scope, id);
    const where = `ProxmoxVm ${props.name}`;
    if (!Number.isInteger(props.vmId) || props.vmId < 100) throw new Error(`${where}: vmId ${props.vmId} must be a whole number of 100 or more`);
    if (!Number.isInteger(props.cores) || props.cores < 1) throw new Error(`${where}: cores ${props.cores} must be a whole number of at least 1`);
    if (!Number.isInteger(props.memoryMiB) || props.memoryMiB < 1024) throw new Error(`${where}: memoryMiB ${props.memoryMiB} must be at least 1024 (kubeadm needs about 2 GiB)`);
    if (!Number.isInteger(props.diskGiB) || props.diskGiB < 10) throw new Error(`${where}: diskGiB ${props.diskGiB} must be at least 10`);
    if (!Number.isInteger(props.vlanId) || props.vlanId < 1 || props.vlanId > 4094) throw new Error(`${where}: vlanId ${props.vlanId} must be 1-4094`);
    (props.dataDisks ?? []).forEach((d, i) => {
      if (!Number.isInteger(d.sizeGiB) || d.sizeGiB < 1) throw new Error(`${where}: dataDisks[${i}].sizeGiB ${d.sizeGiB} must be a whole number of at least 1`);
      if (!/^[a-z][a-z0-9-]*$/.test(d.storage)) throw new Error(`${where}: dataDisks[${i}].storage ${JSON.stringify(d.storage)} must be a PVE storage id like local-lvm`);
    });
    if (!/^\d+\.\d+\.\d+\.\d+\/\d+$/.test(props.ipv4)) throw new Error(`${where}: ipv4 ${JSON.stringify(props.ipv4)} must be an address with prefix, e.g. 10.100.0.10/24`);

    // network_device is an object-typed attribute: Terraform's JSON syntax needs every field, null when unused.
    const unset = Token.nullValue();
    this.vm = new VirtualEnvironmentVm(this, 'vm', {
      name: props.name,
      nodeName: props.node,
      vmId: props.vmId,
      tags: props.tags ? [...new Set(props.tags)].sort() : undefined,
      onBoot: true,
      started: true,
      // A changed node_name (HA moved the VM, or the site moved it) is a live migration, not a rebuild.
      migrate: true,
      machine: props.pciMapping ? 'q35' : undefined,
      operatingSystem: { type: 'l26' },
      agent: { enabled: true, trim: true, timeout: '30m' },
      cpu: { cores: props.cores, sockets: 1, type: 'host' },
      memory: { dedicated: props.memoryMiB, floating: 0 },
      scsiHardware: 'virtio-scsi-single',
      bootOrder: ['scsi0'],
      disk: [
        {
          interface: 'scsi0',
          datastoreId: props.storage,
          fileId: props.imageFileId,
          // RBD and LVM hold raw images only.
          fileFormat: 'raw',
          size: props.diskGiB,
          discard: 'on',
          ssd: true,
          iothread: true,
        },
        ...(props.dataDisks ?? []).map((d, i) => ({
          interface: `scsi${i + 1}`,
          datastoreId: d.storage,
          fileFormat: 'raw',
          size: d.sizeGiB,
          discard: 'on',
          ssd: true,
          iothread: true,
        })),
      ],
      networkDevice: [props.vlanId, ...(props.secondaryNic ? [props.secondaryNic.vlanId] : [])].map((vlanId) => ({
        bridge: props.bridge,
        vlanId,
        model: 'virtio',
        enabled: true,
        // Filtering of node traffic is the CNI's job; the Proxmox firewall guards the hosts.
        firewall: false,
        mtu: props.mtu ?? Token.asNumber(unset),
        disconnected: unset,
        macAddress: Token.asString(unset),
        queues: Token.asNumber(unset),
        rateLimit: Token.asNumber(unset),
        trunks: Token.asString(unset),
      })),
      initialization: {
        // On the VM's storage, so the drive moves with the VM.
        datastoreId: props.storage,
        ipConfig: [
          { ipv4: { address: props.ipv4, gateway: props.gateway } },
          ...(props.secondaryNic ? [{ ipv4: { address: props.secondaryNic.ipv4 } }] : []),
        ],
        dns: props.dnsServers && props.dnsServers.length > 0 ? { servers: [...props.dnsServers] } : undefined,
        userDataFileId: props.userDataFileId,
      },
      hostpci: props.pciMapping ? [{ device: 'hostpci0', mapping: props.pciMapping, pcie: true, rombar: true }] : undefined,
      serialDevice: [{ device: 'socket' }],
      dependsOn: props.dependsOn ? [...props.dependsOn] : undefined,
    });
    this.vm.overrideLogicalId(props.name);

    if (props.highAvailability) {
      if (props.pciMapping) throw new Error(`${where}: highAvailability with pciMapping ${props.pciMapping}; the device exists on one node only, so HA could not start the VM elsewhere`);
      this.ha = new Haresource(this, 'ha', {
        resourceId: `vm:${props.vmId}`,
        state: 'started',
        maxRestart: 2,
        maxRelocate: 1,
        comment: `Kubernetes node ${props.name}`,
        dependsOn: [this.vm],
      });
      this.ha.overrideLogicalId(props.name);
    }
  }
}

import { Construct } from 'constructs';
import { HardwareMappingPci } from '../imports/proxmox/hardware-mapping-pci';
import { byCodePoint } from '../core/order';

export interface PciMappingDevice {
  /** Node the device is in. */
  readonly node: string;
  /** Full PCI address, e.g. 0000:01:00.0. */
  readonly path: string;
  /** vendor:device, e.g. 10de:20f1. */
  readonly deviceId: string;
  /** @default - unset (Proxmox marks the mapping incomplete) */
  readonly iommuGroup?: number;
  /** Subsystem vendor:device. @default - unset (Proxmox marks the mapping incomplete) */
  readonly subsystemId?: string;
}

export interface PciMappingProps {
  /** Cluster-wide mapping name the VM's hostpci refers to. */
  readonly name: string;
  readonly devices: readonly PciMappingDevice[];
  /** @default - none */
  readonly comment?: string;
}

const PCI_PATH = /^[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]$/;
const PCI_ID = /^[0-9a-f]{4}:[0-9a-f]{4}$/;

/**
 * A Proxmox PCI resource mapping: the VM names the mapping, not a host address, so an API token can
 * attach the device (raw hostpci ids need root@pam with a password) and the node that owns it is explicit.
 */
export class PciMapping extends Construct {
  public readonly mapping: HardwareMappingPci;
  public readonly name: string;

  constructor(scope: Construct, id: string, props: PciMappingProps) {
    super(scope, id);
    if (props.devices.length === 0) throw new Error(`PciMapping ${props.name}: devices is empty; list the device on each node`);
    props.devices.forEach((d, i) => {
      if (!PCI_PATH.test(d.path)) throw new Error(`PciMapping ${props.name}: devices[${i}].path ${JSON.stringify(d.path)} must be a full PCI address like 0000:01:00.0`);
      if (!PCI_ID.test(d.deviceId)) throw new Error(`PciMapping ${props.name}: devices[${i}].deviceId ${JSON.stringify(d.deviceId)} must be vendor:device like 10de:20f1`);
      if (d.subsystemId !== undefined && !PCI_ID.test(d.subsystemId)) throw new Error(`PciMapping ${props.name}: devices[${i}].subsystemId ${JSON.stringify(d.subsystemId)} must be vendor:device like 10de:145f`);
    });
    this.name = props.name;
    this.mapping = new HardwareMappingPci(this, 'mapping', {
      name: props.name,
      comment: props.comment,
      map: [...props.devices]
        .sort((a, b) => byCodePoint(a.node, b.node) || byCodePoint(a.path, b.path))
        .map((d) => ({
          nodeAttribute: d.node,
          path: d.path,
          id: d.deviceId,
          iommuGroup: d.iommuGroup,
          subsystemId: d.subsystemId,
        })),
    });
    this.mapping.overrideLogicalId(props.name);
  }
}

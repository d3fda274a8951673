import { Construct } from 'constructs';
import { DownloadFile } from '../imports/proxmox/download-file';
import type { ITerraformDependable } from '../core/cdktf';

export interface CloudImageProps {
  /** https URL of the image (.img or .qcow2). */
  readonly url: string;
  /** Expected sha256 of the file, hex. */
  readonly sha256: string;
  /** Name the image is stored under. */
  readonly fileName: string;
  /** Nodes that get a copy (each VM imports its disk from the copy on its own node). */
  readonly nodes: readonly string[];
  /** Storage with the `iso` content type on every node. @default "local" */
  readonly datastoreId?: string;
  /** @default - none */
  readonly dependsOn?: readonly ITerraformDependable[];
}

/**
 * A cloud image on every node that starts VMs from it, fetched by Proxmox itself and checked against
 * its sha256, so a replaced or truncated file on the mirror fails the download instead of booting.
 */
export class CloudImage extends Construct {
  /** The copy on each node, by node name. */
  public readonly byNode: ReadonlyMap<string, DownloadFile>;

  constructor(scope: Construct, id: string, props: CloudImageProps) {
    super(scope, id);
    if (!/^https:\/\//.test(props.url)) throw new Error(`CloudImage: url ${props.url} must be https so the download is authenticated`);
    if (!/^[0-9a-f]{64}$/.test(props.sha256)) throw new Error(`CloudImage: sha256 ${JSON.stringify(props.sha256)} is not 64 lowercase hex digits; copy it from the image's SHA256SUMS`);
    // Proxmox lists disk images under the iso content type only with these extensions.
    if (!/\.(img|iso)$/.test(props.fileName)) throw new Error(`CloudImage: fileName ${props.fileName} must end in .img or .iso to be stored as iso content; rename it, e.g. ${props.fileName.replace(/\.[^.]+$/, '')}.img`);
    if (props.nodes.length === 0) throw new Error('CloudImage: nodes is empty; list the nodes that start VMs from the image');
    const byNode = new Map<string, DownloadFile>();
    for (const node of [...new Set(props.nodes)]) {
      const file = new DownloadFile(this, node, {
        nodeName: node,
        datastoreId: props.datastoreId ?? 'local',
        contentType: 'iso',
        url: props.url,
        fileName: props.fileName,
        checksum: props.sha256,
        checksumAlgorithm: 'sha256',
        verify: true,
        dependsOn: props.dependsOn ? [...props.dependsOn] : undefined,
      });
      file.overrideLogicalId(`cloud-image_${node}`);
      byNode.set(node, file);
    }
    this.byNode = byNode;
  }
}

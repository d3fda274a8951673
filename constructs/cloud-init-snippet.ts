import { Construct } from 'constructs';
import { VirtualEnvironmentFile } from '../imports/proxmox/virtual-environment-file';
import type { ITerraformDependable } from '../core/cdktf';
import { terraformTemplate } from './terraform-template';

export interface CloudInitSnippetProps {
  /** File name in the storage's snippets folder, e.g. k8s-control-1-user-data.yaml. */
  readonly fileName: string;
  /** The snippet text (cloud-config). */
  readonly content: string;
  /**
   * Terraform expressions in `content` to evaluate (`${var.kubeadm_token}`); every other `${` and `%{`
   * reaches the file unchanged.
   * @default - none
   */
  readonly expressions?: readonly string[];
  /**
   * Nodes that hold a copy. A VM's user-data is read on the node it starts on, so a VM that HA may move
   * needs the snippet on every node it may run on.
   */
  readonly nodes: readonly string[];
  /** Storage with the `snippets` content type. @default "local" */
  readonly datastoreId?: string;
  /** Prefix of the Terraform resource names, e.g. the VM name. */
  readonly resourcePrefix: string;
  /** @default - none */
  readonly dependsOn?: readonly ITerraformDependable[];
}

/**
 * A cloud-init snippet uploaded (over the provider's SSH connection) to each node that may start the VM.
 * Secrets in it stay Terraform expressions in the configuration; their values exist only in the state
 * and on the nodes.
 */
export class CloudInitSnippet extends Construct {
  public readonly byNode: ReadonlyMap<string, VirtualEnvironmentFile>;
  public readonly fileName: string;

  constructor(scope: Construct, id: string, props: CloudInitSnippetProps) {
    super(scope, id);
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]*\.ya?ml$/.test(props.fileName)) {
      throw new Error(`CloudInitSnippet: fileName ${JSON.stringify(props.fileName)} must be a plain .yaml file name, e.g. vm-1-user-data.yaml`);
    }
    if (!props.content.startsWith('#cloud-config\n')) throw new Error(`CloudInitSnippet ${props.fileName}: content must start with "#cloud-config" for cloud-init to read it as user-data`);
    if (props.nodes.length === 0) throw new Error(`CloudInitSnippet ${props.fileName}: nodes is empty; give the node(s) the VM runs on`);
    this.fileName = props.fileName;
    const data = terraformTemplate(props.content, props.expressions ?? []);
    const byNode = new Map<string, VirtualEnvironmentFile>();
    for (const node of [...new Set(props.nodes)]) {
      const file = new VirtualEnvironmentFile(this, node, {
        nodeName: node,
        datastoreId: props.datastoreId ?? 'local',
        contentType: 'snippets',
        sourceRaw: { data, fileName: props.fileName },
        dependsOn: props.dependsOn ? [...props.dependsOn] : undefined,
      });
      file.overrideLogicalId(`${props.resourcePrefix}_user-data_${node}`);
      byNode.set(node, file);
    }
    this.byNode = byNode;
  }

  /** The snippet's volume id on `node` (a reference, so the VM waits for the upload). */
  public fileIdOn(node: string): string {
    const file = this.byNode.get(node);
    if (!file) throw new Error(`CloudInitSnippet ${this.fileName}: no copy on node ${node}; add it to nodes`);
    return file.id;
  }
}

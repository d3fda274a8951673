import { Document, YAMLMap, isMap, isSeq } from 'yaml';

/**
 * The starter site `site-compiler init` writes: a small, commented site that compiles as written, from
 * a few answers. Versions are the ones the compiler validates against (the reference site's pins).
 */

/**
 * Add-ons a starter site can ask for. The CNI (Cilium, with L2 load balancing) and Argo CD are always there: the CNI is a
 * chart delivered through Argo CD, and without Argo CD nothing would install it (synth refuses such a site).
 */
export const INIT_ADDONS = ['argocd', 'ingress', 'certificates', 'secrets', 'monitoring'] as const;
export type InitAddon = (typeof INIT_ADDONS)[number];

export type InitFormat = 'yaml' | 'ts';

export interface InitAnswers {
  /** DNS label: the site's, the cluster's and the Proxmox cluster's name. */
  readonly name: string;
  /** Proxmox hosts, 1 to 9. */
  readonly hosts: number;
  /** VLAN id of the management network (Proxmox hosts). */
  readonly managementVlan: number;
  /** /24 of the management network, e.g. 10.0.0.0/24 (hosts get .11, .12 …). */
  readonly managementCidr: string;
  /** VLAN id of the Kubernetes node network. */
  readonly nodeVlan: number;
  /** /24 of the node network, e.g. 10.2.0.0/24 (VMs get .11 …, the API VIP .5, load balancers .200-.220). */
  readonly nodeCidr: string;
  readonly addons: readonly InitAddon[];
  readonly format: InitFormat;
  /** Git repository Argo CD syncs from. */
  readonly repoUrl: string;
}

export const INIT_DEFAULTS: InitAnswers = {
  name: 'lab',
  hosts: 1,
  managementVlan: 10,
  managementCidr: '10.0.0.0/24',
  nodeVlan: 20,
  nodeCidr: '10.2.0.0/24',
  addons: ['argocd', 'ingress', 'certificates'],
  format: 'yaml',
  repoUrl: 'https://git.example.com/lab/gitops.git',
};

/** Problems with the answers, each naming the flag and what it takes (empty when they are usable). */
export function checkAnswers(a: InitAnswers): string[] {
  const problems: string[] = [];
  if (!/^[a-z]([a-z0-9-]{0,30}[a-z0-9])?$/.test(a.name)) problems.push(`--name "${a.name}": give a DNS label (lower-case letters, digits and -, at most 32 characters, starting with a letter)`);
  if (!Number.isInteger(a.hosts) || a.hosts < 1 || a.hosts > 9) problems.push(`--hosts ${a.hosts}: give a whole number from 1 to 9`);
  for (const [flag, id] of [['--management-vlan', a.managementVlan], ['--node-vlan', a.nodeVlan]] as const) {
    if (!Number.isInteger(id) || id < 1 || id > 4094) problems.push(`${flag} ${id}: give a VLAN id from 1 to 4094`);
  }
  if (a.managementVlan === a.nodeVlan) problems.push(`--node-vlan ${a.nodeVlan}: give another VLAN id than the management network's`);
  for (const [flag, cidr] of [['--management-cidr', a.managementCidr], ['--node-cidr', a.nodeCidr]] as const) {
    if (!/^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.0\/24$/.test(cidr) || cidr.split(/[./]/).slice(0, 3).some((o) => Number(o) > 255)) problems.push(`${flag} ${cidr}: give a /24 network, like 10.0.0.0/24`);
  }
  if (a.managementCidr === a.nodeCidr) problems.push(`--node-cidr ${a.nodeCidr}: give another network than the management one`);
  if (!/^https:\/\/[^\s/]+\/\S+$/.test(a.repoUrl) || /:\/\/[^/]*@/.test(a.repoUrl)) problems.push(`--repo-url ${a.repoUrl}: give the https URL of the GitOps repository, without credentials`);
  return problems;
}

/** `10.2.0.0/24`, 11 -> `10.2.0.11` */
function host(cidr: string, n: number): string {
  return `${cidr.split('.').slice(0, 3).join('.')}.${n}`;
}

/** The site object: what the starter file holds, before comments. */
export function starterSite(a: InitAnswers): Record<string, unknown> {
  const controlPlanes = a.hosts >= 3 ? 3 : 1;
  const has = (x: InitAddon): boolean => a.addons.includes(x);
  const addons: Record<string, unknown> = {
    cilium: { chartVersion: '1.18.0', loadBalancerRange: { start: host(a.nodeCidr, 200), stop: host(a.nodeCidr, 220) } },
  };
  // Always: it delivers the CNI's chart too (`argocd` in the answers is accepted and changes nothing).
  addons.argocd = { chartVersion: '10.1.1' };
  if (has('ingress')) addons.ingressNginx = { chartVersion: '4.14.1' };
  if (has('certificates')) addons.certManager = { chartVersion: 'v1.19.6' };
  if (has('secrets') || has('monitoring')) addons.externalSecrets = { chartVersion: '2.9.0', backend: { type: 'kubernetes', namespace: 'secret-store' } };
  if (has('monitoring')) {
    addons.localPath = { version: 'v0.0.32' };
    addons.monitoring = { chartVersion: '88.5.3', prometheusStorageGiB: 20, grafanaStorageGiB: 5 };
  }
  return {
    name: a.name,
    network: {
      vlans: [
        { id: a.managementVlan, name: 'management', role: 'management', cidr: a.managementCidr, gateway: host(a.managementCidr, 1) },
        { id: a.nodeVlan, name: 'nodes', role: 'kubernetes', cidr: a.nodeCidr, gateway: host(a.nodeCidr, 1) },
      ],
    },
    proxmox: {
      cluster: a.name,
      endpoint: `https://${host(a.managementCidr, 11)}:8006/`,
      nodes: Array.from({ length: a.hosts }, (_, i) => ({ name: `pve${i + 1}`, cpuCores: 16, memoryGiB: 64, addresses: { management: host(a.managementCidr, 11 + i) } })),
    },
    kubernetes: {
      version: '1.31.13',
      clusterName: a.name,
      nodeVlan: 'nodes',
      apiVip: host(a.nodeCidr, 5),
      podCidr: '10.244.0.0/16',
      serviceCidr: '10.96.0.0/16',
      image: {
        url: 'https://cloud-images.ubuntu.com/releases/noble/release-20250704/ubuntu-24.04-server-cloudimg-amd64.img',
        sha256: 'f1652d29d497fb7c623433705c9fca6525d1311b11294a0f495eed55c7639d1f',
      },
      nodePools: [
        { name: 'control-plane', role: 'control-plane', count: controlPlanes, namePrefix: 'cp', firstVmId: 200, firstIp: host(a.nodeCidr, 11), cores: 2, memoryGiB: 4, diskGiB: 40, storage: 'local-lvm' },
        { name: 'worker', role: 'worker', count: Math.max(2, a.hosts), namePrefix: 'worker', firstVmId: 210, firstIp: host(a.nodeCidr, 31), cores: 4, memoryGiB: 8, diskGiB: 80, storage: 'local-lvm' },
      ],
    },
    platform: { addons },
    gitops: { repoUrl: a.repoUrl },
    terraform: { backend: { type: 'local', path: 'terraform.tfstate' } },
  };
}

/** Comments on the starter file's sections: what each is and where to read more. */
const SECTION_COMMENTS: Readonly<Record<string, string>> = {
  name: ' The site\'s name: a DNS label. It heads every generated file.',
  network: ' VLANs by role. Hosts live on the management VLAN; the Kubernetes VMs on the kubernetes one.',
  proxmox: ' The Proxmox VE cluster: API endpoint and the hosts, with their address on each VLAN. Set cpuCores and\n memoryGiB to the real hosts: placement checks that the VMs fit.',
  kubernetes: ' The cluster: version, API VIP (kube-vip), pod and service ranges, the cloud image and the node pools\n (VMs, placed over the hosts). Add hosts with gpus: to get a GPU pool.',
  platform: ' Add-ons, each pinned by chart version. Cilium is the CNI and announces LoadBalancer addresses (L2) from\n loadBalancerRange; every add-on here is delivered by Argo CD (platform.delivery: argocd).',
  gitops: ' Where the compiled tree is committed: Argo CD syncs dist/kubernetes from this repository.',
  terraform: ' Terraform state: local here; use s3 (MinIO) or pg for a team.',
};

/** The starter site as YAML with a comment on each section and the schema line editors read. */
export function starterYaml(a: InitAnswers, schemaPath: string): string {
  const doc = new Document(starterSite(a));
  doc.commentBefore = [
    ` yaml-language-server: $schema=${schemaPath}`,
    ` Site "${a.name}", written by site-compiler init. Compile it with:`,
    `   npx site-compiler synth --site <this file> --out <folder>`,
    ' Every field is documented in the schema above (hover in your editor); `npx site-compiler site --schema` prints it.',
  ].join('\n');
  if (isMap(doc.contents)) {
    for (const pair of (doc.contents as YAMLMap).items) {
      const key = String((pair.key as { value?: unknown }).value);
      const comment = SECTION_COMMENTS[key];
      if (comment && pair.key && typeof pair.key === 'object') (pair.key as { commentBefore?: string }).commentBefore = comment;
    }
  }
  flowShortMaps(doc.contents);
  return doc.toString({ lineWidth: 0 });
}

/** Short leaf maps (an address, a range) read best on one line. */
function flowShortMaps(node: unknown): void {
  if (isSeq(node)) for (const item of node.items) flowShortMaps(item);
  if (!isMap(node)) return;
  const leaves = node.items.every((p) => !isMap(p.value) && !isSeq(p.value) && String((p.value as { value?: unknown })?.value ?? '').length <= 40);
  if (leaves && node.items.length <= 3) node.flow = true;
  for (const p of node.items) flowShortMaps(p.value);
}

/** The starter site as TypeScript: the same object through defineSite, which type-checks it in the editor. */
export function starterTs(a: InitAnswers, importFrom: string): string {
  const body = JSON.stringify(starterSite(a), null, 2).replace(/"([A-Za-z_][A-Za-z0-9_]*)":/g, '$1:').replace(/"/g, "'");
  return [
    `// Site "${a.name}", written by site-compiler init. Compile it with:`,
    '//   npx site-compiler synth --site <this file> --out <folder>',
    '// defineSite checks the site when the file loads; your editor shows every field\'s documentation.',
    `import { defineSite } from '${importFrom}';`,
    '',
    `export default defineSite(${body});`,
    '',
  ].join('\n');
}

export function starterFile(a: InitAnswers, paths: { schema: string; defineSite: string }): string {
  return a.format === 'ts' ? starterTs(a, paths.defineSite) : starterYaml(a, paths.schema);
}

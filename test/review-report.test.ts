import { JSDOM } from 'jsdom';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildModel } from '../model';
import { siteSchema } from '../site';
import reference from '../sites/hookprobe';
import { exceptionRows, parseQuantity, renderReview, REVIEW_FILE, withReview } from '../synth/review-report';
import { synthesize } from '../synth/synthesize';
import { checkFlows } from '../validate/network-flows';
import { checkPolicy } from '../validate/policy';
import { synthesizedReference } from './support/compiled';
import { referenceSite } from './support/sites';

const { model, result } = synthesizedReference();
const review = renderReview(model, result, checkPolicy(result.manifests, model), checkFlows({ model, manifests: result.manifests, releases: result.releaseFacts ?? [] }));

type Parse = (text: string) => Promise<unknown>;
let mermaidParse: Parse;

beforeAll(async () => {
  // Mermaid sanitizes labels with DOMPurify, which needs a DOM; jsdom gives it one in this process.
  const { window } = new JSDOM('');
  Object.assign(globalThis, { window, document: window.document });
  const mermaid = (await import('mermaid')).default;
  mermaid.initialize({ startOnLoad: false });
  mermaidParse = (text) => mermaid.parse(text);
});

function mermaidBlock(markdown: string): string {
  const m = /```mermaid\n([\s\S]*?)```/.exec(markdown);
  if (!m) throw new Error('no mermaid block in the review');
  return m[1];
}

function section(markdown: string, heading: string): string {
  const start = markdown.indexOf(`\n${heading}\n`);
  if (start < 0) throw new Error(`no section ${heading}`);
  const level = heading.split(' ')[0];
  const rest = markdown.slice(start + heading.length + 2);
  const next = rest.search(new RegExp(`\\n#{1,${level.length}} `));
  return next < 0 ? rest : rest.slice(0, next);
}

describe('renderReview', () => {
  it('is byte-identical across two synths of the same site', () => {
    const again = synthesize(buildModel(reference));
    expect(renderReview(model, again, checkPolicy(again.manifests, model), checkFlows({ model, manifests: again.manifests, releases: again.releaseFacts ?? [] }))).toBe(review);
  });

  it('holds no date, absolute path or tool version', () => {
    expect(review).not.toMatch(/\b20\d\d-[01]\d-[0-3]\d\b/);
    expect(review).not.toContain(process.cwd());
    expect(review).not.toMatch(/cdktf|cdk8s \d|mermaid \d/i);
  });

  it('has the capacity table of every Proxmox node against the host and its reserve', () => {
    const capacity = section(review, '### Proxmox nodes');
    expect(capacity).toContain('| Node | VMs | Host vCPU | Reserved vCPU | VM vCPU | vCPU free | Host RAM | Reserved RAM | VM RAM | RAM free |');
    for (const h of model.hosts) {
      const row = capacity.split('\n').find((l) => l.startsWith(`| ${h.name} |`));
      expect(row, h.name).toBeDefined();
      expect(row).toContain(`| ${h.vms.join(', ')} | ${h.cpuCores} | ${h.cpuCores - h.allocatable.cpuCores} | ${h.allocated.cpuCores} |`);
    }
  });

  it('sums pod requests times replicas against the workers, as a share of what kubelet reports allocatable', () => {
    const pods = section(review, '### Pods against the workers');
    const workerCores = model.kubernetes.workers.reduce((n, v) => n + v.cores, 0);
    // 4 workers: 8-core VMs keep 90m + 100m, the 16-core GPU worker 110m + 100m (model/node-allocatable.ts).
    expect(workerCores).toBe(40);
    expect(pods).toMatch(/\| vCPU \| [0-9.]+ \| .* \| 40 \| 39\.22 \| \d+% \|/);
    expect(pods).toMatch(/\| RAM \| .* \| 160 GiB \| 142\.4 GiB \| \d+% \|/);
    expect(pods).toContain("less the kubeReserved and systemReserved each node's KubeletConfiguration sets");
    // qsecbit-backend: 3 replicas of 1 CPU / 2 GiB in the reference site.
    const app = reference.apps.find((a) => a.name === 'qsecbit-backend');
    expect(app?.replicas).toBe(3);
    expect(pods).toContain('| qsecbit-backend | Deployment/qsecbit-backend | 3 | 3 (1 each) | 6 GiB (2 GiB each) | 6 | 12 GiB |');
  });

  it('has the IP plan: VLANs, node addresses, VMs, VIP, load-balancer range and cluster CIDRs', () => {
    const plan = section(review, '## IP plan');
    for (const v of model.network.vlans) expect(plan).toContain(`| ${v.id} | ${v.name} | ${v.role} | ${v.cidr} |`);
    for (const vm of model.vms) expect(plan).toContain(`| ${vm.name} | ${vm.vmId} | ${vm.role} | ${vm.pool} | ${vm.host} | ${vm.ip}/${vm.prefixLength} |`);
    expect(plan).toContain(`| Kubernetes API (VIP) | ${model.kubernetes.apiVip}:${model.kubernetes.apiPort}`);
    expect(plan).toContain(`| Pod CIDR | ${model.kubernetes.podCidr} |`);
    expect(plan).toContain(`| Service CIDR | ${model.kubernetes.serviceCidr} |`);
    const lb = reference.platform.addons.cilium?.loadBalancerRange;
    expect(plan).toContain(`| LoadBalancer range (cilium) | ${lb?.start} – ${lb?.stop} |`);
  });

  it('has one row per component with what it holds and how it is delivered', () => {
    const components = section(review, '## Components');
    for (const c of model.components) expect(components).toMatch(new RegExp(`\\n\\| ${c.name} \\| [^|]+ \\| ${c.namespace} \\|`));
    expect(components).toContain('chart via Argo CD (not in dist/)');
  });

  it('lists a site exception with its reason, the components it could not check, and a stale exception', () => {
    const reason = 'the vendor publishes this tool only as latest; pinned when issue 42 lands';
    const site = referenceSite() as { policy: unknown };
    site.policy = {
      exceptions: [
        { rule: 'image-pinned', object: 'Deployment/hookprobe/debug-tool', reason },
        { rule: 'read-only-root-fs', object: 'Deployment/hookprobe/gone', reason: 'an object that no longer exists' },
      ],
    };
    const m = buildModel(siteSchema.parse(site));
    const debug = structuredClone(result.manifests.get('qsecbit-backend')?.find((o) => o.kind === 'Deployment')) as unknown as { metadata: { name: string }; spec: { template: { spec: { containers: { image: string }[] } } } };
    debug.metadata.name = 'debug-tool';
    debug.spec.template.spec.containers[0].image = 'example/debug:latest';
    const manifests = new Map(result.manifests);
    manifests.set('qsecbit-backend', [...(manifests.get('qsecbit-backend') ?? []), debug as never]);
    const input = { ...result, manifests };
    const policy = checkPolicy(manifests, m);
    expect(policy.findings.filter((f) => f.object === 'Deployment/hookprobe/debug-tool')).toEqual([]);

    const report = renderReview(m, input, policy);
    expect(section(report, '### Exceptions')).toContain(`| Deployment/hookprobe/debug-tool | qsecbit-backend | image-pinned | site (policy.exceptions) | ${reason} | container "qsecbit": image example/debug:latest uses the moving tag "latest" |`);
    expect(section(report, '### Not checked')).toMatch(/argocd.*the chart is delivered by Argo CD/);
    expect(section(report, '## Warnings')).toContain('policy.exceptions[1] (read-only-root-fs on Deployment/hookprobe/gone) matched no finding');
  });

  it('groups the exceptions that share a component and a reason into one row, with every object and rule', () => {
    const policy = checkPolicy(result.manifests, model);
    const reason = 'an upstream chart offers no value for it';
    const grouped = {
      ...policy,
      exceptions: [
        { component: 'velero', object: 'Deployment/velero/velero', rule: 'seccomp-profile' as const, reason, source: 'built-in' as const, suppressed: 'container "velero" runs without a seccomp profile' },
        { component: 'velero', object: 'Deployment/velero/velero', rule: 'read-only-root-fs' as const, reason, source: 'built-in' as const, suppressed: 'container "velero" can write to its root filesystem' },
        { component: 'velero', object: 'Job/velero/velero-upgrade-crds', rule: 'read-only-root-fs' as const, reason, source: 'built-in' as const, suppressed: 'container "velero" can write to its root filesystem' },
        { component: 'velero', object: 'Namespace/velero', rule: 'namespace-default-deny' as const, reason: 'another reason', source: 'built-in' as const, suppressed: 'has no default-deny NetworkPolicy' },
      ],
    };
    const rows = section(renderReview(model, result, grouped), '### Exceptions').split('\n').filter((l) => l.startsWith('| ') && !l.startsWith('| Objects') && !l.startsWith('| ---'));
    expect(rows).toEqual([
      `| Deployment/velero/velero, Job/velero/velero-upgrade-crds | velero | read-only-root-fs, seccomp-profile | built-in | ${reason} | 3 findings |`,
      '| Namespace/velero | velero | namespace-default-deny | built-in | another reason | has no default-deny NetworkPolicy |',
    ]);
  });

  it('has every diagram under ## Site as valid Mermaid: hosts, add-ons in sync order, apps', async () => {
    const site = section(review, '## Site');
    const blocks = [...site.matchAll(/```mermaid\n([\s\S]*?)```/g)].map((m) => m[1]);
    expect(site.match(/^### .*/gm)).toEqual(['### Proxmox nodes and their VMs', '### Platform add-ons in sync order', '### Apps and data stores']);
    for (const b of blocks) await expect(mermaidParse(b)).resolves.toMatchObject({ diagramType: 'flowchart-v2' });
  });

  it('is checked by a parser that rejects a broken diagram', async () => {
    const broken = mermaidBlock(review).replace(/\n {2}end\n/, '\n');
    await expect(mermaidParse(broken)).rejects.toThrow();
  });

  it('shortens long name lists of the Terraform table and says how to read them', () => {
    const terraform = section(review, '## Terraform');
    expect(terraform).toContain('| proxmox_virtual_environment_file | 19 | {k8s-control-1…3, k8s-worker-1…3}_user-data_pve-node-1…3, k8s-gpu-worker-1_user-data_pve-node-2 |');
    expect(terraform).toContain('| proxmox_ceph_pool | 4 | k8s-fs-data, k8s-fs-metadata, k8s-rbd, k8s-storage |');
    expect(terraform).toContain('`x-1…3` is x-1, x-2 and x-3');
  });

  it('groups exceptions that differ only in the object and its component into one row', () => {
    const exceptions = section(review, '### Exceptions');
    const rows = exceptions.split('\n').filter((l) => l.startsWith('| ') && !l.startsWith('| Object') && !l.startsWith('| ---'));
    expect(rows).toHaveLength(4);
    expect(rows[0]).toMatch(/^\| 9 × Namespace: argocd, cert-manager, cnpg-system, external-secrets, falco, ingress-nginx, monitoring, rook-ceph, velero \| argocd, cert-manager, cloudnative-pg, .* \| namespace-default-deny \| built-in \| holds only the third-party chart of its component /);
    // One object excepted from two rules for one reason: one row naming both rules.
    expect(exceptions).toContain('| DaemonSet/nvidia-gpu/dcgm-exporter | nvidia-gpu | host-path, run-as-non-root | built-in |');
  });
});

describe('exceptionRows', () => {
  const e = (object: string, component: string, reason: string, source: 'site' | 'built-in' = 'built-in') => ({ object, component, rule: 'probes', reason, source, suppressed: 'has no livenessProbe' }) as const;

  it('keeps rows apart when their reasons differ beyond the component name', () => {
    const rows = exceptionRows([e('Deployment/a/x', 'a', 'a serves no health endpoint'), e('Deployment/b/y', 'b', 'b is probed by its operator')]);
    expect(rows).toHaveLength(2);
  });

  it('keeps rows apart when one is declared by the site and the other built in', () => {
    expect(exceptionRows([e('Deployment/a/x', 'a', 'a serves no health endpoint', 'site'), e('Deployment/b/y', 'b', 'b serves no health endpoint')])).toHaveLength(2);
  });

  it('replaces only the whole component name, not a word containing it', () => {
    const [row] = exceptionRows([e('Deployment/a/x', 'a', 'a serves no health endpoint at all'), e('Deployment/b/y', 'b', 'b serves no health endpoint at all')]);
    expect(row).toEqual(['2 × Deployment: a/x, b/y', 'a, b', 'probes', 'built-in', 'its component serves no health endpoint at all', 'has no livenessProbe']);
  });
});

describe('withReview', () => {
  it('adds REVIEW.md to the tree, keeps it sorted and leaves the synth result alone', () => {
    const tree = withReview(model, result);
    expect(tree.get(REVIEW_FILE)).toBe(review);
    expect([...tree.keys()]).toEqual([...tree.keys()].sort());
    expect(result.files.has(REVIEW_FILE)).toBe(false);
  });
});

describe('parseQuantity', () => {
  it('reads Kubernetes CPU and memory quantities', () => {
    expect(parseQuantity('500m')).toBeCloseTo(0.5);
    expect(parseQuantity('2')).toBe(2);
    expect(parseQuantity('1Gi')).toBe(2 ** 30);
    expect(parseQuantity('768M')).toBe(768e6);
    expect(parseQuantity(3)).toBe(3);
  });
});

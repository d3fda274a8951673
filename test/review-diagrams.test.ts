import * as fs from 'node:fs';
import * as path from 'node:path';
import { JSDOM } from 'jsdom';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildModel } from '../model';
import reference from '../sites/hookprobe';
import homelab from '../sites/homelab';
import {
  appDiagrams,
  componentDiagrams,
  hostDiagrams,
  MAX_BOXES_PER_COLUMN,
  MAX_HOSTS_PER_DIAGRAM,
  MAX_NODES_PER_DIAGRAM,
  MAX_VMS_PER_HOST,
  siteDiagramsSection,
  type ReviewDiagram,
} from '../synth/review-diagrams';
import { largeModel } from './support/large-model';
import { chromiumMissing, mermaidBlocks, openMermaidBrowser, PAGE_WIDTH_PX, type DiagramMeasure, type MermaidBrowser } from './support/mermaid-browser';

const model = buildModel(reference);
const home = buildModel(homelab);
const ROOT = path.resolve(__dirname, '..');

/** Smallest text, in CSS px after the page fits the diagram into its width, that reads without zooming. */
const MIN_TEXT_PX = 12;

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

/** Box ids of a flowchart (`id[...`, `id(...`, `id{{...`, `id>...`), subgraphs left out. */
function boxes(mermaid: string): string[] {
  return [...mermaid.matchAll(/^\s+(\w+)(?:\[|\(|\{\{|>)/gm)].map((m) => m[1]);
}

const large = largeModel(model);
const largeDiagrams = (): ReviewDiagram[] => [...hostDiagrams(large), ...componentDiagrams(large, new Map()), ...appDiagrams(large)];

describe('hostDiagrams', () => {
  it('draws each Proxmox node as a box holding its VMs', () => {
    const [d] = hostDiagrams(model);
    for (const h of model.hosts) {
      const block = d.mermaid.slice(d.mermaid.indexOf(`subgraph host_${h.name.replace(/-/g, '_')}[`));
      const inside = block.slice(0, block.indexOf('\n  end'));
      for (const vm of h.vms) expect(inside, `${h.name} holds ${vm}`).toContain(`vm_${vm.replace(/-/g, '_')}["${vm}<br/>`);
    }
  });

  it(`puts at most ${MAX_HOSTS_PER_DIAGRAM} nodes in one diagram and groups VMs of one pool and size past ${MAX_VMS_PER_HOST} on a node`, () => {
    const ds = hostDiagrams(large);
    expect(ds.map((d) => d.title)).toEqual(['Proxmox nodes and their VMs (1 of 3)', 'Proxmox nodes and their VMs (2 of 3)', 'Proxmox nodes and their VMs (3 of 3)']);
    for (const d of ds) expect(d.mermaid.match(/subgraph /g)?.length).toBeLessThanOrEqual(MAX_HOSTS_PER_DIAGRAM);
    expect(ds[0].mermaid).toContain('vm_k8s_worker_1["8 × worker<br/>k8s-worker-1…8<br/>8 vCPU, 32 GiB each"]');
  });

  it('groups the homelab\'s eight VMs on one node into four boxes', () => {
    expect(boxes(hostDiagrams(home)[0].mermaid)).toEqual(['vm_k8s_master_1', 'vm_k8s_worker_1', 'vm_haproxy_lb', 'vm_nfs_storage']);
  });
});

describe('componentDiagrams', () => {
  it('puts the add-ons in columns by their Argo CD sync wave and leaves out the arrows from what everything needs', () => {
    const ds = componentDiagrams(model, new Map());
    expect(ds).toHaveLength(1);
    const [d] = ds;
    expect(d.mermaid).toMatch(/subgraph wave_0_0\["wave 0"\]\n {4}c_cilium\["cilium"\]\n {2}end/);
    expect(d.mermaid).toContain('c_external_secrets --> c_rook_ceph');
    expect(d.mermaid).toContain('c_rook_ceph --> c_monitoring');
    expect(d.mermaid).not.toContain('c_cilium -->');
    expect(d.caption).toContain('Everything needs cilium');
  });

  it(`splits past ${MAX_NODES_PER_DIAGRAM} boxes and writes a need on an add-on of another part in its box`, () => {
    const ds = componentDiagrams(large, new Map());
    expect(ds.length).toBeGreaterThan(1);
    for (const d of ds) expect(boxes(d.mermaid).length, d.title).toBeLessThanOrEqual(MAX_NODES_PER_DIAGRAM);
    expect(ds.flatMap((d) => boxes(d.mermaid))).toHaveLength(30);
    expect(ds.map((d) => d.mermaid).join('\n')).toContain('c_addon_15["addon-15<br/>needs addon-01"]');
  });

  it(`continues a wave of more than ${MAX_BOXES_PER_COLUMN} add-ons in a second column`, () => {
    const [d] = componentDiagrams(model, new Map());
    expect(d.mermaid).toMatch(/~~~/);
  });
});

describe('appDiagrams', () => {
  it('draws each call, the published host coming in and the networks an app reaches', () => {
    const [d] = appDiagrams(model);
    expect(d.mermaid).toContain('a_django_central --> a_qsecbit_backend');
    expect(d.mermaid).toContain('a_qsecbit_backend --> a_postgres');
    expect(d.mermaid).toContain('in_backend_hookprobe_com --> a_django_central');
    expect(d.mermaid).toMatch(/a_ai_content_generator -\.-> out_0_0_0_0_0_10_0_0_0_8_\w+\n/);
    expect(d.mermaid).toContain('"0.0.0.0/0<br/>except 3 ranges<br/>TCP 443"');
    expect(d.mermaid).toContain('a_postgres[("postgres<br/>on cloudnative-pg,<br/>rook-ceph")]');
  });

  it(`splits past ${MAX_NODES_PER_DIAGRAM} apps and writes a call into another part in the caller's box`, () => {
    const ds = appDiagrams(large);
    expect(ds.length).toBe(2);
    for (const d of ds) expect(boxes(d.mermaid).length).toBeLessThanOrEqual(MAX_NODES_PER_DIAGRAM);
    expect(ds[0].mermaid).toContain('calls svc-13');
  });

  it('draws nothing for a site without apps', () => {
    expect(appDiagrams(home)).toEqual([]);
  });
});

describe('siteDiagramsSection', () => {
  it('gives every diagram of both sites and of a large site as Mermaid that parses', async () => {
    const all = [...siteDiagramsSection(model, new Map()), ...siteDiagramsSection(home, new Map())].join('\n');
    const blocks = [...mermaidBlocks(all), ...largeDiagrams().map((d) => d.mermaid)];
    expect(blocks.length).toBeGreaterThan(6);
    for (const b of blocks) await expect(mermaidParse(b)).resolves.toMatchObject({ diagramType: 'flowchart-v2' });
  });

  it('keeps every label valid with names that need escaping', async () => {
    const odd = 'end "quoted" <b>x</b> | & (1) [2] {3}';
    const [d] = hostDiagrams({ ...model, hosts: [{ ...model.hosts[0], name: odd }], vms: [{ ...model.vms[0], host: odd }], serviceVms: [] });
    expect(d.mermaid).toContain('end #quot;quoted#quot; #lt;b#gt;x#lt;/b#gt; | #amp; (1) [2] {3}');
    await expect(mermaidParse(d.mermaid)).resolves.toBeTruthy();
  });
});

/**
 * The diagrams as a reader sees them: rendered by Mermaid's browser bundle in Debian's Chromium on a page 1,000 px
 * wide. Each must parse, fit the page, and keep its smallest text at MIN_TEXT_PX or more once the page has scaled
 * it down to fit.
 */
const missing = chromiumMissing();
if (missing) console.warn(`REVIEW.md diagrams are not rendered in Chromium: ${missing}`);
describe.skipIf(missing !== undefined)(missing ? `REVIEW.md diagrams in Chromium (skipped: ${missing})` : 'REVIEW.md diagrams in Chromium at 1,000 px', () => {
  let browser: MermaidBrowser;
  beforeAll(async () => {
    browser = await openMermaidBrowser();
  });
  afterAll(async () => {
    await browser?.close();
  });

  const legible = (m: DiagramMeasure, what: string): void => {
    expect(m.error, what).toBeUndefined();
    expect(m.textCount, what).toBeGreaterThan(0);
    expect(m.renderedWidthPx, what).toBeLessThanOrEqual(PAGE_WIDTH_PX);
    expect(m.minEffectiveFontPx, `${what}: "${m.smallestText}" at ${m.minEffectiveFontPx.toFixed(1)} px (scale ${m.scale.toFixed(2)})`).toBeGreaterThanOrEqual(MIN_TEXT_PX);
  };

  it.each(['dist/REVIEW.md', 'dist-homelab/REVIEW.md'])('every diagram of %s parses, fits 1,000 px and keeps its text at 12 px or more', async (file) => {
    const blocks = mermaidBlocks(fs.readFileSync(path.join(ROOT, file), 'utf8'));
    expect(blocks.length).toBeGreaterThanOrEqual(2);
    for (const [i, b] of blocks.entries()) legible(await browser.measure(b), `${file} diagram ${i + 1}`);
  });

  it('keeps a site much larger than the examples legible by splitting and grouping', async () => {
    for (const d of largeDiagrams()) legible(await browser.measure(d.mermaid), d.title);
  });

  it('fails a diagram that is too wide for the page (a chain of 16 boxes left to right)', async () => {
    const chain = ['flowchart LR', ...Array.from({ length: 15 }, (_, i) => `  n${i}["component-${i}"] --> n${i + 1}["component-${i + 1}"]`)].join('\n');
    const m = await browser.measure(chain);
    expect(m.error).toBeUndefined();
    expect(m.minEffectiveFontPx).toBeLessThan(MIN_TEXT_PX);
  });

  it('fails a diagram that does not parse', async () => {
    expect((await browser.measure('flowchart LR\n  a["open label] --> b')).error).toBeDefined();
  });
});

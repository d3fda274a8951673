import type { AppModel, ComponentModel, SiteModel } from '../model';
import { byCodePoint as byCode } from '../core/order';
import { numberRuns } from './name-summary';

/**
 * The pictures of REVIEW.md. One picture of the whole site, scaled into a pull-request page about 1,000 px wide,
 * had 6 px text and edges no one could follow; so the site is drawn as three small diagrams, each sized to be read
 * at that width without scaling (text stays at Mermaid's 16 px, or no less than ~12 px where the page scales it):
 *
 * - hosts and their VMs: one box per Proxmox node, side by side, its VMs stacked inside;
 * - platform add-ons in Argo CD sync order: one column per sync wave, an arrow from what is needed to what needs it;
 * - apps and data stores: who calls whom, where the outside comes in and goes out.
 *
 * Past a few boxes per row or column a diagram is split or its repeated rows grouped, rather than drawn wider.
 * test/review-diagrams.test.ts renders every diagram of the committed REVIEW.md files in Chromium to hold this.
 */

/** Proxmox nodes side by side in one diagram: three columns of VM boxes fit 1,000 px at full size (four measured 1,314 px). */
export const MAX_HOSTS_PER_DIAGRAM = 3;
/** VM boxes stacked under one node before VMs of the same pool and size are drawn as one box. */
export const MAX_VMS_PER_HOST = 5;
/** Columns of boxes side by side in one diagram: four columns of apps' several-line labels fit 1,000 px at full size. */
export const MAX_COLUMNS_PER_DIAGRAM = 4;
/** The same for the add-ons, whose boxes hold a name only. */
export const MAX_WAVE_COLUMNS_PER_DIAGRAM = 5;
/** Boxes stacked in one column of a sync wave before the wave continues in a second column beside it. */
export const MAX_BOXES_PER_COLUMN = 5;
/** Boxes per diagram of the components and apps pictures; past it the picture is split. */
export const MAX_NODES_PER_DIAGRAM = 12;
/** Characters per label line before a list wraps onto the next line. */
const LINE_CHARS = 24;

export interface ReviewDiagram {
  /** Heading text of the diagram's subsection. */
  readonly title: string;
  /** What it shows and how to read it (one paragraph). */
  readonly caption: string;
  /** Mermaid source, ending in a newline. */
  readonly mermaid: string;
}

// ---------------------------------------------------------------------------------------------
// Mermaid text

/** Mermaid label text: quotes and angle brackets as entities, so any name stays inside its label. */
export function label(...lines: string[]): string {
  return `"${lines.map((l) => l.replace(/&/g, '#amp;').replace(/"/g, '#quot;').replace(/</g, '#lt;').replace(/>/g, '#gt;')).join('<br/>')}"`;
}

export function mermaidId(prefix: string, name: string): string {
  return `${prefix}_${name.replace(/[^A-Za-z0-9]/g, '_')}`;
}

/** A list as label lines of at most LINE_CHARS characters, the first starting with `lead`; none for an empty list. */
function wrapList(lead: string, items: readonly string[]): string[] {
  if (items.length === 0) return [];
  const lines: string[] = [];
  let line = lead.trimEnd();
  for (const [i, item] of items.entries()) {
    const piece = `${item}${i < items.length - 1 ? ',' : ''}`;
    if (line !== lead.trimEnd() && line.length + 1 + piece.length > LINE_CHARS) {
      lines.push(line);
      line = piece;
    } else line = line === '' ? piece : `${line} ${piece}`;
  }
  lines.push(line);
  return lines;
}

function mib(n: number): string {
  const g = n / 1024;
  if (n > 0 && n < 1024) return `${Math.round(n)} MiB`;
  return Number.isInteger(g) ? `${g} GiB` : `${g.toFixed(1)} GiB`;
}

function chunk<T>(list: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < list.length; i += size) out.push(list.slice(i, i + size));
  return out;
}

function part(title: string, index: number, total: number): string {
  return total > 1 ? `${title} (${index + 1} of ${total})` : title;
}

// ---------------------------------------------------------------------------------------------
// Hosts and VMs

interface VmBox {
  readonly id: string;
  readonly lines: string[];
  readonly cls: 'control' | 'worker' | 'gpu' | 'service';
}

/** The VM boxes of one Proxmox node: one per VM, or one per pool and size when the node has many. */
function vmBoxes(model: SiteModel, host: string): VmBox[] {
  const vms = model.vms.filter((v) => v.host === host);
  const service = model.serviceVms.filter((v) => v.host === host);
  const one = (name: string, role: string, ip: string, cores: number, memoryMiB: number, gpu: string | undefined, cls: VmBox['cls']): VmBox => ({
    id: mermaidId('vm', name),
    // One fact a line keeps the boxes narrow: four nodes side by side fit the page.
    lines: [name, role, ip, `${cores} vCPU, ${mib(memoryMiB)}`, ...(gpu ? [gpu] : [])],
    cls,
  });
  const kind = (v: (typeof vms)[number]): VmBox['cls'] => (v.gpu ? 'gpu' : v.role === 'control-plane' ? 'control' : 'worker');
  if (vms.length + service.length <= MAX_VMS_PER_HOST) {
    return [
      ...vms.map((v) => one(v.name, v.role, v.ip, v.cores, v.memoryMiB, v.gpu?.model, kind(v))),
      ...service.map((v) => one(v.name, v.role, v.ip, v.cores, v.memoryMiB, undefined, 'service')),
    ];
  }
  // Many VMs on one node: those of one pool and size differ only in name and address, so they share a box.
  const groups = new Map<string, { names: string[]; role: string; cores: number; memoryMiB: number; gpu?: string; cls: VmBox['cls'] }>();
  const add = (key: string, name: string, g: { role: string; cores: number; memoryMiB: number; gpu?: string; cls: VmBox['cls'] }): void => {
    const known = groups.get(key);
    if (known) known.names.push(name);
    else groups.set(key, { ...g, names: [name] });
  };
  for (const v of vms) add(`${v.pool}/${v.cores}/${v.memoryMiB}/${v.gpu?.model ?? ''}`, v.name, { role: v.pool, cores: v.cores, memoryMiB: v.memoryMiB, gpu: v.gpu?.model, cls: kind(v) });
  for (const v of service) add(`service/${v.role}/${v.cores}/${v.memoryMiB}`, v.name, { role: v.role, cores: v.cores, memoryMiB: v.memoryMiB, cls: 'service' });
  return [...groups.values()].map((g) => ({
    id: mermaidId('vm', g.names[0]),
    lines:
      g.names.length === 1
        ? [g.names[0], g.role, `${g.cores} vCPU, ${mib(g.memoryMiB)}`, ...(g.gpu ? [g.gpu] : [])]
        : [`${g.names.length} × ${g.role}`, ...wrapList('', numberRuns(g.names)), `${g.cores} vCPU, ${mib(g.memoryMiB)} each`, ...(g.gpu ? [g.gpu] : [])],
    cls: g.cls,
  }));
}

/** What each VM colour means, for the caption (only the colours a diagram uses). */
const VM_COLOURS: Readonly<Record<VmBox['cls'], string>> = { control: 'blue: control planes', worker: 'green: workers', gpu: 'purple: GPU workers', service: 'grey: service VMs' };

/** One diagram per MAX_HOSTS_PER_DIAGRAM Proxmox nodes: each node a box, its VMs stacked inside. */
export function hostDiagrams(model: SiteModel): ReviewDiagram[] {
  const parts = chunk(model.hosts, MAX_HOSTS_PER_DIAGRAM);
  return parts.map((hosts, i) => {
    const lines: string[] = ['flowchart TB'];
    const classes = new Map<VmBox['cls'], string[]>();
    // Mermaid lays unconnected subgraphs out right to left in the order written: written last-first, they read
    // left to right in site order.
    for (const h of [...hosts].reverse()) {
      // One line: Mermaid keeps no room for a second line of a subgraph title, which would then overlap the boxes.
      lines.push(`  subgraph ${mermaidId('host', h.name)}[${label(`${h.name}, ${h.cpuCores} cores, ${h.memoryGiB} GiB`)}]`);
      // Across the diagram's TB flow, a subgraph in LR stacks its unconnected boxes vertically.
      lines.push('    direction LR');
      for (const box of vmBoxes(model, h.name)) {
        lines.push(`    ${box.id}[${label(...box.lines)}]`);
        classes.set(box.cls, [...(classes.get(box.cls) ?? []), box.id]);
      }
      lines.push('  end');
    }
    lines.push(...classLines(classes, { control: 'fill:#e3ecfa,stroke:#3b6cb7', worker: 'fill:#eef5ee,stroke:#2e7d32', gpu: 'fill:#f6ecfa,stroke:#7b3fa0', service: 'fill:#f4f4f4,stroke:#777' }));
    const legend = (['control', 'worker', 'gpu', 'service'] as const).filter((c) => classes.has(c)).map((c) => VM_COLOURS[c]);
    return {
      title: part('Proxmox nodes and their VMs', i, parts.length),
      caption: `Each box is a Proxmox node with the VMs placed on it (${legend.join(', ')}).`,
      mermaid: `${lines.join('\n')}\n`,
    };
  });
}

function classLines<K extends string>(classes: ReadonlyMap<K, readonly string[]>, styles: Readonly<Record<K, string>>): string[] {
  const out: string[] = [];
  for (const [cls, style] of Object.entries(styles) as [K, string][]) {
    const ids = classes.get(cls) ?? [];
    if (ids.length === 0) continue;
    out.push(`  classDef ${cls} ${style}`, `  class ${ids.join(',')} ${cls}`);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Components in sync order

/** Every component a component needs, directly or through others. */
function ancestorsOf(components: readonly ComponentModel[]): Map<string, Set<string>> {
  const byName = new Map(components.map((c) => [c.name, c]));
  const reach = new Map<string, Set<string>>();
  const visit = (name: string): Set<string> => {
    const known = reach.get(name);
    if (known) return known;
    const set = new Set<string>();
    reach.set(name, set);
    for (const d of byName.get(name)?.dependsOn ?? []) {
      set.add(d);
      for (const a of visit(d)) set.add(a);
    }
    return set;
  };
  for (const c of components) visit(c.name);
  return reach;
}

/**
 * The dependencies of a component that no other of its dependencies already leads to: the graph's transitive
 * reduction, so every component does not also point at what everything needs.
 */
export function directNeeds(components: readonly ComponentModel[], component: ComponentModel): string[] {
  const reach = ancestorsOf(components);
  return component.dependsOn.filter((d) => !component.dependsOn.some((other) => other !== d && (reach.get(other)?.has(d) ?? false)));
}

/** Components every other component needs (the CNI): an arrow from them to everything says nothing. */
export function foundations(components: readonly ComponentModel[]): string[] {
  const reach = ancestorsOf(components);
  return components.filter((f) => components.length > 1 && components.every((c) => c === f || (reach.get(c.name)?.has(f.name) ?? false))).map((c) => c.name);
}

/** Argo CD sync waves by component, as the rendered Applications carry them; the dependency depth where none. */
export type SyncWaves = ReadonlyMap<string, number>;

/** Add-ons in columns by sync wave; an arrow from a needed add-on to the one that needs it. */
export function componentDiagrams(model: SiteModel, waves: SyncWaves): ReviewDiagram[] {
  const addons = model.components.filter((c) => c.kind === 'addon');
  if (addons.length === 0) return [];
  const waveOf = (c: ComponentModel): number => waves.get(c.name) ?? c.depth;
  const base = new Set(foundations(model.components));
  const byWave = new Map<number, ComponentModel[]>();
  for (const c of addons) byWave.set(waveOf(c), [...(byWave.get(waveOf(c)) ?? []), c]);
  // Columns of one diagram: at most MAX_WAVE_COLUMNS_PER_DIAGRAM columns and MAX_NODES_PER_DIAGRAM boxes; a wave larger than
  // that is cut into columns of its own.
  const columns: { wave: number; list: ComponentModel[] }[] = [...byWave.entries()]
    .sort(([a], [b]) => a - b)
    .flatMap(([wave, list]) => chunk([...list].sort((a, b) => byCode(a.name, b.name)), MAX_NODES_PER_DIAGRAM).map((l) => ({ wave, list: l })));
  const parts: (typeof columns)[] = [];
  const width = (list: readonly { list: readonly unknown[] }[]): number => list.reduce((n, c) => n + Math.ceil(c.list.length / MAX_BOXES_PER_COLUMN), 0);
  for (const col of columns) {
    const last = parts[parts.length - 1];
    const size = (last ?? []).reduce((n, c) => n + c.list.length, 0);
    if (last && width([...last, col]) <= MAX_WAVE_COLUMNS_PER_DIAGRAM && size + col.list.length <= MAX_NODES_PER_DIAGRAM) last.push(col);
    else parts.push([col]);
  }
  const baseNote = base.size > 0 ? ` Everything needs ${[...base].sort(byCode).join(', ')}, so those arrows are left out.` : '';
  return parts.map((cols, i) => ({
    title: part('Platform add-ons in sync order', i, parts.length),
    caption:
      'Argo CD syncs the add-ons wave by wave, left to right; an arrow points from an add-on to one that needs it, and a need that follows from a longer path is not drawn again.' +
      `${baseNote} Green: a third-party chart that Argo CD installs; grey: objects rendered into dist/ by the compiler.` +
      (parts.length > 1 ? ' A need on an add-on in another part of this picture is written in the box.' : ''),
    mermaid: componentMermaid(model, cols, base),
  }));
}

function componentMermaid(model: SiteModel, cols: readonly { wave: number; list: ComponentModel[] }[], base: ReadonlySet<string>): string {
  const lines: string[] = ['flowchart LR'];
  const shown = new Set(cols.flatMap((c) => c.list.map((x) => x.name)));
  const classes = new Map<'chart' | 'compiled', string[]>();
  const order: string[] = [];
  for (const [i, col] of cols.entries()) {
    const wave = mermaidId('wave', `${col.wave}_${i}`);
    order.push(wave);
    lines.push(`  subgraph ${wave}[${label(`wave ${col.wave}`)}]`);
    for (const c of col.list) {
      const needs = directNeeds(model.components, c).filter((d) => !shown.has(d) && !base.has(d));
      lines.push(`    ${mermaidId('c', c.name)}[${label(c.name, ...wrapList('needs ', needs))}]`);
      const cls = c.delivery === 'argocd' ? 'chart' : 'compiled';
      classes.set(cls, [...(classes.get(cls) ?? []), mermaidId('c', c.name)]);
    }
    // A long wave continues in another column beside the first: an invisible link puts a box right of another.
    for (let k = MAX_BOXES_PER_COLUMN; k < col.list.length; k++) lines.push(`    ${mermaidId('c', col.list[k - MAX_BOXES_PER_COLUMN].name)} ~~~ ${mermaidId('c', col.list[k].name)}`);
    lines.push('  end');
  }
  // Waves left to right even where no drawn arrow joins them (the foundation's arrows are left out).
  if (order.length > 1) lines.push(`  ${order.join(' ~~~ ')}`);
  for (const col of cols) {
    for (const c of col.list) {
      for (const d of directNeeds(model.components, c)) if (shown.has(d) && !base.has(d)) lines.push(`  ${mermaidId('c', d)} --> ${mermaidId('c', c.name)}`);
    }
  }
  lines.push(...classLines(classes, { chart: 'fill:#eef5ee,stroke:#2e7d32', compiled: 'fill:#f4f4f4,stroke:#777' }));
  return `${lines.join('\n')}\n`;
}

// ---------------------------------------------------------------------------------------------
// Apps and data stores

interface AppBox {
  readonly name: string;
  readonly kind: 'app' | 'store';
  /** Apps and data stores it calls. */
  readonly calls: readonly string[];
  readonly lines: readonly string[];
}

function appBoxes(model: SiteModel): AppBox[] {
  const components = new Map(model.components.map((c) => [c.name, c]));
  const base = new Set(foundations(model.components));
  const addonNeeds = (name: string): string[] => {
    const c = components.get(name);
    return c ? directNeeds(model.components, c).filter((d) => components.get(d)?.kind === 'addon' && !base.has(d)).sort(byCode) : [];
  };
  const apps: AppBox[] = model.apps.map((a: AppModel) => ({
    name: a.name,
    kind: 'app',
    calls: a.dependsOn,
    lines: [
      a.name,
      `${a.spec.replicas} × :${a.spec.service.port}`,
      ...(a.gpu ? [`${a.gpu.count} GPU, ${model.kubernetes.gpuWorkers.map((v) => v.name).join(', ')}`] : []),
      ...wrapList('on ', addonNeeds(a.name)),
    ],
  }));
  const stores: AppBox[] = model.components
    .filter((c) => c.kind === 'data-store')
    .map((c) => ({ name: c.name, kind: 'store', calls: [], lines: [c.name, ...wrapList('on ', addonNeeds(c.name))] }));
  return [...apps, ...stores];
}

/** Apps (boxes) and data stores (cylinders): an arrow from the caller to what it calls, from the ingress host in, and out to the networks an app reaches. */
export function appDiagrams(model: SiteModel): ReviewDiagram[] {
  const boxes = appBoxes(model);
  if (boxes.length === 0) return [];
  // Split by groups that call each other (connected parts of the call graph), packed in site order; a group larger
  // than the cap is cut.
  const byName = new Map(boxes.map((b) => [b.name, b]));
  const neighbours = new Map<string, Set<string>>(boxes.map((b) => [b.name, new Set<string>()]));
  for (const b of boxes) {
    for (const c of b.calls.filter((n) => byName.has(n))) {
      neighbours.get(b.name)?.add(c);
      neighbours.get(c)?.add(b.name);
    }
  }
  const seen = new Set<string>();
  const groups: AppBox[][] = [];
  for (const b of boxes) {
    if (seen.has(b.name)) continue;
    const names = new Set<string>([b.name]);
    const queue = [b.name];
    while (queue.length > 0) {
      for (const n of neighbours.get(queue.shift() as string) ?? []) {
        if (names.has(n)) continue;
        names.add(n);
        queue.push(n);
      }
    }
    for (const n of names) seen.add(n);
    groups.push(boxes.filter((x) => names.has(x.name)));
  }
  const parts: AppBox[][] = [];
  for (const g of groups.flatMap((list) => chunk(list, MAX_NODES_PER_DIAGRAM))) {
    const last = parts[parts.length - 1];
    if (last && last.length + g.length <= MAX_NODES_PER_DIAGRAM) last.push(...g);
    else parts.push([...g]);
  }
  return parts.map((list, i) => ({
    title: part('Apps and data stores', i, parts.length),
    caption:
      'An arrow points from an app to the app or data store it calls (its `dependsOn`), in from the published host names and out to the networks an app may reach (`egress`). ' +
      'A box says replicas × Service port and the platform add-ons it needs beyond the CNI; cylinders are data stores.' +
      (parts.length > 1 ? ' A call to a box in another part of this picture is written in the box.' : ''),
    mermaid: appMermaid(model, list),
  }));
}

/**
 * Left to right while the longest call chain (with the host coming in and the network going out) fits
 * MAX_COLUMNS_PER_DIAGRAM columns; top to bottom otherwise, where the chain grows down the page instead of across.
 */
function appDirection(model: SiteModel, list: readonly AppBox[]): 'LR' | 'TB' {
  const byName = new Map(list.map((b) => [b.name, b]));
  const depth = new Map<string, number>();
  const visit = (name: string, seen: ReadonlySet<string>): number => {
    const known = depth.get(name);
    if (known !== undefined) return known;
    const callees = (byName.get(name)?.calls ?? []).filter((c) => byName.has(c) && !seen.has(c));
    const d = 1 + Math.max(0, ...callees.map((c) => visit(c, new Set([...seen, name]))));
    depth.set(name, d);
    return d;
  };
  const apps = new Map(model.apps.map((a) => [a.name, a]));
  const ends = (b: AppBox): number => (apps.get(b.name)?.spec.ingress ? 1 : 0) + (apps.get(b.name)?.spec.egress.length ? 1 : 0);
  const columns = Math.max(...list.map((b) => visit(b.name, new Set()) + ends(b)));
  return columns <= MAX_COLUMNS_PER_DIAGRAM ? 'LR' : 'TB';
}

function appMermaid(model: SiteModel, list: readonly AppBox[]): string {
  const lines: string[] = [`flowchart ${appDirection(model, list)}`];
  const shown = new Set(list.map((b) => b.name));
  for (const b of list) {
    const elsewhere = b.calls.filter((c) => !shown.has(c));
    const text = label(...b.lines, ...wrapList('calls ', elsewhere));
    lines.push(`  ${mermaidId('a', b.name)}${b.kind === 'store' ? `[(${text})]` : `(${text})`}`);
  }
  for (const b of list) for (const c of b.calls) if (shown.has(c)) lines.push(`  ${mermaidId('a', b.name)} --> ${mermaidId('a', c)}`);
  const apps = new Map(model.apps.map((a) => [a.name, a]));
  const hosts = new Map<string, string[]>();
  const nets = new Map<string, { text: string[]; from: string[] }>();
  for (const b of list) {
    const a = apps.get(b.name);
    if (!a) continue;
    if (a.spec.ingress) hosts.set(a.spec.ingress.host, [...(hosts.get(a.spec.ingress.host) ?? []), b.name]);
    for (const e of a.spec.egress) {
      const key = `${e.cidr} ${e.except.join(',')} ${[...e.ports].sort((x, y) => x - y).join(',')}`;
      const text = [e.cidr, ...(e.except.length > 0 ? [`except ${e.except.length} range${e.except.length === 1 ? '' : 's'}`] : []), `TCP ${[...e.ports].sort((x, y) => x - y).join(', ')}`];
      const known = nets.get(key) ?? { text, from: [] };
      known.from.push(b.name);
      nets.set(key, known);
    }
  }
  for (const [host, to] of [...hosts.entries()].sort(([x], [y]) => byCode(x, y))) {
    lines.push(`  ${mermaidId('in', host)}>${label(`https://${host}`)}]`);
    for (const t of to) lines.push(`  ${mermaidId('in', host)} --> ${mermaidId('a', t)}`);
  }
  for (const [key, net] of [...nets.entries()].sort(([x], [y]) => byCode(x, y))) {
    lines.push(`  ${mermaidId('out', key)}{{${label(...net.text)}}}`);
    for (const f of net.from) lines.push(`  ${mermaidId('a', f)} -.-> ${mermaidId('out', key)}`);
  }
  const classes = new Map<'app' | 'store', string[]>();
  for (const b of list) classes.set(b.kind, [...(classes.get(b.kind) ?? []), mermaidId('a', b.name)]);
  lines.push(...classLines(classes, { app: 'fill:#eef5ee,stroke:#2e7d32', store: 'fill:#fff4e0,stroke:#b26a00' }));
  return `${lines.join('\n')}\n`;
}

// ---------------------------------------------------------------------------------------------
// All of them

/** The `## Site` section: every diagram under its own heading. */
export function siteDiagramsSection(model: SiteModel, waves: SyncWaves): string[] {
  const out: string[] = ['## Site', ''];
  for (const d of [...hostDiagrams(model), ...componentDiagrams(model, waves), ...appDiagrams(model)]) {
    out.push(`### ${d.title}`, '', d.caption, '', '```mermaid', d.mermaid.trimEnd(), '```', '');
  }
  return out;
}

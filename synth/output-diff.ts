import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { needsStringDiff, stringDiff } from './string-diff';
import type { FileTree } from './synthesize';
import { MANIFEST_FILE } from './tree-manifest';
import { diffTree, listTree } from './write-tree';

/**
 * Explains the difference between an output folder and the tree a site produces, per component, in terms a reviewer
 * thinks in: Kubernetes objects (kind, namespace, name) and Terraform addresses, not files and bytes.
 */

export interface ChangedItem {
  /** `Kind namespace/name`, or a Terraform address such as `proxmox_virtual_environment_vm.k8s-worker-1`. */
  readonly id: string;
  /** What changed inside it: `path: old -> new`, at most a few. */
  readonly details: readonly string[];
}

export interface ComponentDiff {
  /** `kubernetes/<component>`, `terraform/<workdir>`, or a file at the top of the tree (REVIEW.md). */
  readonly component: string;
  readonly added: readonly string[];
  readonly removed: readonly string[];
  readonly changed: readonly ChangedItem[];
}

const MAX_DETAILS = 6;
const MAX_VALUE = 60;

/** Per component, what `files` would add, remove and change in `dir`. Empty when the folder is up to date. */
export function explainDiff(files: FileTree, dir: string): ComponentDiff[] {
  const diff = diffTree(files, dir);
  // The manifest changes with every other file: listing it says nothing the other entries do not.
  const touched = new Set([...diff.added, ...diff.removed, ...diff.changed].filter((f) => f !== MANIFEST_FILE).map(groupOf));
  const onDisk = listTree(dir);
  const out: ComponentDiff[] = [];
  // Only files that differ are read and parsed: a file with the same bytes on both sides holds the same objects.
  const differs = new Set([...diff.added, ...diff.removed, ...diff.changed]);
  for (const group of [...touched].sort()) {
    const before = new Map(onDisk.filter((f) => differs.has(f) && groupOf(f) === group).map((f) => [f, fs.readFileSync(path.join(dir, f), 'utf8')]));
    const after = new Map([...files.keys()].filter((f) => differs.has(f) && groupOf(f) === group).map((f) => [f, files.get(f) as string]));
    out.push(explainGroup(group, before, after));
  }
  return out.filter((d) => d.added.length + d.removed.length + d.changed.length > 0);
}

/** Lines for a terminal: one heading per component, then `+`, `-` and `~` per object. */
export function formatDiff(diffs: readonly ComponentDiff[]): string[] {
  const lines: string[] = [];
  for (const d of diffs) {
    const counts = [d.added.length && `${d.added.length} added`, d.removed.length && `${d.removed.length} removed`, d.changed.length && `${d.changed.length} changed`].filter(Boolean).join(', ');
    lines.push(`${d.component} (${counts})`);
    for (const a of d.added) lines.push(`  + ${a}`);
    for (const r of d.removed) lines.push(`  - ${r}`);
    for (const c of d.changed) {
      lines.push(`  ~ ${c.id}`);
      for (const detail of c.details) for (const line of detail.split('\n')) lines.push(`      ${line}`);
    }
  }
  return lines;
}

function groupOf(file: string): string {
  const parts = file.split('/');
  return (parts[0] === 'kubernetes' || parts[0] === 'terraform') && parts.length > 2 ? `${parts[0]}/${parts[1]}` : file;
}

type Items = Map<string, unknown>;

function explainGroup(group: string, before: ReadonlyMap<string, string>, after: ReadonlyMap<string, string>): ComponentDiff {
  let old: Items;
  let now: Items;
  try {
    if (group.startsWith('kubernetes/')) {
      old = kubernetesObjects(before);
      now = kubernetesObjects(after);
    } else if (group.startsWith('terraform/')) {
      old = terraformItems(before);
      now = terraformItems(after);
    } else {
      return textDiff(group, before.get(group), after.get(group));
    }
  } catch (err) {
    // A hand-edited file that no longer parses: say which file, and compare as files.
    const files = fileLevel(before, after);
    const why = `cannot be parsed: ${(err as Error).message.split('\n')[0]}`;
    return { component: group, added: files.added, removed: files.removed, changed: files.changedFiles.map((f) => ({ id: f, details: [why] })) };
  }
  const added = [...now.keys()].filter((k) => !old.has(k)).sort();
  const removed = [...old.keys()].filter((k) => !now.has(k)).sort();
  const changed = [...now.keys()]
    .filter((k) => old.has(k) && JSON.stringify(old.get(k)) !== JSON.stringify(now.get(k)))
    .sort()
    .map((id) => ({ id, details: leafChanges(old.get(id), now.get(id)) }));
  // Same objects, different bytes (comments, order, formatting): still a change a reviewer should see.
  if (added.length + removed.length + changed.length === 0) {
    const { changedFiles } = fileLevel(before, after);
    return { component: group, added: [], removed: [], changed: changedFiles.map((f) => ({ id: f, details: ['same objects, different text (formatting or comments)'] })) };
  }
  return { component: group, added, removed, changed };
}

function fileLevel(before: ReadonlyMap<string, string>, after: ReadonlyMap<string, string>): { added: string[]; removed: string[]; changedFiles: string[] } {
  return {
    added: [...after.keys()].filter((f) => !before.has(f)).sort(),
    removed: [...before.keys()].filter((f) => !after.has(f)).sort(),
    changedFiles: [...after.keys()].filter((f) => before.has(f) && before.get(f) !== after.get(f)).sort(),
  };
}

export function kubernetesObjects(files: ReadonlyMap<string, string>): Items {
  const items: Items = new Map();
  for (const [file, text] of files) {
    for (const doc of parseAllDocuments(text)) {
      if (doc.errors.length > 0) throw new Error(`${file}: ${doc.errors[0].message}`);
      const obj = doc.toJS() as { kind?: string; metadata?: { name?: string; namespace?: string } } | null;
      if (obj === null || typeof obj !== 'object') continue;
      const ns = obj.metadata?.namespace;
      items.set(`${obj.kind ?? '?'} ${ns ? `${ns}/` : ''}${obj.metadata?.name ?? file}`, obj);
    }
  }
  return items;
}

/** Terraform JSON by address: resources and data sources as Terraform names them, other blocks by their key. */
export function terraformItems(files: ReadonlyMap<string, string>): Items {
  const items: Items = new Map();
  for (const [file, text] of files) {
    const doc = JSON.parse(text) as Record<string, unknown>;
    for (const [block, body] of Object.entries(doc)) {
      if (block === '//') continue;
      const entries = body && typeof body === 'object' && !Array.isArray(body) ? (body as Record<string, unknown>) : undefined;
      if (block === 'resource' || block === 'data') {
        for (const [type, byName] of Object.entries(entries ?? {})) {
          for (const [name, value] of Object.entries((byName ?? {}) as Record<string, unknown>)) items.set(`${block === 'data' ? 'data.' : ''}${type}.${name}`, value);
        }
      } else if (['variable', 'output', 'locals', 'provider', 'module'].includes(block) && entries) {
        const prefix = block === 'variable' ? 'var' : block === 'locals' ? 'local' : block;
        for (const [name, value] of Object.entries(entries)) items.set(`${prefix}.${name}`, value);
      } else {
        items.set(files.size > 1 ? `${block} (${file})` : block, body);
      }
    }
  }
  return items;
}

function textDiff(file: string, before: string | undefined, after: string | undefined): ComponentDiff {
  if (before === undefined) return { component: file, added: [file], removed: [], changed: [] };
  if (after === undefined) return { component: file, added: [], removed: [file], changed: [] };
  // Lines by count on each side: enough to say how big the change is without a full diff.
  const count = (text: string): Map<string, number> => {
    const m = new Map<string, number>();
    for (const l of text.split('\n')) m.set(l, (m.get(l) ?? 0) + 1);
    return m;
  };
  const a = count(before);
  const b = count(after);
  let plus = 0;
  let minus = 0;
  for (const [l, n] of b) plus += Math.max(0, n - (a.get(l) ?? 0));
  for (const [l, n] of a) minus += Math.max(0, n - (b.get(l) ?? 0));
  return { component: file, added: [], removed: [], changed: [{ id: file, details: [`${plus} line${plus === 1 ? '' : 's'} added, ${minus} removed`] }] };
}

function show(v: unknown): string {
  if (v === undefined) return '(absent)';
  const s = typeof v === 'string' ? JSON.stringify(v) : JSON.stringify(v) ?? String(v);
  return s.length > MAX_VALUE ? `${s.slice(0, MAX_VALUE - 1)}…` : s;
}

/** `path: old -> new` for the leaves that differ, first few only, with how many more. */
function leafChanges(a: unknown, b: unknown): string[] {
  const out: string[] = [];
  const walk = (x: unknown, y: unknown, at: string): void => {
    if (x && y && typeof x === 'object' && typeof y === 'object' && Array.isArray(x) === Array.isArray(y)) {
      const keys = [...new Set([...Object.keys(x), ...Object.keys(y)])];
      if (!Array.isArray(x)) keys.sort();
      for (const k of keys) walk((x as Record<string, unknown>)[k], (y as Record<string, unknown>)[k], Array.isArray(x) ? `${at}[${k}]` : at ? `${at}.${k}` : k);
      return;
    }
    if (JSON.stringify(x) === JSON.stringify(y)) return;
    if (needsStringDiff(x, y, MAX_VALUE)) out.push([`${at || '(whole)'}: text changed:`, ...stringDiff(x, y as string).map((l) => `  ${l}`)].join('\n'));
    else out.push(`${at || '(whole)'}: ${show(x)} -> ${show(y)}`);
  };
  walk(a, b, '');
  return out.length > MAX_DETAILS ? [...out.slice(0, MAX_DETAILS), `… and ${out.length - MAX_DETAILS} more`] : out;
}

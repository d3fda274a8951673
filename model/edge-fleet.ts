import * as fs from 'node:fs';
import * as path from 'node:path';
import { isMap, isScalar, isSeq, LineCounter, parseDocument } from 'yaml';
import type { Site } from '../site';
import { isIPv4 } from '../site/primitives';
import type { SiteProblem } from '../site/errors';
import { readPlainInventory } from './edge-inventory-lines';
import * as ip from './ip';

/**
 * The edge fleet: SBCs listed in an inventory file beside the site, each reaching the hub over
 * WireGuard at an address in the edge network. The inventory holds public keys only: a private key
 * never passes through the compiler.
 */

export interface EdgeModel {
  readonly name: string;
  /** Where the SBC stands (a store, a branch): a label on its metrics and its Argo CD Application. */
  readonly site: string;
  /** WireGuard public key (base64 of 32 bytes). */
  readonly publicKey: string;
  /** Tunnel address in the edge network. */
  readonly address: string;
  /** Line of the entry in the inventory, for messages. */
  readonly line: number;
}

export interface EdgeFleetModel {
  /** The edge VLAN: its CIDR is the range edge addresses are drawn from. */
  readonly vlan: { readonly name: string; readonly cidr: string; readonly prefixLength: number };
  readonly hubAddress: string;
  readonly listenPort: number;
  /** The inventory as the user knows it (relative to the working directory), or undefined without one. */
  readonly inventory?: string;
  /** Edges sorted by name. */
  readonly edges: readonly EdgeModel[];
}

/** An inventory entry as read, before the cross-entry checks. */
export interface EdgeInventoryEntry {
  readonly index: number;
  readonly line: number;
  readonly fields: Readonly<Record<string, { readonly value: unknown; readonly line: number }>>;
}

const FIELDS = ['name', 'site', 'publicKey', 'address'] as const;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const WG_KEY = /^[A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]=$/;

/**
 * Reads an inventory (YAML: `edges:` followed by a list of `{name, site, publicKey, address}`),
 * keeping the line of every entry and field. Syntax and shape problems are pushed as problems whose
 * path starts with `<file>:<line>`.
 */
export function parseEdgeInventory(text: string, shown: string, problems: SiteProblem[]): EdgeInventoryEntry[] {
  return readPlainInventory(text) ?? parseInventoryDocument(text, shown, problems);
}

/** The same through the YAML library: any way of writing YAML, with its syntax problems by line. */
export function parseInventoryDocument(text: string, shown: string, problems: SiteProblem[]): EdgeInventoryEntry[] {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true, prettyErrors: false });
  const lineOf = (offset: number | undefined): number => (offset === undefined ? 1 : lines.linePos(offset).line);
  if (doc.errors.length > 0) {
    for (const e of doc.errors) {
      problems.push({ path: `${shown}:${lineOf(e.pos[0])}`, message: e.message.split('\n')[0], fix: 'fix the YAML syntax at that line' });
    }
    return [];
  }
  const root = doc.contents;
  const edgesNode = isMap(root) ? root.get('edges', true) : undefined;
  if (root === null || (isMap(root) && (edgesNode === undefined || (isScalar(edgesNode) && edgesNode.value === null)))) return [];
  if (!isMap(root) || !isSeq(edgesNode)) {
    problems.push({ path: `${shown}:${lineOf(root.range?.[0])}`, message: 'is not an edge inventory', fix: 'write `edges:` followed by a list of entries with name, site, publicKey and address' });
    return [];
  }
  for (const pair of root.items) {
    const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
    if (key !== 'edges') {
      problems.push({ path: `${shown}:${lineOf(isScalar(pair.key) ? pair.key.range?.[0] : undefined)} ${key}`, message: 'is not a known field', fix: 'the inventory has one top-level field, edges' });
    }
  }
  const entries: EdgeInventoryEntry[] = [];
  edgesNode.items.forEach((item, index) => {
    const itemLine = lineOf((item as { range?: [number, number, number] } | null)?.range?.[0]);
    const where = `${shown}:${itemLine} edges[${index}]`;
    if (!isMap(item)) {
      problems.push({ path: where, message: 'is not a mapping', fix: 'give each edge as { name, site, publicKey, address }' });
      return;
    }
    const fields: Record<string, { value: unknown; line: number }> = {};
    for (const pair of item.items) {
      const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
      const valueNode = pair.value;
      const line = lineOf(isScalar(valueNode) ? valueNode.range?.[0] : isScalar(pair.key) ? pair.key.range?.[0] : undefined);
      if (!(FIELDS as readonly string[]).includes(key)) {
        problems.push({ path: `${shown}:${line} edges[${index}].${key}`, message: 'is not a known field', fix: `the fields of an edge are: ${FIELDS.join(', ')}` });
        continue;
      }
      fields[key] = { value: isScalar(valueNode) ? valueNode.value : valueNode === null ? null : (valueNode as { toJSON(): unknown }).toJSON(), line };
    }
    entries.push({ index, line: itemLine, fields });
  });
  return entries;
}

/** Reads the inventory file named by `site.edge.inventory`, relative to the site's folder. */
export function readEdgeInventory(file: string, shown: string, problems: SiteProblem[]): EdgeInventoryEntry[] {
  if (!fs.existsSync(file)) {
    problems.push({ path: 'edge.inventory', value: shown, message: 'names a file that does not exist', fix: 'give the inventory path relative to the site file, or remove edge.inventory' });
    return [];
  }
  return parseEdgeInventory(fs.readFileSync(file, 'utf8'), shown, problems);
}

export interface EdgeFleetOptions {
  /**
   * Folder the site file is in: `edge.inventory` is relative to it.
   * @default - the working directory
   */
  readonly siteDir?: string;
  /**
   * The site file as the user named it, so messages name the inventory the same way.
   * @default - "site"
   */
  readonly source?: string;
}

/**
 * Builds the fleet from the site's edge section and its inventory, checking every entry: a DNS-label
 * name, a site, a WireGuard public key, an address in the edge network that is not the hub's or the
 * gateway's. A name, key or address used twice is a problem naming both lines.
 */
export function buildEdgeFleet(site: Site, problems: SiteProblem[], options: EdgeFleetOptions = {}): EdgeFleetModel | undefined {
  const edge = site.edge;
  if (!edge) return undefined;
  const vlan = site.network.vlans.find((v) => v.name === edge.vlan);
  if (!vlan) return undefined; // buildModel reports the unknown VLAN
  const net = ip.subnet(vlan.cidr);
  let shown: string | undefined;
  let entries: EdgeInventoryEntry[] = [];
  if (edge.inventory !== undefined) {
    const sourceDir = path.dirname(options.source ?? 'site');
    shown = path.posix.normalize(path.posix.join(sourceDir.split(path.sep).join('/'), edge.inventory));
    entries = readEdgeInventory(path.resolve(options.siteDir ?? process.cwd(), edge.inventory), shown, problems);
  }
  const file = shown ?? 'inventory';

  const edges: EdgeModel[] = [];
  const byName = new Map<string, EdgeInventoryEntry>();
  const byKey = new Map<string, EdgeInventoryEntry>();
  const byAddress = new Map<string, EdgeInventoryEntry>();
  const reserved = new Map<string, string>([[edge.wireguard.hubAddress, 'the WireGuard hub (edge.wireguard.hubAddress)']]);
  if (vlan.gateway && !reserved.has(vlan.gateway)) reserved.set(vlan.gateway, `the gateway of VLAN ${vlan.name}`);

  for (const entry of entries) {
    const at = (field: string): string => `${file}:${entry.fields[field]?.line ?? entry.line} edges[${entry.index}].${field}`;
    let ok = true;
    const text = (field: (typeof FIELDS)[number]): string | undefined => {
      const f = entry.fields[field];
      if (f === undefined || f.value === null || f.value === undefined) {
        problems.push({ path: `${file}:${entry.line} edges[${entry.index}]`, message: `has no ${field}`, fix: `add ${field}` });
        ok = false;
        return undefined;
      }
      if (typeof f.value !== 'string') {
        problems.push({ path: at(field), value: f.value, message: 'is not a string', fix: `write ${field} as text` });
        ok = false;
        return undefined;
      }
      return f.value;
    };
    const name = text('name');
    const siteName = text('site');
    const publicKey = text('publicKey');
    const address = text('address');
    if (name !== undefined && (name.length > 63 || !DNS_LABEL.test(name))) {
      problems.push({ path: at('name'), value: name, message: 'is not a DNS-1123 label', fix: 'use lower-case letters, digits and "-", e.g. edge-0042 (it names an Argo CD Application and a cluster)' });
      ok = false;
    }
    if (siteName !== undefined && (siteName.length > 63 || !DNS_LABEL.test(siteName))) {
      problems.push({ path: at('site'), value: siteName, message: 'is not a DNS-1123 label', fix: 'use lower-case letters, digits and "-", e.g. store-042 (it becomes a label value)' });
      ok = false;
    }
    if (publicKey !== undefined && !(WG_KEY.test(publicKey) && Buffer.from(publicKey, 'base64').length === 32)) {
      problems.push({ path: at('publicKey'), value: publicKey, message: 'is not a WireGuard public key', fix: 'give the base64 key `wg pubkey` prints (44 characters ending in "="); never a private key' });
      ok = false;
    }
    if (address !== undefined) {
      if (!isIPv4(address)) {
        problems.push({ path: at('address'), value: address, message: 'is not an IPv4 address', fix: `give an address inside ${vlan.cidr}` });
        ok = false;
      } else if (!ip.isHostAddress(net, address)) {
        problems.push({ path: at('address'), value: address, message: `is not a host address of the edge network ${vlan.name} (${vlan.cidr})`, fix: `use an address inside ${vlan.cidr}, or widen that VLAN's cidr for a larger fleet` });
        ok = false;
      } else if (reserved.has(address)) {
        problems.push({ path: at('address'), value: address, message: `is the address of ${reserved.get(address)}`, fix: 'give the edge an address of its own' });
        ok = false;
      }
    }
    const dup = (seen: Map<string, EdgeInventoryEntry>, value: string | undefined, field: string, what: string): void => {
      if (value === undefined) return;
      const other = seen.get(value);
      if (other) {
        const otherName = typeof other.fields.name?.value === 'string' ? ` (${other.fields.name.value})` : '';
        problems.push({
          path: at(field),
          value,
          message: `repeats the ${what} of edges[${other.index}]${otherName} at ${file}:${other.fields[field]?.line ?? other.line}`,
          fix: `give every edge its own ${what}; remove or correct one of the two lines`,
        });
        ok = false;
      } else seen.set(value, entry);
    };
    dup(byName, name, 'name', 'name');
    dup(byKey, publicKey, 'publicKey', 'WireGuard public key');
    dup(byAddress, address, 'address', 'address');
    if (ok && name && siteName && publicKey && address) edges.push({ name, site: siteName, publicKey, address, line: entry.line });
  }

  edges.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return {
    vlan: { name: vlan.name, cidr: vlan.cidr, prefixLength: net.prefixLength },
    hubAddress: edge.wireguard.hubAddress,
    listenPort: edge.wireguard.listenPort,
    inventory: shown,
    edges,
  };
}

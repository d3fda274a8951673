/**
 * Extracts, from the bpg/proxmox provider's Go source, which attributes of the resource types this project uses make
 * Terraform replace the resource (destroy, then create) instead of updating it in place, and writes them to
 * imports/schemas/terraform/bpg-proxmox-0.111.1-replacement.json for synth/replacement-impact.ts.
 *
 *   npx tsx scripts/gen-proxmox-replacement-facts.ts --git-dir <bpg/terraform-provider-proxmox .git> [--ref v0.111.1]
 *   npx tsx scripts/gen-proxmox-replacement-facts.ts --checkout <path of a checkout at the pinned version>
 *   add --check to compare with the committed data instead of writing it (exit 1 when it differs)
 *
 * What it reads, per resource type (RESOURCES below names the files):
 * - SDKv2 resources: `ForceNew: true` on a schema entry; nested `Elem: &schema.Resource{Schema: ...}` give dotted
 *   paths (disk.file_id). `customdiff.ForceNewIf(mkX, ...)` and `d.ForceNew(...)` in CustomizeDiff functions are
 *   conditional: the condition is Go code, so it is interpreted by hand in CONDITIONS below, and the script fails when
 *   the source has a conditional replacement that CONDITIONS does not explain (a new version must be read again).
 * - plugin-framework resources: `RequiresReplace()` plan modifiers on attributes and blocks; any other plan modifier
 *   whose name contains RequiresReplace (RequiresReplaceIf, a custom modifier) is recorded as conditional.
 * Attribute keys written as Go constants (mkDiskFileID) are resolved from the constants of the files' packages.
 * Schema entries built by helper functions outside the listed files are not inspected; they are listed per type
 * under `notInspected` so a reader knows what the data does not cover.
 * It also records, with their source line, how the two file resources compute their id, so the review can tell
 * whether a reference to a different file resource yields a different value.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';

const OUT = path.join(__dirname, '..', 'imports', 'schemas', 'terraform', 'bpg-proxmox-0.111.1-replacement.json');

interface Source {
  readonly kind: 'sdkv2' | 'framework';
  readonly files: readonly string[];
}

/** The resource types of scripts/gen-proxmox-imports.ts, with the files their schema lives in at v0.111.1. */
const RESOURCES: Record<string, Source> = {
  proxmox_virtual_environment_vm: { kind: 'sdkv2', files: ['proxmoxtf/resource/vm/vm.go', 'proxmoxtf/resource/vm/disk/schema.go', 'proxmoxtf/resource/vm/network/schema.go'] },
  proxmox_virtual_environment_file: { kind: 'sdkv2', files: ['proxmoxtf/resource/file.go'] },
  proxmox_virtual_environment_firewall_rules: { kind: 'sdkv2', files: ['proxmoxtf/resource/firewall/rules.go', 'proxmoxtf/resource/firewall/selector.go'] },
  proxmox_virtual_environment_firewall_alias: { kind: 'sdkv2', files: ['proxmoxtf/resource/firewall/alias.go', 'proxmoxtf/resource/firewall/selector.go'] },
  proxmox_virtual_environment_firewall_ipset: { kind: 'sdkv2', files: ['proxmoxtf/resource/firewall/ipset.go', 'proxmoxtf/resource/firewall/selector.go'] },
  proxmox_virtual_environment_cluster_firewall: { kind: 'sdkv2', files: ['proxmoxtf/resource/cluster/firewall/firewall.go'] },
  proxmox_virtual_environment_cluster_firewall_security_group: { kind: 'sdkv2', files: ['proxmoxtf/resource/cluster/firewall/security_group.go', 'proxmoxtf/resource/firewall/rules.go'] },
  proxmox_download_file: { kind: 'framework', files: ['fwprovider/nodes/resource_download_file.go'] },
  proxmox_network_linux_bridge: { kind: 'framework', files: ['fwprovider/nodes/network/resource_linux_bridge.go'] },
  proxmox_network_linux_vlan: { kind: 'framework', files: ['fwprovider/nodes/network/resource_linux_vlan.go'] },
  proxmox_ceph_pool: { kind: 'framework', files: ['fwprovider/nodes/ceph/pool/resource.go'] },
  proxmox_hardware_mapping_pci: { kind: 'framework', files: ['fwprovider/cluster/hardwaremapping/resource_pci.go'] },
  proxmox_haresource: { kind: 'framework', files: ['fwprovider/cluster/ha/resource_haresource.go'] },
  proxmox_hagroup: { kind: 'framework', files: ['fwprovider/cluster/ha/resource_hagroup.go'] },
  proxmox_harule: { kind: 'framework', files: ['fwprovider/cluster/ha/resource_harule.go'] },
  proxmox_node_firewall: { kind: 'framework', files: ['fwprovider/nodes/firewall/resource_node_firewall.go'] },
};

/**
 * Conditional replacements (CustomizeDiff in SDKv2), read by hand from proxmoxtf/resource/vm/vm.go at v0.111.1.
 * Keyed by type and attribute path; `unless` names an attribute whose true value turns the replacement into an update.
 */
const CONDITIONS: Record<string, Record<string, { readonly when: string; readonly unless?: string }>> = {
  proxmox_virtual_environment_vm: {
    // ForceNewIf(mkVMID): replaces when vm_id changes to anything but the VM's current id (the -1 legacy fix-up).
    vm_id: { when: 'the value changes' },
    // ForceNewIf(mkNodeName, ... return !d.Get(mkMigrate)): with migrate = true vmUpdate migrates the VM instead.
    node_name: { when: 'the value changes and migrate is false', unless: 'migrate' },
    // forceNewOnTPMVersionChange: only when both old and new tpm_state blocks exist and their version differs.
    'tpm_state.version': { when: 'both old and new tpm_state set a version and it differs' },
    tpm_state: { when: 'tpm_state.version changes (see there)' },
    // forceNewOnEFIDiskTypeChange: adding or removing the EFI disk is an update; changing its type replaces.
    'efi_disk.type': { when: 'both old and new efi_disk set a type and it differs' },
  },
};

/** How a resource's id is built, so a changed reference to a differently named resource can be compared by value. */
const ID_FORMULAS: Record<string, { readonly file: string; readonly pattern: RegExp; readonly parts: readonly string[] }> = {
  // fileName comes from fileGetSourceFileName: source_file.file_name, else source_raw.file_name ("a|b": first set).
  proxmox_virtual_environment_file: { file: 'proxmoxtf/resource/file.go', pattern: /fmt\.Sprintf\("%s:%s\/%s", v\.datastoreID, v\.contentType, v\.fileName\)/, parts: ['datastore_id', ':', 'content_type', '/', 'source_file.file_name|source_raw.file_name'] },
  proxmox_download_file: { file: 'fwprovider/nodes/resource_download_file.go', pattern: /plan\.ID = types\.StringValue\(plan\.Storage\.ValueString\(\) \+ ":" \+/, parts: ['datastore_id', ':', 'content_type', '/', 'file_name'] },
};

type Reader = { read: (file: string) => string; list: (dir: string) => string[]; ref: string; commit: string };

function gitReader(gitDir: string, ref: string): Reader {
  const git = (...args: string[]): string => execFileSync('git', ['--git-dir', gitDir, ...args], { encoding: 'utf8', maxBuffer: 64 << 20 });
  return {
    read: (file) => git('show', `${ref}:${file}`),
    list: (dir) => git('ls-tree', '--name-only', `${ref}:${dir}`).split('\n').filter(Boolean),
    ref,
    commit: git('rev-parse', `${ref}^{commit}`).trim(),
  };
}

function checkoutReader(dir: string, ref: string): Reader {
  let commit = 'unknown (not a git checkout)';
  try {
    commit = execFileSync('git', ['-C', dir, 'rev-parse', 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    // A plain source tree (an unpacked release archive) has no git metadata; the ref given is all we know.
  }
  return { read: (file) => fs.readFileSync(path.join(dir, file), 'utf8'), list: (d) => fs.readdirSync(path.join(dir, d)), ref, commit };
}

/** Go string constants of the packages the files live in: `mkDiskFileID = "file_id"`. */
function packageConstants(reader: Reader, files: readonly string[]): Map<string, string> {
  const consts = new Map<string, string>();
  for (const dir of new Set(files.map((f) => path.posix.dirname(f)))) {
    for (const name of reader.list(dir).filter((f) => f.endsWith('.go') && !f.endsWith('_test.go'))) {
      for (const m of reader.read(`${dir}/${name}`).matchAll(/^\s*(\w+)\s*(?:string\s*)?=\s*"([^"]*)"/gm)) consts.set(m[1], m[2]);
    }
  }
  return consts;
}

/** Index of the brace closing the one at `open`, skipping strings, runes and comments. */
function closingBrace(src: string, open: number): number {
  let depth = 0;
  for (let i = open; i < src.length; i++) {
    const c = src[i];
    if (c === '"' || c === '`' || c === "'") {
      const end = c === '`' ? src.indexOf('`', i + 1) : findQuoteEnd(src, i, c);
      i = end;
    } else if (c === '/' && src[i + 1] === '/') i = src.indexOf('\n', i);
    else if (c === '/' && src[i + 1] === '*') i = src.indexOf('*/', i) + 1;
    else if (c === '{' || c === '[' || c === '(') depth++;
    else if (c === '}' || c === ']' || c === ')') {
      depth--;
      if (depth === 0) return i;
    }
  }
  throw new Error(`unbalanced brace at offset ${open}`);
}

function findQuoteEnd(src: string, start: number, quote: string): number {
  for (let i = start + 1; i < src.length; i++) {
    if (src[i] === '\\') i++;
    else if (src[i] === quote) return i;
  }
  return src.length;
}

const MAP_OPENERS = /map\[string\](?:\*schema\.Schema|schema\.Attribute|schema\.Block)\s*\{/g;

interface Entry {
  readonly key: string;
  readonly body: string;
  readonly line: number;
}

/** Top-level `key: value` entries of a Go map literal body whose values are composite literals. */
function mapEntries(body: string, bodyLine: number, consts: Map<string, string>, skipped: string[]): Entry[] {
  const entries: Entry[] = [];
  const keyRe = /(?:^|[\s,{])("[\w.]+"|\w+)\s*:\s*(&?[\w.]*\{|[\w.]+\()/g;
  let i = 0;
  while (i < body.length) {
    keyRe.lastIndex = i;
    const m = keyRe.exec(body);
    if (!m) break;
    const keyToken = m[1];
    const key = keyToken.startsWith('"') ? keyToken.slice(1, -1) : consts.get(keyToken);
    const open = m.index + m[0].length - 1;
    const close = closingBrace(body, open);
    const line = bodyLine + (body.slice(0, m.index).match(/\n/g)?.length ?? 0) + (m[0].startsWith('\n') ? 1 : 0);
    if (key === undefined) skipped.push(`${keyToken} (line ${line}: constant not found)`);
    else if (m[2].endsWith('(')) skipped.push(`${key} (line ${line}: built by ${m[2].slice(0, -1)}())`);
    else entries.push({ key, body: body.slice(open + 1, close), line });
    i = close + 1;
  }
  return entries;
}

/** The entry's own text with its nested schema maps blanked out, and those nested maps. */
function splitNested(body: string): { own: string; nested: { text: string; offset: number }[] } {
  const nested: { text: string; offset: number }[] = [];
  let own = '';
  let at = 0;
  for (const m of body.matchAll(MAP_OPENERS)) {
    if (m.index < at) continue;
    const open = m.index + m[0].length - 1;
    const close = closingBrace(body, open);
    own += body.slice(at, m.index);
    nested.push({ text: body.slice(open + 1, close), offset: open + 1 });
    at = close + 1;
  }
  return { own: own + body.slice(at), nested };
}

interface Fact {
  readonly path: string;
  readonly replaces: 'always' | 'conditional';
  readonly when?: string;
  readonly unless?: string;
  readonly how: string;
  readonly source: string;
}

function walk(kind: Source['kind'], file: string, body: string, line: number, prefix: string, consts: Map<string, string>, out: Fact[], skipped: string[]): void {
  for (const e of mapEntries(body, line, consts, skipped)) {
    const p = prefix ? `${prefix}.${e.key}` : e.key;
    const split = splitNested(e.body);
    // Comments can name the very markers looked for ("ForceNew: true" handled in CustomizeDiff), so they go first.
    const own = split.own.replace(/\/\/[^\n]*/g, '');
    const nested = split.nested;
    const source = `${file}:${e.line}`;
    if (kind === 'sdkv2' && /\bForceNew:\s*true\b/.test(own)) out.push({ path: p, replaces: 'always', how: 'ForceNew: true in the SDKv2 schema', source });
    if (kind === 'framework') {
      const mods = [...own.matchAll(/PlanModifiers:\s*\[\][\w.]+\{/g)].map((m) => own.slice(m.index + m[0].length, closingBrace(own, m.index + m[0].length - 1)));
      for (const mod of mods) {
        if (/planmodifier\.RequiresReplace\(\)/.test(mod)) out.push({ path: p, replaces: 'always', how: 'RequiresReplace() plan modifier', source });
        for (const c of mod.matchAll(/([\w.]*RequiresReplace\w+)(?:\(|\{)/g)) {
          out.push({ path: p, replaces: 'conditional', when: `decided by ${c[1]} (Go code)`, how: `${c[1]} plan modifier`, source });
        }
      }
    }
    for (const n of nested) walk(kind, file, n.text, e.line + (e.body.slice(0, n.offset).match(/\n/g)?.length ?? 0), p, consts, out, skipped);
  }
}

/** Top-level schema maps of a file: the resource schema and, for SDKv2 helpers, the maps their functions return. */
function topLevelMaps(src: string): { text: string; line: number }[] {
  const maps: { text: string; line: number }[] = [];
  let at = 0;
  for (const m of src.matchAll(MAP_OPENERS)) {
    if (m.index < at) continue;
    const open = m.index + m[0].length - 1;
    const close = closingBrace(src, open);
    maps.push({ text: src.slice(open + 1, close), line: src.slice(0, open).split('\n').length });
    at = close + 1;
  }
  return maps;
}

function conditionalCalls(type: string, file: string, src: string, consts: Map<string, string>): Fact[] {
  const facts: Fact[] = [];
  const lineOf = (i: number): number => src.slice(0, i).split('\n').length;
  for (const m of src.matchAll(/customdiff\.ForceNewIf\(\s*(\w+)/g)) {
    const p = consts.get(m[1]) ?? m[1];
    facts.push({ path: p, replaces: 'conditional', how: 'customdiff.ForceNewIf in CustomizeDiff', source: `${file}:${lineOf(m.index)}`, ...explain(type, p) });
  }
  for (const m of src.matchAll(/d\.ForceNew\((\w+)\)|attrPath := fmt\.Sprintf\("%s\.0\.%s", (\w+), (\w+)\)/g)) {
    // `d.ForceNew(attrPath)` takes the path built by the Sprintf just before it, which the second alternative reads.
    if (m[1] === 'attrPath') continue;
    const p = m[1] ? consts.get(m[1]) ?? m[1] : `${consts.get(m[2]) ?? m[2]}.${consts.get(m[3]) ?? m[3]}`;
    if (facts.some((f) => f.path === p)) continue;
    facts.push({ path: p, replaces: 'conditional', how: 'd.ForceNew in a CustomizeDiff function', source: `${file}:${lineOf(m.index)}`, ...explain(type, p) });
  }
  return facts;
}

function explain(type: string, p: string): { when: string; unless?: string } {
  const c = CONDITIONS[type]?.[p];
  if (!c) throw new Error(`${type}: ${p} is replaced conditionally by CustomizeDiff code this script has no reading of; read the source and add it to CONDITIONS`);
  return c;
}

function idFormulas(reader: Reader): Record<string, { parts: readonly string[]; source: string }> {
  const out: Record<string, { parts: readonly string[]; source: string }> = {};
  for (const [type, f] of Object.entries(ID_FORMULAS)) {
    const src = reader.read(f.file);
    const m = f.pattern.exec(src);
    if (!m) throw new Error(`${type}: the id is no longer built as ${f.pattern} in ${f.file}; read it again`);
    out[type] = { parts: f.parts, source: `${f.file}:${src.slice(0, m.index).split('\n').length}` };
  }
  return out;
}

function extract(reader: Reader): object {
  const resources: Record<string, object> = {};
  for (const [type, spec] of Object.entries(RESOURCES)) {
    const consts = packageConstants(reader, spec.files);
    const facts: Fact[] = [];
    const skipped: string[] = [];
    for (const file of spec.files) {
      const src = reader.read(file);
      for (const map of topLevelMaps(src)) walk(spec.kind, file, map.text, map.line, '', consts, facts, skipped);
      if (spec.kind === 'sdkv2') facts.push(...conditionalCalls(type, file, src, consts));
    }
    const unique = [...new Map(facts.map((f) => [`${f.path} ${f.replaces}`, f])).values()].sort((a, b) => a.path.localeCompare(b.path));
    resources[type] = { kind: spec.kind, files: spec.files, replaces: unique, notInspected: [...new Set(skipped)].sort() };
  }
  return resources;
}

function main(): void {
  const { values } = parseArgs({
    options: { 'git-dir': { type: 'string' }, checkout: { type: 'string' }, ref: { type: 'string', default: 'v0.111.1' }, out: { type: 'string', default: OUT }, check: { type: 'boolean' } },
  });
  if (!values['git-dir'] === !values.checkout) {
    process.stderr.write('give exactly one of --git-dir <bpg/terraform-provider-proxmox git dir> or --checkout <source tree>\n');
    process.exit(2);
  }
  const reader = values['git-dir'] ? gitReader(values['git-dir'], values.ref as string) : checkoutReader(values.checkout as string, values.ref as string);
  const doc = {
    '//': `Generated by scripts/gen-proxmox-replacement-facts.ts from github.com/bpg/terraform-provider-proxmox ${reader.ref} (commit ${reader.commit}) — do not edit by hand. ` +
      '"always": ForceNew: true (SDKv2) or a RequiresReplace() plan modifier (plugin framework), found by parsing the Go schema literals. ' +
      '"conditional": CustomizeDiff or a conditional plan modifier; `when`/`unless` are the script author\'s reading of that Go code (see CONDITIONS in the script). ' +
      'Every other attribute is updated in place. notInspected lists schema entries built by helper functions the script does not follow.',
    provider: 'bpg/proxmox',
    ref: reader.ref,
    commit: reader.commit,
    resources: extract(reader),
    idFormulas: idFormulas(reader),
  };
  const text = `${JSON.stringify(doc, null, 2)}\n`;
  const shown = path.relative(process.cwd(), values.out as string);
  // --check: the committed data must be what the source gives (the header's commit aside, for a plain source tree).
  if (values.check) {
    const strip = (t: string): string => t.replace(/^ {2}"\/\/": .*\n/m, '').replace(/^ {2}"commit": .*\n/m, '');
    const same = fs.existsSync(values.out as string) && strip(fs.readFileSync(values.out as string, 'utf8')) === strip(text);
    process.stdout.write(same ? `${shown} is what ${reader.ref} gives\n` : `${shown} differs from what ${reader.ref} gives; run without --check and commit it\n`);
    process.exit(same ? 0 : 1);
  }
  fs.writeFileSync(values.out as string, text);
  process.stdout.write(`wrote ${shown}\n`);
}

main();

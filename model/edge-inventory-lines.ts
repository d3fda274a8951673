import type { EdgeInventoryEntry } from './edge-fleet';

/**
 * A line reader for inventories written the plain way (`edges:`, then `- name: …` items of one
 * `key: value` per line, as scripts/gen-edge-inventory.ts writes them). The YAML library keeps a node
 * with source ranges for every scalar: for 100,000 edges that is about 570 MiB and 8 s, while the
 * entries themselves need a tenth of it. Anything this reader is not sure to read exactly as YAML 1.2
 * does (quotes, flow style, anchors, tabs, an unknown or repeated key, a value YAML would not read as a
 * string) makes it give up, and the caller parses the file with the YAML library instead, which also
 * words every problem.
 */

/** The only fields the reader takes; any other key is left to the YAML parser's problem messages. */
const KNOWN = new Set(['name', 'site', 'publicKey', 'address']);

/** A plain scalar with no indicator, space or comment in it. */
const PLAIN = /^[A-Za-z0-9._/+=][A-Za-z0-9._/+=-]*$/;

/**
 * Plain scalars the YAML 1.2 core schema reads as something other than a string: null, booleans,
 * integers (decimal, octal, hexadecimal) and floats including the infinities and NaN.
 */
const NOT_A_STRING =
  /^(?:~|null|Null|NULL|true|True|TRUE|false|False|FALSE|[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+|[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/;

const ITEM = /^( *)- ([A-Za-z]+): (.*)$/;
const FIELD = /^( *)([A-Za-z]+): (.*)$/;
const SKIP = /^ *(#.*)?$/;

/**
 * The entries of a plainly written inventory, each field with its line (1-based), exactly as the YAML
 * reader of model/edge-fleet.ts gives them; undefined when the text is written any other way.
 */
export function readPlainInventory(text: string): EdgeInventoryEntry[] | undefined {
  if (/[\r\t\uFEFF]/.test(text)) return undefined;
  const entries: EdgeInventoryEntry[] = [];
  let seenEdges = false;
  let itemIndent = -1;
  let fields: Record<string, { value: string; line: number }> | undefined;
  let lineNo = 0;
  let start = 0;
  while (start < text.length) {
    const end = text.indexOf('\n', start);
    const line = text.slice(start, end === -1 ? text.length : end);
    start = end === -1 ? text.length : end + 1;
    lineNo += 1;
    if (SKIP.test(line)) continue;
    if (!seenEdges) {
      if (line !== 'edges:') return undefined;
      seenEdges = true;
      continue;
    }
    const item = ITEM.exec(line);
    if (item) {
      if (itemIndent === -1) itemIndent = item[1].length;
      if (item[1].length !== itemIndent) return undefined;
      fields = {};
      entries.push({ index: entries.length, line: lineNo, fields });
      if (!take(fields, item[2], item[3], lineNo)) return undefined;
      continue;
    }
    const field = FIELD.exec(line);
    if (!field || !fields || field[1].length !== itemIndent + 2 || !take(fields, field[2], field[3], lineNo)) return undefined;
  }
  return seenEdges ? entries : undefined;
}

function take(fields: Record<string, { value: string; line: number }>, key: string, value: string, line: number): boolean {
  if (!KNOWN.has(key) || key in fields || !PLAIN.test(value) || NOT_A_STRING.test(value)) return false;
  fields[key] = { value, line };
  return true;
}

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseInventoryDocument } from '../model/edge-fleet';
import { readPlainInventory } from '../model/edge-inventory-lines';
import { fixtureEdges, inventoryYaml } from '../scripts/gen-edge-inventory';

/** Values YAML reads as something other than a plain string, or that need quoting, next to ordinary ones. */
const STRINGS = ['sbc-00001', 'store-7', '172.16.0.9', 'A+b/c=', '+abc', '/x', '.x', '=', 'e5', '0o8', '0xG', '1.2.3', 'x-'];
const ODD = [
  '1e5', '1.', '.5', '-5', '0o17', '0x1F', '017', '12',
  '.inf', '-.Inf', '.NaN', 'true', 'False', 'NULL', 'null', '~', '-', '-x', 'a b', 'a:b', 'a: b', 'a #c', '#c', '"q"', "'q'", '[1]', '{a: 1}',
  '&a x', '*a', '!t x', '|', '>', '%x', '@x', '`x', '', 'x ', 'ä',
];
const KEYS = ['name', 'site', 'publicKey', 'address', 'privateKey', 'Name'];

const line = fc.oneof(
  { weight: 6, arbitrary: fc.record({ item: fc.boolean(), key: fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...KEYS.slice(0, 4)) }, { weight: 1, arbitrary: fc.constantFrom(...KEYS.slice(4)) }), value: fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...STRINGS) }, { weight: 1, arbitrary: fc.constantFrom(...ODD) }), indent: fc.constantFrom(0, 2, 2, 2, 4) }) },
  { weight: 1, arbitrary: fc.constantFrom('', '# a comment', '   # indented comment', '   ', '---', 'edges:', '\tname: x') },
);

function render(lines: readonly (string | { item: boolean; key: string; value: string; indent: number })[]): string {
  const body = lines.map((l) => (typeof l === 'string' ? l : l.item ? `${' '.repeat(Math.max(0, l.indent - 2))}- ${l.key}: ${l.value}` : `${' '.repeat(l.indent)}${l.key}: ${l.value}`));
  return `# header\nedges:\n${body.join('\n')}\n`;
}

describe('plain edge inventory lines', () => {
  it('reads a generated inventory without the YAML library, with the same entries and lines', () => {
    const text = inventoryYaml(fixtureEdges(50, { cidr: '172.16.0.0/24', reserved: ['172.16.0.1'] }));
    const plain = readPlainInventory(text);
    expect(plain).toBeDefined();
    expect(plain).toEqual(parseInventoryDocument(text, 'x', []));
    expect(readPlainInventory('edges: []\n')).toBeUndefined();
  });

  it('gives the entries the YAML library gives, or gives up, for any mix of odd values, keys and lines', () => {
    let readPlainly = 0;
    fc.assert(
      fc.property(fc.array(line, { maxLength: 12 }), (lines) => {
        const text = render(lines);
        const plain = readPlainInventory(text);
        if (plain === undefined) return;
        readPlainly += 1;
        const problems: unknown[] = [];
        expect(plain).toEqual(parseInventoryDocument(text, 'x', problems as never[]));
        expect(problems).toEqual([]);
      }),
      { seed: 15, numRuns: 3000 },
    );
    // The comparison means something only if many cases took the plain path.
    expect(readPlainly).toBeGreaterThan(100);
  });

  it('gives up on every value the YAML core schema does not read as a plain string', () => {
    for (const value of ['true', 'NULL', '~', '12', '-5', '1e5', '0x1F', '0o17', '.inf', '.NaN', '"q"', 'a b', 'a #c', '-', '']) {
      expect(readPlainInventory(`edges:\n  - name: ${value}\n`), value).toBeUndefined();
    }
  });
});

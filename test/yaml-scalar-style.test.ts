import { describe, expect, it } from 'vitest';
import { Document, isScalar, Scalar, visit } from 'yaml';
import { styleScalars } from '../core/yaml-scalar-style';

/** The visitor styleScalars stands in for. */
function byVisitor(doc: Document, values: ReadonlySet<unknown>, type: Scalar.Type): void {
  visit(doc, {
    Scalar(_key, node) {
      if (isScalar(node) && values.has(node.value)) node.type = type;
    },
  });
}

describe('styleScalars', () => {
  const shared = { token: 'abcdef.0123456789abcdef' };
  const value = {
    token: 'abcdef.0123456789abcdef',
    '123456': 'a key that is one of the values',
    nested: { list: ['123456', 'other', ['123456', { deeper: 'abcdef.0123456789abcdef' }]], number: 123456 },
    // The same object twice: the second becomes an alias, which neither follows.
    first: shared,
    second: shared,
    text: 'line one\nline two\n',
  };

  it('styles the same scalars as a visitor does, keys and nested values included', () => {
    for (const type of ['QUOTE_DOUBLE', 'PLAIN'] as const) {
      const values = new Set<unknown>(['abcdef.0123456789abcdef', '123456']);
      const ours = new Document(value);
      styleScalars(ours, values, type);
      const theirs = new Document(value);
      byVisitor(theirs, values, type);
      expect(ours.toString({ lineWidth: 0 })).toBe(theirs.toString({ lineWidth: 0 }));
    }
    const quoted = new Document(value);
    styleScalars(quoted, new Set(['123456']), 'QUOTE_DOUBLE');
    expect(quoted.toString()).toContain('"123456": a key that is one of the values');
    expect(quoted.toString()).toContain('number: 123456\n');
  });

  it('leaves the document as it is when no value is given', () => {
    const doc = new Document(value);
    styleScalars(doc, new Set(), 'QUOTE_DOUBLE');
    expect(doc.toString()).toBe(new Document(value).toString());
  });
});

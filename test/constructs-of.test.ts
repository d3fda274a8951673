import { Construct } from 'constructs';
import { describe, expect, it } from 'vitest';
import { constructsOf } from '../constructs/constructs-of';

describe('constructsOf', () => {
  const root = new Construct(undefined as unknown as Construct, 'root');
  const child = new Construct(root, 'child');
  new Construct(child, 'grandchild');

  it('lists the root and every construct in it, as findAll does', () => {
    expect(constructsOf(root).map((c) => c.node.path)).toEqual(root.node.findAll().map((c) => c.node.path));
    expect(constructsOf(root)).toHaveLength(3);
  });

  it('takes a list already made as it is, without walking a tree again', () => {
    const list = [child];
    expect(constructsOf(list)).toBe(list);
  });
});

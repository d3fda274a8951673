import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { groupDigits } from '../core/number-text';

describe('groupDigits', () => {
  it('writes every whole number as en-US toLocaleString does', () => {
    for (const n of [0, 7, 999, 1000, -1000, 65535, 1_000_000, -123456789, Number.MAX_SAFE_INTEGER]) expect(groupDigits(n)).toBe(n.toLocaleString('en-US'));
    fc.assert(fc.property(fc.maxSafeInteger(), (n) => groupDigits(n) === n.toLocaleString('en-US')), { seed: 1, numRuns: 2000 });
  });

  it('writes a number that is not whole as String writes it, never grouped wrong', () => {
    expect(groupDigits(1234.5)).toBe('1234.5');
    expect(groupDigits(1e21)).toBe('1e+21');
  });
});

/**
 * Code-point order for everything that decides the order of generated output. localeCompare follows
 * the machine's locale (ICU collation ignores "-" at the first level, for one), so two machines could
 * write the same site differently.
 */
export function byCodePoint(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

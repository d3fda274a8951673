/**
 * A whole number with its thousands grouped by commas, as `toLocaleString('en-US')` writes it ("1,000,000"), without
 * Intl: the first toLocaleString of a process loads ICU's number formatting, about 10 ms of every start, for the site
 * schema's range messages. Fractions are not grouped numbers: they are written as String writes them.
 */
export function groupDigits(n: number): string {
  if (!Number.isSafeInteger(n)) return String(n);
  return String(n).replace(/\B(?=(\d{3})+$)/g, ',');
}

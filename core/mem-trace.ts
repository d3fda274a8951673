// TEMPORARY (fleetmem measurement): removed before commit.
export function memTrace(label: string): void {
  if (!process.env.FLEETMEM_TRACE) return;
  const before = process.memoryUsage().heapUsed;
  (globalThis as { gc?: () => void }).gc?.();
  const m = process.memoryUsage();
  const mb = (n: number): string => `${Math.round(n / 1048576)}`;
  process.stderr.write(`MEM ${label.padEnd(28)} preGC ${Math.round(before / 1048576)} rss ${mb(m.rss)} heapUsed ${mb(m.heapUsed)} heapTotal ${mb(m.heapTotal)} ext ${mb(m.external)} ab ${mb(m.arrayBuffers)} maxrss ${Math.round(process.resourceUsage().maxRSS / 1024)}\n`);
}

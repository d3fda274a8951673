/**
 * Long lists of generated names, as a reviewer can take them in: `k8s-worker-1, k8s-worker-2, k8s-worker-3` reads
 * `k8s-worker-1…3`, and names built from parts joined by `_` share their common parts:
 * `{k8s-control-1…3, k8s-worker-1…3}_user-data_pve-node-1…3` stands for the eighteen names it expands to.
 * Deterministic: the order of first appearance is kept.
 */

/** Runs of names that differ only in a trailing number counting up by one, each run as `first…lastNumber`. */
export function numberRuns(names: readonly string[]): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < names.length) {
    const m = /^(.*?)(\d+)$/.exec(names[i]);
    let j = i + 1;
    if (m) {
      while (j < names.length) {
        const n = /^(.*?)(\d+)$/.exec(names[j]);
        // Zero-padded numbers (01, 02) stay one width; plain ones may grow (9, 10).
        const padded = m[2].length > 1 && m[2].startsWith('0');
        if (!n || n[1] !== m[1] || Number(n[2]) !== Number(m[2]) + (j - i) || (padded && n[2].length !== m[2].length)) break;
        j++;
      }
    }
    // Two in a row read as well listed; a run starts at three.
    if (m && j - i >= 3) {
      out.push(`${names[i]}…${/(\d+)$/.exec(names[j - 1])?.[1] ?? ''}`);
      i = j;
    } else {
      out.push(names[i]);
      i++;
    }
  }
  return out;
}

/** The names as patterns: parts split at `_`, alternatives in braces, number runs shortened; in order of first appearance. */
export function namePatterns(names: readonly string[], separator = '_'): string[] {
  const leaves: { name: string; at: number }[] = [];
  const heads = new Map<string, { rests: string[]; at: number }>();
  for (const [i, n] of names.entries()) {
    const cut = n.indexOf(separator);
    if (cut < 0) {
      leaves.push({ name: n, at: i });
      continue;
    }
    const head = heads.get(n.slice(0, cut)) ?? { rests: [], at: i };
    head.rests.push(n.slice(cut + separator.length));
    heads.set(n.slice(0, cut), head);
  }
  // Heads whose rests summarise the same way share one pattern.
  const byRest = new Map<string, { heads: string[]; at: number }>();
  for (const [head, { rests, at }] of heads) {
    const alts = namePatterns(rests, separator);
    const rest = alts.length === 1 ? alts[0] : `{${alts.join(', ')}}`;
    const known = byRest.get(rest) ?? { heads: [], at };
    known.heads.push(head);
    byRest.set(rest, known);
  }
  const out: { text: string; at: number }[] = [];
  // A run of leaves stands where its first name stood.
  let from = 0;
  for (const run of numberRuns(leaves.map((l) => l.name))) {
    out.push({ text: run, at: leaves[from].at });
    from += run.includes('…') ? runLength(run) : 1;
  }
  for (const [rest, { heads: hs, at }] of byRest) {
    const runs = numberRuns(hs);
    out.push({ text: `${runs.length === 1 ? runs[0] : `{${runs.join(', ')}}`}${separator}${rest}`, at });
  }
  return out.sort((a, b) => a.at - b.at).map((o) => o.text);
}

/** How many names a run `x-4…7` stands for. */
function runLength(run: string): number {
  const m = /(\d+)…(\d+)$/.exec(run);
  return m ? Number(m[2]) - Number(m[1]) + 1 : 1;
}

/** A cell's list: every name when few, otherwise the patterns, when they are shorter. */
export function summariseNames(names: readonly string[], listUpTo = 6): string {
  const plain = names.join(', ');
  if (names.length <= listUpTo) return plain;
  const short = namePatterns(names).join(', ');
  return short.length < plain.length ? short : plain;
}

import { diffLines, diffWordsWithSpace } from 'diff';

/**
 * How a long or multi-line string changed, as a reviewer reads it: a unified-style diff of its lines
 * (JSON pretty-printed first, so a one-line dashboard diffs by field), or for one long line the words
 * that changed with a little context. A string cut at a fixed width would hide a change past the cut.
 */

const MAX_LINES = 40;
const CONTEXT = 2;
const WORD_CONTEXT = 30;

/** Strings worth a diff of their own rather than `old -> new` on one line. */
export function needsStringDiff(a: unknown, b: unknown, maxInline: number): a is string {
  return typeof a === 'string' && typeof b === 'string' && (a.length > maxInline || b.length > maxInline || a.includes('\n') || b.includes('\n'));
}

function pretty(s: string): string {
  const t = s.trim();
  if (!(t.startsWith('{') || t.startsWith('['))) return s;
  try {
    return `${JSON.stringify(JSON.parse(t), null, 2)}\n`;
  } catch {
    return s;
  }
}

/** Changed lines with CONTEXT lines around each change, `-`/`+`/` ` prefixed, at most MAX_LINES. */
export function stringDiff(before: string, after: string): string[] {
  const a = pretty(before);
  const b = pretty(after);
  if (!a.includes('\n') && !b.includes('\n')) return [wordDiff(a, b)];
  const rows: { mark: ' ' | '-' | '+'; text: string }[] = [];
  for (const part of diffLines(a, b)) {
    const mark = part.added ? '+' : part.removed ? '-' : ' ';
    for (const line of part.value.replace(/\n$/, '').split('\n')) rows.push({ mark, text: line });
  }
  const keep = new Set<number>();
  rows.forEach((r, i) => {
    if (r.mark === ' ') return;
    for (let j = Math.max(0, i - CONTEXT); j <= Math.min(rows.length - 1, i + CONTEXT); j += 1) keep.add(j);
  });
  const out: string[] = [];
  let last = -1;
  for (const i of [...keep].sort((x, y) => x - y)) {
    if (last >= 0 && i > last + 1) out.push('  …');
    out.push(`${rows[i].mark} ${rows[i].text}`);
    last = i;
  }
  return out.length > MAX_LINES ? [...out.slice(0, MAX_LINES), `  … and ${out.length - MAX_LINES} more lines`] : out;
}

/** One long line: `…context[-old-]{+new+}context…` around each change. */
function wordDiff(a: string, b: string): string {
  const parts = diffWordsWithSpace(a, b);
  return parts
    .map((p, i) => {
      if (p.added) return `{+${p.value}+}`;
      if (p.removed) return `[-${p.value}-]`;
      const head = i === 0 ? '' : p.value.slice(0, WORD_CONTEXT);
      const tail = i === parts.length - 1 ? '' : p.value.slice(-WORD_CONTEXT);
      return p.value.length <= WORD_CONTEXT * 2 ? p.value : `${head}…${tail}`;
    })
    .join('');
}

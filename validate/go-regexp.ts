/**
 * A Go regexp (RE2 syntax) of the plain kind most schema patterns are (`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`, Kubernetes
 * quantities and durations), as a JavaScript RegExp that accepts exactly the same strings. Testing a value with RE2
 * means instantiating re2-wasm first, which cost a synth 40-60 ms of its ~650 (most of the schema check's own time)
 * for the handful of patterns the objects reach.
 *
 * Only a small subset is translated; anything else returns undefined and stays with RE2:
 * - literals, escaped ASCII punctuation, `.` (RE2: anything but `\n`), `\d` `\s` `\w` and their negations written as
 *   the ASCII classes RE2 defines them as, bracket classes of those (ranges, no negated shorthand inside), `^` `$`
 *   (RE2 without the m flag: start and end of the text, as in JavaScript without it), groups, `(?:`, alternation,
 *   and the quantifiers `* + ? {n} {n,} {n,m}` (lazy or not: `test` only asks whether there is a match);
 * - no flags (`(?i)`), Unicode classes (`\pL`, `\PC`), word boundaries, POSIX classes, `\Q…\E`, or other escapes.
 *
 * JavaScript's engine backtracks where RE2 does not, so a repeated group that could match the same text in two ways
 * (`([a-z]+\.?)+`) could take exponential time on a long value. A repeated group is translated only when its
 * iterations cannot overlap: a fixed sequence of single characters, or one that starts with a literal delimiter no
 * other part of it can match, followed by a sequence with at most one part of variable length (the DNS subdomain's
 * `(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*`). Alternation inside a repeated group is never translated. What remains is
 * polynomial in the value's length, which the caller bounds (see JS_VALUE_LIMIT in validate/kubernetes-ajv.ts).
 */

/** RE2's Perl classes, which are ASCII-only (RE2 syntax: `\d` == `[0-9]`, `\s` == `[\t\n\f\r ]`, `\w` == `[0-9A-Za-z_]`). */
const PERL_CLASSES: Readonly<Record<string, string>> = { d: '0-9', s: '\\t\\n\\f\\r ', w: '0-9A-Za-z_' };

/** Characters with a meaning of their own in a JavaScript pattern (outside a class); `/` may be escaped in u-mode too. */
const JS_SYNTAX = new Set([...'^$\\.*+?()[]{}|/']);

/** The most RE2 repeats a counted repetition (larger counts are a syntax error there). */
const MAX_REPEAT = 1000;

class Unsupported extends Error {}

/** One parsed piece: its JavaScript source and what the backtracking rule needs to know about it. */
interface Piece {
  readonly source: string;
  /** A single character (literal, escape, class or `.`) with no quantifier. */
  readonly single: boolean;
  /** The literal character the piece starts with, when its first part is exactly that literal. */
  readonly lead?: string;
  /** Every single-character test inside, in order, to check that a delimiter is matched by nothing else. */
  readonly singles: ReadonlyArray<(c: string) => boolean>;
  /** Matches strings of one length only. */
  readonly fixed: boolean;
  /** Matches no empty string. */
  readonly nonEmpty: boolean;
  /** For a given span of text there is at most one way to match it. */
  readonly unambiguous: boolean;
  readonly alternation: boolean;
}

interface Quantifier {
  readonly text: string;
  readonly min: number;
  /** @default - unbounded */
  readonly max?: number;
}

/**
 * The JavaScript RegExp (u flag) that accepts exactly what RE2 accepts for `pattern`, or undefined when the pattern
 * is outside the subset translated here. `flags` are the RE2 flags ajv passes (`u`); any other flag is not translated.
 */
export function goRegExpAsJs(pattern: string, flags: string): RegExp | undefined {
  if (flags !== 'u' && flags !== '') return undefined;
  try {
    const parser = new Parser(pattern);
    const piece = parser.alternation();
    if (!parser.done()) return undefined;
    return new RegExp(piece.source, 'u');
  } catch (err) {
    if (err instanceof Unsupported || err instanceof SyntaxError) return undefined;
    throw err;
  }
}

class Parser {
  private at = 0;

  constructor(private readonly text: string) {}

  done(): boolean {
    return this.at === this.text.length;
  }

  alternation(): Piece {
    const branches = [this.sequence()];
    while (this.peek() === '|') {
      this.at += 1;
      branches.push(this.sequence());
    }
    if (branches.length === 1) return branches[0];
    return {
      source: branches.map((b) => b.source).join('|'),
      single: false,
      singles: branches.flatMap((b) => b.singles),
      fixed: false,
      nonEmpty: branches.every((b) => b.nonEmpty),
      unambiguous: false,
      alternation: true,
    };
  }

  private sequence(): Piece {
    const items: Piece[] = [];
    while (!this.done() && this.peek() !== '|' && this.peek() !== ')') items.push(this.quantified(this.atom()));
    const variable = items.filter((p) => !p.fixed).length;
    return {
      source: items.map((p) => p.source).join(''),
      single: items.length === 1 && items[0].single,
      lead: items[0]?.lead,
      singles: items.flatMap((p) => p.singles),
      fixed: variable === 0,
      nonEmpty: items.some((p) => p.nonEmpty),
      // Over a given span, the one part of variable length gets what the fixed parts leave.
      unambiguous: variable <= 1 && items.every((p) => p.unambiguous),
      alternation: items.some((p) => p.alternation),
    };
  }

  private atom(): Piece {
    const c = this.next();
    if (c === '(') return this.group();
    if (c === '[') return single(this.bracketClass());
    if (c === '.') return single('[^\\n]');
    if (c === '^' || c === '$') return { source: c, single: false, singles: [], fixed: true, nonEmpty: false, unambiguous: true, alternation: false };
    if (c === '\\') {
      const e = this.next();
      const perl = PERL_CLASSES[e.toLowerCase()];
      if (perl !== undefined) return single(`[${e === e.toLowerCase() ? '' : '^'}${perl}]`);
      if (isAsciiPunctuation(e)) return literal(e);
      throw new Unsupported();
    }
    if (')]{}*+?|'.includes(c)) throw new Unsupported();
    return literal(c);
  }

  private group(): Piece {
    if (this.peek() === '?') {
      if (!this.text.startsWith('?:', this.at)) throw new Unsupported();
      this.at += 2;
    }
    const inner = this.alternation();
    if (this.next() !== ')') throw new Unsupported();
    return { ...inner, source: `(?:${inner.source})`, single: false };
  }

  /** A bracket class, as a JavaScript class; the opening `[` is consumed. */
  private bracketClass(): string {
    let out = '[';
    if (this.peek() === '^') {
      this.at += 1;
      out += '^';
    }
    const start = this.at;
    while (this.peek() !== ']') {
      // RE2 reads `-` as itself only first or last; elsewhere it would be a range this parser does not expect.
      if (this.peek() === '-' && this.at !== start && this.text[this.at + 1] !== ']') throw new Unsupported();
      const lo = this.classItem();
      if (lo.perl !== undefined) {
        out += lo.perl;
      } else if (this.peek() === '-' && this.text[this.at + 1] !== ']') {
        this.at += 1;
        const hi = this.classItem();
        if (hi.char === undefined || hi.char.codePointAt(0)! < lo.char!.codePointAt(0)!) throw new Unsupported();
        out += `${classLiteral(lo.char!)}-${classLiteral(hi.char)}`;
      } else {
        out += classLiteral(lo.char!);
      }
    }
    this.at += 1;
    if (this.at === start + 1) throw new Unsupported();
    return `${out}]`;
  }

  /** One character of a bracket class, or the ranges of a Perl class in it (never the end of a range). */
  private classItem(): { char?: string; perl?: string } {
    const c = this.next();
    if (c === '[') throw new Unsupported();
    if (c !== '\\') return { char: c };
    const e = this.next();
    if (PERL_CLASSES[e] !== undefined) return { perl: PERL_CLASSES[e] };
    if (isAsciiPunctuation(e)) return { char: e };
    throw new Unsupported();
  }

  private quantified(piece: Piece): Piece {
    const q = this.quantifier();
    if (q === undefined) return piece;
    if (!piece.single && piece.singles.length === 0) throw new Unsupported();
    // A lazy quantifier matches the same texts; `test` only asks whether there is a match.
    if (this.peek() === '?') this.at += 1;
    if ('*+?{'.includes(this.peek() ?? '|')) throw new Unsupported();
    const repeats = q.max === undefined || q.max > 1;
    if (repeats && !piece.single && !iterationsCannotOverlap(piece)) throw new Unsupported();
    return {
      source: `${piece.source}${q.text}`,
      single: false,
      singles: piece.singles,
      fixed: piece.fixed && q.min === q.max,
      nonEmpty: piece.nonEmpty && q.min > 0,
      // An optional part that cannot match the empty text is there or not by its span alone; repeated, a single
      // character repeats one way, and a group splits at its delimiters (iterationsCannotOverlap).
      unambiguous: piece.unambiguous && (piece.nonEmpty || q.min === q.max),
      alternation: piece.alternation,
    };
  }

  private quantifier(): Quantifier | undefined {
    const c = this.peek();
    if (c === '*') return this.take({ text: '*', min: 0 });
    if (c === '+') return this.take({ text: '+', min: 1 });
    if (c === '?') return this.take({ text: '?', min: 0, max: 1 });
    if (c !== '{') return undefined;
    const m = /^\{(\d+)(,(\d*))?\}/.exec(this.text.slice(this.at));
    if (!m) throw new Unsupported();
    const min = Number(m[1]);
    const max = m[2] === undefined ? min : m[3] === '' ? undefined : Number(m[3]);
    if (min > MAX_REPEAT || (max !== undefined && (max > MAX_REPEAT || max < min))) throw new Unsupported();
    return this.take({ text: m[0], min, max });
  }

  private take(q: Quantifier): Quantifier {
    this.at += q.text.length;
    return q;
  }

  private peek(): string | undefined {
    return this.text[this.at];
  }

  private next(): string {
    if (this.done()) throw new Unsupported();
    const c = String.fromCodePoint(this.text.codePointAt(this.at)!);
    this.at += c.length;
    return c;
  }
}

/**
 * Whether the iterations of a repeated group can split a text only one way, each matched one way: an unambiguous run
 * of fixed length, or an unambiguous run that starts with a literal delimiter nothing else in it matches.
 */
function iterationsCannotOverlap(piece: Piece): boolean {
  if (piece.alternation || !piece.unambiguous || !piece.nonEmpty) return false;
  if (piece.fixed) return true;
  const d = piece.lead;
  return d !== undefined && piece.singles.slice(1).every((test) => !test(d));
}

function single(source: string): Piece {
  const re = new RegExp(`^${source}$`, 'u');
  const test = (c: string): boolean => re.test(c);
  return { source, single: true, singles: [test], fixed: true, nonEmpty: true, unambiguous: true, alternation: false };
}

function literal(c: string): Piece {
  return { ...single(JS_SYNTAX.has(c) ? `\\${c}` : c), lead: c };
}

function classLiteral(c: string): string {
  return '\\]['.includes(c) || c === '^' || c === '-' ? `\\${c}` : c;
}

function isAsciiPunctuation(c: string): boolean {
  return /^[!-/:-@[-`{-~]$/.test(c);
}

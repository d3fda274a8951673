import * as fs from 'node:fs';
import * as path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

/**
 * House rule: no hand-written function (declaration, method, constructor, arrow or function expression) over 120
 * lines, counted from its signature to its closing brace. Long functions become phases or sub-constructs with their own
 * tests. Generated code (imports/) and the tests themselves (whose describe blocks group cases, not logic) are not
 * counted.
 */
const MAX_LINES = 120;
const ROOT = path.resolve(__dirname, '..');
const SKIP = new Set(['node_modules', 'imports', 'test', 'dist', 'dist-homelab', '.git', '.cache']);

function sourceFiles(dir = ''): string[] {
  return fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((e) => {
    const rel = dir ? `${dir}/${e.name}` : e.name;
    if (e.isDirectory()) return SKIP.has(rel) ? [] : sourceFiles(rel);
    return rel.endsWith('.ts') && dir !== '' ? [rel] : [];
  });
}

interface FunctionSpan {
  readonly text: string;
  readonly lines: number;
}

/** Every function-like node with a body in `files`, parsed once for both tests (parsing is most of the time). */
const spans = new Map<string, readonly FunctionSpan[]>();
function functionsOf(file: string): readonly FunctionSpan[] {
  const kept = spans.get(file);
  if (kept) return kept;
  const found: FunctionSpan[] = [];
  const sf = ts.createSourceFile(file, fs.readFileSync(path.join(ROOT, file), 'utf8'), ts.ScriptTarget.Latest, true);
  const visit = (node: ts.Node): void => {
    if (ts.isFunctionLike(node) && (node as ts.FunctionLikeDeclaration).body) {
      const first = sf.getLineAndCharacterOfPosition(node.getStart(sf)).line;
      const lines = sf.getLineAndCharacterOfPosition(node.getEnd()).line - first + 1;
      const name = ts.isConstructorDeclaration(node) ? 'constructor' : ((node as ts.FunctionDeclaration).name?.getText(sf) ?? '(anonymous)');
      found.push({ text: `${file}:${first + 1} ${name} (${lines} lines)`, lines });
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  spans.set(file, found);
  return found;
}

/** Every function-like node with a body over `max` lines, as `file:line name (n lines)`, longest first. */
function longFunctions(files: readonly string[], max: number): string[] {
  const found = files.flatMap((file) => functionsOf(file).filter((f) => f.lines > max));
  return [...found].sort((a, b) => b.lines - a.lines).map((f) => f.text);
}

describe('function length', () => {
  it(`has no hand-written function over ${MAX_LINES} lines`, () => {
    expect(longFunctions(sourceFiles(), MAX_LINES)).toEqual([]);
  });

  it('measures what it claims (the check itself)', () => {
    const files = sourceFiles();
    expect(files).toContain('model/build-model.ts');
    // buildModel is short now, but a limit of a few lines finds it and the other orchestrators.
    expect(longFunctions(files, 20).some((f) => f.startsWith('model/build-model.ts:') && f.includes(' buildModel '))).toBe(true);
  });
});

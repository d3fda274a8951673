import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..');
const MARKERS = path.join(ROOT, '.cache', 'verified');

/** `file` and every project module it imports, transitively (relative imports of .ts files). */
export function sourcesOf(file: string, seen = new Set<string>()): string[] {
  const abs = path.resolve(ROOT, file);
  if (seen.has(abs)) return [];
  seen.add(abs);
  const text = fs.readFileSync(abs, 'utf8');
  for (const m of text.matchAll(/(?:from|import|require\()\s*['"](\.{1,2}\/[^'"]+)['"]/g)) {
    const target = path.resolve(path.dirname(abs), m[1]);
    for (const candidate of [`${target}.ts`, path.join(target, 'index.ts'), target]) {
      if (fs.existsSync(candidate) && fs.statSync(candidate).isFile()) {
        if (candidate.endsWith('.ts')) sourcesOf(candidate, seen);
        else seen.add(candidate);
        break;
      }
    }
  }
  return [...seen].sort();
}

/** Every file under `dir`, sorted. */
export function filesUnder(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? filesUnder(path.join(dir, e.name)) : [path.join(dir, e.name)]))
    .sort();
}

/**
 * Runs a slow, deterministic check once per content of its inputs: when every input file is byte for byte what a
 * passing run saw (a marker in .cache/verified/ named by their hash), the check passed then and would pass now.
 * Any changed input (the generator, a module it imports, the installed packages through npm's lock, the data)
 * runs it again. Returns whether it ran.
 */
export function verifiedOnce(name: string, inputs: readonly string[], check: () => void): boolean {
  const hash = crypto.createHash('sha256');
  for (const file of [...inputs, path.join(ROOT, 'node_modules', '.package-lock.json')]) {
    hash.update(`${path.relative(ROOT, file)}\0`);
    hash.update(fs.readFileSync(file));
    hash.update('\0');
  }
  const marker = path.join(MARKERS, `${name}-${hash.digest('hex').slice(0, 32)}`);
  if (fs.existsSync(marker)) return false;
  check();
  fs.mkdirSync(MARKERS, { recursive: true });
  fs.writeFileSync(marker, `${name}: passed with these inputs\n`);
  return true;
}

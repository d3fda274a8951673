import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { FileTree } from './synthesize';

export interface TreeDiff {
  readonly added: readonly string[];
  readonly removed: readonly string[];
  readonly changed: readonly string[];
}

export function isEmptyDiff(d: TreeDiff): boolean {
  return d.added.length + d.removed.length + d.changed.length === 0;
}

/** Every file below `dir`, relative, with `/` separators, sorted. Missing folder = empty tree. */
export function listTree(dir: string): string[] {
  const out: string[] = [];
  const walk = (rel: string): void => {
    const abs = path.join(dir, rel);
    for (const entry of fs.readdirSync(abs, { withFileTypes: true })) {
      const child = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) walk(child);
      else out.push(child);
    }
  };
  if (fs.existsSync(dir)) walk('');
  return out.sort();
}

/** What differs between the tree on disk and the tree the source produces. */
export function diffTree(files: FileTree, dir: string): TreeDiff {
  const onDisk = new Set(listTree(dir));
  const added: string[] = [];
  const changed: string[] = [];
  for (const [rel, content] of files) {
    if (!onDisk.has(rel)) added.push(rel);
    else if (!fs.readFileSync(path.join(dir, rel)).equals(Buffer.from(content, 'utf8'))) changed.push(rel);
    onDisk.delete(rel);
  }
  return { added, removed: [...onDisk].sort(), changed };
}

/**
 * Replaces `dir` with exactly `files`: the new tree is written beside it, then swapped in with
 * renames, so a failure at any point leaves either the old tree or the new one, never a mix; files
 * the source no longer produces disappear with the old tree. The staging folders are siblings of
 * `dir` (a rename cannot cross file systems) and are gone when this returns.
 */
export function writeTree(files: FileTree, dir: string): void {
  const parent = path.dirname(path.resolve(dir));
  const base = path.basename(path.resolve(dir));
  const tag = `${process.pid}-${crypto.randomBytes(4).toString('hex')}`;
  const staging = path.join(parent, `.${base}.${tag}.tmp`);
  const old = path.join(parent, `.${base}.${tag}.old`);
  fs.mkdirSync(staging, { recursive: true });
  try {
    for (const [rel, content] of files) {
      const target = path.join(staging, rel);
      fs.mkdirSync(path.dirname(target), { recursive: true });
      fs.writeFileSync(target, content);
    }
    const hadOld = fs.existsSync(dir);
    if (hadOld) fs.renameSync(dir, old);
    try {
      fs.renameSync(staging, dir);
    } catch (err) {
      if (hadOld) fs.renameSync(old, dir);
      throw err;
    }
    if (hadOld) fs.rmSync(old, { recursive: true, force: true });
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
}

import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { FileTree } from './synthesize';
import { MANIFEST_FILE } from './tree-manifest';

export interface TreeDiff {
  readonly added: readonly string[];
  readonly removed: readonly string[];
  readonly changed: readonly string[];
}

export function isEmptyDiff(d: TreeDiff): boolean {
  return d.added.length + d.removed.length + d.changed.length === 0;
}

/**
 * Every file below `dir`, relative, with `/` separators, sorted. Missing folder = empty tree.
 * `limit` stops the walk early (the result then has limit + 1 entries), so a folder that is not ours
 * is never walked whole.
 */
export function listTree(dir: string, limit = Number.POSITIVE_INFINITY): string[] {
  const out: string[] = [];
  const walk = (rel: string): void => {
    const abs = path.join(dir, rel);
    for (const entry of fs.readdirSync(abs, { withFileTypes: true })) {
      if (out.length > limit) return;
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
  // By path, reading a file's text only where the folder has the file: a fleet's files are rendered on read.
  for (const rel of files.keys()) {
    if (!onDisk.has(rel)) added.push(rel);
    else if (!fs.readFileSync(path.join(dir, rel)).equals(Buffer.from(files.get(rel) as string, 'utf8'))) changed.push(rel);
    onDisk.delete(rel);
  }
  return { added: added.sort(), removed: [...onDisk].sort(), changed: changed.sort() };
}

/** The file-system calls the writer makes: tests inject failures (ENOSPC, EXDEV, EROFS …) through this. */
export interface FsOps {
  readonly mkdirSync: (p: string, o: { recursive: true }) => unknown;
  readonly writeFileSync: (p: string, data: string) => void;
  readonly renameSync: (from: string, to: string) => void;
  readonly rmSync: (p: string, o: { recursive: true; force: true }) => void;
}

export const REAL_FS: FsOps = {
  mkdirSync: (p, o) => fs.mkdirSync(p, o),
  writeFileSync: (p, d) => fs.writeFileSync(p, d),
  renameSync: (a, b) => fs.renameSync(a, b),
  rmSync: (p, o) => fs.rmSync(p, o),
};

/** A file-system failure while replacing the tree, after the writer has put the old tree back. */
export class TreeWriteError extends Error {
  constructor(
    /** errno code (ENOSPC, EACCES …), or UNKNOWN. */
    public readonly code: string,
    /** What the writer was doing: "writing", "moving the old tree aside", "moving the new tree in". */
    public readonly step: string,
    public readonly file: string,
    /** Whether the previous tree is in place (false only when putting it back failed too). */
    public readonly oldTreeIntact: boolean,
    /** Where the previous tree was left when it could not be put back. */
    public readonly oldTreeAt?: string,
  ) {
    super(`${code} while ${step} ${file}`);
    this.name = 'TreeWriteError';
  }
}

/** Staging and old-tree folders are siblings named after the output folder (a rename cannot cross file systems). */
function siblingPattern(base: string): RegExp {
  return new RegExp(`^\\.${base.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\.site-compiler-(\\d+-[0-9a-f]+)\\.(tmp|old)$`);
}

/** The sibling folders an interrupted synth may have left beside `dir`, by tag. */
export function leftoverSiblings(dir: string): { name: string; tag: string; kind: 'tmp' | 'old' }[] {
  const parent = path.dirname(path.resolve(dir));
  const pattern = siblingPattern(path.basename(path.resolve(dir)));
  if (!fs.existsSync(parent)) return [];
  return fs
    .readdirSync(parent)
    .map((name) => ({ name, m: pattern.exec(name) }))
    .filter((e) => e.m !== null)
    .map((e) => ({ name: e.name, tag: (e.m as RegExpExecArray)[1], kind: (e.m as RegExpExecArray)[2] as 'tmp' | 'old' }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/**
 * Puts an output folder back together after a synth was killed, then removes every leftover sibling.
 * Call it only while holding the folder's lock: no other writer can then own a sibling. A kill between
 * the two renames of the swap leaves the folder missing with both trees beside it: the new tree is kept
 * when its staging is complete (the manifest is written last), else the old one goes back.
 * Returns what it did, for the user.
 */
export function recoverInterrupted(dir: string, ops: FsOps = REAL_FS): string[] {
  const abs = path.resolve(dir);
  const parent = path.dirname(abs);
  const leftovers = leftoverSiblings(abs);
  const notes: string[] = [];
  if (!fs.existsSync(abs)) {
    const complete = leftovers.find((l) => l.kind === 'tmp' && fs.existsSync(path.join(parent, l.name, MANIFEST_FILE)) && leftovers.some((o) => o.kind === 'old' && o.tag === l.tag));
    const old = leftovers.find((l) => l.kind === 'old');
    const restore = complete ?? old;
    if (restore) {
      ops.renameSync(path.join(parent, restore.name), abs);
      notes.push(`an interrupted synth had left ${path.basename(abs)}/ mid-swap: restored the ${restore === complete ? 'new' : 'previous'} tree`);
    }
  }
  for (const l of leftoverSiblings(abs)) {
    ops.rmSync(path.join(parent, l.name), { recursive: true, force: true });
    notes.push(`removed ${l.name}, left by an interrupted synth`);
  }
  return notes;
}

function errnoCode(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === 'string' ? code : 'UNKNOWN';
}

/** Writes every file into a fresh staging folder, the manifest last: a staging folder with a manifest is complete. */
function writeStaging(files: FileTree, staging: string, ops: FsOps): void {
  ops.mkdirSync(staging, { recursive: true });
  const order = [...files.keys()].filter((f) => f !== MANIFEST_FILE).sort();
  if (files.has(MANIFEST_FILE)) order.push(MANIFEST_FILE);
  // Each folder is made once: a recursive mkdir of a folder that exists still costs a failed mkdir call, which was
  // 119 of the 144 calls for the reference site's 138 files.
  const made = new Set<string>([staging]);
  for (const rel of order) {
    const target = path.join(staging, rel);
    const folder = path.dirname(target);
    try {
      if (!made.has(folder)) {
        ops.mkdirSync(folder, { recursive: true });
        made.add(folder);
      }
      ops.writeFileSync(target, files.get(rel) as string);
    } catch (err) {
      throw new TreeWriteError(errnoCode(err), 'writing', target, true);
    }
  }
}

/**
 * Replaces `dir` with exactly `files`: the new tree is written beside it, then swapped in with two
 * renames, so a failure leaves the old tree in place and a kill leaves either tree (or, between the
 * renames, both beside it for recoverInterrupted). Files the source no longer produces go with the old
 * tree. Throws TreeWriteError after cleaning up; the staging folder never outlives this call.
 * Returns warnings (an old tree that could not be removed after a successful swap).
 */
export function writeTree(files: FileTree, dir: string, ops: FsOps = REAL_FS): string[] {
  const abs = path.resolve(dir);
  const parent = path.dirname(abs);
  const tag = `${process.pid}-${crypto.randomBytes(4).toString('hex')}`;
  const staging = path.join(parent, `.${path.basename(abs)}.site-compiler-${tag}.tmp`);
  const old = path.join(parent, `.${path.basename(abs)}.site-compiler-${tag}.old`);
  try {
    writeStaging(files, staging, ops);
    const hadOld = fs.existsSync(abs);
    if (hadOld) {
      try {
        ops.renameSync(abs, old);
      } catch (err) {
        throw new TreeWriteError(errnoCode(err), 'moving the old tree aside', abs, true);
      }
    }
    try {
      ops.renameSync(staging, abs);
    } catch (err) {
      throw restoreOld(err, hadOld, old, abs, ops);
    }
    if (!hadOld) return [];
    try {
      ops.rmSync(old, { recursive: true, force: true });
      return [];
    } catch (err) {
      return [`could not remove the previous tree at ${old} (${errnoCode(err)}); the next synth removes it`];
    }
  } finally {
    removeQuietly(staging, ops);
  }
}

/** The new tree could not move in: the old one goes back, and the error says whether that worked. */
function restoreOld(err: unknown, hadOld: boolean, old: string, abs: string, ops: FsOps): TreeWriteError {
  if (!hadOld) return new TreeWriteError(errnoCode(err), 'moving the new tree in', abs, true);
  try {
    ops.renameSync(old, abs);
    return new TreeWriteError(errnoCode(err), 'moving the new tree in', abs, true);
  } catch {
    return new TreeWriteError(errnoCode(err), 'moving the new tree in', abs, false, old);
  }
}

function removeQuietly(p: string, ops: FsOps): void {
  try {
    ops.rmSync(p, { recursive: true, force: true });
  } catch {
    // Best effort; a staging folder left here is removed by the next synth's recoverInterrupted.
  }
}

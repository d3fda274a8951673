import * as crypto from 'node:crypto';
import { LazyFileTree } from './lazy-file-tree';
import type { FileTree } from './synthesize';

/**
 * The record of what the compiler wrote into an output folder, kept inside it (like projen's
 * `.projen/files.json`). It is what lets a later synth tell its own files from a person's: a folder
 * is replaced only when every file in it is listed here (or the user says --force for the edited ones).
 */
export const MANIFEST_FILE = '.site-compiler/manifest.json';

/** The generator's name as the manifest states it; also how a foreign manifest is told apart. */
export const GENERATOR = 'site-compiler';

export interface TreeManifest {
  readonly generator: string;
  /** The site's name (not its path: the manifest is byte-identical on every machine and checkout). */
  readonly site: string;
  /** Every file of the tree except the manifest itself, relative with `/`, and its sha256. */
  readonly files: Readonly<Record<string, string>>;
}

export function sha256(content: string | Buffer): string {
  return crypto.createHash('sha256').update(content).digest('hex');
}

/** The tree plus its manifest. Deterministic: code-point order, no timestamps, no versions. */
export function withManifest(tree: FileTree, site: string): FileTree {
  const files: Record<string, string> = {};
  for (const rel of [...tree.keys()].filter((f) => f !== MANIFEST_FILE).sort()) files[rel] = sha256(tree.get(rel) as string);
  const manifest: TreeManifest & { readonly note: string } = {
    generator: GENERATOR,
    note: 'What site-compiler wrote here, with each file\'s sha256. A later synth replaces only these files; it refuses (or, with --force, replaces) files a person added or edited.',
    site,
    files,
  };
  const out = LazyFileTree.copy(tree);
  out.set(MANIFEST_FILE, `${JSON.stringify(manifest, null, 2)}\n`);
  return out;
}

/** Reads a manifest's text; undefined when it is not one of ours (unparsable, other generator, wrong shape). */
export function parseManifest(text: string): TreeManifest | undefined {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof doc !== 'object' || doc === null) return undefined;
  const m = doc as Partial<TreeManifest>;
  if (m.generator !== GENERATOR || typeof m.site !== 'string' || typeof m.files !== 'object' || m.files === null) return undefined;
  if (!Object.values(m.files).every((h) => typeof h === 'string' && /^[0-9a-f]{64}$/.test(h))) return undefined;
  return m as TreeManifest;
}

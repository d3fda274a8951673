import * as path from 'node:path';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { SITE_ARG, SiteError } from '../site/errors';
import { OutputRefusal, conflictLines, conflictRefusal, foreignRefusal, lockRefusal, pathRefusal, shellQuote, writeFailure } from './output-errors';
import { OutputContext, findConflicts, inspectOutput, refusedOutputPath } from './output-folder';
import { LockTimeoutError, acquireOutputLock, describeHolder } from './output-lock';
import { explainDiff, formatDiff } from './output-diff';
import { ImpactReview, ReviewedSite, reviewImpact } from './review-impact';
import { LazyFileTree } from './lazy-file-tree';
import { SynthError } from './synth-error';
import type { ComponentReport, FileTree } from './synthesize';
import { withManifest } from './tree-manifest';
import { FsOps, REAL_FS, TreeWriteError, diffTree, isEmptyDiff, recoverInterrupted, writeTree } from './write-tree';

export const DEFAULT_SITE = 'sites/hookprobe.ts';
/** The project root: the default site and dist/ are found from here, whatever the working directory. */
export const PROJECT_ROOT = path.resolve(__dirname, '..');

export interface Io {
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
  readonly cwd: string;
  /** @default - the real file system; tests inject failures here */
  readonly fs?: FsOps;
  /** @default - the user's home directory */
  readonly home?: string;
}

export const processIo: Io = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
  cwd: process.cwd(),
};

/** Exit codes of synth, --check and diff (the README's table says the same). */
export const EXIT = { ok: 0, refused: 1, usage: 2, internal: 3 } as const;

export interface SynthOptions {
  readonly site: string;
  readonly out: string;
  readonly check?: boolean;
  readonly quiet?: boolean;
  readonly force?: boolean;
  readonly wait: number;
  readonly debug?: boolean;
  /** Print, per component, what this run changes before writing it (what --watch shows after an edit). */
  readonly showDiff?: boolean;
}

function seconds(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0 || n > 3600) throw new InvalidArgumentError('give a number of seconds from 0 to 3600');
  return n;
}

/** synth's argument parser; tests parse the commands hints print with it. */
export function synthProgram(io: Pick<Io, 'out' | 'err'> = processIo): Command {
  return new Command()
    .name('site-compiler synth')
    .description('Compile a site into dist/: Terraform JSON for Proxmox and Kubernetes YAML for Argo CD.')
    .option('--site <file>', 'site file (.ts, .yaml, .yml or .json)', DEFAULT_SITE)
    .option('--out <folder>', 'output folder: replaced as a whole, and only if it is new, empty or a tree synth wrote', 'dist')
    .option('--check', 'write nothing; exit 1 and list the files that differ when the output folder is not what the site produces')
    .option('--force', 'replace files in the output folder that were added or edited by hand since the last synth (they are lost)')
    .option('--wait <seconds>', 'how long to wait for another synth writing the same folder', seconds, 120)
    .option('--quiet', 'print only warnings and problems')
    .option('--debug', 'print the stack trace of an internal error')
    .option('--watch', 'after the first synth, synthesize again whenever the site file (or its chart lock) changes, printing what changed per component')
    .addOption(new Option('--show-diff').hideHelp())
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s.trimEnd()), writeErr: (s) => io.err(s.trimEnd()) });
}

/**
 * What synth needs of a compiled site, as plain data: the tree before its review against the output folder and what
 * is printed about it. synth/run-synth.ts compiles it; the executable may take it from the result cache.
 */
export interface SynthCompiled {
  readonly tree: FileTree;
  readonly components: readonly ComponentReport[];
  /** Printed as they are (the missing-lock warning). */
  readonly notes: readonly string[];
  /** Printed as warnings, their hints carrying the user's --site. */
  readonly warnings: readonly string[];
  readonly modelName: string;
  readonly review: ReviewedSite;
}

/** Compiles the site a synth names; throws SiteError or SynthError for the user's mistakes. */
export type SiteCompiler = (opts: SynthOptions, io: Io) => SynthCompiled;

/** The site file `opts` names, resolved as synth resolves it. */
export function synthSiteFile(opts: Pick<SynthOptions, 'site'>, io: Pick<Io, 'cwd'>): string {
  return opts.site === DEFAULT_SITE ? path.join(PROJECT_ROOT, DEFAULT_SITE) : path.resolve(io.cwd, opts.site);
}

/** The arguments of a synth, or the exit code when they are unusable or asked for help (already printed). */
export function parseSynthArgs(argv: readonly string[], io: Pick<Io, 'out' | 'err'> = processIo): SynthOptions | number {
  try {
    return synthProgram(io).parse([...argv], { from: 'user' }).opts<SynthOptions>();
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
    throw err;
  }
}

/**
 * `npm run synth` with its compiler given: parses the arguments, compiles the site and writes or checks the
 * output folder. Returns the exit code; never exits the process, so tests run it in-process.
 */
export function runSynthWith(argv: readonly string[], io: Io, compile: SiteCompiler): number {
  const opts = parseSynthArgs(argv, io);
  if (typeof opts === 'number') return opts;
  try {
    return synthInto(argv, opts, io, compile);
  } catch (err) {
    if (err instanceof SiteError || err instanceof SynthError) {
      io.err(userHint(err.message, opts.site));
      if (!opts.check) io.err(`nothing was written; ${shownOut(opts, io)}/ is unchanged`);
      return EXIT.refused;
    }
    if (err instanceof OutputRefusal) {
      io.err(err.message);
      return EXIT.refused;
    }
    return internalError(err, opts.debug === true, io);
  }
}

/**
 * A message with its hints made runnable: the site placeholder (SITE_ARG) becomes the --site the user gave, or
 * nothing for the default site, which every command finds by itself.
 */
export function userHint(text: string, site: string): string {
  return site === DEFAULT_SITE ? text.split(` ${SITE_ARG}`).join('') : text.split(SITE_ARG).join(`--site ${shellQuote(site)}`);
}

/** Anything else is the compiler's fault, not the user's: one line to report, the stack only on request. */
export function internalError(err: unknown, debug: boolean, io: Io): number {
  const message = err instanceof Error ? err.message : String(err);
  io.err(`internal error, please report: ${message.split('\n')[0]}`);
  if (debug && err instanceof Error && err.stack) io.err(err.stack);
  else io.err('  (run again with --debug for the stack trace; nothing was written)');
  return EXIT.internal;
}

function shownOut(opts: SynthOptions, _io: Io): string {
  // As the user wrote it (a trailing slash is added where shown), so `--out /` reads as `/`, not `../../`.
  return opts.out.replace(/\/+$/, '');
}

function siteFile(opts: SynthOptions): string {
  return opts.site === DEFAULT_SITE ? path.join(PROJECT_ROOT, DEFAULT_SITE) : opts.site;
}

/** The compiled site, reviewed against the folder's tree: what applying it destroys or cannot change in place. */
interface Reviewed {
  readonly compiled: SynthCompiled;
  readonly tree: FileTree;
  readonly impact?: ImpactReview;
}

function load(opts: SynthOptions, io: Io, out: string, compile: SiteCompiler): Reviewed {
  const compiled = compile(opts, io);
  for (const n of compiled.notes) io.err(n);
  for (const w of compiled.warnings) io.err(`warning: ${userHint(w, opts.site)}`);
  return review(compiled, out, io);
}

/**
 * Replacement and immutable-field review (issue 17) against the tree in the folder. It may set Argo CD sync
 * options on objects whose immutable fields change, so the manifest is written again after it.
 */
function review(compiled: SynthCompiled, out: string, io: Io): Reviewed {
  if (isEmptyDiff(diffTree(compiled.tree, out))) return { compiled, tree: compiled.tree };
  const tree = LazyFileTree.copy(compiled.tree);
  const impact = reviewImpact(tree, out, compiled.review);
  for (const w of impact.warnings) io.err(`warning: ${w}`);
  return { compiled, tree: withManifest(tree, compiled.modelName), impact };
}

/**
 * The output folder's rules, in order: refuse by path alone (before anything is read), refuse a folder
 * that is not the compiler's, take the folder's lock, repair what a killed synth left, compile, refuse
 * files a person added or edited (unless --force), then swap the new tree in.
 */
function synthInto(argv: readonly string[], opts: SynthOptions, io: Io, compile: SiteCompiler): number {
  const started = performance.now();
  const out = path.resolve(io.cwd, opts.out);
  const shown = shownOut(opts, io);
  const ctx: OutputContext = { projectRoot: PROJECT_ROOT, cwd: io.cwd, home: io.home, siteFile: siteFile(opts) };
  const reasons = refusedOutputPath(out, ctx);
  if (reasons.length > 0) throw pathRefusal(shown, reasons);
  const before = inspectOutput(out);
  if (before.state === 'foreign') throw foreignRefusal(shown, before);
  if (opts.check) return check(opts, io, out, shown, started, compile);
  let release: () => void;
  try {
    release = acquireOutputLock(out, `synth ${argv.join(' ')}`.trim(), {
      waitMs: opts.wait * 1000,
      onWait: (holder, file) => io.err(`waiting up to ${opts.wait} s for another synth writing ${shown}/: ${describeHolder(holder)} holds ${file}`),
      onTakeOver: (holder, file) => io.err(`taking over ${file}: its holder, ${describeHolder(holder)}, no longer runs`),
    });
  } catch (err) {
    if (err instanceof LockTimeoutError) throw lockRefusal(err);
    throw err;
  }
  try {
    for (const note of recoverInterrupted(out, io.fs ?? REAL_FS)) io.err(note);
    return write(opts, io, out, shown, started, compile);
  } finally {
    release();
  }
}

function write(opts: SynthOptions, io: Io, out: string, shown: string, started: number, compile: SiteCompiler): number {
  const say = (line: string): void => {
    if (!opts.quiet) io.out(line);
  };
  const { compiled, tree, impact } = load(opts, io, out, compile);
  if (impact && impact.refusals.length > 0) throw new SynthError(impact.refusals);
  // Judged again under the lock: the folder may have changed while this process waited.
  const owner = inspectOutput(out);
  if (owner.state === 'foreign') throw foreignRefusal(shown, owner);
  if (owner.state === 'owned') {
    const conflicts = findConflicts(out, owner, tree);
    const n = conflicts.edited.length + conflicts.added.length;
    if (n > 0 && !opts.force) throw conflictRefusal(shown, conflicts, synthCommand(opts, ['--force']));
    for (const f of [...conflicts.edited, ...conflicts.added]) io.err(`--force: discarding ${shown}/${f} (added or edited by hand)`);
  }
  const diff = diffTree(tree, out);
  if (opts.showDiff) for (const line of isEmptyDiff(diff) ? ['no change'] : formatDiff(explainDiff(tree, out))) io.out(line);
  if (!isEmptyDiff(diff)) {
    try {
      for (const w of writeTree(tree, out, io.fs ?? REAL_FS)) io.err(`warning: ${w}`);
    } catch (err) {
      if (err instanceof TreeWriteError) throw writeFailure(shown, err);
      throw err;
    }
  }
  say(`${path.relative(io.cwd, siteFile(opts)) || siteFile(opts)} -> ${shown}/`);
  const width = Math.max(...compiled.components.map((c) => c.name.length));
  for (const c of compiled.components) {
    const unit = c.name.startsWith('terraform/') ? 'resources' : 'objects';
    say(`  ${c.name.padEnd(width)}  ${String(c.objects).padStart(5)} ${unit.padEnd(9)} ${String(c.files).padStart(5)} files`);
  }
  const summary = isEmptyDiff(diff) ? 'unchanged' : `${diff.added.length} added, ${diff.changed.length} changed, ${diff.removed.length} removed`;
  say(`${tree.size} files (${summary}) in ${elapsed(started)}`);
  return EXIT.ok;
}

function check(opts: SynthOptions, io: Io, out: string, shown: string, started: number, compile: SiteCompiler): number {
  const { tree, impact } = load(opts, io, out, compile);
  const source = path.relative(io.cwd, siteFile(opts)) || siteFile(opts);
  const diff = diffTree(tree, out);
  if (isEmptyDiff(diff)) {
    if (!opts.quiet) io.out(`${shown}/ is up to date with ${source} (${tree.size} files, ${elapsed(started)})`);
    return EXIT.ok;
  }
  const rerun = synthCommand(opts);
  io.err(`${shown}/ is not what ${source} produces; run ${rerun} and commit the result:`);
  // What applying it destroys comes first: a replaced VM matters more than which files changed.
  if (impact && impact.lines.length > 0) for (const line of ['what applying it does:', ...impact.lines.map((l) => `  ${l}`)]) io.err(line);
  for (const r of impact?.refusals ?? []) io.err(`synth would refuse: ${r}`);
  for (const f of diff.changed) io.err(`  changed  ${shown}/${f}`);
  for (const f of diff.added) io.err(`  missing  ${shown}/${f}`);
  for (const f of diff.removed) io.err(`  stale    ${shown}/${f}`);
  const owner = inspectOutput(out);
  if (owner.state === 'owned') {
    const lines = conflictLines(shown, findConflicts(out, owner, tree));
    if (lines.length > 0) {
      io.err(`files added or edited by hand since the last synth (synth refuses to replace them without --force):`);
      for (const l of lines) io.err(l);
    }
  }
  io.err('per component:');
  for (const line of formatDiff(explainDiff(tree, out))) io.err(`  ${line}`);
  return EXIT.refused;
}

/** The synth command line with the user's --site and --out, as a hint that works when pasted. */
export function synthCommand(opts: { readonly site: string; readonly out: string }, extra: readonly string[] = []): string {
  const site = opts.site === DEFAULT_SITE ? [] : ['--site', shellQuote(opts.site)];
  const out = opts.out === 'dist' ? [] : ['--out', shellQuote(opts.out)];
  return ['npx site-compiler synth', ...site, ...out, ...extra].join(' ');
}

function elapsed(started: number): string {
  return `${Math.round(performance.now() - started)} ms`;
}

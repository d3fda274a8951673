import * as path from 'node:path';
import { Command, CommanderError } from 'commander';
import { SiteError } from '../site';
import { loadSite } from '../site/load';
import { compileSite } from './compile-site';
import { explainDiff, formatDiff } from './output-diff';
import { reviewImpact } from './review-impact';
import { SynthError } from './synthesize';
import { diffTree, isEmptyDiff, writeTree } from './write-tree';

export const DEFAULT_SITE = 'sites/hookprobe.ts';
/** The project root: the default site and dist/ are found from here, whatever the working directory. */
export const PROJECT_ROOT = path.resolve(__dirname, '..');

export interface Io {
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
  readonly cwd: string;
}

const processIo: Io = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
  cwd: process.cwd(),
};

/**
 * `npm run synth`, as a function: parses the arguments, compiles the site and writes or checks the
 * output folder. Returns the exit code; never exits the process, so tests run it in-process.
 */
export function runSynth(argv: readonly string[], io: Io = processIo): number {
  const started = performance.now();
  const program = new Command()
    .name('npm run synth --')
    .description('Compile a site into dist/: Terraform JSON for Proxmox and Kubernetes YAML for Argo CD.')
    .option('--site <file>', 'site file (.ts, .yaml, .yml or .json)', DEFAULT_SITE)
    .option('--out <folder>', 'output folder, replaced as a whole', 'dist')
    .option('--check', 'write nothing; exit 1 and list the files that differ when the output folder is not what the site produces')
    .option('--quiet', 'print only warnings and problems')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s.trimEnd()), writeErr: (s) => io.err(s.trimEnd()) });
  let opts: { site: string; out: string; check?: boolean; quiet?: boolean };
  try {
    opts = program.parse([...argv], { from: 'user' }).opts();
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2;
    throw err;
  }
  const say = (line: string): void => {
    if (!opts.quiet) io.out(line);
  };
  const out = path.resolve(io.cwd, opts.out);
  const shown = path.relative(io.cwd, out) || '.';
  try {
    const loaded = opts.site === DEFAULT_SITE ? loadSite(path.join(PROJECT_ROOT, DEFAULT_SITE), PROJECT_ROOT) : loadSite(opts.site, io.cwd);
    const { result, lock, tree } = compileSite(loaded);
    if (!lock.exists) io.err(`warning: no chart lock beside ${loaded.source} (${path.basename(lock.file)}): chart versions are pinned by the site, digests are not; run npm run vendor -- --lock-only --site ${loaded.source}`);
    for (const w of result.warnings) io.err(`warning: ${w}`);

    let diff = diffTree(tree, out);
    // --- review-impact (issue 17): what applying the change destroys, judged against the committed tree ---
    const impact = isEmptyDiff(diff) ? undefined : reviewImpact(tree, out, loaded.site);
    if (impact) diff = diffTree(tree, out); // the review may have set Argo CD sync options in the tree
    for (const w of impact?.warnings ?? []) io.err(`warning: ${w}`);
    if (opts.check && impact && impact.lines.length > 0) for (const line of ['what applying it does:', ...impact.lines.map((l) => `  ${l}`)]) io.err(line);
    if (!opts.check && impact && impact.refusals.length > 0) throw new SynthError(impact.refusals);
    // --- end review-impact ---
    if (opts.check) {
      if (isEmptyDiff(diff)) {
        say(`${shown}/ is up to date with ${loaded.source} (${tree.size} files, ${elapsed(started)})`);
        return 0;
      }
      io.err(`${shown}/ is not what ${loaded.source} produces; run npm run synth and commit the result:`);
      for (const f of diff.changed) io.err(`  changed  ${shown}/${f}`);
      for (const f of diff.added) io.err(`  missing  ${shown}/${f}`);
      for (const f of diff.removed) io.err(`  stale    ${shown}/${f}`);
      io.err('per component:');
      for (const line of formatDiff(explainDiff(tree, out))) io.err(`  ${line}`);
      return 1;
    }
    if (!isEmptyDiff(diff)) writeTree(tree, out);

    say(`${loaded.source} -> ${shown}/`);
    const width = Math.max(...result.components.map((c) => c.name.length));
    for (const c of result.components) {
      const unit = c.name.startsWith('terraform/') ? 'resources' : 'objects';
      say(`  ${c.name.padEnd(width)}  ${String(c.objects).padStart(5)} ${unit.padEnd(9)} ${String(c.files).padStart(5)} files`);
    }
    const summary = isEmptyDiff(diff) ? 'unchanged' : `${diff.added.length} added, ${diff.changed.length} changed, ${diff.removed.length} removed`;
    say(`${tree.size} files (${summary}) in ${elapsed(started)}`);
    return 0;
  } catch (err) {
    if (err instanceof SiteError || err instanceof SynthError) {
      io.err(err.message);
      if (!opts.check) io.err(`nothing was written; ${shown}/ is unchanged`);
      return 1;
    }
    throw err;
  }
}

function elapsed(started: number): string {
  return `${Math.round(performance.now() - started)} ms`;
}

import * as path from 'node:path';
import { Command, CommanderError } from 'commander';
import { SiteError } from '../site';
import { loadSite } from '../site/load';
import { formatFinding } from '../validate/policy';
import { compileSite } from './compile-site';
import { explainDiff, formatDiff } from './output-diff';
import { OutputRefusal, foreignRefusal, pathRefusal } from './output-errors';
import { inspectOutput, refusedOutputPath } from './output-folder';
import { reviewImpact } from './review-impact';
import { DEFAULT_SITE, EXIT, Io, PROJECT_ROOT, internalError, synthCommand, userHint } from './run-synth';
import { SynthError } from './synthesize';

const processIo: Io = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
  cwd: process.cwd(),
};

/**
 * `npm run diff`, as a function: compiles the site in memory (writing nothing) and explains, per component, what
 * synth would add, remove and change in the output folder. Exit code 0 when the folder is up to date, 1 when it
 * differs, 2 when the site does not compile or the arguments are wrong.
 */
export function runDiff(argv: readonly string[], io: Io = processIo): number {
  const program = new Command()
    .name('site-compiler diff')
    .description('Explain, per component, how the output folder differs from what the site produces (objects added, removed and changed). Writes nothing.')
    .option('--site <file>', 'site file (.ts, .yaml, .yml or .json)', DEFAULT_SITE)
    .option('--out <folder>', 'output folder to compare with', 'dist')
    .option('--debug', 'print the stack trace of an internal error')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s.trimEnd()), writeErr: (s) => io.err(s.trimEnd()) });
  let opts: { site: string; out: string; debug?: boolean };
  try {
    opts = program.parse([...argv], { from: 'user' }).opts();
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2;
    throw err;
  }
  const out = path.resolve(io.cwd, opts.out);
  const shown = path.relative(io.cwd, out) || '.';
  try {
    // The same folder rules as synth: a folder that is not an output tree is never walked.
    const reasons = refusedOutputPath(out, { projectRoot: PROJECT_ROOT, cwd: io.cwd, home: io.home, siteFile: opts.site === DEFAULT_SITE ? path.join(PROJECT_ROOT, DEFAULT_SITE) : opts.site });
    if (reasons.length > 0) throw pathRefusal(opts.out.replace(/\/+$/, ''), reasons);
    const owner = inspectOutput(out);
    if (owner.state === 'foreign') throw foreignRefusal(opts.out.replace(/\/+$/, ''), owner);
    const loaded = opts.site === DEFAULT_SITE ? loadSite(path.join(PROJECT_ROOT, DEFAULT_SITE), PROJECT_ROOT) : loadSite(opts.site, io.cwd);
    const { policy, tree } = compileSite(loaded, { enforceChecks: false });
    // Before the explanation: the review may set Argo CD sync options on objects whose immutable fields change.
    const impact = reviewImpact(tree, out, loaded.site);
    const diffs = explainDiff(tree, out);
    if (diffs.length === 0) io.out(`${shown}/ is what ${loaded.source} produces`);
    else {
      io.out(`${shown}/ differs from what ${loaded.source} produces in ${diffs.length} component${diffs.length === 1 ? '' : 's'} (+ added, - removed, ~ changed by ${synthCommand(opts)}):`);
      // What applying it destroys comes first: a replaced VM matters more than the fields that changed.
      for (const line of impact.lines) io.out(line);
      for (const line of formatDiff(diffs)) io.out(line);
      for (const r of impact.refusals) io.err(`synth would refuse: ${r}`);
    }
    // The diff is shown either way; the findings say why synth would still refuse to write it.
    if (policy.findings.length > 0) {
      io.err(`synth would refuse to write: ${policy.findings.length} policy finding${policy.findings.length === 1 ? '' : 's'}`);
      for (const f of policy.findings) io.err(`  ${formatFinding(f)}`);
    }
    return diffs.length === 0 ? 0 : 1;
  } catch (err) {
    if (err instanceof SiteError || err instanceof SynthError || err instanceof OutputRefusal) {
      io.err(userHint(err.message, opts.site));
      return EXIT.usage;
    }
    return internalError(err, opts.debug === true, io);
  }
}

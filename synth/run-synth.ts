import * as path from 'node:path';
import { loadSite } from '../site/load';
import { compileSite } from './compile-site';
import { reviewedSite } from './review-impact';
import { shellQuote } from './output-errors';
import { DEFAULT_SITE, Io, PROJECT_ROOT, SiteCompiler, SynthCompiled, SynthOptions, processIo, runSynthWith } from './synth-command';

export * from './synth-command';

/** Loads and compiles the site a synth names (every check included): what synth writes, before its review. */
export function compileForSynth(opts: Pick<SynthOptions, 'site'>, io: Pick<Io, 'cwd'>): SynthCompiled {
  const loaded = opts.site === DEFAULT_SITE ? loadSite(path.join(PROJECT_ROOT, DEFAULT_SITE), PROJECT_ROOT) : loadSite(opts.site, io.cwd);
  const compiled = compileSite(loaded);
  const notes = compiled.lock.exists
    ? []
    : [`warning: no chart lock beside ${loaded.source} (${path.basename(compiled.lock.file)}): chart versions are pinned by the site, digests are not; run npx site-compiler vendor --lock-only --site ${shellQuote(loaded.source)}`];
  return { tree: compiled.tree, components: compiled.result.components, notes, warnings: compiled.result.warnings, modelName: compiled.model.name, review: reviewedSite(loaded.site) };
}

/**
 * The compiler synth runs with: the site compiled in this process, unless the executable set one that keeps results
 * (bin/bundle.js, synth/result-cache.ts).
 */
let compiler: SiteCompiler = compileForSynth;

/** Used by the executable only: tests and --watch compile every time. */
export function setSiteCompiler(wrap: (compile: SiteCompiler) => SiteCompiler): void {
  compiler = wrap(compileForSynth);
}

/**
 * `npm run synth`, as a function: parses the arguments, compiles the site and writes or checks the
 * output folder. Returns the exit code; never exits the process, so tests run it in-process.
 */
export function runSynth(argv: readonly string[], io: Io = processIo): number {
  return runSynthWith(argv, io, compiler);
}

/**
 * The executable's first try at `synth` and `check` (bin/bundle.js): a bundle of its own, without cdk8s, cdktf or the
 * site schema, that writes or checks the output folder from the result cache when every input of the site's last
 * compile is unchanged (synth/result-cache.ts). It answers undefined for anything else, and the whole CLI runs.
 */
import { ResultCache, lookupResult } from '../synth/result-cache';
import { parseSynthArgs, processIo, runSynthWith } from '../synth/synth-command';

/** Everything the full CLI prints itself: help, watching, bad arguments. */
const FULL_CLI_ONLY = ['--watch', '--help', '-h'];

/** The exit code of the synth, or undefined when the full CLI must run it (not a synth, or not kept). */
export function runFromResultCache(argv: readonly string[], cache: ResultCache): number | undefined {
  const [name, ...rest] = argv;
  const args = name === 'synth' ? rest : name === 'check' ? ['--check', ...rest] : undefined;
  if (args === undefined || args.some((a) => FULL_CLI_ONLY.includes(a))) return undefined;
  const silent = { out: () => undefined, err: () => undefined };
  const opts = parseSynthArgs(args, silent);
  if (typeof opts === 'number') return undefined;
  const kept = lookupResult(cache, opts, processIo);
  if (kept === undefined) return undefined;
  return runSynthWith(args, processIo, () => kept);
}

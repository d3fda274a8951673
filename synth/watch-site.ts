import * as fs from 'node:fs';
import * as path from 'node:path';
import { chartLockFileFor } from '../constructs/chart-lock';
import { DEFAULT_SITE, EXIT, Io, PROJECT_ROOT, runSynth } from './run-synth';

const processIo: Io = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
  cwd: process.cwd(),
};

/** Edits come in bursts (an editor writes, renames, touches): one synth per burst. */
const SETTLE_MS = 25;

function valueOf(argv: readonly string[], flag: string): string | undefined {
  const i = argv.indexOf(flag);
  if (i >= 0) return argv[i + 1];
  return argv.find((a) => a.startsWith(`${flag}=`))?.slice(flag.length + 1);
}

/**
 * `synth --watch`: one synth, then another in the same process after every change of the site file or
 * its chart lock. The modules, schemas and validators are loaded once, so a re-synth costs only the
 * compile itself; each prints what it changes per component, then writes. Ends on Ctrl-C.
 */
export function watchSite(argv: readonly string[], io: Io = processIo, signal?: AbortSignal): Promise<number> {
  const once = argv.filter((a) => a !== '--watch');
  const first = runSynth(once, io);
  const given = valueOf(once, '--site');
  const site = given === undefined || given === DEFAULT_SITE ? path.join(PROJECT_ROOT, DEFAULT_SITE) : path.resolve(io.cwd, given);
  const watched = new Set([site, chartLockFileFor(site)]);
  io.err(`watching ${[...watched].map((f) => path.relative(io.cwd, f) || f).join(' and ')} (Ctrl-C to stop)`);
  return new Promise((resolve) => {
    let timer: NodeJS.Timeout | undefined;
    let last = first;
    const rerun = (): void => {
      const started = performance.now();
      // A TypeScript site is required again: drop tsx's cached module (the bundle's loader keeps none).
      delete require.cache[site];
      last = runSynth([...once, '--show-diff'], io);
      io.err(`re-synth after the edit: ${Math.round(performance.now() - started)} ms`);
    };
    // The folder, not the file: editors replace files by renaming, which ends a watch on the file itself.
    const watchers = [...new Set([...watched].map((f) => path.dirname(f)))].map((dir) =>
      fs.watch(dir, (_event, name) => {
        if (!name || !watched.has(path.join(dir, name.toString()))) return;
        clearTimeout(timer);
        timer = setTimeout(rerun, SETTLE_MS);
      }),
    );
    const stop = (): void => {
      clearTimeout(timer);
      for (const w of watchers) w.close();
      resolve(last === EXIT.ok ? EXIT.ok : last);
    };
    signal?.addEventListener('abort', stop);
    process.once('SIGINT', stop);
  });
}

/**
 * `site-compiler`: one executable for every command (package.json `bin`). Data goes to stdout and
 * messages to stderr, so `site-compiler site --print > site.yaml` captures exactly the site.
 */
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { runInit } from './run-init';
import { runDiff } from '../synth/run-diff';
import { runSite } from '../synth/run-site';
import { watchSite } from '../synth/watch-site';
import { EXIT, PROJECT_ROOT, runSynth, setSiteCompiler } from '../synth/run-synth';
import { ResultCache, keepingResults } from '../synth/result-cache';
import * as site from '../site';

/** For the executable's TypeScript-site loader: the site module a site's `import … from '../site'` gets. */
export const siteModule = site;
export { setTypeScriptLoader } from '../site/load';
/** For npm's prepare step (bin/bundle.js): the sites in sites/ get their chart facts parsed before their first synth. */
export { prepareChartFacts } from '../constructs/chart-facts-file';
export { prepareChartLock } from '../constructs/chart-lock';
/** For the executable: the editor schema is kept beside the bundle, named by the compiler's identity. */
export { keepEditorSchemaIn } from '../synth/synthesize';

/** For the executable: synth keeps its compiled site for the next run with the same inputs (cli/synth-cached.ts). */
export function keepResults(cache: ResultCache): void {
  setSiteCompiler((compile) => keepingResults(cache, compile));
}

interface Subcommand {
  readonly summary: string;
  readonly run: (argv: readonly string[]) => number | Promise<number>;
}

/** Commands that live in their own scripts run there, in a child process with the same terminal. */
function script(file: string): (argv: readonly string[]) => number {
  return (argv) => {
    const tsx = path.join(PROJECT_ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs');
    const r = spawnSync(process.execPath, [tsx, path.join(PROJECT_ROOT, file), ...argv], { stdio: 'inherit' });
    return r.status ?? EXIT.internal;
  };
}

const COMMANDS: Readonly<Record<string, Subcommand>> = {
  synth: { summary: 'compile a site into its output folder (dist/ by default); --watch to re-synth on every edit', run: (a) => (a.includes('--watch') ? watchSite(a) : runSynth(a)) },
  check: { summary: 'write nothing; exit 1 when the output folder is not what the site produces (synth --check)', run: (a) => runSynth(['--check', ...a]) },
  diff: { summary: 'explain per component how the output folder differs from what the site produces', run: (a) => runDiff(a) },
  site: { summary: 'print a site as YAML with every default (--print), or the JSON Schema of sites (--schema)', run: (a) => runSite(a) },
  init: { summary: 'write a commented starter site (YAML or TypeScript) that compiles as written', run: (a) => runInit(a) },
  vendor: { summary: "lock the site's charts and fill the chart cache", run: script('scripts/vendor-charts.ts') },
  bench: { summary: 'measure synth time and memory', run: script('cli/bench.ts') },
};

function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((c) => c.length));
  return [
    'Usage: site-compiler <command> [options]',
    '',
    'Commands:',
    ...Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`),
    '',
    'Run site-compiler <command> --help for the options of each.',
  ].join('\n');
}

export async function main(argv: readonly string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stderr.write(`${usage()}\n`);
    return name === undefined ? EXIT.usage : EXIT.ok;
  }
  const command = COMMANDS[name];
  if (!command) {
    process.stderr.write(`site-compiler: unknown command "${name}"\n\n${usage()}\n`);
    return EXIT.usage;
  }
  return command.run(rest);
}

if (require.main === module) {
  void main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}

import * as path from 'node:path';
import { Command } from 'commander';
import { buildModel } from '../model';
import { SiteError } from '../site';
import { loadSite } from '../site/load';
import { SynthError, synthesize } from '../synth/synthesize';
import { diffTree, isEmptyDiff, writeTree } from '../synth/write-tree';

const DEFAULT_SITE = 'sites/hookprobe.ts';

const program = new Command()
  .name('npm run synth --')
  .description('Compile a site into dist/: Terraform JSON for Proxmox and Kubernetes YAML for Argo CD.')
  .option('--site <file>', 'site file (.ts, .yaml, .yml or .json)', DEFAULT_SITE)
  .option('--out <folder>', 'output folder, replaced as a whole', 'dist')
  .option('--check', 'write nothing; exit 1 and list the files that differ when the output folder is not what the site produces')
  .option('--quiet', 'print only problems')
  .showHelpAfterError();

function main(): number {
  const started = performance.now();
  const opts = program.parse(process.argv).opts<{ site: string; out: string; check?: boolean; quiet?: boolean }>();
  const root = path.resolve(__dirname, '..');
  const out = path.resolve(process.cwd(), opts.out);
  const say = (line: string): void => {
    if (!opts.quiet) process.stdout.write(`${line}\n`);
  };
  try {
    // The default site is resolved from the project, so `npm run synth` works from any folder.
    const loaded = opts.site === DEFAULT_SITE ? loadSite(path.join(root, DEFAULT_SITE), root) : loadSite(opts.site);
    const model = buildModel(loaded.site, loaded.source);
    const result = synthesize(model);
    for (const w of result.warnings) process.stderr.write(`warning: ${w}\n`);

    const diff = diffTree(result.files, out);
    const rel = path.relative(process.cwd(), out) || '.';
    if (opts.check) {
      if (isEmptyDiff(diff)) {
        say(`${rel}/ is up to date with ${loaded.source} (${result.files.size} files, ${ms(started)})`);
        return 0;
      }
      process.stderr.write(`${rel}/ is not what ${loaded.source} produces; run npm run synth and commit the result:\n`);
      for (const f of diff.changed) process.stderr.write(`  changed  ${rel}/${f}\n`);
      for (const f of diff.added) process.stderr.write(`  missing  ${rel}/${f}\n`);
      for (const f of diff.removed) process.stderr.write(`  stale    ${rel}/${f}\n`);
      return 1;
    }
    if (!isEmptyDiff(diff)) writeTree(result.files, out);

    say(`${loaded.source} -> ${rel}/`);
    const width = Math.max(...result.components.map((c) => c.name.length));
    for (const c of result.components) {
      const unit = c.name.startsWith('terraform/') ? 'resources' : 'objects';
      say(`  ${c.name.padEnd(width)}  ${String(c.objects).padStart(4)} ${unit.padEnd(9)} ${String(c.files).padStart(4)} files`);
    }
    const summary = isEmptyDiff(diff) ? 'unchanged' : `${diff.added.length} added, ${diff.changed.length} changed, ${diff.removed.length} removed`;
    say(`${result.files.size} files (${summary}) in ${ms(started)}`);
    return 0;
  } catch (err) {
    if (err instanceof SiteError || err instanceof SynthError) {
      process.stderr.write(`${err.message}\n${opts.check ? '' : `nothing was written; ${path.relative(process.cwd(), out) || '.'}/ is unchanged\n`}`);
      return 1;
    }
    throw err;
  }
}

function ms(started: number): string {
  return `${Math.round(performance.now() - started)} ms`;
}

process.exitCode = main();

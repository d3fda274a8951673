import * as path from 'node:path';
import { Command, CommanderError } from 'commander';
import { stringify } from 'yaml';
import { z } from 'zod';
import { SiteError, siteSchema } from '../site';
import { loadSite } from '../site/load';
import { DEFAULT_SITE, EXIT, Io, PROJECT_ROOT, internalError } from './run-synth';

const processIo: Io = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
  cwd: process.cwd(),
};

/** The JSON Schema of site files, as `site --schema` prints it and dist/site.schema.json holds it. */
export function siteJsonSchema(): unknown {
  return z.toJSONSchema(siteSchema, { io: 'input', unrepresentable: 'any' });
}

/**
 * `site-compiler site`, as a function: prints a site as YAML with every default filled in (the shape
 * `synth --site x.yaml` reads back), or the JSON Schema of site files. Data goes to stdout only, so
 * `> file` captures exactly the YAML or JSON; messages go to stderr. Exit 0, 1 invalid site, 2 usage, 3 internal.
 */
export function runSite(argv: readonly string[], io: Io = processIo): number {
  const program = new Command()
    .name('site-compiler site')
    .description('Show a site: as YAML with every default filled in (the same shape `synth --site x.yaml` reads), or the JSON Schema of sites.')
    .option('--site <file>', 'site file (.ts, .yaml, .yml or .json)', DEFAULT_SITE)
    .option('--print', 'print the site as YAML')
    .option('--schema', 'print the JSON Schema of site files (for editors)')
    .option('--debug', 'print the stack trace of an internal error')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.err(s.trimEnd()), writeErr: (s) => io.err(s.trimEnd()) });
  let opts: { site: string; print?: boolean; schema?: boolean; debug?: boolean };
  try {
    opts = program.parse([...argv], { from: 'user' }).opts();
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
    throw err;
  }
  try {
    if (opts.schema) {
      io.out(JSON.stringify(siteJsonSchema(), null, 2));
      return EXIT.ok;
    }
    if (!opts.print) {
      io.err(program.helpInformation().trimEnd());
      return EXIT.usage;
    }
    const loaded = opts.site === DEFAULT_SITE ? loadSite(path.join(PROJECT_ROOT, DEFAULT_SITE), PROJECT_ROOT) : loadSite(opts.site, io.cwd);
    io.out(`# Site "${loaded.site.name}", printed from ${loaded.source} with every default filled in.`);
    io.out(stringify(loaded.site, { lineWidth: 0, aliasDuplicateObjects: false }).trimEnd());
    return EXIT.ok;
  } catch (err) {
    if (err instanceof SiteError) {
      io.err(err.message);
      return EXIT.refused;
    }
    return internalError(err, opts.debug === true, io);
  }
}

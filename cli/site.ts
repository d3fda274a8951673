import * as path from 'node:path';
import { Command } from 'commander';
import { stringify } from 'yaml';
import { z } from 'zod';
import { SiteError, siteSchema } from '../site';
import { loadSite } from '../site/load';
import { DEFAULT_SITE, PROJECT_ROOT } from '../synth/run-synth';

const program = new Command()
  .name('npm run site --')
  .description('Show a site: as YAML with every default filled in (the same shape `npm run synth -- --site x.yaml` reads), or the JSON Schema of sites.')
  .option('--site <file>', 'site file (.ts, .yaml, .yml or .json)', DEFAULT_SITE)
  .option('--print', 'print the site as YAML')
  .option('--schema', 'print the JSON Schema of site files (for editors)')
  .showHelpAfterError();

const opts = program.parse(process.argv).opts<{ site: string; print?: boolean; schema?: boolean }>();
try {
  if (opts.schema) {
    process.stdout.write(`${JSON.stringify(z.toJSONSchema(siteSchema, { io: 'input', unrepresentable: 'any' }), null, 2)}\n`);
  } else if (opts.print) {
    const loaded = opts.site === DEFAULT_SITE ? loadSite(path.join(PROJECT_ROOT, DEFAULT_SITE), PROJECT_ROOT) : loadSite(opts.site);
    process.stdout.write(`# Site "${loaded.site.name}", printed from ${loaded.source} with every default filled in.\n`);
    process.stdout.write(stringify(loaded.site, { lineWidth: 0, aliasDuplicateObjects: false }));
  } else {
    program.help();
  }
} catch (err) {
  if (!(err instanceof SiteError)) throw err;
  process.stderr.write(`${err.message}\n`);
  process.exitCode = 1;
}

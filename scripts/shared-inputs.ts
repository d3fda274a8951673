import * as fs from 'node:fs';
import * as path from 'node:path';

/** The project's upstream inputs (schemas, charts): beside the checkout on the team's machines, absent in a user's clone. */
export const SHARED_DIR = path.resolve(__dirname, '..', '..', 'shared');

/**
 * Generators read upstream schemas from ../shared; a user's clone has none. Instead of an ENOENT stack trace they
 * say so, and that the committed imports/ is what synth uses, then exit 1.
 */
export function requireSharedInputs(command: string, relative: string): void {
  const dir = path.join(SHARED_DIR, relative);
  if (fs.existsSync(dir)) return;
  process.stderr.write(
    `${command}: needs the upstream inputs in ${path.relative(process.cwd(), dir) || dir}, which this checkout does not have (a clone of the project has no ../shared).\n` +
      '  nothing was changed; the generated files committed in imports/ are what synth and the tests use.\n' +
      `  fix: to regenerate them, put the upstream ${relative} beside the checkout (../shared/${relative}) and run ${command} again\n`,
  );
  process.exit(1);
}

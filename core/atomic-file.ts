import * as fs from 'node:fs';

/**
 * Writes a file whole or not at all: the data goes into a temporary file beside it (named by the process, so two
 * writers never share one), which is then renamed over it. A reader sees the old file or the new one, never half of
 * one; a failed write removes its temporary file and throws.
 */
export function writeFileAtomically(file: string, data: string | Uint8Array, options: { readonly mode?: number } = {}): void {
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    fs.writeFileSync(tmp, data, options.mode === undefined ? undefined : { mode: options.mode });
    fs.renameSync(tmp, file);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw err;
  }
}

import { Conflicts, Ownership } from './output-folder';
import { LockTimeoutError, describeHolder } from './output-lock';
import { TreeWriteError } from './write-tree';

/**
 * A refusal that concerns the output folder rather than the site: printed as is, exit code 1.
 * Every message names the folder, says why, and gives a fix that works when followed.
 */
export class OutputRefusal extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OutputRefusal';
  }
}

/** Quotes an argument for a POSIX shell only when it needs it, so hints paste as they read. */
export function shellQuote(arg: string): string {
  return /^[A-Za-z0-9_./:=@%+-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, "'\\''")}'`;
}

export function pathRefusal(shown: string, reasons: readonly string[]): OutputRefusal {
  return new OutputRefusal(
    [
      `refused: ${shown}/ cannot be the output folder: it ${reasons.join('; it ')}`,
      '  synth replaces its output folder as a whole, so it only writes into a folder of its own',
      '  fix: pass --out with a new or empty folder, or one synth wrote before (e.g. --out dist)',
      `nothing was read or written`,
    ].join('\n'),
  );
}

export function foreignRefusal(shown: string, o: Extract<Ownership, { state: 'foreign' }>): OutputRefusal {
  const examples = o.examples.length > 0 ? `: ${o.examples.join(', ')}${o.examples.length === 5 ? ', …' : ''}` : '';
  return new OutputRefusal(
    [
      `refused: ${shown}/ is not a tree site-compiler wrote, and replacing it would delete what is there: ${o.reason}${examples}`,
      `  fix: pass --out with a new or empty folder; or, if ${shown}/ is yours to discard, delete it yourself first`,
      'nothing was read or written',
    ].join('\n'),
  );
}

export function conflictLines(shown: string, c: Conflicts): string[] {
  return [
    ...c.edited.map((f) => `  edited by hand  ${shown}/${f} (changed since the last synth)`),
    ...c.added.map((f) => `  added by hand   ${shown}/${f} (not written by site-compiler)`),
  ];
}

export function conflictRefusal(shown: string, c: Conflicts, forceCommand: string): OutputRefusal {
  const n = c.edited.length + c.added.length;
  return new OutputRefusal(
    [
      `refused: ${n} file${n === 1 ? '' : 's'} in ${shown}/ ${n === 1 ? 'was' : 'were'} added or edited by hand since the last synth; replacing the tree would lose ${n === 1 ? 'it' : 'them'}:`,
      ...conflictLines(shown, c),
      `  fix: these files are generated: make the change in the site instead, and move files of your own out of ${shown}/;`,
      `       to discard them and replace the tree anyway, run: ${forceCommand}`,
      `nothing was written; ${shown}/ is unchanged`,
    ].join('\n'),
  );
}

export function lockRefusal(err: LockTimeoutError): OutputRefusal {
  return new OutputRefusal(
    [
      `refused: another synth is writing this output folder: ${describeHolder(err.holder)} holds ${err.lockFile}; waited ${Math.round(err.waitedMs / 1000)} s`,
      `  fix: run again when it has finished (or wait longer with --wait <seconds>); if no such process runs, delete ${err.lockFile}`,
      'nothing was written',
    ].join('\n'),
  );
}

/** What each failure means for the user and what to do about it. */
const WRITE_FIXES: Readonly<Record<string, string>> = {
  ENOSPC: 'the device is full: free space on it (synth needs room for a second copy of the tree while it swaps)',
  EDQUOT: 'your disk quota is used up: free space, or raise the quota',
  EACCES: 'permission denied: make the output folder and the folder that holds it writable for this user',
  EPERM: 'the operation is not permitted: check the permissions and attributes (chattr, ACLs) of the output folder and the folder that holds it',
  EROFS: 'the file system is read-only: write the tree somewhere writable with --out',
  EBUSY: 'the folder is in use or is a mount point: close what holds it open, or, if it is a mount point, mount the folder above it instead and keep --out inside',
  EXDEV: 'the output folder is on another device than the folder that holds it (a mount point): mount the folder above it instead, or point --out inside the mount',
  EMFILE: 'too many open files: raise the limit (ulimit -n) and run again',
  ENAMETOOLONG: 'a path is too long for this file system: use a shorter --out',
  ENOTDIR: 'a path component is a file, not a folder: check --out',
};

export function writeFailure(shown: string, err: TreeWriteError): OutputRefusal {
  const state = err.oldTreeIntact
    ? `${shown}/ is unchanged (the previous tree is intact) and the staging folder was removed`
    : `the previous tree could not be put back: it is at ${err.oldTreeAt}; move it back to ${shown}/ by hand`;
  return new OutputRefusal(
    [
      `could not write ${shown}/: ${err.code} while ${err.step} ${err.file}`,
      `  ${state}`,
      `  fix: ${WRITE_FIXES[err.code] ?? 'see the error code above, then run synth again'}`,
    ].join('\n'),
  );
}

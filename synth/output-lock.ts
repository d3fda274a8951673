import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** Who holds an output folder's lock, as written into the lock file. */
export interface LockHolder {
  readonly pid: number;
  readonly host: string;
  readonly since: string;
  readonly command: string;
}

/** The lock is beside the output folder, not in it: the folder itself is swapped out while the lock is held. */
export function lockFileFor(dir: string): string {
  const abs = path.resolve(dir);
  return path.join(path.dirname(abs), `.${path.basename(abs)}.site-compiler.lock`);
}

export class LockTimeoutError extends Error {
  constructor(
    public readonly lockFile: string,
    public readonly holder: LockHolder | undefined,
    public readonly waitedMs: number,
  ) {
    super(`timed out after ${waitedMs} ms waiting for ${lockFile}`);
    this.name = 'LockTimeoutError';
  }
}

export interface LockOptions {
  /**
   * How long to wait for another synth to finish with the folder.
   * @default 120000 - two minutes, longer than a 100,000-edge synth
   */
  readonly waitMs?: number;
  /** Told once, when the lock is held by someone else and this process starts waiting. */
  readonly onWait?: (holder: LockHolder | undefined, lockFile: string) => void;
  /** Told when a lock left by a dead process is taken over. */
  readonly onTakeOver?: (holder: LockHolder | undefined, lockFile: string) => void;
}

const POLL_MS = 50;
/** A lock file with no readable holder (being written, or truncated) is stale after this long. */
const UNREADABLE_STALE_MS = 10_000;

function sleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function readHolder(file: string): { text: string; holder?: LockHolder } | undefined {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  try {
    const h = JSON.parse(text) as LockHolder;
    return Number.isInteger(h.pid) && typeof h.host === 'string' ? { text, holder: h } : { text };
  } catch {
    return { text };
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but is someone else's.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** A lock is stale when its holder is a process of this host that no longer runs (killed, crashed). */
function isStale(file: string, holder: LockHolder | undefined): boolean {
  if (!holder) {
    try {
      return Date.now() - fs.statSync(file).mtimeMs > UNREADABLE_STALE_MS;
    } catch {
      return false;
    }
  }
  return holder.host === os.hostname() && holder.pid !== process.pid && !processAlive(holder.pid);
}

/**
 * Moves a stale lock aside and deletes it. The rename is atomic, so of two processes taking over the
 * same stale lock only one moves it; if what was moved is no longer the stale lock (someone took over
 * first), it is put back.
 */
function takeOver(file: string, staleText: string): void {
  const aside = `${file}.stale-${process.pid}-${crypto.randomBytes(4).toString('hex')}`;
  try {
    fs.renameSync(file, aside);
  } catch {
    return;
  }
  if (fs.readFileSync(aside, 'utf8') !== staleText) {
    try {
      fs.linkSync(aside, file);
    } catch {
      // The path was taken again meanwhile; that holder keeps it.
    }
  }
  fs.rmSync(aside, { force: true });
}

/**
 * Takes the output folder's lock, waiting a bounded time for another synth to release it and taking
 * over a lock whose process is gone. Returns the function that releases it.
 */
export function acquireOutputLock(dir: string, command: string, options: LockOptions = {}): () => void {
  const file = lockFileFor(dir);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const mine = `${JSON.stringify({ pid: process.pid, host: os.hostname(), since: new Date().toISOString(), command } satisfies LockHolder)}\n`;
  const waitMs = options.waitMs ?? 120_000;
  const started = Date.now();
  let told = false;
  for (;;) {
    try {
      fs.writeFileSync(file, mine, { flag: 'wx' });
      return () => release(file, mine);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const current = readHolder(file);
    if (!current) continue;
    if (isStale(file, current.holder)) {
      options.onTakeOver?.(current.holder, file);
      takeOver(file, current.text);
      continue;
    }
    const waited = Date.now() - started;
    if (waited >= waitMs) throw new LockTimeoutError(file, current.holder, waited);
    if (!told) options.onWait?.(current.holder, file);
    told = true;
    sleep(Math.min(POLL_MS, waitMs - waited));
  }
}

/** Removes the lock only while it is still this process's (a takeover may have replaced it). */
function release(file: string, mine: string): void {
  try {
    if (fs.readFileSync(file, 'utf8') === mine) fs.rmSync(file, { force: true });
  } catch {
    // Already gone.
  }
}

export function describeHolder(holder: LockHolder | undefined): string {
  return holder ? `pid ${holder.pid} on ${holder.host} (${holder.command}, since ${holder.since})` : 'an unknown process (the lock file has no readable holder)';
}

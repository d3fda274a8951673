// The modules themselves, not namespace copies: recording replaces their functions for everyone who calls them.
import childProcess from 'node:child_process';
import * as crypto from 'node:crypto';
import fs from 'node:fs';
import Module from 'node:module';
import * as path from 'node:path';
import { LazyFileTree } from './lazy-file-tree';
import type { Io, SiteCompiler, SynthCompiled, SynthOptions } from './synth-command';

/**
 * Compiled sites kept by their inputs, so that a synth whose inputs are byte for byte those of an earlier successful
 * compile takes that compile's result instead of building the site again (about a second of cdk8s, cdktf and checks).
 *
 * The inputs are not listed by hand: while the site compiles, every file system call, module load and environment
 * variable read is recorded (the site, its lock and facts, the validators, the chart cache, each file's absence as
 * much as its bytes), and a later synth takes the result only when each of them answers as it did then. The compiler
 * itself is part of the key (`identity`: the bundle's hash and its inputs list, as bin/bundle.js records them). A
 * compile that starts a process or reads a file asynchronously is not kept: what it read cannot be known.
 */

/** What a recorded call learned about a path. */
type Probe = 'exists' | 'stat' | 'read' | 'list';

/** A path, how it was probed and what the probe answered (missing, a type, a sha256). */
type Input = readonly [file: string, probe: Probe, answer: string];

interface Entry {
  readonly version: typeof FORMAT;
  readonly inputs: readonly Input[];
  /** Environment variables read, with their values (null: unset). */
  readonly env: readonly (readonly [string, string | null])[];
  /** The hash of the whole environment, when the compile listed it. */
  readonly envAll?: string;
  /** The tree's files in order, each with the length in bytes of its text (the texts come before the entry's JSON). */
  readonly result: Omit<SynthCompiled, 'tree'> & { readonly files: readonly (readonly [string, number])[] };
}

/**
 * 2: the file texts first, then the entry as JSON, then the JSON's byte offset (TRAILER_BYTES: 16 digits and a line
 * break). A reader finds the entry from the end and reads a file's text only when the tree is read.
 */
const FORMAT = 2;
const TRAILER_BYTES = 17;

function sha256(data: string | Buffer): string {
  return crypto.createHash('sha256').update(data).digest('hex');
}

/**
 * What `probe` answers for `file` now: the same function records and verifies, so both see the same. `hashes` keeps
 * each file's hash for the other probes of the same file.
 */
export function probeAnswer(file: string, probe: Probe, hashes = new Map<string, string>()): string {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch {
    return 'missing';
  }
  const type = stat.isFile() ? 'file' : stat.isDirectory() ? 'dir' : 'other';
  if (probe === 'exists' || type === 'other') return type;
  try {
    if (type === 'dir') {
      if (probe !== 'list') return type;
      const names = fs.readdirSync(file, { withFileTypes: true }).map((d) => `${d.name}\0${d.isDirectory() ? 'd' : d.isFile() ? 'f' : 'o'}`);
      return `dir ${sha256(names.sort().join('\n'))}`;
    }
    const hash = hashes.get(file) ?? sha256(fs.readFileSync(file));
    hashes.set(file, hash);
    return `file ${hash}`;
  } catch {
    return 'unreadable';
  }
}

function envHash(env: NodeJS.ProcessEnv): string {
  return sha256(
    Object.keys(env)
      .sort()
      .map((k) => `${k}=${env[k]}`)
      .join('\0'),
  );
}

interface Recording {
  readonly probes: Map<string, Set<Probe>>;
  readonly created: Set<string>;
  readonly env: Map<string, string | null>;
  envAll: boolean;
  unknowable?: string;
}

function pathOf(p: unknown): string | undefined {
  if (typeof p === 'string') return path.resolve(p);
  if (Buffer.isBuffer(p)) return path.resolve(p.toString());
  if (p instanceof URL && p.protocol === 'file:') return path.resolve(decodeURIComponent(p.pathname));
  return undefined;
}

type Patch = readonly [object, string, (original: (...a: unknown[]) => unknown) => (...a: unknown[]) => unknown];

/** The calls recorded, each as a wrapper around the original that notes what it touched. */
function patches(rec: Recording): Patch[] {
  const probe = (kind: Probe) => (original: (...a: unknown[]) => unknown) =>
    function recorded(this: unknown, ...args: unknown[]): unknown {
      const file = pathOf(args[0]);
      if (file !== undefined) (rec.probes.get(file) ?? rec.probes.set(file, new Set()).get(file))?.add(kind);
      return original.apply(this, args);
    };
  /** A call that makes the path in its argument `at`: what the compile reads there later is its own, not an input. */
  const createsAt = (at: number) => (original: (...a: unknown[]) => unknown) =>
    function recorded(this: unknown, ...args: unknown[]): unknown {
      const made = original.apply(this, args);
      const file = pathOf(args[at]);
      if (file !== undefined) rec.created.add(file);
      if (typeof made === 'string') rec.created.add(path.resolve(made));
      return made;
    };
  const creates = createsAt(0);
  const unknowable = (what: string) => (original: (...a: unknown[]) => unknown) =>
    function recorded(this: unknown, ...args: unknown[]): unknown {
      rec.unknowable ??= what;
      return original.apply(this, args);
    };
  const opens = (original: (...a: unknown[]) => unknown) =>
    function recorded(this: unknown, ...args: unknown[]): unknown {
      const flags = args[1];
      return (typeof flags === 'string' && /[wa+x]/.test(flags) ? creates : probe('read'))(original).apply(this, args);
    };
  const list: Patch[] = [
    [fs, 'readFileSync', probe('read')],
    [fs, 'openSync', opens],
    [fs, 'existsSync', probe('exists')],
    [fs, 'accessSync', probe('exists')],
    [fs, 'statSync', probe('stat')],
    [fs, 'lstatSync', probe('stat')],
    [fs, 'realpathSync', probe('exists')],
    [fs, 'readlinkSync', probe('stat')],
    [fs, 'readdirSync', probe('list')],
    [fs, 'opendirSync', probe('list')],
    [fs, 'writeFileSync', creates],
    [fs, 'appendFileSync', creates],
    [fs, 'mkdirSync', creates],
    [fs, 'mkdtempSync', creates],
    [fs, 'copyFileSync', createsAt(1)],
    [fs, 'renameSync', createsAt(1)],
    [fs, 'symlinkSync', createsAt(1)],
    [Module.prototype, '_compile', (original) =>
      function recorded(this: unknown, ...args: unknown[]): unknown {
        const file = pathOf(args[1]);
        if (file !== undefined) (rec.probes.get(file) ?? rec.probes.set(file, new Set()).get(file))?.add('read');
        return original.apply(this, args);
      }],
  ];
  for (const name of ['readFile', 'readdir', 'stat', 'lstat', 'access', 'exists', 'open', 'createReadStream', 'watch', 'watchFile']) list.push([fs, name, unknowable(`fs.${name}`)]);
  for (const name of ['readFile', 'readdir', 'stat', 'lstat', 'access', 'open', 'opendir']) list.push([fs.promises, name, unknowable(`fs.promises.${name}`)]);
  for (const name of ['spawn', 'spawnSync', 'exec', 'execSync', 'execFile', 'execFileSync', 'fork']) list.push([childProcess, name, unknowable(`child_process.${name}`)]);
  return list;
}

/** Runs `fn` with the environment behind a proxy that notes each variable read. */
function withEnvRecorded<T>(rec: Recording, fn: () => T): T {
  const env = process.env;
  process.env = new Proxy(env, {
    get(target, key) {
      if (typeof key === 'string' && !rec.env.has(key)) rec.env.set(key, target[key] ?? null);
      return Reflect.get(target, key);
    },
    has(target, key) {
      if (typeof key === 'string' && !rec.env.has(key)) rec.env.set(key, target[key] ?? null);
      return Reflect.has(target, key);
    },
    ownKeys(target) {
      rec.envAll = true;
      return Reflect.ownKeys(target);
    },
  });
  try {
    return fn();
  } finally {
    process.env = env;
  }
}

/** The result of `fn` and every input it read, or why its inputs cannot be known. */
export function recordInputs<T>(fn: () => T, ignored: (file: string) => boolean): { value: T; inputs?: Pick<Entry, 'inputs' | 'env' | 'envAll'>; unknowable?: string } {
  const rec: Recording = { probes: new Map(), created: new Set(), env: new Map(), envAll: false };
  const undo: (() => void)[] = [];
  for (const [target, name, wrap] of patches(rec)) {
    const holder = target as Record<string, unknown>;
    const original = holder[name];
    if (typeof original !== 'function') continue;
    holder[name] = wrap(original as (...a: unknown[]) => unknown);
    undo.push(() => {
      holder[name] = original;
    });
  }
  // ES modules see a built-in's functions through a copy that only this call brings up to date.
  Module.syncBuiltinESMExports();
  let value: T;
  try {
    value = withEnvRecorded(rec, fn);
  } finally {
    for (const u of undo.reverse()) u();
    Module.syncBuiltinESMExports();
  }
  if (rec.unknowable) return { value, unknowable: rec.unknowable };
  const made = [...rec.created];
  const own = (file: string): boolean => made.some((m) => file === m || file.startsWith(m + path.sep));
  const inputs: Input[] = [];
  const hashes = new Map<string, string>();
  for (const [file, kinds] of [...rec.probes].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    if (ignored(file) || own(file)) continue;
    for (const kind of [...kinds].sort()) inputs.push([file, kind, probeAnswer(file, kind, hashes)]);
  }
  const env = [...rec.env].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return { value, inputs: { inputs, env, ...(rec.envAll ? { envAll: envHash(process.env) } : {}) } };
}

/** Whether every input of `entry` answers now as it did when it was recorded. */
export function inputsUnchanged(entry: Pick<Entry, 'inputs' | 'env' | 'envAll'>, env: NodeJS.ProcessEnv = process.env): boolean {
  if (entry.envAll !== undefined && entry.envAll !== envHash(env)) return false;
  for (const [key, value] of entry.env) if ((env[key] ?? null) !== value) return false;
  const hashes = new Map<string, string>();
  return entry.inputs.every(([file, probe, answer]) => probeAnswer(file, probe, hashes) === answer);
}

export interface ResultCache {
  /** The folder the entries live in (one JSON file per compiler, site and working directory). */
  readonly dir: string;
  /** The compiler's own identity: a changed compiler never takes an entry another one wrote. */
  readonly identity: string;
  /** Paths whose reads are not inputs: caches named by the content of what they cache. */
  readonly ignored: (file: string) => boolean;
}

function entryFile(cache: ResultCache, opts: Pick<SynthOptions, 'site'>, io: Pick<Io, 'cwd'>): string {
  return path.join(cache.dir, `${sha256(JSON.stringify([FORMAT, cache.identity, process.version, opts.site, io.cwd])).slice(0, 32)}.json`);
}

/** The kept result for this synth when every one of its inputs is unchanged; undefined otherwise. */
export function lookupResult(cache: ResultCache, opts: Pick<SynthOptions, 'site'>, io: Pick<Io, 'cwd'>): SynthCompiled | undefined {
  let fd: number;
  try {
    fd = fs.openSync(entryFile(cache, opts, io), 'r');
  } catch {
    return undefined;
  }
  const kept = readEntry(fd);
  if (kept === undefined) fs.closeSync(fd);
  return kept;
}

/**
 * Closes a kept result's file once nothing can read from it: registered on the reader every lazy file keeps (copies
 * of the tree share it), not on the tree, which a copy outlives.
 */
const openEntries = new FinalizationRegistry<number>((fd) => fs.closeSync(fd));

/**
 * The result in an entry file whose inputs are unchanged, its tree reading each file's text from `fd` when asked:
 * parsed whole, the entry of a 100,000-edge fleet was a 170 MB string and 120 MB of texts in memory at once.
 */
function readEntry(fd: number): SynthCompiled | undefined {
  let entry: Entry;
  let at: number;
  try {
    const size = fs.fstatSync(fd).size;
    at = Number(readBytes(fd, size - TRAILER_BYTES, TRAILER_BYTES).toString('latin1'));
    entry = JSON.parse(readBytes(fd, at, size - TRAILER_BYTES - at).toString('utf8')) as Entry;
  } catch {
    return undefined;
  }
  if (entry.version !== FORMAT || !inputsUnchanged(entry)) return undefined;
  const { files, ...rest } = entry.result;
  const starts = new Float64Array(files.length + 1);
  files.forEach(([, bytes], i) => {
    starts[i + 1] = starts[i] + bytes;
  });
  if (starts[files.length] !== at) return undefined;
  const text = (i: number): string => readBytes(fd, starts[i], starts[i + 1] - starts[i]).toString('utf8');
  const tree = new LazyFileTree();
  files.forEach(([file], i) => tree.setLazy(file, text, i));
  openEntries.register(text, fd);
  return { ...rest, tree };
}

function readBytes(fd: number, position: number, length: number): Buffer {
  if (!Number.isSafeInteger(position) || position < 0 || length < 0) throw new Error('not a kept result');
  const buf = Buffer.allocUnsafe(length);
  if (fs.readSync(fd, buf, 0, length, position) !== length) throw new Error('a kept result cut short');
  return buf;
}

/** How many compiled sites the folder keeps (one per compiler, site and working directory): the newest. */
export const KEPT_RESULTS = 32;

function prune(dir: string): void {
  const entries = fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .map((f) => ({ file: path.join(dir, f), mtimeMs: fs.statSync(path.join(dir, f)).mtimeMs }))
    .sort((a, b) => b.mtimeMs - a.mtimeMs);
  for (const old of entries.slice(KEPT_RESULTS)) fs.rmSync(old.file, { force: true });
}

/**
 * Writes an entry: each file's text as it is read from the tree (a fleet's files are rendered one at a time), through
 * one buffer of a megabyte, then the entry's JSON with the files' byte lengths. The tree of a large fleet is 120 MB
 * of text, which as one JSON string cost more memory than the whole compile.
 */
function writeEntry(file: string, inputs: Pick<Entry, 'inputs' | 'env' | 'envAll'>, value: SynthCompiled): void {
  const { tree, ...rest } = value;
  const files: [string, number][] = [];
  const fd = fs.openSync(file, 'w');
  try {
    const buf = Buffer.allocUnsafe(1 << 20);
    let used = 0;
    let offset = 0;
    const flush = (): void => {
      fs.writeSync(fd, buf, 0, used);
      used = 0;
    };
    for (const [rel, content] of tree) {
      const bytes = Buffer.byteLength(content);
      if (used + bytes > buf.length) flush();
      if (bytes > buf.length) fs.writeSync(fd, content);
      else used += buf.write(content, used);
      files.push([rel, bytes]);
      offset += bytes;
    }
    flush();
    const entry: Entry = { version: FORMAT, ...inputs, result: { ...rest, files } };
    fs.writeSync(fd, `${JSON.stringify(entry)}${String(offset).padStart(TRAILER_BYTES - 1, '0')}\n`);
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * `compile`, recording its inputs on the first call and keeping its result for the next synth. Only the first call:
 * a later compile in the same process may answer from memory what the first read from disk.
 */
export function keepingResults(cache: ResultCache, compile: SiteCompiler): SiteCompiler {
  let first = true;
  return (opts, io) => {
    if (!first) return compile(opts, io);
    first = false;
    const { value, inputs } = recordInputs(() => compile(opts, io), cache.ignored);
    if (inputs) {
      const file = entryFile(cache, opts, io);
      try {
        fs.mkdirSync(cache.dir, { recursive: true });
        writeEntry(`${file}.${process.pid}.tmp`, inputs, value);
        fs.renameSync(`${file}.${process.pid}.tmp`, file);
        prune(cache.dir);
      } catch {
        // A read-only checkout compiles every time.
      }
    }
    return value;
  };
}

import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { version as YAML_LIBRARY_VERSION } from 'yaml/package.json';
import { writeFileAtomically } from '../core/atomic-file';

/** Where parsed YAML files are kept (the name is older than the lock's use of it). */
const DIR = path.resolve(__dirname, '..', '.cache', 'parsed-facts');

/**
 * YAML files a synth reads on every start (a site's chart facts, 80 KB; its chart lock), kept parsed: the data of a
 * valid file as JSON in .cache/parsed-facts/, named by the sha256 of its text, of `tag` (what kind of file, and the
 * version of its format) and of the YAML library's version, so it cannot go stale; and in memory for the process.
 * Parsing the facts was a tenth of a synth's start, and the lock's 5 KB cost 5 ms of a compile warming the parser up.
 */
export class ParsedYamlCache<T> {
  private readonly known = new Map<string, T>();

  /** @param tag the kind of file and its format's version: part of every name, so two kinds never share an entry */
  public constructor(private readonly tag: string) {}

  /** The file in .cache/parsed-facts/ that keeps the data of a file with this text. */
  public file(text: string): string {
    return path.join(DIR, `${this.key(text)}.json`);
  }

  /** The kept data of a file with this text (a copy the caller may change), or undefined when none is kept. */
  public read(text: string): T | undefined {
    const key = this.key(text);
    const known = this.known.get(key);
    if (known !== undefined) return structuredClone(known);
    let data: T;
    try {
      data = JSON.parse(fs.readFileSync(path.join(DIR, `${key}.json`), 'utf8')) as T;
    } catch {
      return undefined;
    }
    this.known.set(key, data);
    return structuredClone(data);
  }

  /** Keeps the data a valid file with this text parsed into; only data that JSON carries unchanged (a YAML .inf would come back as null). */
  public write(text: string, data: T): void {
    const key = this.key(text);
    const json = JSON.stringify(data);
    if (!isDeepStrictEqual(JSON.parse(json), data)) return;
    this.known.set(key, structuredClone(data));
    try {
      fs.mkdirSync(DIR, { recursive: true });
      writeFileAtomically(path.join(DIR, `${key}.json`), json);
    } catch {
      // A read-only checkout parses the YAML every time.
    }
  }

  private key(text: string): string {
    return createHash('sha256').update(`${this.tag}\0${YAML_LIBRARY_VERSION}\0${text}`).digest('hex');
  }
}

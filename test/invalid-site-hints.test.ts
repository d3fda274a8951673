import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { z } from 'zod';
import { vendorProgram } from '../scripts/vendor-charts';
import { MIRROR_ARG, SITE_ARG } from '../constructs/chart-lock';
import { siteSchema } from '../site';
import { synthProgram, runSynth } from '../synth/run-synth';
import { baseFactsFile, baseLockFile, invalidFixtures, referenceSite, setPath, tempDir } from './support/sites';

/**
 * Issue 16: every hint is a command that works when pasted, or names a field the user can edit. Each invalid fixture
 * is compiled from a folder that is neither the project nor the site's own, with a --site and --out of its own; every
 * `fix:`/`run:` hint on stderr must then either be a command that carries exactly that --site (and --out for synth)
 * and parses with the command's own argument parser, or edit fields that exist in the site schema.
 */
const SITE = 'conf/my-site.yaml';
const OUT = 'build/tree';

type Schema = { type?: string | string[]; properties?: Record<string, Schema>; items?: Schema; additionalProperties?: Schema | boolean; anyOf?: Schema[]; oneOf?: Schema[]; allOf?: Schema[]; $ref?: string };
const root = z.toJSONSchema(siteSchema, { io: 'input', unrepresentable: 'any' }) as Schema & { $defs?: Record<string, Schema> };

/** The schemas a value at `p` may have ([] when the path does not exist). */
function resolve(p: string): Schema[] {
  const parts = p.replace(/\[\d*\]/g, '.[]').split('.').filter((s) => s !== '');
  let at: Schema[] = [root];
  for (const part of parts) {
    at = at.flatMap(expand).flatMap((s) => {
      if (part === '[]') return s.items ? [s.items] : [];
      const prop = s.properties?.[part];
      if (prop) return [prop];
      return typeof s.additionalProperties === 'object' ? [s.additionalProperties] : [];
    });
    if (at.length === 0) return [];
  }
  return at;
}

function expand(s: Schema): Schema[] {
  if (s.$ref) return expand(root.$defs?.[s.$ref.replace('#/$defs/', '')] ?? {});
  const alternatives = [...(s.anyOf ?? []), ...(s.oneOf ?? []), ...(s.allOf ?? [])];
  return alternatives.length > 0 ? [s, ...alternatives.flatMap(expand)] : [s];
}

const TOP_LEVEL = Object.keys(root.properties ?? {});
/** Field paths a hint names: a top-level section followed by `.field` or `[n]` parts. */
const FIELD = new RegExp(`(?<![\\w.-])(?:${TOP_LEVEL.join('|')})(?:\\.[A-Za-z][\\w]*|\\[\\d*\\])+`, 'g');
/** A command in a hint, up to the end of the sentence or its backquote. */
const COMMAND = /(?:npx site-compiler|npm run(?: -s)?) [^`;,)]+/g;
/** A placeholder only the user can fill: the folder of charts of an air-gapped site. */
const USER_FOLDER = MIRROR_ARG;

/** Splits a command line as a POSIX shell does for the quoting shellQuote produces. */
function words(command: string): string[] {
  if (command.includes(USER_FOLDER)) return words(command.replace(USER_FOLDER, 'charts-folder'));
  return [...command.matchAll(/'((?:[^']|'\\'')*)'|(\S+)/g)].map((m) => (m[1] !== undefined ? m[1].replace(/'\\''/g, "'") : m[2]));
}

/** What is wrong with a command hint; undefined when it runs as the user's own command would. */
function commandProblem(command: string): string | undefined {
  const argv = words(command.trim());
  if (argv.includes(SITE_ARG.split(' ')[1])) return 'still holds the site placeholder';
  if (argv[0] !== 'npx' || argv[1] !== 'site-compiler') return `is not "npx site-compiler …" (npm run changes to the project folder, so a relative --site would not be found)`;
  const [name, ...args] = argv.slice(2);
  const site = args.indexOf('--site');
  if (site < 0 || args[site + 1] !== SITE) return `does not carry --site ${SITE}`;
  if (name === 'synth' || name === 'check' || name === 'diff') {
    const out = args.indexOf('--out');
    if (out < 0 || args[out + 1] !== OUT) return `does not carry --out ${OUT}`;
    synthProgram().parse(args, { from: 'user' });
    return undefined;
  }
  if (name === 'vendor') {
    vendorProgram().exitOverride().parse(args, { from: 'user' });
    return undefined;
  }
  return `names no command a site's hints use (${name})`;
}

/** Every hint line of a refused synth and what is wrong with it. */
function hintProblems(stderr: string): string[] {
  const lines = stderr.split('\n');
  const out: string[] = [];
  lines.forEach((line, i) => {
    // A command anywhere (a fix, a warning, a refusal's "run `…`") must work when pasted.
    const commands = [...line.matchAll(COMMAND)].map((m) => m[0]);
    for (const c of commands) {
      const problem = commandProblem(c);
      if (problem) out.push(`${line.trim()}: the command "${c}" ${problem}`);
    }
    const hint = /^\s*(?:fix|run):\s*(.*)$/.exec(line)?.[1];
    if (hint === undefined) return;
    // Values after "e.g." are examples of what to write (terraform.tfstate), not fields.
    const fields = [...hint.replace(/e\.g\. \S+/g, '').matchAll(FIELD)].map((m) => m[0]);
    for (const f of fields) if (resolve(f).length === 0) out.push(`${line.trim()}: names ${f}, which is not a field of the site schema`);
    if (commands.length > 0 || fields.length > 0) return;
    // A fix without a command or a field edits the field its problem names (the line above: its path, then notes in
    // parentheses or after a comma); a misspelt key is edited in the object that holds it.
    const problem = lines[i - 1] ?? '';
    const problemPath = /^ {2}([^\s:,]+)/.exec(problem)?.[1];
    const editable = problemPath !== undefined && (resolve(problemPath).length > 0 || (problem.includes('is not a known field') && resolve(/[.[]/.test(problemPath) ? problemPath.replace(/(\.[^.[\]]+|\[\d*\])$/, '') : '').length > 0));
    if (!editable) out.push(`${line.trim()}: names neither a command nor a field, and its problem's path ${problemPath ?? '(none)'} is not a site field`);
  });
  return out;
}

describe('hints of the invalid fixtures', () => {
  it('finds the fields of the site schema it checks hints against', () => {
    expect(resolve('kubernetes.nodePools[0].count').length).toBeGreaterThan(0);
    expect(resolve('platform.addons.velero.schedule').length).toBeGreaterThan(0);
    expect(resolve('kubernetes.nodePools[0].cuont')).toEqual([]);
  });

  it('fails when a hint command lacks the site, or a hint names a field that does not exist', () => {
    const stderr = ['x.yaml: 2 problems', '  kubernetes.podCidr: too small', '    fix: run `npx site-compiler vendor --facts-only` again', '  apps[0].image: bad', '    fix: set apps[0].imagee'].join('\n');
    expect(hintProblems(stderr)).toEqual([expect.stringContaining(`does not carry --site ${SITE}`), expect.stringContaining('names apps[0].imagee')]);
  });

  /** synth of the reference site patched by `edit`, with its lock and facts beside it, from a folder of its own. */
  function synthPatched(edit: (site: Record<string, unknown>) => void): { code: number; stderr: string } {
    const dir = tempDir();
    fs.mkdirSync(path.join(dir, 'conf'));
    const site = referenceSite();
    edit(site);
    fs.writeFileSync(path.join(dir, SITE), stringify(site));
    fs.copyFileSync(baseLockFile('hookprobe'), path.join(dir, 'conf', 'my-site.lock.yaml'));
    fs.copyFileSync(baseLockFile('hookprobe').replace(/\.lock\.yaml$/, '.facts.yaml'), path.join(dir, 'conf', 'my-site.facts.yaml'));
    const err: string[] = [];
    const code = runSynth(['--quiet', '--site', SITE, '--out', OUT], { out: () => undefined, err: (l) => err.push(l), cwd: dir });
    return { code, stderr: err.join('\n') };
  }

  it('fails when a chart version is not the locked one, with a vendor command for this site', () => {
    const { code, stderr } = synthPatched((site) => setPath(site, 'platform.addons.cilium.chartVersion', '1.18.1'));
    expect(code).toBe(1);
    expect(stderr).toContain(`run \`npx site-compiler vendor --site ${SITE}\` to lock 1.18.1`);
    expect(hintProblems(stderr), stderr).toEqual([]);
  });

  it('warns of stale chart facts with commands for this site', () => {
    const { code, stderr } = synthPatched((site) => setPath(site, 'platform.addons.ingressNginx.replicas', 3));
    expect(code, stderr).toBe(0);
    expect(stderr).toContain(`npx site-compiler vendor --facts-only --site ${SITE}`);
    expect(hintProblems(stderr), stderr).toEqual([]);
  });

  it.each(invalidFixtures().map((f) => [`${f.kind}/${f.name}`, f] as const))('%s: every hint is a runnable command or an editable field', (_name, fixture) => {
    const dir = tempDir();
    fs.mkdirSync(path.join(dir, 'conf'));
    fs.writeFileSync(path.join(dir, SITE), stringify(fixture.site));
    fs.copyFileSync(baseLockFile(fixture.base), path.join(dir, 'conf', 'my-site.lock.yaml'));
    fs.copyFileSync(baseFactsFile(fixture.base), path.join(dir, 'conf', 'my-site.facts.yaml'));
    const err: string[] = [];
    runSynth(['--quiet', '--site', SITE, '--out', OUT], { out: () => undefined, err: (l) => err.push(l), cwd: dir });
    const stderr = err.join('\n');
    expect(stderr).toMatch(/fix: \S/);
    expect(hintProblems(stderr), stderr).toEqual([]);
  });
});

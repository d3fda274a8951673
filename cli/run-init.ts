import * as fs from 'node:fs';
import * as path from 'node:path';
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { EXIT, PROJECT_ROOT } from '../synth/run-synth';
import { INIT_ADDONS, INIT_DEFAULTS, InitAddon, InitAnswers, InitFormat, checkAnswers, starterFile } from './init-site';

interface InitOptions {
  readonly file?: string;
  readonly out: string;
  readonly format?: InitFormat;
  readonly name?: string;
  readonly hosts?: number;
  readonly managementVlan?: number;
  readonly managementCidr?: string;
  readonly nodeVlan?: number;
  readonly nodeCidr?: string;
  readonly addons?: readonly InitAddon[];
  readonly repoUrl?: string;
  readonly yes?: boolean;
  readonly force?: boolean;
}

function int(value: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError('give a whole number');
  return Number(value);
}

function addonList(value: string): InitAddon[] {
  const names = value.split(',').map((s) => s.trim()).filter((s) => s !== '');
  const unknown = names.filter((n) => !(INIT_ADDONS as readonly string[]).includes(n));
  if (unknown.length > 0) throw new InvalidArgumentError(`unknown add-on ${unknown.join(', ')}: choose from ${INIT_ADDONS.join(', ')} (comma-separated, or "none")`);
  return names as InitAddon[];
}

function program(): Command {
  return new Command()
    .name('site-compiler init')
    .description('Write a commented starter site that compiles as written. Asks for what the flags leave out when run in a terminal; --yes takes the defaults.')
    .option('--file <path>', 'where to write the site (default: site.yaml, or site.ts with --format ts)')
    .option('--out <folder>', 'the output folder the site will be compiled into (for the hints and the editor schema line)', 'dist')
    .option('--format <format>', 'yaml or ts', (v) => {
      if (v !== 'yaml' && v !== 'ts') throw new InvalidArgumentError('give yaml or ts');
      return v;
    })
    .option('--name <name>', `site name (DNS label) [${INIT_DEFAULTS.name}]`)
    .option('--hosts <n>', `Proxmox hosts, 1-9 [${INIT_DEFAULTS.hosts}]`, int)
    .option('--management-vlan <id>', `VLAN id of the hosts' network [${INIT_DEFAULTS.managementVlan}]`, int)
    .option('--management-cidr <cidr>', `the hosts' /24 [${INIT_DEFAULTS.managementCidr}]`)
    .option('--node-vlan <id>', `VLAN id of the Kubernetes nodes [${INIT_DEFAULTS.nodeVlan}]`, int)
    .option('--node-cidr <cidr>', `the nodes' /24 [${INIT_DEFAULTS.nodeCidr}]`)
    .option('--addons <list>', `comma-separated, from ${INIT_ADDONS.join(', ')}, or none [${INIT_DEFAULTS.addons.join(',')}]`, (v) => (v === 'none' ? [] : addonList(v)))
    .option('--repo-url <url>', `GitOps repository Argo CD syncs from [${INIT_DEFAULTS.repoUrl}]`)
    .option('--yes', 'take the default for everything the flags leave out, without asking')
    .option('--force', 'overwrite the file if it exists')
    .exitOverride()
    .configureOutput({ writeOut: (s) => process.stderr.write(s), writeErr: (s) => process.stderr.write(s) });
}

/** Asks for each answer the flags left out, showing the default in brackets (Enter takes it). */
async function ask(opts: InitOptions): Promise<InitAnswers> {
  // Required here, not imported at the top: every command's start loaded Node's readline for the one command that
  // asks. A require, not import(): the bundle runs in a vm.Script, which has no dynamic import.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { createInterface } = require('node:readline/promises') as typeof import('node:readline/promises');
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  const q = async (label: string, given: string | undefined, fallback: string): Promise<string> => (given !== undefined ? given : (await rl.question(`${label} [${fallback}]: `)).trim() || fallback);
  try {
    const format = (await q('Format (yaml or ts)', opts.format, INIT_DEFAULTS.format)) as InitFormat;
    const name = await q('Site name', opts.name, INIT_DEFAULTS.name);
    const hosts = Number(await q('Proxmox hosts', opts.hosts?.toString(), String(INIT_DEFAULTS.hosts)));
    const managementVlan = Number(await q('Management VLAN id', opts.managementVlan?.toString(), String(INIT_DEFAULTS.managementVlan)));
    const managementCidr = await q('Management network (/24)', opts.managementCidr, INIT_DEFAULTS.managementCidr);
    const nodeVlan = Number(await q('Kubernetes node VLAN id', opts.nodeVlan?.toString(), String(INIT_DEFAULTS.nodeVlan)));
    const nodeCidr = await q('Kubernetes node network (/24)', opts.nodeCidr, INIT_DEFAULTS.nodeCidr);
    const addons = await q(`Add-ons (${INIT_ADDONS.join(', ')}; or none)`, opts.addons?.join(','), INIT_DEFAULTS.addons.join(','));
    const repoUrl = await q('GitOps repository URL', opts.repoUrl, INIT_DEFAULTS.repoUrl);
    return { format, name, hosts, managementVlan, managementCidr, nodeVlan, nodeCidr, addons: addons === 'none' ? [] : addonList(addons), repoUrl };
  } finally {
    rl.close();
  }
}

function fromFlags(opts: InitOptions): InitAnswers {
  const d = INIT_DEFAULTS;
  return {
    format: opts.format ?? d.format,
    name: opts.name ?? d.name,
    hosts: opts.hosts ?? d.hosts,
    managementVlan: opts.managementVlan ?? d.managementVlan,
    managementCidr: opts.managementCidr ?? d.managementCidr,
    nodeVlan: opts.nodeVlan ?? d.nodeVlan,
    nodeCidr: opts.nodeCidr ?? d.nodeCidr,
    addons: opts.addons ?? d.addons,
    repoUrl: opts.repoUrl ?? d.repoUrl,
  };
}

/** `site-compiler init`: exit 0 written, 1 the file exists or an answer is unusable, 2 usage. */
export async function runInit(argv: readonly string[], cwd = process.cwd()): Promise<number> {
  let opts: InitOptions;
  try {
    opts = program().parse([...argv], { from: 'user' }).opts();
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
    throw err;
  }
  const answers = opts.yes || !process.stdin.isTTY ? fromFlags(opts) : await ask(opts);
  const problems = checkAnswers(answers);
  if (problems.length > 0) {
    process.stderr.write(`init: ${problems.length} answer${problems.length === 1 ? ' is' : 's are'} not usable:\n${problems.map((p) => `  ${p}`).join('\n')}\nnothing was written\n`);
    return EXIT.refused;
  }
  const file = path.resolve(cwd, opts.file ?? (answers.format === 'ts' ? 'site.ts' : 'site.yaml'));
  const shown = path.relative(cwd, file) || file;
  if (fs.existsSync(file) && !opts.force) {
    process.stderr.write(`init: ${shown} exists; nothing was written\n  fix: choose another file with --file, or overwrite it with --force\n`);
    return EXIT.refused;
  }
  const dir = path.dirname(file);
  const schema = path.relative(dir, path.resolve(cwd, opts.out, 'site.schema.json')).split(path.sep).join('/');
  let defineSite = path.relative(dir, path.join(PROJECT_ROOT, 'site')).split(path.sep).join('/');
  if (!defineSite.startsWith('.')) defineSite = `./${defineSite}`;
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(file, starterFile(answers, { schema, defineSite }));
  const out = path.relative(cwd, path.resolve(cwd, opts.out)) || '.';
  process.stderr.write(`wrote ${shown} (site "${answers.name}": ${answers.hosts} host${answers.hosts === 1 ? '' : 's'}, add-ons: cilium, argocd${answers.addons.filter((x) => x !== 'argocd').length > 0 ? `, ${answers.addons.filter((x) => x !== 'argocd').join(', ')}` : ''})\nnext: npx site-compiler synth --site ${shown} --out ${out}\n`);
  return EXIT.ok;
}

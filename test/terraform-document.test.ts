import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { App, Fn, Lazy, LocalBackend, TerraformOutput, TerraformStack, TerraformVariable, Token } from '../core/cdktf';
import { ProxmoxStack } from '../infra/proxmox-stack';
import { buildModel, SiteModel } from '../model';
import { parseSite } from '../site';
import { loadSite } from '../site/load';
import { withoutTokenStacks } from '../synth/synthesize';
import { terraformDocument } from '../synth/terraform-document';
import { baseSite } from './support/sites';

const outdirs: string[] = [];
afterAll(() => {
  for (const dir of outdirs) fs.rmSync(dir, { recursive: true, force: true });
});

function app(): App {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'terraform-document-test-'));
  outdirs.push(outdir);
  return new App({ outdir, skipValidation: true });
}

/** What synth wrote before terraformDocument: cdktf's own document without its `//` metadata. */
function cdktfDocument(stack: TerraformStack): string {
  const strip = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(strip);
    if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).filter(([k]) => k !== '//').map(([k, v]) => [k, strip(v)]));
    return value;
  };
  return JSON.stringify(strip(stack.toTerraform()), null, 2);
}

/** Both renderings of one stack, each from its own build (toTerraform may not be called on a stack twice alike). */
function bothRenderings(build: (app: App) => TerraformStack): { ours: string; cdktf: string } {
  return withoutTokenStacks(() => {
    const a = build(app());
    a.ensureBackendExists();
    const b = build(app());
    b.ensureBackendExists();
    return { ours: JSON.stringify(terraformDocument(a), null, 2), cdktf: cdktfDocument(b) };
  });
}

function proxmox(model: SiteModel): (app: App) => TerraformStack {
  return (scope) => new ProxmoxStack(scope, 'proxmox', { model });
}

describe('terraformDocument', () => {
  it('renders the Proxmox stacks of both committed sites as toTerraform does, key for key and in the same order', () => {
    for (const base of ['hookprobe', 'homelab'] as const) {
      const { ours, cdktf } = bothRenderings(proxmox(buildModel(parseSite(baseSite(base), base), base)));
      expect(ours).toBe(cdktf);
      expect(ours).not.toContain('"//"');
    }
  });

  it('renders the pg backend (a stack override that deletes a key) and the S3 backend as toTerraform does', () => {
    const loaded = loadSite(path.join(__dirname, 'fixtures', 'sites', 'valid', 'three-node-ceph.json'));
    const pg = bothRenderings(proxmox(buildModel(loaded.site, loaded.source)));
    expect(pg.ours).toBe(pg.cdktf);
    expect(pg.ours).not.toContain('conn_str');
    const site = baseSite('hookprobe') as { terraform: { backend: unknown } };
    site.terraform.backend = { type: 's3', bucket: 'state', key: 'site/terraform.tfstate', region: 'eu-west-1', endpoint: 'https://minio.example:9000' };
    const s3 = bothRenderings(proxmox(buildModel(parseSite(site, 'test'), 'test')));
    expect(s3.ours).toBe(s3.cdktf);
    expect(s3.ours).toContain('"use_path_style": true');
  });

  it('resolves every kind of token as cdktf does: lazy values, encoded strings, numbers and lists, functions, escapes, stack overrides', () => {
    const build = (scope: App): TerraformStack => {
      const stack = new TerraformStack(scope, 'tokens');
      new LocalBackend(stack, { path: 'state' });
      const name = new TerraformVariable(stack, 'name', { type: 'string', default: 'x' });
      const count = new TerraformVariable(stack, 'count', { type: 'number' });
      const list = new TerraformVariable(stack, 'list', { type: 'list(string)' });
      const lazy = Lazy.stringValue({ produce: () => `${name.stringValue}-lazy` });
      const lazyObject = Lazy.anyValue({ produce: () => ({ inner: name.stringValue, '//': 'dropped', gone: undefined }) });
      new TerraformOutput(stack, 'strings', {
        value: {
          plain: 'a ${var.literal} escape and } braces',
          mixed: `prefix ${name.stringValue} ${'${'}upper(var.other)} suffix`,
          lazy,
          joined: Fn.join(',', list.listValue),
          upper: Fn.upper(`${name.stringValue}-x`),
          '1e5 looks like a number': 'sha 3e4f and 1.5e+10',
        },
      });
      new TerraformOutput(stack, 'numbers', { value: { count: count.numberValue, sum: Token.asNumber(Fn.sum([count.numberValue, 2])), text: `n=${count.numberValue}`, plain: 4, fraction: 0.25 } });
      new TerraformOutput(stack, 'lists', { value: { list: list.listValue, nested: [[1, 2], ['a', name.stringValue]], element: Fn.element(list.listValue, 0), empty: [] } });
      new TerraformOutput(stack, 'objects', { value: { lazyObject, flag: false, holes: [undefined, 'kept'] } });
      new TerraformOutput(stack, 'map', { value: Token.asStringMap(Lazy.anyValue({ produce: () => ({ k: name.stringValue }) })) });
      stack.addOverride('terraform.required_version', '>= 1.6.0');
      stack.addOverride('output.strings.description', lazy);
      stack.addOverride('output.numbers.sensitive', undefined);
      stack.addOverride('locals.nothing', null);
      stack.addOverride('locals', { fromOverride: Lazy.anyValue({ produce: () => [name.stringValue, 1] }) });
      const inner = new TerraformStack(scope, 'inner-is-not-rendered');
      new LocalBackend(inner, { path: 'inner' });
      new TerraformOutput(inner, 'hidden', { value: 'not in the outer stack' });
      return stack;
    };
    const { ours, cdktf } = bothRenderings(build);
    expect(ours).toBe(cdktf);
    expect(ours).toContain('${var.name}-lazy');
    expect(ours).not.toContain('hidden');
  });

  it("fails when cdktf's resolver fails, with cdktf's own error", () => {
    const build = (scope: App): TerraformStack => {
      const stack = new TerraformStack(scope, 'broken');
      new LocalBackend(stack, { path: 'state' });
      new TerraformOutput(stack, 'bad', { value: { nested: Lazy.anyValue({ produce: () => () => 'a function' }) } });
      return stack;
    };
    const cdktfError = withoutTokenStacks(() => {
      try {
        build(app()).toTerraform();
      } catch (error) {
        return (error as Error).message;
      }
      return 'no error';
    });
    expect(cdktfError).toMatch(/function/i);
    expect(() => withoutTokenStacks(() => terraformDocument(build(app())))).toThrow(cdktfError);
  });
});

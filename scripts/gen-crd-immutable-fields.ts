/**
 * Extracts, from the CustomResourceDefinitions in ../shared/schemas/kubernetes/crds/, the fields of custom resources
 * that the API server refuses to change, and writes them to imports/schemas/kubernetes/crd-immutable-fields.json for
 * synth/immutable-fields.ts.
 *
 *   npx tsx scripts/gen-crd-immutable-fields.ts            write the data
 *   npx tsx scripts/gen-crd-immutable-fields.ts --check    compare with the committed data (exit 1 when it differs)
 *
 * What it reads: every `x-kubernetes-validations` rule that mentions `oldSelf` (a CEL transition rule) in every
 * served version of every CRD of every file there — not only the kinds of cdk8s.yaml, since rendered delivery writes
 * whatever custom resources a chart renders. A transition rule is an arbitrary CEL expression; the forms below are
 * the ones these files use, each given a meaning the review can evaluate. An `oldSelf` rule of any other form, one
 * below a list item or map value, or one with `optionalOldSelf`, fails the run: a new upstream file must be read
 * again rather than half understood.
 * Rules enforced elsewhere (admission webhooks: CloudNativePG's, cert-manager's) are not in a CRD and not found here.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import * as YAML from 'yaml';
import { byCodePoint } from '../core/order';
import { SHARED_DIR, requireSharedInputs } from './shared-inputs';
import { REPO_ROOT, loadKindSelection } from './k8s-kinds';
import type { CrdChange, CrdRule as CrdImmutableRule } from '../synth/immutable-fields';

const CRD_DIR = path.join(SHARED_DIR, 'schemas', 'kubernetes', 'crds');
export const CRD_IMMUTABLE_FILE = path.join(REPO_ROOT, 'imports', 'schemas', 'kubernetes', 'crd-immutable-fields.json');

/** What a change may not do, as synth/immutable-fields.ts evaluates it. */
export type { CrdChange, CrdRule as CrdImmutableRule } from '../synth/immutable-fields';

/** The CEL forms these files use, matched after whitespace is collapsed. */
const FORMS: { readonly pattern: RegExp; readonly read: (m: RegExpExecArray) => { change: CrdChange; unset?: string | number; child?: string } }[] = [
  { pattern: /^(?:self == oldSelf|oldSelf == self)$/, read: () => ({ change: 'immutable' }) },
  // Settable once: the unset value may change to anything, then it is fixed.
  { pattern: /^oldSelf == (0|'') \|\| self == oldSelf$/, read: (m) => ({ change: 'immutable-once-set', unset: m[1] === '0' ? 0 : '' }) },
  // Switching goes through the unset value: clear it, then set the new one.
  { pattern: /^self == '' \|\| oldSelf == '' \|\| self == oldSelf$/, read: () => ({ change: 'through-unset', unset: '' }) },
  { pattern: /^self >= oldSelf$/, read: () => ({ change: 'no-decrease' }) },
  { pattern: /^!has\(oldSelf\.([A-Za-z0-9_]+)\) \|\| has\(self\.\1\)$/, read: (m) => ({ change: 'no-removal', child: m[1] }) },
];

type Schema = { [k: string]: unknown };
interface Found {
  readonly path: string;
  readonly rule: string;
  readonly message: string;
  readonly optionalOldSelf?: boolean;
}

/** Every oldSelf rule of a schema tree, with its dotted path; `[]` and `*` mark list items and map values. */
function transitionRules(schema: Schema, at: string, out: Found[]): Found[] {
  for (const v of (schema['x-kubernetes-validations'] as Schema[] | undefined) ?? []) {
    const rule = String(v.rule).replace(/\s+/g, ' ').trim();
    if (/\boldSelf\b/.test(rule)) out.push({ path: at, rule, message: String(v.message ?? v.messageExpression ?? ''), optionalOldSelf: v.optionalOldSelf === true });
  }
  for (const [key, child] of Object.entries((schema.properties as Record<string, Schema> | undefined) ?? {})) transitionRules(child, at ? `${at}.${key}` : key, out);
  if (schema.items && typeof schema.items === 'object') transitionRules(schema.items as Schema, `${at}[]`, out);
  if (schema.additionalProperties && typeof schema.additionalProperties === 'object') transitionRules(schema.additionalProperties as Schema, `${at}.*`, out);
  for (const k of ['allOf', 'anyOf', 'oneOf']) for (const s of (schema[k] as Schema[] | undefined) ?? []) transitionRules(s, at, out);
  return out;
}

interface Crd {
  kind: string;
  spec: { group: string; names: { kind: string }; versions: { name: string; served: boolean; schema?: { openAPIV3Schema?: Schema } }[] };
}

/** The rules of one CRD file; throws on a form this script does not understand. */
export function rulesOfFile(file: string, text: string): CrdImmutableRule[] {
  const rules: CrdImmutableRule[] = [];
  for (const doc of YAML.parseAllDocuments(text)) {
    const crd = doc.toJS() as Crd | null;
    if (crd?.kind !== 'CustomResourceDefinition') continue;
    for (const version of crd.spec.versions.filter((v) => v.served)) {
      const kind = `${crd.spec.group}/${version.name}/${crd.spec.names.kind}`;
      for (const found of transitionRules(version.schema?.openAPIV3Schema ?? {}, '', [])) {
        const where = `${file}: ${kind} ${found.path || '(root)'}: ${found.rule}`;
        if (found.optionalOldSelf) throw new Error(`${where}: optionalOldSelf is not understood; extend FORMS and synth/immutable-fields.ts`);
        if (/\[\]|\*/.test(found.path) || found.path === '') throw new Error(`${where}: a rule at the root, below a list item or a map value is not understood; extend the evaluator`);
        const form = FORMS.map((f) => ({ f, m: f.pattern.exec(found.rule) })).find((x) => x.m);
        if (!form?.m) throw new Error(`${where}: this transition rule's form is not understood; add it to FORMS with its meaning`);
        const { change, unset, child } = form.f.read(form.m);
        rules.push({ kind, path: child ? `${found.path}.${child}` : found.path, change, ...(unset !== undefined ? { unset } : {}), rule: found.rule, message: found.message, file });
      }
    }
  }
  return rules;
}

export function generate(): string {
  const files = fs.readdirSync(CRD_DIR).filter((f) => f.endsWith('.yaml')).sort(byCodePoint);
  const sources: Record<string, string> = {};
  const rules: CrdImmutableRule[] = [];
  for (const file of files) {
    const text = fs.readFileSync(path.join(CRD_DIR, file), 'utf8');
    sources[file] = createHash('sha256').update(text).digest('hex');
    rules.push(...rulesOfFile(file, text));
  }
  rules.sort((a, b) => byCodePoint(a.kind, b.kind) || byCodePoint(a.path, b.path) || byCodePoint(a.rule, b.rule));
  // The kinds the constructs build (cdk8s.yaml x-kinds): which of them the CRDs give no transition rule, so a reader
  // sees they were looked at rather than missed.
  const selected = loadKindSelection().flatMap((s) => s.gvks.map((g) => `${g.group}/${g.version}/${g.kind}`));
  const withoutRules = selected.filter((k) => !rules.some((r) => r.kind === k)).sort(byCodePoint);
  const data = {
    '//':
      'Generated by scripts/gen-crd-immutable-fields.ts from the CRDs in ../shared/schemas/kubernetes/crds (sha256 per file below) — do not edit by hand. ' +
      'Each rule is a CEL transition rule (x-kubernetes-validations mentioning oldSelf) of a served version, with the meaning the script gives its form: ' +
      'immutable (self == oldSelf), immutable-once-set (may leave `unset` once), through-unset (may change only to or from `unset`), no-decrease (self >= oldSelf), ' +
      'no-removal (!has(oldSelf.x) || has(self.x): path names x). The API server evaluates a transition rule only when the field exists in both the old and the new object.',
    sources,
    rules,
    constructKindsWithoutRules: withoutRules,
  };
  return `${JSON.stringify(data, null, 2)}\n`;
}

if (require.main === module) {
  const { values } = parseArgs({ options: { check: { type: 'boolean', default: false } } });
  requireSharedInputs('npx tsx scripts/gen-crd-immutable-fields.ts', 'schemas/kubernetes/crds');
  const text = generate();
  const shown = path.relative(process.cwd(), CRD_IMMUTABLE_FILE);
  if (values.check) {
    const same = fs.existsSync(CRD_IMMUTABLE_FILE) && fs.readFileSync(CRD_IMMUTABLE_FILE, 'utf8') === text;
    process.stdout.write(same ? `${shown} is what the CRDs give\n` : `${shown} differs from what the CRDs give; run without --check and commit it\n`);
    process.exit(same ? 0 : 1);
  }
  fs.writeFileSync(CRD_IMMUTABLE_FILE, text);
  const count = (JSON.parse(text) as { rules: unknown[] }).rules.length;
  process.stdout.write(`${shown}: ${count} rules\n`);
}

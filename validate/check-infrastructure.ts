import { checkTerraformDocument } from './terraform-schema';
import { byCodePoint } from '../core/order';

/**
 * Checks every synthesized Terraform working directory before anything is written: against the bpg/proxmox
 * schema (what `terraform validate`/`plan` would reject: unknown or read-only attributes, wrong types,
 * partial objects, undeclared references), and for secrets that reached the configuration as values.
 * Returns one line per finding — where, what, how to fix — and nothing when all is well. Deprecations are
 * not findings.
 */
export function checkInfrastructure(terraformDocs: ReadonlyMap<string, object>): string[] {
  const findings: string[] = [];
  for (const [workdir, doc] of [...terraformDocs.entries()].sort(([a], [b]) => byCodePoint(a, b))) {
    const where = `terraform/${workdir}`;
    for (const f of checkTerraformDocument(doc)) {
      if (f.severity === 'error') findings.push(`${where}: ${f.path}: ${f.problem} Fix: ${f.fix}`);
    }
    for (const f of secretLiterals(doc)) findings.push(`${where}: ${f.path}: ${f.problem} Fix: ${f.fix}`);
  }
  return findings;
}

interface SecretFinding {
  readonly path: string;
  readonly problem: string;
  readonly fix: string;
}

/** Attribute names that hold credentials: their value must come from a variable (an expression). */
const SECRET_KEY = /(^|_)(password|passwd|secret|token|private_key|certificate_key|api_key|conn_str|access_key|secret_key)$/;
/** Shapes of secrets, wherever they appear. */
const SECRET_SHAPES: readonly { readonly re: RegExp; readonly what: string }[] = [
  { re: /\b[a-z0-9]{6}\.[a-z0-9]{16}\b/, what: 'a kubeadm bootstrap token' },
  { re: /-----BEGIN [A-Z ]*PRIVATE KEY-----/, what: 'a PEM private key' },
  { re: /\bPVEAPIToken=|[a-z0-9._-]+@[a-z0-9.-]+![a-z0-9._-]+=[0-9a-f-]{36}/i, what: 'a Proxmox API token' },
];
/** 64 hex digits: a kubeadm certificate key, unless it is a checksum. */
const HEX64 = /\b[0-9a-f]{64}\b/i;
const CHECKSUM_KEY = /^(checksum|sha256|digest)$/;

function secretLiterals(doc: object): SecretFinding[] {
  const out: SecretFinding[] = [];
  const walk = (value: unknown, path: string, key: string): void => {
    if (typeof value === 'string') {
      const isExpression = value.includes('${');
      if (SECRET_KEY.test(key) && value !== '' && !isExpression) {
        out.push({ path, problem: `"${key}" is set to a literal value; a credential would be stored in dist/.`, fix: 'take it from a sensitive Terraform variable (or the environment) instead' });
        return;
      }
      for (const s of SECRET_SHAPES) {
        if (s.re.test(value)) out.push({ path, problem: `contains what looks like ${s.what}.`, fix: 'pass it in as a sensitive Terraform variable and reference it (${var.name})' });
      }
      if (!CHECKSUM_KEY.test(key) && HEX64.test(value)) {
        out.push({ path, problem: 'contains 64 hex digits, the shape of a kubeadm certificate key.', fix: 'pass it in as a sensitive Terraform variable, or name the attribute checksum if it is one' });
      }
      return;
    }
    if (Array.isArray(value)) value.forEach((v, i) => walk(v, `${path}[${i}]`, key));
    else if (value && typeof value === 'object') {
      for (const [k, v] of Object.entries(value)) {
        if (k === '//') continue;
        walk(v, path ? `${path}.${k}` : k, k);
      }
    }
  };
  walk(doc, '', '');
  return out;
}

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
    for (const f of [...secretLiterals(doc), ...privateKeysInSnippets(doc)]) findings.push(`${where}: ${f.path}: ${f.problem} Fix: ${f.fix}`);
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
/** A Proxmox API token (`user@realm!name=uuid`) or the header that carries one. */
export const PROXMOX_TOKEN = /\bPVEAPIToken=|(?<![a-z0-9._-])[a-z0-9._-]+@[a-z0-9.-]+![a-z0-9._-]+=[0-9a-f-]{36}/i;
/** Shapes of secrets, wherever they appear. */
const SECRET_SHAPES: readonly { readonly re: RegExp; readonly what: string; readonly mayHold?: (value: string) => boolean }[] = [
  { re: /\b[a-z0-9]{6}\.[a-z0-9]{16}\b/, what: 'a kubeadm bootstrap token' },
  { re: /-----BEGIN [A-Z ]*PRIVATE KEY-----/, what: 'a PEM private key' },
  {
    // A token's user name starts where a run of name characters starts (the lookbehind): tried from inside a run
    // too, the pattern went over the rest of the run from every position of it, quadratic in the long runs of a
    // cloud-init snippet (base64 certificates). Either way it matches the same strings.
    re: PROXMOX_TOKEN,
    what: 'a Proxmox API token',
    // It cannot match without its prefix or both of `@` and `!`: most strings need no scan at all.
    mayHold: (value) => (value.includes('@') && value.includes('!')) || /PVEAPIToken=/i.test(value),
  },
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
        if ((s.mayHold?.(value) ?? true) && s.re.test(value)) out.push({ path, problem: `contains what looks like ${s.what}.`, fix: 'pass it in as a sensitive Terraform variable and reference it (${var.name})' });
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

/** A variable name that says it holds a private key (kubernetes_ca_key, tls_private_key); not a kubeadm certificate key. */
const PRIVATE_KEY_NAME = /(^|_)(ca_key|private_key|tls_key)$/;

/** The variables of the document that hold a private key: by name, or because their validation asks for a PEM private key. */
function privateKeyVariables(doc: Record<string, unknown>): string[] {
  const variables = doc.variable;
  if (!variables || typeof variables !== 'object') return [];
  return Object.entries(variables as Record<string, unknown>)
    .filter(([name, body]) => PRIVATE_KEY_NAME.test(name) || /PRIVATE KEY/.test(JSON.stringify((body as { validation?: unknown } | null)?.validation ?? '')))
    .map(([name]) => name);
}

/**
 * A cloud-init snippet outlives the bootstrap: it stays on the Proxmox storage and cloud-init keeps a copy in the
 * VM (/var/lib/cloud/instances/<id>/user-data.txt). A private key must never be in one, neither written out (the
 * PEM marker, which secretLiterals finds anywhere) nor through a variable that holds one.
 */
function privateKeysInSnippets(doc: object): SecretFinding[] {
  const root = doc as Record<string, unknown>;
  const names = privateKeyVariables(root);
  const files = ((root.resource as Record<string, unknown> | undefined)?.proxmox_virtual_environment_file ?? {}) as Record<string, Record<string, unknown>>;
  const out: SecretFinding[] = [];
  for (const [name, file] of Object.entries(files)) {
    if (file?.content_type !== 'snippets') continue;
    const text = JSON.stringify(file.source_raw ?? file);
    for (const variable of names) {
      if (new RegExp(`\\bvar\\.${variable}\\b`).test(text)) {
        out.push({
          path: `resource.proxmox_virtual_environment_file.${name}.source_raw`,
          problem: `a cloud-init snippet references var.${variable}, a private key: it would stay on the Proxmox storage and in the VM's stored user-data.`,
          fix: 'deliver the key to the VM over SSH after it starts (constructs/vm-secret-file.ts) and leave it out of the user-data',
        });
      }
    }
  }
  return out;
}

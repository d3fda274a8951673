/**
 * Terraform treats every string in its JSON syntax as a template: `${...}` interpolates and `%{...}` is a
 * directive. Generated text (shell scripts, cloud-init, kubeadm YAML) is full of `${VAR}` that must reach
 * the machine unchanged, while a few Terraform expressions (secrets held in variables) must be evaluated.
 *
 * terraformTemplate escapes the first kind and keeps the second: every `${` / `%{` is doubled unless it
 * starts one of the given expressions, which are kept verbatim. The result is what Terraform turns back
 * into the original text with only the expressions substituted.
 */
export function terraformTemplate(text: string, expressions: readonly string[] = []): string {
  for (const e of expressions) {
    if (!/^\$\{[^{}]*(\{[^{}]*\}[^{}]*)*\}$/.test(e)) {
      throw new Error(`terraformTemplate: expression ${JSON.stringify(e)} is not one \${...} interpolation; pass whole expressions like "\${var.name}"`);
    }
  }
  // Longest first, so an expression that starts with another one is matched whole.
  const sorted = [...new Set(expressions)].sort((a, b) => b.length - a.length);
  // Only a `${` or `%{` changes anything, and every expression starts with `${`: the text between them is copied in
  // one piece (cloud-init snippets are tens of kilobytes, which a loop over each character crossed slowly).
  const marker = /[$%]\{/g;
  let out = '';
  let copied = 0;
  for (let m = marker.exec(text); m !== null; m = marker.exec(text)) {
    const i = m.index;
    const kept = sorted.find((e) => text.startsWith(e, i));
    out += text.slice(copied, i) + (kept ?? `${text[i]}${text[i]}{`);
    copied = kept ? i + kept.length : i + 2;
    marker.lastIndex = copied;
  }
  return out + text.slice(copied);
}

/** The inverse for tests: what Terraform renders from a template, given the values of its expressions. */
export function renderTerraformTemplate(template: string, values: Readonly<Record<string, string>>): string {
  let out = '';
  let i = 0;
  while (i < template.length) {
    if ((template[i] === '$' || template[i] === '%') && template[i + 1] === template[i] && template[i + 2] === '{') {
      out += `${template[i]}{`;
      i += 3;
      continue;
    }
    if (template[i] === '$' && template[i + 1] === '{') {
      const expr = Object.keys(values).find((e) => template.startsWith(e, i));
      if (!expr) throw new Error(`renderTerraformTemplate: no value for the expression at ${JSON.stringify(template.slice(i, i + 40))}`);
      out += values[expr];
      i += expr.length;
      continue;
    }
    if (template[i] === '%' && template[i + 1] === '{') throw new Error('renderTerraformTemplate: template directives are not supported');
    out += template[i];
    i += 1;
  }
  return out;
}

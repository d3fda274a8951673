/**
 * Strict validation of custom resources a chart renders whose kinds the compiler has no committed schema
 * for (imports/ holds only the CRDs its own objects use): each is checked against the CRD that one of the
 * site's charts installs, transformed the way the committed schemas are (unknown fields are errors).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ValidateFunction } from 'ajv';
import { createKubernetesAjv } from '../validate/kubernetes-ajv';
import { KUBERNETES_SCHEMA_DIR } from '../validate/kubernetes-schema';
import { transformCrd } from './crd-schema';
import type { JsonSchema } from './k8s-kinds';

interface CrdDoc {
  kind: string;
  metadata: { name: string };
  spec: { group: string; names: { kind: string }; versions: { name: string; schema?: { openAPIV3Schema?: JsonSchema } }[] };
}

export interface CrdValidator {
  /** Findings for one object, or undefined when no rendered CRD defines its kind. */
  validate(obj: { apiVersion: string; kind: string; metadata: { name: string; namespace?: string } }): string[] | undefined;
}

/** A validator over every CRD among `objects` (the renders of all the site's charts). */
export function crdValidator(objects: readonly object[]): CrdValidator {
  const schemas = new Map<string, JsonSchema>();
  for (const o of objects as CrdDoc[]) {
    if (o.kind !== 'CustomResourceDefinition' || !o.spec?.versions) continue;
    for (const v of o.spec.versions) {
      if (v.schema?.openAPIV3Schema) schemas.set(`${o.spec.group}/${v.name}/${o.spec.names.kind}`, v.schema.openAPIV3Schema);
    }
  }
  const ajv = createKubernetesAjv();
  const index = JSON.parse(fs.readFileSync(path.join(KUBERNETES_SCHEMA_DIR, 'index.json'), 'utf8')) as { coreFile: string };
  ajv.addSchema(JSON.parse(fs.readFileSync(path.join(KUBERNETES_SCHEMA_DIR, index.coreFile), 'utf8')) as object);
  const compiled = new Map<string, ValidateFunction>();
  return {
    validate(obj) {
      const key = `${obj.apiVersion}/${obj.kind}`;
      const schema = schemas.get(key);
      if (!schema) return undefined;
      let validate = compiled.get(key);
      if (!validate) {
        validate = ajv.compile(transformCrd(structuredClone(schema), key));
        compiled.set(key, validate);
      }
      if (validate(obj)) return [];
      return (validate.errors ?? []).map((e) => `${e.instancePath || '.'}: ${e.message ?? e.keyword}${e.keyword === 'additionalProperties' ? ` (${String((e.params as { additionalProperty?: string }).additionalProperty)})` : ''}`);
    },
  };
}

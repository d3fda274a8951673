/**
 * How every YAML file of the output is written: with the 1.1 schema, which Kubernetes and Helm read, so a string like
 * "on" or "no" is quoted and stays a string; no line wrapping and no anchors, so a diff shows values, not references.
 */
export const YAML_OPTIONS = { lineWidth: 0, aliasDuplicateObjects: false, version: '1.1' } as const;

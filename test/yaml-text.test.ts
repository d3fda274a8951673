import fc from 'fast-check';
import { stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { YAML_OPTIONS } from '../core/yaml-options';
import { toYamlText } from '../core/yaml-text';
import { sourcesOf, verifiedOnce } from './support/verified-once';

/** Strings the 1.1 schema reads as other types, or that need quotes, block scalars or explicit keys. */
const ODD = [
  '', ' ', 'a ', ' a', 'on', 'Off', 'y', 'NO', 'yes', 'true', 'null', '~', 'Null', '0', '007', '0b101', '0x1F', '1_000', '1:20', '1:20.5', '190:20:30',
  '1e5', '.5', '5.', '+1', '-1', '.inf', '-.Inf', '.nan', '2024-01-01', '2024-1-1 10:00:00', '<<', 'a: b', 'a:', ':a', 'a #b', '#a', 'a#b', '- a', '-', '?', '? a',
  '---', '...', '--- a', '%x', '@x', '`x', '!x', '&x', '*x', '|', '>', "'", '"', 'it\'s', 'say "hi"', '"both\'', '[a]', '{a}', 'a,b', 'a\tb', '\ta',
  'a\nb', 'a\n', 'a\n\n', 'a\n\nb\n', '\na', '  a\nb', 'a\n  b\n', 'a \nb', 'a\n \nb', '#!/bin/sh\nset -eu\n', 'é', 'x'.repeat(1100), 'quay.io/x/y:v1.2.3',
  '172.16.0.2:9100', '/etc/wireguard', 'a=b', 'app.kubernetes.io/name', 'sha256:0f', '1.2.3', '10Gi', '500m', '--flag=x', 'a/b:c',
];

const text = fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...ODD) }, { weight: 2, arbitrary: fc.string({ maxLength: 12 }) }, { weight: 2, arbitrary: fc.stringMatching(/^[a-z0-9][a-z0-9.:/-]{0,10}$/) });
const scalar = fc.oneof(text, fc.integer(), fc.double({ noNaN: false }), fc.boolean(), fc.constant(null));
const { value } = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small', withCrossShrink: true }, scalar, tie('map'), tie('seq')),
  map: fc.dictionary(text, tie('value'), { maxKeys: 5 }),
  seq: fc.array(tie('value'), { maxLength: 4 }),
}));

describe('toYamlText', () => {
  it('writes what the YAML library writes, for any JSON value with odd strings, keys and nesting', () => {
    // A fixed seed gives the same 2,000 values every run: run once per content of the writer, this file and npm's lock
    // (the YAML library's and fast-check's versions).
    verifiedOnce('yaml-text-property', sourcesOf('test/yaml-text.test.ts'), () =>
      fc.assert(
        fc.property(fc.dictionary(text, value, { minKeys: 1, maxKeys: 6 }), (doc) => {
          expect(toYamlText(doc)).toBe(stringify(doc, YAML_OPTIONS));
        }),
        { seed: 15, numRuns: 2000 },
      ),
    );
  });

  it('writes what the YAML library writes for values that are not a map', () => {
    for (const v of [{}, [], ['a', { b: 1 }], 'on', 5, null]) expect(toYamlText(v)).toBe(stringify(v, YAML_OPTIONS));
  });

  it('writes a Kubernetes object the way the library does, block scalars and nested lists included', () => {
    const obj = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'x', labels: { 'app.kubernetes.io/name': 'on' } },
      data: { 'run.sh': '#!/bin/sh\nexec "$@"\n', empty: '', list: 'a\n\nb' },
      spec: { items: [{ targets: ['172.16.0.2:9100'], labels: { edge: 'sbc-1' } }, [['x']], []], n: 1.5, b: true, f: false, z: null },
      numbers: [0, -0, 9400, -5, 9007199254740991, -9007199254740991, 9007199254740992, 1e21, 2 ** -40],
    };
    expect(toYamlText(obj)).toBe(stringify(obj, YAML_OPTIONS));
  });
});

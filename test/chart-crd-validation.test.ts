import { describe, expect, it } from 'vitest';
import { crdValidator } from '../scripts/chart-crd-validation';

/** A CRD as a chart renders it, with a closed spec of one string field. */
const crd = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'gadgets.fixture.example' },
  spec: {
    group: 'fixture.example',
    scope: 'Namespaced',
    names: { kind: 'Gadget', plural: 'gadgets' },
    versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', properties: { size: { type: 'string' } } } } } } }],
  },
};
const gadget = (spec: Record<string, unknown>) => ({ apiVersion: 'fixture.example/v1', kind: 'Gadget', metadata: { name: 'g', namespace: 'demo' }, spec });

describe('validation of custom resources against the CRDs a site\'s charts install', () => {
  it('accepts a custom resource its CRD allows', () => {
    expect(crdValidator([crd]).validate(gadget({ size: 'large' }))).toEqual([]);
  });

  it('fails when a custom resource has a field its CRD does not define, naming it', () => {
    expect(crdValidator([crd]).validate(gadget({ size: 'large', colour: 'red' }))).toEqual(['/spec: must NOT have additional properties (colour)']);
  });

  it('says nothing about a kind no rendered CRD defines', () => {
    expect(crdValidator([crd]).validate({ apiVersion: 'other.example/v1', kind: 'Thing', metadata: { name: 't' } })).toBeUndefined();
  });
});

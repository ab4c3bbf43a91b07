/** Kubernetes and OCI syntax rules (src/private/k8s-syntax.ts). */
import { port, requirePort } from '../../src/private/boundary';
import { show } from '../../src/private/errors';
import {
  isDataKey, isDns1123Label, isDns1123Subdomain, isExtendedResourceName, isImageReference, isLabelValue, isQualifiedName,
  requireDistinctMountPaths,
} from '../../src/private/k8s-syntax';

type Row = [string, (s: string) => boolean, string, boolean];

const rows: Row[] = [
  ['DNS-1123 label', isDns1123Label, 'llm', true],
  ['DNS-1123 label', isDns1123Label, 'llm-serving-1', true],
  ['DNS-1123 label', isDns1123Label, 'LLM', false],
  ['DNS-1123 label', isDns1123Label, 'llm.serving', false],
  ['DNS-1123 label', isDns1123Label, '-llm', false],
  ['DNS-1123 label', isDns1123Label, 'a'.repeat(64), false],
  ['DNS-1123 subdomain', isDns1123Subdomain, 'hf-token.v1', true],
  ['DNS-1123 subdomain', isDns1123Subdomain, 'a..b', false],
  ['DNS-1123 subdomain', isDns1123Subdomain, 'a.-b', false],
  ['DNS-1123 subdomain', isDns1123Subdomain, '', false],
  ['label key', isQualifiedName, 'nvidia.com/gpu.product', true],
  ['label key', isQualifiedName, 'gpu', true],
  ['label key', isQualifiedName, 'Nvidia.com/gpu', false],
  ['label key', isQualifiedName, '/gpu', false],
  ['label key', isQualifiedName, 'a/b/c', false],
  ['label key', isQualifiedName, 'gpu-', false],
  ['label value', isLabelValue, '', true],
  ['label value', isLabelValue, 'NVIDIA-H100-80GB-HBM3', true],
  ['label value', isLabelValue, 'H100 80GB', false],
  ['label value', isLabelValue, 'x'.repeat(64), false],
  ['extended resource', isExtendedResourceName, 'nvidia.com/gpu', true],
  ['extended resource', isExtendedResourceName, 'gpu', false],
  ['extended resource', isExtendedResourceName, 'kubernetes.io/gpu', false],
  ['Secret key', isDataKey, 'token', true],
  ['Secret key', isDataKey, 'hf.token_v1', true],
  ['Secret key', isDataKey, '', false],
  ['Secret key', isDataKey, 'a/b', false],
  ['Secret key', isDataKey, '..', false],
  ['image reference', isImageReference, 'docker.io/vllm/vllm-openai:v0.32.0', true],
  ['image reference', isImageReference, 'vllm/vllm-openai', true],
  ['image reference', isImageReference, 'localhost:5000/vllm:dev', true],
  ['image reference', isImageReference, 'registry.example.com:5000/team/vllm:v0.19.1-cu129', true],
  ['image reference', isImageReference, `vllm/vllm-openai:v0.32.0@sha256:${'a'.repeat(64)}`, true],
  ['image reference', isImageReference, '[::1]:5000/vllm:v1', true],
  ['image reference', isImageReference, 'vllm/VLLM', false],
  ['image reference', isImageReference, 'vllm//vllm', false],
  ['image reference', isImageReference, 'vllm/vllm-openai:-v1', false],
  ['image reference', isImageReference, 'vllm/vllm-openai:', false],
  ['image reference', isImageReference, `${'a'.repeat(256)}:v1`, false],
];

describe('kubernetes syntax', () => {
  test.each(rows.filter(r => r[3]))('%s accepts %p', (_rule, test_, value) => {
    expect(test_(value)).toBe(true);
  });

  test.each(rows.filter(r => !r[3]))('fails %s for %p', (_rule, test_, value) => {
    expect(test_(value)).toBe(false);
  });

  test.each([[0, 'must be an integer >= 1'], [65536, 'must be a TCP port (1-65535)'], ['80', 'must be an integer >= 1'], [80.5, 'must be an integer >= 1']])(
    'fails the shared port check for %p', (value, fragment) => {
      expect(() => port('X', 'port', value)).toThrow(`X: 'port' (${show(value)}) ${fragment}`);
    });

  test('requirePort accepts 1 and 65535', () => {
    expect(() => requirePort('X', 'p', 1)).not.toThrow();
    expect(() => requirePort('X', 'p', 65535)).not.toThrow();
  });

  test.each<[string, Array<{ name: string; mountPath: string }>, string]>([
    ['equal paths', [{ name: 'a', mountPath: '/data' }, { name: 'b', mountPath: '/data/' }], "X: 'volume mount 'b'' ('/data/') uses the mount path of volume mount 'a'"],
    ['a nested path', [{ name: 'a', mountPath: '/data/kv' }, { name: 'b', mountPath: '/data' }], "X: 'volume mount 'a'' ('/data/kv') lies inside volume mount 'b' (/data)"],
  ])('fails mount paths with %s', (_name, mounts, fragment) => {
    expect(() => requireDistinctMountPaths('X', mounts)).toThrow(fragment);
  });

  test('accepts sibling mount paths that share a prefix', () => {
    expect(() => requireDistinctMountPaths('X', [{ name: 'a', mountPath: '/data' }, { name: 'b', mountPath: '/data2' }])).not.toThrow();
  });
});

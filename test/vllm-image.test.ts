import { argValue, chart, container, find, synth } from './util';
import { Model, PrefillTier, VllmImage } from '../src';

const DIGEST = `sha256:${'a'.repeat(64)}`;

describe('VllmImage', () => {
  test('DEFAULT is the official image v0.32.0', () => {
    expect(VllmImage.DEFAULT.image).toBe('docker.io/vllm/vllm-openai:v0.32.0');
    expect(VllmImage.DEFAULT.version.toString()).toBe('0.32.0');
  });

  test('official() uses docker.io/vllm/vllm-openai and reads the version from the tag', () => {
    const img = VllmImage.official('v0.26.0');
    expect(img.image).toBe('docker.io/vllm/vllm-openai:v0.26.0');
    expect(img.version.toString()).toBe('0.26.0');
  });

  test('official() reads the version from a tag with a CUDA suffix', () => {
    expect(VllmImage.official('v0.19.1-cu129').version.toString()).toBe('0.19.1');
  });

  test('fromRegistry() does not mistake a registry port for a tag', () => {
    const img = VllmImage.fromRegistry('registry.example.com:5000/ml/vllm:v0.30.1');
    expect(img.image).toBe('registry.example.com:5000/ml/vllm:v0.30.1');
    expect(img.version.toString()).toBe('0.30.1');
  });

  test('fromRegistry() takes an explicit version for a non-version tag', () => {
    const img = VllmImage.fromRegistry('registry.example.com/ml/vllm-mooncake:latest', { version: '0.30.1' });
    expect(img.image).toBe('registry.example.com/ml/vllm-mooncake:latest');
    expect(img.version.toString()).toBe('0.30.1');
  });

  test('fromRegistry() takes an explicit version for a digest', () => {
    const img = VllmImage.fromRegistry(`docker.io/vllm/vllm-openai@${DIGEST}`, { version: 'v0.28.0' });
    expect(img.image).toBe(`docker.io/vllm/vllm-openai@${DIGEST}`);
    expect(img.version.toString()).toBe('0.28.0');
  });

  test('a tier runs the image and labels its objects with the image\'s vLLM version', () => {
    const c = chart();
    new PrefillTier(c, 'Prefill', {
      model: Model.LLAMA_3_1_8B_INSTRUCT,
      image: VllmImage.fromRegistry('registry.example.com/ml/vllm:custom-build', { version: '0.17.1' }),
    });
    const objects = synth(c);
    expect(objects).toMatchSnapshot();
    const dep = find(objects, 'Deployment', 'prefill');
    expect(container(dep).image).toBe('registry.example.com/ml/vllm:custom-build');
    expect(dep.metadata.labels['app.kubernetes.io/version']).toBe('0.17.1');
    expect(find(objects, 'Service', 'prefill').metadata.labels['app.kubernetes.io/version']).toBe('0.17.1');
    // vLLM 0.17.x has no --shutdown-timeout, so none is rendered for this image.
    expect(argValue(dep, '--shutdown-timeout')).toBeUndefined();
  });

  test('fails when official() is given a tag that is not a version', () => {
    expect(() => VllmImage.official('latest'))
      .toThrow(/^VllmImage: 'image' \('docker\.io\/vllm\/vllm-openai:latest'\) has no version tag: pass \{ version: '0\.19\.1' \}/);
  });

  test('fails when the image has no tag and no version', () => {
    expect(() => VllmImage.fromRegistry('registry.example.com:5000/ml/vllm'))
      .toThrow(/VllmImage: 'image' \('registry\.example\.com:5000\/ml\/vllm'\) has no version tag: pass \{ version: '0\.19\.1' \}/);
  });

  test('fails when the image is pinned by digest without a version', () => {
    expect(() => VllmImage.fromRegistry(`docker.io/vllm/vllm-openai@${DIGEST}`))
      .toThrow(/VllmImage: 'image' \('docker\.io\/vllm\/vllm-openai@sha256:a{64}'\) has no version tag/);
  });

  test('fails when the image reference contains whitespace', () => {
    expect(() => VllmImage.fromRegistry('vllm/vllm-openai :v0.26.0'))
      .toThrow(/^VllmImage: 'image' \('vllm\/vllm-openai :v0\.26\.0'\) must be a non-empty image reference without whitespace$/);
  });

  test('fails when the image reference is empty', () => {
    expect(() => VllmImage.fromRegistry('', { version: '0.26.0' }))
      .toThrow(/^VllmImage: 'image' \(''\) must be a non-empty image reference without whitespace$/);
  });

  test('fails when the explicit version is not a version', () => {
    expect(() => VllmImage.fromRegistry('registry.example.com/ml/vllm:latest', { version: 'main' }))
      .toThrow(/VllmVersion: 'version' \('main'\) must be a vLLM release version such as '0\.19\.1' or 'v0\.19\.1'/);
  });

  test('fails when a tier uses an image older than the oldest supported release', () => {
    expect(() => new PrefillTier(chart(), 'Prefill', { model: Model.LLAMA_3_1_8B_INSTRUCT, image: VllmImage.official('v0.11.0') }))
      .toThrow(/PrefillTier 'test\/Prefill': 'image' \('docker\.io\/vllm\/vllm-openai:v0\.11\.0'\) needs vLLM releases supported by cdk8s-vllm-pd, which exists in vLLM >= 0\.12\.0 .*the image is vLLM 0\.11\.0/);
  });
});

describe('VllmImage version consistency', () => {
  test('fails when an explicit version contradicts the official image tag', () => {
    expect(() => VllmImage.fromRegistry('docker.io/vllm/vllm-openai:v0.19.1', { version: '0.30.0' }))
      .toThrow(/VllmImage: 'version' \('0.30.0'\) contradicts the image tag 'v0.19.1' \(vLLM 0.19.1\); drop 'version' or fix the tag/);
  });

  test('other images may tag their own versions (lmcache/vllm-openai:v0.5.4 is vLLM 0.27.1)', () => {
    expect(VllmImage.fromRegistry('docker.io/lmcache/vllm-openai:v0.5.4', { version: '0.27.1' }).version.toString()).toBe('0.27.1');
  });

  test('a tag before a digest is read', () => {
    expect(VllmImage.fromRegistry('docker.io/vllm/vllm-openai:v0.26.0@sha256:' + 'a'.repeat(64)).version.toString()).toBe('0.26.0');
  });
});

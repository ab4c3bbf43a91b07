import { Size } from 'cdk8s';
import { chart, container, env, find, synth } from './util';
import { Model, ModelCache, PrefillTier } from '../src';

describe('ModelCache', () => {
  test('default cache is an unlimited emptyDir at /model-cache with HF_HOME pointing to it', () => {
    const cache = ModelCache.emptyDir();
    expect(cache.mountPath).toBe('/model-cache');
    expect(cache.readOnly).toBe(false);
    expect(cache._volume('model-cache')).toEqual({ name: 'model-cache', emptyDir: { sizeLimit: undefined } });
    expect(cache._env()).toEqual([{ name: 'HF_HOME', value: '/model-cache' }]);
  });

  test('emptyDir with a size limit is mounted writable and points HF_HOME at it', () => {
    const c = chart();
    new PrefillTier(c, 'Prefill', {
      model: Model.LLAMA_3_1_8B_INSTRUCT,
      modelCache: ModelCache.emptyDir({ sizeLimit: Size.gibibytes(200) }),
    });
    const objects = synth(c);
    expect(objects).toMatchSnapshot();
    const dep = find(objects, 'Deployment', 'prefill');
    expect(dep.spec.template.spec.volumes).toContainEqual({ name: 'model-cache', emptyDir: { sizeLimit: '200Gi' } });
    expect(container(dep).volumeMounts).toContainEqual({ name: 'model-cache', mountPath: '/model-cache' });
    expect(env(dep, 'HF_HOME')).toEqual({ name: 'HF_HOME', value: '/model-cache' });
    expect(env(dep, 'HF_HUB_OFFLINE')).toBeUndefined();
  });

  test('a size limit that is not a whole number of GiB is rendered in MiB', () => {
    const volume = ModelCache.emptyDir({ sizeLimit: Size.mebibytes(1536) })._volume('model-cache');
    expect(volume.emptyDir?.sizeLimit?.value).toBe('1536Mi');
  });

  test('a read-only PersistentVolumeClaim is mounted read-only and switches Hugging Face downloads off', () => {
    const c = chart();
    const cache = ModelCache.persistentVolumeClaim('llama-weights', { readOnly: true });
    expect(cache.readOnly).toBe(true);
    new PrefillTier(c, 'Prefill', { model: Model.LLAMA_3_1_8B_INSTRUCT, modelCache: cache });
    const objects = synth(c);
    expect(objects).toMatchSnapshot();
    const dep = find(objects, 'Deployment', 'prefill');
    expect(dep.spec.template.spec.volumes).toContainEqual({
      name: 'model-cache',
      persistentVolumeClaim: { claimName: 'llama-weights', readOnly: true },
    });
    expect(container(dep).volumeMounts).toContainEqual({ name: 'model-cache', mountPath: '/model-cache', readOnly: true });
    expect(env(dep, 'HF_HOME')).toEqual({ name: 'HF_HOME', value: '/model-cache' });
    expect(env(dep, 'HF_HUB_OFFLINE')).toEqual({ name: 'HF_HUB_OFFLINE', value: '1' });
  });

  test('a writable PersistentVolumeClaim keeps downloads on and renders no readOnly flags', () => {
    const cache = ModelCache.persistentVolumeClaim('shared-models.cache');
    expect(cache.readOnly).toBe(false);
    expect(cache._volume('model-cache')).toEqual({
      name: 'model-cache',
      persistentVolumeClaim: { claimName: 'shared-models.cache', readOnly: undefined },
    });
    expect(cache._mount('model-cache')).toEqual({ name: 'model-cache', mountPath: '/model-cache', readOnly: undefined });
    expect(cache._env()).toEqual([{ name: 'HF_HOME', value: '/model-cache' }]);
  });

  test.each(['Llama-Weights', 'llama_weights', '-weights', 'weights-', ''])('fails when claimName is %p', (claimName) => {
    expect(() => ModelCache.persistentVolumeClaim(claimName))
      .toThrow(new RegExp(`^ModelCache\\.persistentVolumeClaim: 'claimName' \\('${claimName}'\\) must be a Kubernetes object name \\(RFC 1123 subdomain\\)$`));
  });

  test('fails when claimName is longer than 253 characters', () => {
    const claimName = 'a'.repeat(254);
    expect(() => ModelCache.persistentVolumeClaim(claimName))
      .toThrow(/'claimName' \('a{254}'\) must be a Kubernetes object name \(RFC 1123 subdomain\)/);
  });
});

import { Duration } from 'cdk8s';
import {
  Accelerator, AttentionKind, DecodeTier, Interconnect, KvBufferDevice, KvConnector, KvLoadFailurePolicy, KvRole, Model, NixlBackend,
  NixlTransferMode, PdService, PrefillTier, VllmImage,
} from '../../src';
import { expectOnlyDocumentedKeys } from '../kv-transfer-config-keys';
import { argValue, chart, container, env, find, kvTransferConfig, Manifest, synth, unsized } from '../util';

function ports(dep: Manifest): any[] {
  return container(dep).ports;
}

describe('NixlConnector', () => {
  test('defaults on a prefill tier: pull connector, UCX, CUDA buffer, pod-IP side channel on 5600', () => {
    const c = chart();
    new PrefillTier(c, 'Prefill', { model: unsized(Model.LLAMA_3_1_8B_INSTRUCT), kvConnector: KvConnector.nixl() });
    const objects = synth(c);
    expect(objects).toMatchSnapshot();
    const dep = find(objects, 'Deployment', 'prefill');
    const config = kvTransferConfig(dep);
    // NixlConnector is pull mode on every release (an alias of NixlPullConnector since PR #35264).
    expect(config).toEqual({
      kv_connector: 'NixlConnector',
      kv_role: 'kv_producer',
      kv_buffer_device: 'cuda',
      kv_load_failure_policy: 'fail',
      kv_connector_extra_config: { backends: ['UCX'] },
    });
    expectOnlyDocumentedKeys(config);
    expect(env(dep, 'VLLM_NIXL_SIDE_CHANNEL_HOST')).toEqual({
      name: 'VLLM_NIXL_SIDE_CHANNEL_HOST',
      valueFrom: { fieldRef: { fieldPath: 'status.podIP' } },
    });
    expect(env(dep, 'VLLM_NIXL_SIDE_CHANNEL_PORT')).toEqual({ name: 'VLLM_NIXL_SIDE_CHANNEL_PORT', value: '5600' });
    expect(ports(dep)).toEqual([
      { name: 'http', containerPort: 8000, protocol: 'TCP' },
      { name: 'nixl-side-0', containerPort: 5600, protocol: 'TCP' },
    ]);
  });

  test('PdService with data parallel 2: one side-channel port per rank, backends, host buffer and lease on both tiers', () => {
    const c = chart();
    new PdService(c, 'Svc', {
      model: unsized(Model.LLAMA_3_1_8B_INSTRUCT),
      kvConnector: KvConnector.nixl({
        backends: [NixlBackend.UCX, NixlBackend.LIBFABRIC],
        kvBufferDevice: KvBufferDevice.CPU,
        kvLeaseDuration: Duration.minutes(2),
        kvLoadFailurePolicy: KvLoadFailurePolicy.RECOMPUTE,
      }),
      // LIBFABRIC is NIXL's EFA path.
      interconnect: Interconnect.efa({ count: 4 }),
      prefill: { dataParallelSize: 2 },
      decode: { dataParallelSize: 2, kvRole: KvRole.KV_BOTH },
    });
    const objects = synth(c);
    expect(objects).toMatchSnapshot();
    for (const [role, kvRole] of [['prefill', 'kv_producer'], ['decode', 'kv_both']]) {
      const dep = find(objects, 'Deployment', role);
      const config = kvTransferConfig(dep);
      expect(config).toEqual({
        kv_connector: 'NixlConnector',
        kv_role: kvRole,
        kv_buffer_device: 'cpu',
        kv_load_failure_policy: 'recompute',
        kv_connector_extra_config: { backends: ['UCX', 'LIBFABRIC'], kv_lease_duration: 120 },
      });
      expectOnlyDocumentedKeys(config);
      expect(argValue(dep, '--data-parallel-size')).toBe('2');
      expect(ports(dep)).toEqual([
        { name: 'http', containerPort: 8000, protocol: 'TCP' },
        { name: 'nixl-side-0', containerPort: 5600, protocol: 'TCP' },
        { name: 'nixl-side-1', containerPort: 5601, protocol: 'TCP' },
      ]);
      // The base port is what vLLM reads; it adds the data-parallel rank itself.
      expect(env(dep, 'VLLM_NIXL_SIDE_CHANNEL_PORT')).toEqual({ name: 'VLLM_NIXL_SIDE_CHANNEL_PORT', value: '5600' });
      expect(env(dep, 'VLLM_NIXL_SIDE_CHANNEL_HOST').valueFrom).toEqual({ fieldRef: { fieldPath: 'status.podIP' } });
    }
  });

  test('decode tier as kv_both with a custom side-channel port', () => {
    const c = chart();
    const tier = new DecodeTier(c, 'Decode', {
      model: unsized(Model.LLAMA_3_1_8B_INSTRUCT),
      kvRole: KvRole.KV_BOTH,
      kvConnector: KvConnector.nixl({ sideChannelPort: 7000 }),
    });
    expect(tier.kvRole).toBe(KvRole.KV_BOTH);
    const objects = synth(c);
    expect(objects).toMatchSnapshot();
    const dep = find(objects, 'Deployment', 'decode');
    const config = kvTransferConfig(dep);
    expect(config.kv_role).toBe('kv_both');
    expectOnlyDocumentedKeys(config);
    expect(env(dep, 'VLLM_NIXL_SIDE_CHANNEL_PORT')).toEqual({ name: 'VLLM_NIXL_SIDE_CHANNEL_PORT', value: '7000' });
    expect(ports(dep)).toContainEqual({ name: 'nixl-side-0', containerPort: 7000, protocol: 'TCP' });
    expect(ports(dep).map((p: any) => p.containerPort)).not.toContain(5600);
  });

  test('kvLeaseDuration is accepted from vLLM 0.22.0', () => {
    const tier = new PrefillTier(chart(), 'Prefill', {
      model: unsized(Model.LLAMA_3_1_8B_INSTRUCT),
      image: VllmImage.official('v0.22.0'),
      kvConnector: KvConnector.nixl({ kvLeaseDuration: Duration.seconds(45) }),
    });
    expect(tier.kvConnector._transferConfig(tier._context).kv_connector_extra_config).toEqual({ backends: ['UCX'], kv_lease_duration: 45 });
  });

  test('without kvLeaseDuration no kv_lease_duration is rendered, even on old images', () => {
    const tier = new PrefillTier(chart(), 'Prefill', { model: unsized(Model.LLAMA_3_1_8B_INSTRUCT), image: VllmImage.official('v0.21.0') });
    expect(tier.kvConnector._transferConfig(tier._context).kv_connector_extra_config).toEqual({ backends: ['UCX'] });
  });

  test.each([
    ['v0.23.0', 'NixlConnector'],
    ['v0.24.0', 'NixlConnector'],
    ['v0.32.0', 'NixlConnector'],
  ])('pull mode on %s renders kv_connector %s (the name that means pull on every release)', (tag, name) => {
    const tier = new PrefillTier(chart(), 'Prefill', { model: unsized(Model.LLAMA_3_1_8B_INSTRUCT), image: VllmImage.official(tag) });
    expect(tier.kvConnector._transferConfig(tier._context).kv_connector).toBe(name);
  });

  test('push mode renders NixlPushConnector from vLLM 0.26.0', () => {
    const connector = KvConnector.nixl({ transferMode: NixlTransferMode.PUSH });
    expect(connector.displayName).toBe('NixlPushConnector');
    const tier = new PrefillTier(chart(), 'Prefill', { model: unsized(Model.LLAMA_3_1_8B_INSTRUCT), image: VllmImage.official('v0.26.0'), kvConnector: connector });
    const config = tier.kvConnector._transferConfig(tier._context);
    expect(config.kv_connector).toBe('NixlPushConnector');
    expectOnlyDocumentedKeys(config);
  });

  test('fails when push mode is used on a vLLM image older than 0.26.0 (the first confirmed release with it)', () => {
    expect(() => new PrefillTier(chart(), 'Prefill', {
      model: unsized(Model.LLAMA_3_1_8B_INSTRUCT),
      image: VllmImage.official('v0.25.1'),
      kvConnector: KvConnector.nixl({ transferMode: NixlTransferMode.PUSH }),
    })).toThrow(/^PrefillTier 'test\/Prefill': 'transferMode' \('push'\) needs connectors 'NixlPullConnector' and 'NixlPushConnector', which exists in vLLM >= 0\.26\.0 \(source: .*\); the image is vLLM 0\.25\.1\. Use NixlTransferMode\.PULL on this release$/);
  });

  test('fails when transferMode is not pull or push', () => {
    expect(() => KvConnector.nixl({ transferMode: 'write' as NixlTransferMode }))
      .toThrow(/^KvConnector\.nixl: 'transferMode' \('write'\) must be one of \["pull","push"\]$/);
  });

  test('kvRecomputeThreshold is rendered as kv_recompute_threshold', () => {
    const tier = new PrefillTier(chart(), 'Prefill', { model: unsized(Model.LLAMA_3_1_8B_INSTRUCT), kvConnector: KvConnector.nixl({ kvRecomputeThreshold: 64 }) });
    const config = tier.kvConnector._transferConfig(tier._context);
    expect(config.kv_connector_extra_config).toEqual({ backends: ['UCX'], kv_recompute_threshold: 64 });
    expectOnlyDocumentedKeys(config);
  });

  test('fails when kvRecomputeThreshold is negative', () => {
    expect(() => KvConnector.nixl({ kvRecomputeThreshold: -1 }))
      .toThrow(/^KvConnector\.nixl: 'kvRecomputeThreshold' \(-1\) must be an integer >= 0$/);
  });

  test('enforceHandshakeCompat is rendered only when set', () => {
    const off = new PrefillTier(chart(), 'Off', { model: unsized(Model.LLAMA_3_1_8B_INSTRUCT), kvConnector: KvConnector.nixl({ enforceHandshakeCompat: false }) });
    const unset = new PrefillTier(chart(), 'Unset', { model: unsized(Model.LLAMA_3_1_8B_INSTRUCT) });
    const offConfig = off.kvConnector._transferConfig(off._context);
    expect(offConfig.kv_connector_extra_config).toEqual({ backends: ['UCX'], enforce_handshake_compat: false });
    expectOnlyDocumentedKeys(offConfig);
    expect(unset.kvConnector._transferConfig(unset._context).kv_connector_extra_config).toEqual({ backends: ['UCX'] });
  });

  test('prefill may run as kv_both', () => {
    const tier = new PrefillTier(chart(), 'Prefill', { model: unsized(Model.LLAMA_3_1_8B_INSTRUCT), kvRole: KvRole.KV_BOTH });
    expect(tier.kvConnector._transferConfig(tier._context).kv_role).toBe('kv_both');
  });

  test('fails when the side-channel port collides with the vLLM HTTP port', () => {
    expect(() => new PrefillTier(chart(), 'Prefill', {
      model: unsized(Model.LLAMA_3_1_8B_INSTRUCT),
      dataParallelSize: 2,
      kvConnector: KvConnector.nixl({ sideChannelPort: 7999 }),
    })).toThrow(/^PrefillTier 'test\/Prefill': 'container port 'nixl-side-1'' \(8000\) collides with container port 'http'; change 'port' or the connector's port options$/);
  });

  test('fails when kvLeaseDuration is used on a vLLM image older than 0.22.0', () => {
    expect(() => new PrefillTier(chart(), 'Prefill', {
      model: unsized(Model.LLAMA_3_1_8B_INSTRUCT),
      image: VllmImage.official('v0.21.0'),
      kvConnector: KvConnector.nixl({ kvLeaseDuration: Duration.seconds(30) }),
    })).toThrow(/^PrefillTier 'test\/Prefill': 'kvLeaseDuration' \('30s'\) needs NIXL extra config 'kv_lease_duration', which exists in vLLM >= 0\.22\.0 \(source: .*\); the image is vLLM 0\.21\.0\. Remove kvLeaseDuration or use a newer image$/);
  });

  test.each([[Duration.seconds(0), '0ms'], [Duration.millis(500), '500ms'], [Duration.millis(1500), '1500ms']])(
    'fails when kvLeaseDuration is %p (not whole seconds >= 1)', (lease, shown) => {
      expect(() => KvConnector.nixl({ kvLeaseDuration: lease }))
        .toThrow(new RegExp(`^KvConnector\\.nixl: 'kvLeaseDuration' \\('${shown}'\\) must be a whole number of seconds >= 1$`));
    });

  test('NixlBackend catalogue names are the NIXL plugin names', () => {
    expect([NixlBackend.UCX, NixlBackend.GDS, NixlBackend.GDS_MT, NixlBackend.LIBFABRIC, NixlBackend.POSIX].map(b => b.name))
      .toEqual(['UCX', 'GDS', 'GDS_MT', 'LIBFABRIC', 'POSIX']);
  });

  test('NixlBackend.of takes another plugin by its exact name, in order', () => {
    const tier = new PrefillTier(chart(), 'Prefill', {
      model: unsized(Model.LLAMA_3_1_8B_INSTRUCT),
      kvConnector: KvConnector.nixl({ backends: [NixlBackend.of('MOONCAKE'), NixlBackend.of('UCX2'), NixlBackend.GDS_MT] }),
    });
    expect(tier.kvConnector._transferConfig(tier._context).kv_connector_extra_config).toEqual({ backends: ['MOONCAKE', 'UCX2', 'GDS_MT'] });
  });

  test.each(['bad name', 'ucx', 'Ucx', '2UCX', 'UCX-2', ''])('fails when NixlBackend.of is given %p', (name) => {
    expect(() => NixlBackend.of(name))
      .toThrow(new RegExp(`^NixlBackend: 'name' \\('${name}'\\) must be a NIXL plugin name in upper case, e\\.g\\. 'UCX' or 'LIBFABRIC'$`));
  });

  test('fails when backends is empty', () => {
    expect(() => KvConnector.nixl({ backends: [] }))
      .toThrow(/^KvConnector\.nixl: 'backends' \(\[\]\) must list at least one NIXL backend, e\.g\. \[NixlBackend\.UCX\]$/);
  });

  test('fails when a backend is listed twice', () => {
    expect(() => KvConnector.nixl({ backends: [NixlBackend.UCX, NixlBackend.GDS, NixlBackend.of('UCX')] }))
      .toThrow(/^KvConnector\.nixl: 'backends' \(\["UCX","GDS","UCX"\]\) lists 'UCX' twice$/);
  });

  test('fails when kvBufferDevice is not cuda or cpu', () => {
    expect(() => KvConnector.nixl({ kvBufferDevice: 'xpu' as KvBufferDevice }))
      .toThrow(/^KvConnector\.nixl: 'kvBufferDevice' \('xpu'\) must be one of \["cuda","cpu"\]$/);
  });

  test('fails when sideChannelPort is 0', () => {
    expect(() => KvConnector.nixl({ sideChannelPort: 0 }))
      .toThrow(/^KvConnector\.nixl: 'sideChannelPort' \(0\) must be an integer >= 1$/);
  });

  test('fails when sideChannelPort is not an integer', () => {
    expect(() => KvConnector.nixl({ sideChannelPort: 5600.5 }))
      .toThrow(/^KvConnector\.nixl: 'sideChannelPort' \(5600\.5\) must be an integer >= 1$/);
  });

  test('fails when sideChannelPort is above 65535', () => {
    expect(() => KvConnector.nixl({ sideChannelPort: 65536 }))
      .toThrow(/^KvConnector\.nixl: 'sideChannelPort' \(65536\) must be a TCP port \(1-65535\)$/);
  });

  test('fails when the side-channel ports of all data-parallel ranks do not fit below 65536', () => {
    expect(() => new PrefillTier(chart(), 'Prefill', {
      model: unsized(Model.LLAMA_3_1_8B_INSTRUCT),
      dataParallelSize: 2,
      kvConnector: KvConnector.nixl({ sideChannelPort: 65535 }),
    })).toThrow(/^PrefillTier 'test\/Prefill': 'sideChannelPort' \(65535\) plus dataParallelSize \(2\) exceeds port 65535$/);
  });

  test('fails when prefill kvRole is KV_CONSUMER', () => {
    expect(() => new PrefillTier(chart(), 'Prefill', { model: unsized(Model.LLAMA_3_1_8B_INSTRUCT), kvRole: KvRole.KV_CONSUMER }))
      .toThrow(/^PrefillTier 'test\/Prefill': 'kvRole' \('kv_consumer'\) is not allowed for NixlConnector on a prefill tier; allowed: kv_producer, kv_both$/);
  });

  test('fails when decode kvRole is KV_PRODUCER', () => {
    expect(() => new DecodeTier(chart(), 'Decode', { model: unsized(Model.LLAMA_3_1_8B_INSTRUCT), kvRole: KvRole.KV_PRODUCER }))
      .toThrow(/^DecodeTier 'test\/Decode': 'kvRole' \('kv_producer'\) is not allowed for NixlConnector on a decode tier; allowed: kv_consumer, kv_both$/);
  });

  // Heterogeneous TP, as vLLM's NIXL handshake (`_validate_remote_agent_handshake`) enforces it per release.
  const svcAt = (tag: string, model: Model, p: number, d: number) => new PdService(chart(), 'Svc', {
    model, image: VllmImage.official(tag), prefill: { tensorParallelSize: p }, decode: { tensorParallelSize: d },
  });
  const dense8 = Model.of('org/dense', { architecture: { numAttentionHeads: 32, numKeyValueHeads: 8 } });

  test('the seed topology (prefill TP 4, decode TP 2, 8 KV heads) is accepted on the default release', () => {
    const svc = new PdService(chart(), 'Svc', {
      model: unsized(Model.LLAMA_3_1_70B_INSTRUCT), prefill: { tensorParallelSize: 4 }, decode: { tensorParallelSize: 2 },
    });
    expect([svc.prefill.tensorParallelSize, svc.decode.tensorParallelSize]).toEqual([4, 2]);
  });

  test('prefill TP above decode TP is accepted from 0.14.0 (PR #27274) while prefill TP is below the KV heads', () => {
    expect(svcAt('v0.14.0', dense8, 4, 1).decode.tensorParallelSize).toBe(1);
  });

  test('fails when prefill TP is above decode TP on 0.13.0 (before PR #27274), for any model', () => {
    for (const model of [dense8, unsized(Model.DEEPSEEK_V3)]) {
      expect(() => svcAt('v0.13.0', model, 4, 2)).toThrow(
        /^PdRouter 'test\/Svc\/Router': 'decode\.tensorParallelSize' \(2\) needs NIXL prefill tensorParallelSize above decode tensorParallelSize, which exists in vLLM >= 0\.14\.0 \(source: vllm-project\/vllm PR #27274 .*\); the image is vLLM 0\.13\.0\. Decode TP is below prefill's tensorParallelSize \(4\)/);
    }
  });

  test('prefill TP equal to the KV heads counts as replicated before 0.20.0 and not from 0.20.0', () => {
    expect(() => svcAt('v0.19.1', dense8, 8, 4)).toThrow(
      /^PdRouter 'test\/Svc\/Router': 'decode\.tensorParallelSize' \(4\) must be >= prefill's tensorParallelSize \(8\) with NixlConnector on vLLM 0\.19\.1: prefill TP 8 reaches the model's 8 KV heads, so prefill KV is replicated/);
    expect(svcAt('v0.20.0', dense8, 8, 4).decode.tensorParallelSize).toBe(4);
  });

  test('fails when prefill TP exceeds the KV heads of a standard model (prefill KV replicated), on the default release', () => {
    const gqa2 = Model.of('org/gqa2', { architecture: { numAttentionHeads: 16, numKeyValueHeads: 2 } });
    expect(() => new PdService(chart(), 'Svc', { model: gqa2, prefill: { tensorParallelSize: 4 }, decode: { tensorParallelSize: 2 } }))
      .toThrow(/^PdRouter 'test\/Svc\/Router': 'decode\.tensorParallelSize' \(2\) must be >= prefill's tensorParallelSize \(4\) with NixlConnector on vLLM 0\.32\.0: prefill TP 4 exceeds the model's 2 KV heads, so prefill KV is replicated/);
  });

  test('without numKeyValueHeads the attention heads are the KV heads (Hugging Face default)', () => {
    const mha = Model.of('org/mha', { architecture: { numAttentionHeads: 8 } });
    expect(svcAt('v0.32.0', mha, 8, 2).decode.tensorParallelSize).toBe(2);
  });

  test('fails when prefill TP is above decode TP and the model architecture is unknown', () => {
    expect(() => new PdService(chart(), 'Svc', { model: Model.of('org/unknown'), prefill: { tensorParallelSize: 4 }, decode: { tensorParallelSize: 2 } }))
      .toThrow(/^PdRouter 'test\/Svc\/Router': 'decode\.tensorParallelSize' \(2\) is below prefill's tensorParallelSize \(4\), which NixlConnector allows only when prefill does not replicate KV heads; declare the model's numKeyValueHeads/);
  });

  test('an MLA model may run prefill TP above decode TP from 0.14.0', () => {
    expect(svcAt('v0.14.0', unsized(Model.DEEPSEEK_V3), 8, 4).decode.tensorParallelSize).toBe(4);
    expect(svcAt('v0.32.0', unsized(Model.DEEPSEEK_V3), 8, 4).decode.tensorParallelSize).toBe(4);
  });

  test('MLA is exempt from the replicated-KV guard from 0.21.0 and held to it on 0.20.x', () => {
    const mla = Model.of('org/mla', { architecture: { numAttentionHeads: 16, numKeyValueHeads: 4, attention: AttentionKind.MLA } });
    expect(svcAt('v0.21.0', mla, 8, 4).decode.tensorParallelSize).toBe(4);
    expect(() => svcAt('v0.20.2', mla, 8, 4)).toThrow(
      /'decode\.tensorParallelSize' \(4\) must be >= prefill's tensorParallelSize \(8\) with NixlConnector on vLLM 0\.20\.2: prefill TP 8 exceeds the model's 4 KV heads/);
  });

  test('a standard model may run decode with a larger tensor parallel size than prefill', () => {
    const svc = new PdService(chart(), 'Svc', {
      model: unsized(Model.LLAMA_3_1_70B_INSTRUCT),
      prefill: { tensorParallelSize: 2 },
      decode: { tensorParallelSize: 4 },
    });
    expect([svc.prefill.tensorParallelSize, svc.decode.tensorParallelSize]).toEqual([2, 4]);
  });

  test.each([[4, 3], [2, 3], [3, 2]])('fails when prefill TP %p and decode TP %p do not divide one another', (p, d) => {
    const model = Model.of('org/dense', { architecture: { numAttentionHeads: 12, numKeyValueHeads: 12 } });
    expect(() => svcAt('v0.32.0', model, p, d)).toThrow(
      new RegExp(`^PdRouter 'test/Svc/Router': 'decode\\.tensorParallelSize' \\(${d}\\) and prefill's tensorParallelSize \\(${p}\\) must divide one another with NixlConnector`));
  });

  const mamba = Model.of('ibm-ai-platform/Bamba-9B', { architecture: { numAttentionHeads: 32, attention: AttentionKind.HYBRID_MAMBA } });

  test('a hybrid Mamba model gets VLLM_SSM_CONV_STATE_LAYOUT=DS on both tiers from vLLM 0.20.0, not before', () => {
    for (const tag of ['v0.20.0', 'v0.32.0']) {
      const c = chart();
      new PdService(c, 'Svc', { model: mamba, image: VllmImage.official(tag) });
      for (const role of ['prefill', 'decode']) {
        expect(env(find(synth(c), 'Deployment', role), 'VLLM_SSM_CONV_STATE_LAYOUT')).toEqual({ name: 'VLLM_SSM_CONV_STATE_LAYOUT', value: 'DS' });
      }
    }
    const c = chart();
    new PdService(c, 'Svc', { model: mamba, image: VllmImage.official('v0.19.1') });
    expect(env(find(synth(c), 'Deployment', 'decode'), 'VLLM_SSM_CONV_STATE_LAYOUT')).toBeUndefined();
  });

  test('a standard model gets no SSM conv layout variable', () => {
    const c = chart();
    new PdService(c, 'Svc', { model: unsized(Model.LLAMA_3_1_8B_INSTRUCT) });
    expect(env(find(synth(c), 'Deployment', 'decode'), 'VLLM_SSM_CONV_STATE_LAYOUT')).toBeUndefined();
  });

  test('a hybrid Mamba model runs with equal tensor parallel sizes', () => {
    const svc = new PdService(chart(), 'Svc', { model: mamba, prefill: { tensorParallelSize: 2 }, decode: { tensorParallelSize: 2 } });
    expect(svc.decode.tensorParallelSize).toBe(2);
  });

  test('fails when a hybrid Mamba model runs decode with a larger tensor parallel size than prefill', () => {
    expect(() => new PdService(chart(), 'Svc', { model: mamba, prefill: { tensorParallelSize: 2 }, decode: { tensorParallelSize: 4 } }))
      .toThrow(/^PdRouter 'test\/Svc\/Router': 'decode\.tensorParallelSize' \(4\) must equal prefill's tensorParallelSize \(2\) for hybrid Mamba models with NixlConnector/);
  });

  // Pipeline parallelism: pull reads from one prefill PP stage only (nixl/pull_worker.py at 0.32.0); push supports PP
  // on prefill only (vllm-project/vllm PR #45880).
  test.each(['prefill', 'decode'])('fails when the %s tier runs pipelineParallelSize 2 with NIXL pull', (tier) => {
    const Tier = tier === 'prefill' ? PrefillTier : DecodeTier;
    const name = tier === 'prefill' ? 'Prefill' : 'Decode';
    expect(() => new Tier(chart(), name, { model: unsized(Model.LLAMA_3_1_70B_INSTRUCT), pipelineParallelSize: 2, kvConnector: KvConnector.nixl() }))
      .toThrow(new RegExp(`^${name}Tier 'test/${name}': 'pipelineParallelSize' \\(2\\) must be 1 with NixlConnector in pull mode`));
  });

  test('fails on NIXL pull with pipelineParallelSize 2 on every supported release, 0.12.0 included', () => {
    expect(() => new PrefillTier(chart(), 'Prefill', {
      model: unsized(Model.LLAMA_3_1_70B_INSTRUCT), image: VllmImage.official('v0.12.0'), pipelineParallelSize: 2,
    })).toThrow(/'pipelineParallelSize' \(2\) must be 1 with NixlConnector in pull mode/);
  });

  test('push mode accepts pipelineParallelSize 2 on prefill', () => {
    const tier = new PrefillTier(chart(), 'Prefill', {
      model: unsized(Model.LLAMA_3_1_70B_INSTRUCT), pipelineParallelSize: 2, kvConnector: KvConnector.nixl({ transferMode: NixlTransferMode.PUSH }),
    });
    expect(tier.pipelineParallelSize).toBe(2);
  });

  test('fails when decode runs pipelineParallelSize 2 with NIXL push', () => {
    expect(() => new DecodeTier(chart(), 'Decode', {
      model: unsized(Model.LLAMA_3_1_70B_INSTRUCT), pipelineParallelSize: 2, kvConnector: KvConnector.nixl({ transferMode: NixlTransferMode.PUSH }),
    })).toThrow(/^DecodeTier 'test\/Decode': 'pipelineParallelSize' \(2\) must be 1 on decode with NixlTransferMode\.PUSH/);
  });

  test('fails when a hybrid Mamba prefill runs pipelineParallelSize 2 with NIXL push', () => {
    const hybrid = Model.of('org/hybrid', { architecture: { numAttentionHeads: 32, numHiddenLayers: 32, attention: AttentionKind.HYBRID_MAMBA } });
    expect(() => new PrefillTier(chart(), 'Prefill', {
      model: hybrid, pipelineParallelSize: 2, kvConnector: KvConnector.nixl({ transferMode: NixlTransferMode.PUSH }),
    })).toThrow(/^PrefillTier 'test\/Prefill': 'pipelineParallelSize' \(2\) must be 1 for hybrid Mamba models with NixlConnector/);
  });
});

describe('NixlConnector ucxTcpPortRange', () => {
  const range = (first: number, last: number) => KvConnector.nixl({ ucxTcpPortRange: { first, last } });

  test('sets UCX_TCP_PORT_RANGE on both tiers and declares no container ports for it', () => {
    const c = chart();
    new PdService(c, 'Svc', {
      model: unsized(Model.LLAMA_3_1_8B_INSTRUCT),
      kvConnector: range(20000, 20127),
      prefill: { tensorParallelSize: 4 },
      decode: { tensorParallelSize: 8 },
    });
    const objects = synth(c);
    expect(objects).toMatchSnapshot();
    for (const role of ['prefill', 'decode']) {
      const dep = find(objects, 'Deployment', role);
      expect(env(dep, 'UCX_TCP_PORT_RANGE')).toEqual({ name: 'UCX_TCP_PORT_RANGE', value: '20000-20127' });
      expect(ports(dep).map((p: any) => p.name)).toEqual(['http', 'nixl-side-0']);
    }
  });

  test('a single-GPU tier needs 16 ports; the policies open the range, not every port', () => {
    const c = chart();
    new PdService(c, 'Svc', {
      model: unsized(Model.LLAMA_3_1_8B_INSTRUCT),
      kvConnector: range(20000, 20015),
      prefill: { accelerator: Accelerator.NVIDIA_L4 },
      decode: { accelerator: Accelerator.NVIDIA_L4 },
    });
    const objects = synth(c);
    const policy = objects.find(o => o.kind === 'NetworkPolicy' && o.metadata.labels['app.kubernetes.io/component'] === 'decode')!;
    expect(policy.spec.ingress.flatMap((r: any) => r.ports)).toContainEqual({ protocol: 'TCP', port: 20000, endPort: 20015 });
    expect(policy.spec.ingress.flatMap((r: any) => r.ports)).not.toContainEqual({ protocol: 'TCP' });
  });

  test('storage backends beside UCX are fine: they move no KV between pods', () => {
    expect(() => KvConnector.nixl({ backends: [NixlBackend.UCX, NixlBackend.GDS], ucxTcpPortRange: { first: 20000, last: 20127 } }))
      .not.toThrow();
  });

  test('fails when first is above last', () => {
    expect(() => range(20127, 20000))
      .toThrow(/^KvConnector\.nixl: 'ucxTcpPortRange' \('20127-20000'\) must have 'first' <= 'last'$/);
  });

  test('fails when last is missing or not a port', () => {
    expect(() => KvConnector.nixl({ ucxTcpPortRange: { first: 20000 } as any }))
      .toThrow(/^KvConnector\.nixl: 'ucxTcpPortRange\.last' .*required/);
    expect(() => range(20000, 70000))
      .toThrow(/^KvConnector\.nixl: 'ucxTcpPortRange\.last' \(70000\) must be a TCP port \(1-65535\)$/);
  });

  test('fails when LIBFABRIC also moves KV (its ports are not pinned)', () => {
    expect(() => KvConnector.nixl({ backends: [NixlBackend.UCX, NixlBackend.LIBFABRIC], ucxTcpPortRange: { first: 20000, last: 20127 } }))
      .toThrow(/^KvConnector\.nixl: 'ucxTcpPortRange' \('20000-20127'\) pins the ports of UCX, which must then be the only backend .*\["UCX","LIBFABRIC"\]/);
  });

  test('fails when UCX is not a backend', () => {
    expect(() => KvConnector.nixl({ backends: [NixlBackend.of('MOONCAKE')], ucxTcpPortRange: { first: 20000, last: 20127 } }))
      .toThrow(/^KvConnector\.nixl: 'ucxTcpPortRange' \('20000-20127'\) pins the ports of UCX's TCP transport, so it needs NixlBackend\.UCX in 'backends' \(backends are \["MOONCAKE"\]\)$/);
  });

  test('storage backends beside UCX, NIXL\'s newer ones too, are fine', () => {
    expect(() => KvConnector.nixl({ backends: [NixlBackend.UCX, NixlBackend.of('OBJ')], ucxTcpPortRange: { first: 20000, last: 20127 } }))
      .not.toThrow();
  });

  test('fails with one GPU per pod and a 15-port range (the message counts one GPU)', () => {
    expect(() => new PrefillTier(chart(), 'Prefill', {
      model: unsized(Model.LLAMA_3_1_8B_INSTRUCT), kvConnector: range(20000, 20014), accelerator: Accelerator.NVIDIA_L4,
    })).toThrow(/'ucxTcpPortRange' \('20000-20014'\) must hold at least 16 ports per GPU of a pod \(16 for 1 GPU\): /);
  });

  test('fails when the range holds fewer than 16 ports per GPU of a pod', () => {
    const c = chart();
    expect(() => new PrefillTier(c, 'Prefill', {
      model: unsized(Model.LLAMA_3_1_8B_INSTRUCT), kvConnector: range(20000, 20062), tensorParallelSize: 4,
    })).toThrow(/'ucxTcpPortRange' \('20000-20062'\) must hold at least 16 ports per GPU of a pod \(64 for 4 GPUs\)/);
  });

  test('fails when the range contains the side-channel port', () => {
    const c = chart();
    expect(() => new PrefillTier(c, 'Prefill', { model: unsized(Model.LLAMA_3_1_8B_INSTRUCT), kvConnector: range(5500, 5700) }))
      .toThrow(/'ucxTcpPortRange' \('5500-5700'\) \(set by NixlConnector\) contains container port 'nixl-side-0' \(5600\); choose a range outside the pod's ports/);
  });

  test('fails when the range contains the vLLM HTTP port', () => {
    const c = chart();
    expect(() => new PrefillTier(c, 'Prefill', { model: unsized(Model.LLAMA_3_1_8B_INSTRUCT), kvConnector: range(7990, 8100) }))
      .toThrow(/'ucxTcpPortRange' \('7990-8100'\) \(set by NixlConnector\) contains container port 'http' \(8000\)/);
  });
});

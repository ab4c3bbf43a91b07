import { Duration, Size } from 'cdk8s';
import { Cpu, EnvValue, Secret } from 'cdk8s-plus-28';
import { argValue, chart, container, env, find, synth } from './util';
import {
  Accelerator, AttentionKind, DecodeTier, KvCacheDtype, KvConnector, Model, ModelCache, NixlTransferMode, PdService, PerformanceMode, PrefillTier,
  VllmImage,
} from '../src';

const model = Model.LLAMA_3_1_8B_INSTRUCT;

describe('VllmTier (shared by PrefillTier and DecodeTier)', () => {
  test('renders every typed setting as a vllm serve flag', () => {
    const c = chart();
    new DecodeTier(c, 'Decode', {
      model,
      servedModelName: 'llama',
      tokenizer: 'meta-llama/Llama-3.1-8B-Instruct',
      replicas: 3,
      tensorParallelSize: 2,
      pipelineParallelSize: 2,
      dataParallelSize: 2,
      gpuMemoryUtilization: 0.92,
      maxModelLen: 32768,
      maxNumSeqs: 256,
      maxNumBatchedTokens: 32768,
      blockSize: 128,
      kvCacheDtype: KvCacheDtype.FP8,
      enablePrefixCaching: true,
      enableChunkedPrefill: false,
      // NIXL refuses pipeline parallelism on decode (pull and push), so this tier offloads KV instead.
      kvConnector: KvConnector.offloading({ cpuBytesToUse: Size.gibibytes(10) }),
      extraArgs: ['--enforce-eager'],
    });
    const objects = synth(c);
    expect(objects).toMatchSnapshot();
    const dep = find(objects, 'Deployment', 'decode');
    expect(container(dep).command).toEqual(['vllm', 'serve']);
    expect(container(dep).args).toEqual([
      'meta-llama/Llama-3.1-8B-Instruct',
      '--served-model-name=llama',
      '--tokenizer=meta-llama/Llama-3.1-8B-Instruct',
      '--port=8000',
      '--tensor-parallel-size=2',
      '--pipeline-parallel-size=2',
      '--data-parallel-size=2',
      '--gpu-memory-utilization=0.92',
      '--max-model-len=32768',
      '--max-num-seqs=256',
      '--max-num-batched-tokens=32768',
      '--block-size=128',
      '--kv-cache-dtype=fp8',
      '--enable-prefix-caching',
      '--no-enable-chunked-prefill',
      expect.stringMatching(/^--kv-transfer-config=\{/),
      '--shutdown-timeout=60',
      '--enforce-eager',
    ]);
    expect(dep.spec.replicas).toBe(3);
  });

  test('GPUs per pod are tensor x pipeline x data, as requests and limits', () => {
    const c = chart();
    // NIXL supports pipeline parallelism on a pushing prefill only (vllm-project/vllm PR #45880).
    new PrefillTier(c, 'P', {
      model,
      tensorParallelSize: 2,
      pipelineParallelSize: 2,
      dataParallelSize: 2,
      kvConnector: KvConnector.nixl({ transferMode: NixlTransferMode.PUSH }),
    });
    const res = container(find(synth(c), 'Deployment', 'prefill')).resources;
    expect(res.requests['nvidia.com/gpu']).toBe(8);
    expect(res.limits['nvidia.com/gpu']).toBe(8);
    expect(res.requests.cpu).toBe('32');
    expect(res.limits.cpu).toBeUndefined();
    expect(res.requests.memory).toBe('256Gi');
    expect(res.limits.memory).toBe('256Gi');
  });

  test('pod: /dev/shm in memory, model cache, node selector, toleration, probes, drain', () => {
    const c = chart();
    new PrefillTier(c, 'P', {
      model,
      accelerator: Accelerator.NVIDIA_A100_80GB,
      sharedMemorySize: Size.gibibytes(8),
      startupTimeout: Duration.minutes(30),
      drainTimeout: Duration.seconds(120),
      modelCache: ModelCache.persistentVolumeClaim('weights', { readOnly: true }),
      resources: { cpu: Cpu.units(6), memory: Size.gibibytes(64) },
    });
    const dep = find(synth(c), 'Deployment', 'prefill');
    const pod = dep.spec.template.spec;
    expect(pod.volumes).toEqual([
      { name: 'dshm', emptyDir: { medium: 'Memory', sizeLimit: '8Gi' } },
      { name: 'model-cache', persistentVolumeClaim: { claimName: 'weights', readOnly: true } },
      // Writable HOME and /tmp under the read-only root filesystem (private/security.ts).
      { name: 'home', emptyDir: {} },
      { name: 'tmp', emptyDir: {} },
    ]);
    expect(container(dep).volumeMounts).toEqual([
      { name: 'dshm', mountPath: '/dev/shm' },
      { name: 'model-cache', mountPath: '/model-cache', readOnly: true },
      { name: 'home', mountPath: '/home/vllm' },
      { name: 'tmp', mountPath: '/tmp' },
    ]);
    expect(env(dep, 'HF_HOME')).toEqual({ name: 'HF_HOME', value: '/model-cache' });
    expect(env(dep, 'HF_HUB_OFFLINE')).toEqual({ name: 'HF_HUB_OFFLINE', value: '1' });
    expect(pod.nodeSelector).toEqual({ 'nvidia.com/gpu.product': 'NVIDIA-A100-SXM4-80GB' });
    expect(pod.tolerations).toEqual([{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }]);
    expect(container(dep).startupProbe).toEqual({
      httpGet: { path: '/health', port: 'http' }, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 180,
    });
    expect(container(dep).readinessProbe.httpGet.path).toBe('/health');
    expect(container(dep).livenessProbe.httpGet.path).toBe('/health');
    expect(argValue(dep, '--shutdown-timeout')).toBe('120');
    // preStop sleep (10 s default) + drain (120 s) + 30 s margin.
    expect(pod.terminationGracePeriodSeconds).toBe(160);
    expect(container(dep).lifecycle).toEqual({ preStop: { exec: { command: ['sleep', '10'] } } });
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(container(dep).resources.requests.cpu).toBe('6');
    expect(dep.spec.strategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxSurge: 0, maxUnavailable: 1 } });
  });

  test('labels: app.kubernetes.io/* and llm-d.ai/role; the Service selects the tier pods', () => {
    const c = chart();
    const tier = new DecodeTier(c, 'D', { model });
    const objects = synth(c);
    const dep = find(objects, 'Deployment', 'decode');
    const svc = find(objects, 'Service', 'decode');
    expect(dep.spec.template.metadata.labels).toEqual({
      'app.kubernetes.io/name': 'vllm',
      'app.kubernetes.io/instance': 'test',
      'app.kubernetes.io/component': 'decode',
      'app.kubernetes.io/version': '0.32.0',
      'app.kubernetes.io/managed-by': 'cdk8s-vllm-pd',
      'llm-d.ai/role': 'decode',
    });
    expect(svc.spec.selector).toEqual(dep.spec.selector.matchLabels);
    expect(svc.spec.selector).toEqual(tier.selectorLabels);
    expect(svc.spec.ports).toEqual([{ name: 'http', port: 8000, targetPort: 'http', protocol: 'TCP' }]);
    expect(svc.metadata.name).toBe(tier.serviceName);
  });

  test('extra env is rendered after library env; secrets by reference', () => {
    const c = chart();
    new PrefillTier(c, 'P', {
      model,
      extraEnv: [
        { name: 'UCX_TLS', value: EnvValue.fromValue('rc,cuda_copy') },
        { name: 'VLLM_API_KEY', value: EnvValue.fromSecretValue({ secret: Secret.fromSecretName(c, 'K', 'api'), key: 'key' }) },
      ],
    });
    const dep = find(synth(c), 'Deployment', 'prefill');
    expect(container(dep).env.map((e: any) => e.name)).toEqual([
      'VLLM_NIXL_SIDE_CHANNEL_HOST', 'VLLM_NIXL_SIDE_CHANNEL_PORT', 'HF_HOME', 'HOME', 'USER', 'UCX_TLS', 'VLLM_API_KEY',
    ]);
    expect(env(dep, 'VLLM_API_KEY').valueFrom).toEqual({ secretKeyRef: { name: 'api', key: 'key' } });
  });

  test('releases without --shutdown-timeout get no drain flag', () => {
    const c = chart();
    new PrefillTier(c, 'P', { model, image: VllmImage.official('v0.17.1') });
    const dep = find(synth(c), 'Deployment', 'prefill');
    expect(argValue(dep, '--shutdown-timeout')).toBeUndefined();
  });

  test('a replica larger than one node becomes a multi-node tier instead of an unschedulable pod', () => {
    const c = chart();
    const tier = new PrefillTier(c, 'P', { model: Model.LLAMA_3_1_405B_INSTRUCT, tensorParallelSize: 16 });
    expect(tier.nodesPerReplica).toBe(2);
    expect(tier.gpusPerPod).toBe(8);
    expect(synth(c).map(o => o.kind)).toEqual(['LeaderWorkerSet', 'Service', 'PodDisruptionBudget']);
  });

  test('fails when GPUs per pod exceed one node of the accelerator with nodesPerReplica 1', () => {
    expect(() => new PrefillTier(chart(), 'P', { model: Model.LLAMA_3_1_405B_INSTRUCT, tensorParallelSize: 16, nodesPerReplica: 1 }))
      .toThrow(/PrefillTier 'test\/P': 'tensorParallelSize x pipelineParallelSize x dataParallelSize' \(16\) puts 16 GPUs on each pod, more than one 8-GPU H100-80GB node has/);
    expect(() => new PrefillTier(chart(), 'P', { model, tensorParallelSize: 4, nodesPerReplica: 1, accelerator: Accelerator.NVIDIA_L4.withGpusPerNode(2) }))
      .toThrow(/\(4\) puts 4 GPUs on each pod, more than one 2-GPU L4 node has/);
  });

  test.each([0, -0.1, 1.01, 2, NaN])('fails when gpuMemoryUtilization is %p', (value) => {
    expect(() => new DecodeTier(chart(), 'D', { model, gpuMemoryUtilization: value }))
      .toThrow(/'gpuMemoryUtilization' \(.*\) must be a fraction in \(0, 1\]/);
  });

  test('accepts gpuMemoryUtilization of exactly 1', () => {
    expect(() => new DecodeTier(chart(), 'D', { model, gpuMemoryUtilization: 1 })).not.toThrow();
  });

  test.each([0, -1, 1.5])('fails when replicas is %p', (replicas) => {
    expect(() => new DecodeTier(chart(), 'D', { model, replicas }))
      .toThrow(new RegExp(`'replicas' \\(${replicas}\\) must be an integer >= 1`));
  });

  test('fails when tensor parallel size does not divide the attention heads', () => {
    expect(() => new PrefillTier(chart(), 'P', { model, tensorParallelSize: 3 }))
      .toThrow(/'tensorParallelSize' \(3\) must divide the number of attention heads of meta-llama\/Llama-3.1-8B-Instruct \(32\)/);
  });

  test('does not check heads when the architecture is unknown', () => {
    expect(() => new PrefillTier(chart(), 'P', { model: Model.of('org/unknown'), tensorParallelSize: 3 })).not.toThrow();
  });

  test('fails when pipeline parallel size exceeds the layers', () => {
    const tiny = Model.of('org/tiny', { architecture: { numAttentionHeads: 4, numHiddenLayers: 2, attention: AttentionKind.STANDARD } });
    expect(() => new PrefillTier(chart(), 'P', { model: tiny, pipelineParallelSize: 4 }))
      .toThrow(/'pipelineParallelSize' \(4\) must not exceed the number of layers of org\/tiny \(2\)/);
  });

  test('fails when extra args duplicate rendered flags', () => {
    expect(() => new PrefillTier(chart(), 'P', { model, extraArgs: ['--tensor-parallel-size=2'] }))
      .toThrow(/'extraArgs' \('--tensor-parallel-size=2'\) duplicates '--tensor-parallel-size', which the library renders; set 'tensorParallelSize' instead/);
    expect(() => new PrefillTier(chart(), 'P', { model, extraArgs: ['--gpu_memory_utilization', '0.5'] }))
      .toThrow(/duplicates '--gpu-memory-utilization'/);
  });

  test('fails when a flag the targeted vLLM removed is passed', () => {
    expect(() => new PrefillTier(chart(), 'P', { model, extraArgs: ['--disable-log-requests'] }))
      .toThrow(/'extraArgs' \('--disable-log-requests'\) is only accepted by vLLM < 0.15.0; the image is vLLM 0.32.0/);
  });

  test('fails when a secret is given as a literal', () => {
    expect(() => new PrefillTier(chart(), 'P', { model, extraEnv: [{ name: 'HF_TOKEN', value: EnvValue.fromValue('hf_abcdefghijklmnopqrstuvwxyz0123') }] }))
      .toThrow(/'extraEnv\[HF_TOKEN\]' \('<redacted literal>'\) is a secret given as a literal; use EnvValue.fromSecretValue/);
    expect(() => new PrefillTier(chart(), 'P', { model, extraArgs: ['--tokenizer-revision', 'hf_abcdefghijklmnopqrstuvwxyz0123'] }))
      .toThrow(/contains a Hugging Face token literally; pass it as a Secret with 'hfToken'/);
    expect(() => new PrefillTier(chart(), 'P', { model, extraArgs: ['--hf-token', 'secret'] }))
      .toThrow(/'extraArgs' \('--hf-token'\) would put a Hugging Face token into the manifest; set 'hfToken'/);
  });

  test('fails when extra env overrides a library variable', () => {
    expect(() => new PrefillTier(chart(), 'P', { model, extraEnv: [{ name: 'VLLM_NIXL_SIDE_CHANNEL_PORT', value: EnvValue.fromValue('1') }] }))
      .toThrow(/'extraEnv' \('VLLM_NIXL_SIDE_CHANNEL_PORT'\) is already set by the library/);
  });

  test('fails when memory does not cover /dev/shm', () => {
    expect(() => new PrefillTier(chart(), 'P', { model, resources: { memory: Size.gibibytes(16) }, sharedMemorySize: Size.gibibytes(20) }))
      .toThrow(/'resources.memory' \('16Gi'\) must exceed sharedMemorySize \(20Gi\)/);
  });

  test('fails when the HTTP port collides with the NIXL side channel', () => {
    expect(() => new PrefillTier(chart(), 'P', { model, port: 5600 }))
      .toThrow(/'container port 'nixl-side-0'' \(5600\) collides with container port 'http'; change 'port' or the connector's port options/);
  });

  test('fails when maxNumBatchedTokens < maxModelLen without chunked prefill', () => {
    expect(() => new PrefillTier(chart(), 'P', { model, enableChunkedPrefill: false, maxModelLen: 8192, maxNumBatchedTokens: 4096 }))
      .toThrow(/'maxNumBatchedTokens' \(4096\) must be >= maxModelLen \(8192\) when enableChunkedPrefill is false/);
  });

  test('fails when maxNumBatchedTokens < the model\'s context length without chunked prefill, maxModelLen unset', () => {
    expect(() => new PrefillTier(chart(), 'P', { model, enableChunkedPrefill: false, maxNumBatchedTokens: 4096 }))
      .toThrow(/'maxNumBatchedTokens' \(4096\) must be >= maxModelLen \(unset: 131072, the model's context length\) when enableChunkedPrefill is false/);
  });

  test('fails when maxNumBatchedTokens < maxModelLen with a connector that turns chunked prefill off', () => {
    expect(() => new PrefillTier(chart(), 'P', { model, kvConnector: KvConnector.lmcache(), maxModelLen: 8192, maxNumBatchedTokens: 4096 }))
      .toThrow(/'maxNumBatchedTokens' \(4096\) must be >= maxModelLen \(8192\) when chunked prefill is off \(LMCacheConnectorV1 turns it off\)/);
  });

  test('performanceMode renders --performance-mode, and the capacity plan follows THROUGHPUT\'s doubled defaults', () => {
    const c = chart();
    const tier = new DecodeTier(c, 'D', { model, accelerator: Accelerator.NVIDIA_H100_80GB, maxModelLen: 8192, performanceMode: PerformanceMode.THROUGHPUT });
    expect(argValue(find(synth(c), 'Deployment', 'decode'), '--performance-mode')).toBe('throughput');
    expect([tier.capacityPlan!.maxNumBatchedTokens, tier.capacityPlan!.maxNumSeqs]).toEqual([16384, 2048]);
  });

  test('fails with performanceMode before vLLM 0.17.0, or in extraArgs', () => {
    expect(() => new DecodeTier(chart(), 'D', { model, image: VllmImage.official('v0.16.0'), performanceMode: PerformanceMode.THROUGHPUT }))
      .toThrow(/^DecodeTier 'test\/D': 'performanceMode' \('throughput'\) needs 'vllm serve --performance-mode', which exists in vLLM >= 0\.17\.0/);
    expect(() => new DecodeTier(chart(), 'D', { model, extraArgs: ['--performance-mode', 'throughput'] }))
      .toThrow(/'extraArgs' \('--performance-mode'\) .*performanceMode/);
  });

  test('fails when maxNumBatchedTokens < maxNumSeqs', () => {
    expect(() => new PrefillTier(chart(), 'P', { model, maxNumSeqs: 1024, maxNumBatchedTokens: 512 }))
      .toThrow(/^PrefillTier 'test\/P': 'maxNumBatchedTokens' \(512\) must be >= maxNumSeqs \(1024\): vLLM refuses to start/);
  });

  test('fails when maxNumSeqs exceeds the accelerator\'s default token budget (the capacity plan settles it)', () => {
    expect(() => new DecodeTier(chart(), 'D', { model, accelerator: Accelerator.NVIDIA_L4, maxModelLen: 4096, maxNumSeqs: 4096 }))
      .toThrow(/^DecodeTier 'test\/D': 'maxNumSeqs' \(4096\) must not exceed maxNumBatchedTokens \(2048, vLLM's default on L4 with 24 GiB\): vLLM refuses to start .*; set maxNumBatchedTokens to at least 4096, or lower maxNumSeqs$/);
  });

  test('fails when startupTimeout is too short for a model load', () => {
    expect(() => new PrefillTier(chart(), 'P', { model, startupTimeout: Duration.seconds(30) }))
      .toThrow(/'startupTimeout' \('30000ms'\) must be a whole number of seconds >= 60/);
  });

  test('fails when timeouts are not whole seconds', () => {
    expect(() => new PrefillTier(chart(), 'P', { model, startupTimeout: Duration.millis(90500) }))
      .toThrow(/'startupTimeout' \('90500ms'\) must be a whole number of seconds >= 60/);
    expect(() => new PrefillTier(chart(), 'P', { model, drainTimeout: Duration.millis(1500) }))
      .toThrow(/'drainTimeout' \('1500ms'\) must be a whole number of seconds >= 0/);
  });

  test('fails when a scope already holds a tier of the same role', () => {
    const c = chart();
    new PrefillTier(c, 'A', { model });
    expect(() => new PrefillTier(c, 'B', { model }))
      .toThrow(/PrefillTier 'test\/B': 'scope' \('test'\) already holds prefill tier 'test\/A': put each PD deployment in its own scope/);
  });

  test('TOKENIZERS_PARALLELISM is not mistaken for a secret', () => {
    expect(() => new PrefillTier(chart(), 'P', { model, extraEnv: [{ name: 'TOKENIZERS_PARALLELISM', value: EnvValue.fromValue('false') }] })).not.toThrow();
  });

  test('preStopSleep sizes the preStop hook, and the grace period holds the sleep, the drain and the margin', () => {
    for (const [sleep, drain] of [[5, 60], [30, 0], [45, 300]]) {
      const c = chart();
      new PrefillTier(c, 'P', { model, preStopSleep: Duration.seconds(sleep), drainTimeout: Duration.seconds(drain) });
      const dep = find(synth(c), 'Deployment', 'prefill');
      expect(container(dep).lifecycle.preStop.exec.command).toEqual(['sleep', String(sleep)]);
      expect(argValue(dep, '--shutdown-timeout')).toBe(String(drain));
      expect(dep.spec.template.spec.terminationGracePeriodSeconds).toBe(sleep + drain + 30);
    }
  });

  test('preStopSleep 0 renders no lifecycle hook', () => {
    const c = chart();
    new DecodeTier(c, 'D', { model, preStopSleep: Duration.seconds(0) });
    const dep = find(synth(c), 'Deployment', 'decode');
    expect(container(dep).lifecycle).toBeUndefined();
    expect(dep.spec.template.spec.terminationGracePeriodSeconds).toBe(90);
  });

  test('the preStop sleep is rendered on releases without --shutdown-timeout too (endpoints still need removing)', () => {
    const c = chart();
    new PrefillTier(c, 'P', { model, image: VllmImage.official('v0.17.1') });
    const dep = find(synth(c), 'Deployment', 'prefill');
    expect(container(dep).lifecycle.preStop.exec.command).toEqual(['sleep', '10']);
    expect(container(dep).args).not.toContain('--shutdown-timeout=60');
  });

  test('fails when preStopSleep is not whole seconds', () => {
    expect(() => new PrefillTier(chart(), 'P', { model, preStopSleep: Duration.millis(2500) }))
      .toThrow(/^PrefillTier 'test\/P': 'preStopSleep' \('2500ms'\) must be a whole number of seconds >= 0/);
  });

  test('fails when drainTimeout is set on a vLLM without --shutdown-timeout', () => {
    expect(() => new PrefillTier(chart(), 'P', { model, image: VllmImage.official('v0.17.1'), drainTimeout: Duration.seconds(30) }))
      .toThrow(/'drainTimeout' \('30s'\) needs flag '--shutdown-timeout', which exists in vLLM >= 0.18.0/);
  });

  test('fails on a vLLM release older than the supported floor', () => {
    expect(() => new PrefillTier(chart(), 'P', { model, image: VllmImage.official('v0.11.0') }))
      .toThrow(/'image' \('docker.io\/vllm\/vllm-openai:v0.11.0'\) needs vLLM releases supported by cdk8s-vllm-pd, which exists in vLLM >= 0.12.0/);
  });

  test('fails when kvRole is not allowed by the connector', () => {
    expect(() => new PrefillTier(chart(), 'P', { model, kvConnector: KvConnector.nixl(), kvRole: 'kv_consumer' as any }))
      .toThrow(/'kvRole' \('kv_consumer'\) is not allowed for NixlConnector on a prefill tier; allowed: kv_producer, kv_both/);
  });

  test('fails without a model', () => {
    expect(() => new PrefillTier(chart(), 'P', {} as any)).toThrow(/'model' \(undefined\) is required/);
  });

  test('renders its connector once per router binding, and not again at synth', () => {
    const kvConnector = KvConnector.nixl();
    const render = jest.spyOn(kvConnector._impl, 'render');
    const c = chart();
    new PdService(c, 'Svc', { model, kvConnector });
    // Per tier: its spec (the connector's engine defaults), the tier without a router and the tier with its
    // router; plus the pair check's node-fit rule on prefill (NIXL pins no pod to a node, so it stops there).
    expect(render).toHaveBeenCalledTimes(2 * 3 + 1);
    render.mockClear();
    synth(c);
    expect(render).not.toHaveBeenCalled();
  });
});

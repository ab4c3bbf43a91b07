import { Size } from 'cdk8s';
import { Accelerator, All2allBackend, DecodeTier, Interconnect, KvConnector, Model, NixlTransferMode, PdService, PrefillTier, RouterDiscovery, VllmImage } from '../../src';
import { PortPeer } from '../../src/private/pod-contribution';
import { validateCustomResource } from '../crd-schema';
import { chart, find, lwsGroupPods, Manifest, synth, unsized } from '../util';

const LLAMA_405B = Model.LLAMA_3_1_405B_INSTRUCT;
const DEEPSEEK = Model.DEEPSEEK_V3;
const lws = (objects: Manifest[], component: string) => find(objects, 'LeaderWorkerSet', component);
const leader = (o: Manifest) => o.spec.leaderWorkerTemplate.leaderTemplate.spec.containers[0];
const worker = (o: Manifest) => o.spec.leaderWorkerTemplate.workerTemplate.spec.containers[0];

describe('multi-node tiers (LeaderWorkerSet)', () => {
  test('fails the CRD check with a field the LWS schema does not declare, or a wrong type', () => {
    const c = chart();
    new DecodeTier(c, 'D', { model: LLAMA_405B, tensorParallelSize: 16 });
    const set = lws(synth(c), 'decode');
    expect(() => validateCustomResource({ ...set, spec: { ...set.spec, groupSize: 2 } }))
      .toThrow(/LeaderWorkerSet .* fails its CRD schema \(lws-v0.10.0_leaderworkerset.x-k8s.io_leaderworkersets.yaml\): \/spec must NOT have additional properties/);
    const template = set.spec.leaderWorkerTemplate;
    expect(() => validateCustomResource({ ...set, spec: { ...set.spec, leaderWorkerTemplate: { ...template, size: '2' } } }))
      .toThrow(/\/spec\/leaderWorkerTemplate\/size must be integer/);
  });

  test('TP across two nodes: one group of two pods, the GPUs of one node each, leader serves, worker is headless', () => {
    const c = chart();
    const tier = new DecodeTier(c, 'D', { model: LLAMA_405B, tensorParallelSize: 16, replicas: 3 });
    const objects = synth(c);
    expect(objects).toMatchSnapshot();
    const set = lws(objects, 'decode');
    expect(tier.workload.kind).toBe('LeaderWorkerSet');
    expect(set.spec.replicas).toBe(3);
    expect(set.spec.startupPolicy).toBe('LeaderCreated');
    expect(set.spec.leaderWorkerTemplate.size).toBe(2);
    expect(set.spec.leaderWorkerTemplate.restartPolicy).toBe('RecreateGroupOnPodRestart');
    for (const c0 of [leader(set), worker(set)]) {
      expect(c0.resources.limits['nvidia.com/gpu']).toBe(8);
      expect(c0.args).toEqual(expect.arrayContaining(['--tensor-parallel-size=16', '--nnodes=2', '--master-addr=$(LWS_LEADER_ADDRESS)', '--master-port=29501']));
    }
    expect(leader(set).args).toContain('--node-rank=0');
    expect(leader(set).args).not.toContain('--headless');
    expect(worker(set).args).toEqual(expect.arrayContaining(['--node-rank=$(LWS_WORKER_INDEX)', '--headless']));
    // Only the leader runs an API server: probes, the HTTP port and the drain hook are the leader's.
    expect(leader(set).readinessProbe.httpGet.path).toBe('/health');
    expect(leader(set).ports.map((p: any) => p.name)).toEqual(['http', 'dist-master', 'nixl-side-0']);
    expect(worker(set).readinessProbe).toBeUndefined();
    expect(worker(set).startupProbe).toBeUndefined();
    expect(worker(set).livenessProbe).toBeUndefined();
    expect(worker(set).lifecycle).toBeUndefined();
    expect(worker(set).ports.map((p: any) => p.name)).toEqual(['dist-master', 'nixl-side-0']);
    // The Service selects the leaders only (LWS labels them worker-index 0).
    const svc = find(objects, 'Service', 'decode');
    expect(svc.spec.selector['leaderworkerset.sigs.k8s.io/worker-index']).toBe('0');
    expect(tier._spec.selectorLabels['leaderworkerset.sigs.k8s.io/worker-index']).toBeUndefined();
    expect(tier._spec.servingSelectorLabels['leaderworkerset.sigs.k8s.io/worker-index']).toBe('0');
  });

  test('pods of one group as LWS and Kubernetes run them: worker index and leader address expanded', () => {
    const c = chart();
    new PrefillTier(c, 'P', { model: LLAMA_405B, tensorParallelSize: 8, pipelineParallelSize: 3, kvConnector: KvConnector.nixl({ transferMode: NixlTransferMode.PUSH }) });
    const set = lws(synth(c), 'prefill');
    const pods = lwsGroupPods(set, 'llm');
    expect(pods.map(p => p.template.spec.containers[0].args.filter((a: string) => /--node-rank|--master-addr|--headless/.test(a)))).toEqual([
      ['--node-rank=0', `--master-addr=${set.metadata.name}-0.${set.metadata.name}.llm`],
      ['--node-rank=1', `--master-addr=${set.metadata.name}-0.${set.metadata.name}.llm`, '--headless'],
      ['--node-rank=2', `--master-addr=${set.metadata.name}-0.${set.metadata.name}.llm`, '--headless'],
    ]);
  });

  test('DP across nodes: the local DP size, the leader as DP address and RPC port; one side-channel port per DP rank', () => {
    const c = chart();
    const tier = new DecodeTier(c, 'D', { model: DEEPSEEK, accelerator: Accelerator.NVIDIA_H200, dataParallelSize: 16, enableExpertParallel: true });
    const set = lws(synth(c), 'decode');
    expect(tier.nodesPerReplica).toBe(2);
    expect(tier.gpusPerPod).toBe(8);
    expect(leader(set).args).toEqual(expect.arrayContaining([
      '--data-parallel-size=16', '--data-parallel-size-local=8', '--data-parallel-address=$(LWS_LEADER_ADDRESS)',
      '--data-parallel-rpc-port=29550', '--nnodes=2', '--node-rank=0', '--enable-expert-parallel',
    ]));
    expect(leader(set).args.some((a: string) => a.startsWith('--data-parallel-start-rank'))).toBe(false);
    // Every rank of the group listens on 5600 + its global DP rank (nixl/scheduler.py), so every pod declares all 16.
    expect(worker(set).ports.filter((p: any) => p.name.startsWith('nixl-side-')).length).toBe(16);
    expect(worker(set).ports.map((p: any) => p.name)).toContain('dp-rpc');
  });

  test('intra-group traffic is declared for NetworkPolicies: every TCP port from the same tier', () => {
    const tier = new DecodeTier(chart(), 'D', { model: LLAMA_405B, tensorParallelSize: 16 });
    const pod = (tier as any).mergedPod();
    expect(pod.peersOnAnyPort).toContain(PortPeer.SAME_TIER);
    const single = new DecodeTier(chart(), 'D', { model: LLAMA_405B, tensorParallelSize: 8, accelerator: Accelerator.NVIDIA_H200 });
    expect((single as any).mergedPod().peersOnAnyPort).not.toContain(PortPeer.SAME_TIER);
    expect(single.workload.kind).toBe('Deployment');
  });

  test('DeepEP backends add IPC_LOCK (NVSHMEM pins memory)', () => {
    const c = chart();
    // maxModelLen: DeepEP low latency's 5 GiB of buffers per rank leave an H100 too little KV cache for the full 163840 tokens.
    new DecodeTier(c, 'D', {
      model: DEEPSEEK,
      dataParallelSize: 16,
      enableExpertParallel: true,
      interconnect: Interconnect.roce(),
      all2allBackend: All2allBackend.DEEPEP_LOW_LATENCY,
      maxModelLen: 32768,
    });
    const set = lws(synth(c), 'decode');
    expect(leader(set).securityContext.capabilities.add).toContain('IPC_LOCK');
    expect(worker(set).args).toContain('--all2all-backend=deepep_low_latency');
  });

  test('exclusiveTopologyKey annotates the LeaderWorkerSet; an autoscaler leaves the group count out', () => {
    const c = chart();
    const tier = new DecodeTier(c, 'D', { model: LLAMA_405B, tensorParallelSize: 16, exclusiveTopologyKey: 'cloud.google.com/gce-topology-block' });
    tier.markHasAutoscaler();
    const set = lws(synth(c), 'decode');
    expect(set.metadata.annotations).toEqual({ 'leaderworkerset.sigs.k8s.io/exclusive-topology': 'cloud.google.com/gce-topology-block' });
    expect(set.spec.replicas).toBeUndefined();
  });

  test('workloadName names the LeaderWorkerSet (and so its pods and LWS_LEADER_ADDRESS)', () => {
    const c = chart();
    new DecodeTier(c, 'D', { model: LLAMA_405B, tensorParallelSize: 16, workloadName: 'llama-decode' });
    const set = lws(synth(c), 'decode');
    expect(set.metadata.name).toBe('llama-decode');
    expect(lwsGroupPods(set, 'llm')[1].template.spec.containers[0].args).toContain('--master-addr=llama-decode-0.llama-decode.llm');
  });

  test('vllm-router discovers the leaders of multi-node tiers only', () => {
    const c = chart();
    new PdService(c, 'Svc', {
      model: LLAMA_405B,
      prefill: { tensorParallelSize: 16 },
      decode: { tensorParallelSize: 16 },
      router: { discovery: RouterDiscovery.KUBERNETES },
    });
    const router = find(synth(c), 'Deployment', 'router');
    const args: string[] = router.spec.template.spec.containers[0].args;
    const selector = (flag: string) => args.slice(args.indexOf(flag) + 1).find(a => a.startsWith('leaderworkerset.'));
    expect(selector('--prefill-selector')).toBe('leaderworkerset.sigs.k8s.io/worker-index=0');
    expect(selector('--decode-selector')).toBe('leaderworkerset.sigs.k8s.io/worker-index=0');
  });

  test('fails when the replica does not tile whole nodes', () => {
    expect(() => new DecodeTier(chart(), 'D', { model: Model.LLAMA_3_1_8B_INSTRUCT, tensorParallelSize: 4, dataParallelSize: 3 }))
      .toThrow(/'tensorParallelSize x pipelineParallelSize x dataParallelSize' \(12\) does not tile 8-GPU H100-80GB nodes/);
    expect(() => new DecodeTier(chart(), 'D', { model: LLAMA_405B, tensorParallelSize: 16, nodesPerReplica: 3 }))
      .toThrow(/'nodesPerReplica' \(3\) must divide the replica's GPUs \(tensorParallelSize x pipelineParallelSize x dataParallelSize = 16\)/);
  });

  test('fails when a data-parallel rank would span nodes', () => {
    expect(() => new DecodeTier(chart(), 'D', { model: LLAMA_405B, tensorParallelSize: 16, dataParallelSize: 2, nodesPerReplica: 4 }))
      .toThrow(/'dataParallelSize' \(2\) must be a multiple of nodesPerReplica \(4\): each data-parallel rank \(tensorParallelSize x pipelineParallelSize = 16 GPUs\) runs on one node/);
  });

  test('fails when nodesPerReplica is not a positive integer', () => {
    expect(() => new DecodeTier(chart(), 'D', { model: LLAMA_405B, nodesPerReplica: 0 })).toThrow(/'nodesPerReplica' \(0\) must be an integer >= 1/);
  });

  test('fails on a release whose multi-node serve was not read', () => {
    expect(() => new DecodeTier(chart(), 'D', { model: LLAMA_405B, tensorParallelSize: 16, image: VllmImage.official('v0.21.0') }))
      .toThrow(/'nodesPerReplica' \(2\) needs multi-node 'vllm serve'.*vLLM >= 0.22.0/);
  });

  test('fails when the connector is not known to run across nodes', () => {
    expect(() => new DecodeTier(chart(), 'D', { model: LLAMA_405B, tensorParallelSize: 16, kvConnector: KvConnector.lmcache() }))
      .toThrow(/'kvConnector' \('LMCacheConnectorV1'\) is not known to run in a tier spanning nodes \(nodesPerReplica 2\)/);
    expect(() => new DecodeTier(chart(), 'D', { model: LLAMA_405B, tensorParallelSize: 16, kvConnector: KvConnector.multi([KvConnector.nixl(), KvConnector.offloading({ cpuBytesToUse: Size.gibibytes(100) })]) }))
      .toThrow(/kvConnector.connectors\[1\]: 'kvConnector' \('OffloadingConnector'\) is not known to run in a tier spanning nodes/);
  });

  test('fails when NIXL pull reads from a pipeline-parallel prefill across nodes', () => {
    expect(() => new PrefillTier(chart(), 'P', { model: LLAMA_405B, tensorParallelSize: 8, pipelineParallelSize: 2 }))
      .toThrow(/'pipelineParallelSize' \(2\) must be 1 with NixlConnector in pull mode/);
  });

  test('fails when multi-node tiers break NIXL\'s heterogeneous-TP rule (prefill TP above decode TP with replicated KV heads)', () => {
    expect(() => new PdService(chart(), 'Svc', {
      // Unsized: decode TP 8 cannot hold the 405B weights on H100s; the pair rule is what this test is about.
      model: unsized(LLAMA_405B),
      prefill: { tensorParallelSize: 16 },
      decode: { tensorParallelSize: 8 },
    })).toThrow(/'decode.tensorParallelSize' \(8\) must be >= prefill's tensorParallelSize \(16\) with NixlConnector on vLLM 0.32.0: prefill TP 16 exceeds the model's 8 KV heads/);
  });

  test('MLA models keep heterogeneous TP across multi-node tiers (DeepSeek-V3 prefill TP 16 on 2 nodes, decode TP 8)', () => {
    const c = chart();
    new PdService(c, 'Svc', { model: DEEPSEEK, prefill: { tensorParallelSize: 16 }, decode: { tensorParallelSize: 8, accelerator: Accelerator.NVIDIA_H200 } });
    const objects = synth(c);
    expect(lws(objects, 'prefill').spec.leaderWorkerTemplate.size).toBe(2);
    expect(find(objects, 'Deployment', 'decode').spec.replicas).toBe(1);
  });

  test('fails when extraArgs pick the data-parallel layout the library renders', () => {
    for (const arg of ['--data-parallel-start-rank=8', '--data-parallel-hybrid-lb', '-dpe', '--nnodes=2', '--headless', '--node_rank=1']) {
      expect(() => new DecodeTier(chart(), 'D', { model: DEEPSEEK, dataParallelSize: 16, extraArgs: [arg] }))
        .toThrow(/which the library renders; set 'nodesPerReplica' instead/);
    }
  });
});

describe('routers and multi-node tiers', () => {
  test('fails when vllm-router would address different data-parallel rank counts behind the two tiers\' leaders', () => {
    expect(() => new PdService(chart(), 'Svc', {
      model: DEEPSEEK,
      prefill: { accelerator: Accelerator.NVIDIA_H200, dataParallelSize: 16, enableExpertParallel: true },
      decode: { accelerator: Accelerator.NVIDIA_H200, dataParallelSize: 8, enableExpertParallel: true },
    })).toThrow(/'decode.dataParallelSize' \(8\) must equal prefill's dataParallelSize \(16\): vllm-router's --intra-node-data-parallel-size applies to both tiers/);
  });
});

describe('multi-node tiers on vLLM 0.22.0 (the oldest release with multi-node serve here)', () => {
  test('TP across nodes and wide EP render for 0.22.0 as well', () => {
    const c = chart();
    const image = VllmImage.official('v0.22.0');
    new PdService(c, 'Svc', {
      model: DEEPSEEK,
      image,
      interconnect: Interconnect.infiniband(),
      prefill: {
        accelerator: Accelerator.NVIDIA_H200, dataParallelSize: 16, enableExpertParallel: true, all2allBackend: All2allBackend.DEEPEP_HIGH_THROUGHPUT,
      },
      decode: {
        accelerator: Accelerator.NVIDIA_H200,
        dataParallelSize: 16,
        enableExpertParallel: true,
        all2allBackend: All2allBackend.DEEPEP_LOW_LATENCY,
        enableEplb: true,
        eplbConfig: { numRedundantExperts: 32, windowSize: 1000, stepInterval: 3000, logBalancedness: false },
      },
    });
    const c2 = chart();
    new DecodeTier(c2, 'D', { model: LLAMA_405B, image, tensorParallelSize: 16 });
    const objects = [...synth(c), ...synth(c2)];
    expect(objects.filter(o => o.kind === 'LeaderWorkerSet').map(o => o.spec.leaderWorkerTemplate.leaderTemplate.metadata.labels['app.kubernetes.io/version']))
      .toEqual(['0.22.0', '0.22.0', '0.22.0']);
  });
});

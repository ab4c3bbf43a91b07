import { Accelerator, All2allBackend, DecodeTier, Interconnect, Model, PdService, PrefillTier } from '../src';
import { argValue, chart, container, find, synth, unsized } from './util';

const DEEPSEEK = Model.DEEPSEEK_V3;
const H200 = Accelerator.NVIDIA_H200;

describe('expert parallelism', () => {
  test('renders --enable-expert-parallel, --all2all-backend, --enable-eplb and --eplb-config in vLLM field names', () => {
    const c = chart();
    new DecodeTier(c, 'D', {
      model: DEEPSEEK,
      accelerator: H200,
      dataParallelSize: 8,
      enableExpertParallel: true,
      all2allBackend: All2allBackend.ALLGATHER_REDUCESCATTER,
      enableEplb: true,
      eplbConfig: { windowSize: 1000, stepInterval: 3000, numRedundantExperts: 32, logBalancedness: false },
    });
    const dep = find(synth(c), 'Deployment', 'decode');
    const args: string[] = container(dep).args;
    expect(args).toContain('--enable-expert-parallel');
    expect(argValue(dep, '--all2all-backend')).toBe('allgather_reducescatter');
    expect(args).toContain('--enable-eplb');
    expect(JSON.parse(argValue(dep, '--eplb-config')!)).toEqual({ window_size: 1000, step_interval: 3000, num_redundant_experts: 32, log_balancedness: false });
  });

  test('enableExpertParallel false renders --no-enable-expert-parallel; unset renders nothing', () => {
    const c = chart();
    new DecodeTier(c, 'D', { model: DEEPSEEK, accelerator: H200, tensorParallelSize: 8, enableExpertParallel: false });
    expect(container(find(synth(c), 'Deployment', 'decode')).args).toContain('--no-enable-expert-parallel');
    const c2 = chart();
    new DecodeTier(c2, 'D', { model: DEEPSEEK, accelerator: H200, tensorParallelSize: 8 });
    expect(container(find(synth(c2), 'Deployment', 'decode')).args.some((a: string) => /expert-parallel|all2all|eplb/.test(a))).toBe(false);
  });

  test('fails when all2allBackend is set without expert parallelism', () => {
    expect(() => new PrefillTier(chart(), 'P', { model: DEEPSEEK, accelerator: H200, dataParallelSize: 8, all2allBackend: All2allBackend.DEEPEP_HIGH_THROUGHPUT }))
      .toThrow(/'all2allBackend' \('deepep_high_throughput'\) only applies with enableExpertParallel: true/);
  });

  test('fails when EPLB is enabled without expert parallelism (vLLM rejects it)', () => {
    expect(() => new DecodeTier(chart(), 'D', { model: DEEPSEEK, accelerator: H200, dataParallelSize: 8, enableEplb: true }))
      .toThrow(/'enableEplb' \(true\) needs enableExpertParallel: true \("enable_expert_parallel must be True to use EPLB"/);
  });

  test('fails when EPLB has a single expert-parallel rank (vLLM rejects it)', () => {
    expect(() => new DecodeTier(chart(), 'D', { model: Model.MIXTRAL_8X7B_V0_1, enableExpertParallel: true, enableEplb: true }))
      .toThrow(/'enableEplb' \(true\) needs tensorParallelSize x dataParallelSize above 1 \(got 1 x 1\)/);
  });

  test('fails when eplbConfig is set without enableEplb (vLLM rejects redundant experts without EPLB)', () => {
    expect(() => new DecodeTier(chart(), 'D', { model: DEEPSEEK, accelerator: H200, dataParallelSize: 8, enableExpertParallel: true, eplbConfig: { numRedundantExperts: 8 } }))
      .toThrow(/'eplbConfig' \('\{"numRedundantExperts":8\}'\) only applies with enableEplb: true/);
  });

  test('fails when routed plus redundant experts do not spread evenly over the EP ranks (vLLM rejects it)', () => {
    expect(() => new DecodeTier(chart(), 'D', {
      model: DEEPSEEK, dataParallelSize: 16, enableExpertParallel: true, enableEplb: true, eplbConfig: { numRedundantExperts: 4 },
    })).toThrow(/'eplbConfig.numRedundantExperts' \(4\) plus the 256 experts of deepseek-ai\/DeepSeek-V3 must be a multiple of the expert-parallel ranks \(tensorParallelSize x dataParallelSize = 16\)/);
  });

  test('fails when eplbConfig has a bad value or an unknown key', () => {
    expect(() => new DecodeTier(chart(), 'D', { model: DEEPSEEK, accelerator: H200, dataParallelSize: 8, enableExpertParallel: true, enableEplb: true, eplbConfig: { windowSize: 0 } }))
      .toThrow(/'eplbConfig.windowSize' \(0\) must be an integer >= 1/);
    expect(() => new DecodeTier(chart(), 'D', { model: DEEPSEEK, accelerator: H200, dataParallelSize: 8, enableExpertParallel: true, enableEplb: true, eplbConfig: { redundant: 8 } as any }))
      .toThrow(/'eplbConfig.redundant' \(8\) is not a prop of EplbConfig/);
  });

  test('fails when all2allBackend is not an All2allBackend', () => {
    expect(() => new DecodeTier(chart(), 'D', { model: DEEPSEEK, accelerator: H200, dataParallelSize: 8, enableExpertParallel: true, all2allBackend: 'deepep_low_latency' as any }))
      .toThrow(/'all2allBackend' \('deepep_low_latency'\) must be an All2allBackend/);
  });

  test('wide-EP PD defaults: DeepEP high-throughput on prefill, low-latency on decode, when EP spans nodes over RDMA', () => {
    const c = chart();
    const svc = new PdService(c, 'Svc', {
      model: DEEPSEEK,
      interconnect: Interconnect.infiniband(),
      prefill: { accelerator: H200, dataParallelSize: 16, enableExpertParallel: true },
      decode: { accelerator: H200, dataParallelSize: 16, enableExpertParallel: true },
    });
    expect(svc.prefill._spec.all2allBackend).toBe(All2allBackend.DEEPEP_HIGH_THROUGHPUT);
    expect(svc.decode._spec.all2allBackend).toBe(All2allBackend.DEEPEP_LOW_LATENCY);
    const objects = synth(c);
    const args = (role: string) => find(objects, 'LeaderWorkerSet', role).spec.leaderWorkerTemplate.workerTemplate.spec.containers[0].args as string[];
    expect(args('prefill')).toContain('--all2all-backend=deepep_high_throughput');
    expect(args('decode')).toContain('--all2all-backend=deepep_low_latency');
  });

  test('no DeepEP default without RDMA, on one node, or without expert parallelism; an explicit backend wins', () => {
    const tcp = new DecodeTier(chart(), 'D', { model: DEEPSEEK, dataParallelSize: 16, enableExpertParallel: true });
    expect(tcp._spec.all2allBackend).toBeUndefined();
    const oneNode = new DecodeTier(chart(), 'D', { model: DEEPSEEK, accelerator: H200, dataParallelSize: 8, enableExpertParallel: true, interconnect: Interconnect.roce() });
    expect(oneNode._spec.all2allBackend).toBeUndefined();
    // Unsized: without EP each DP rank would hold every expert, which no GPU fits; the backend default is the point.
    const noEp = new DecodeTier(chart(), 'D', { model: unsized(DEEPSEEK), dataParallelSize: 16, interconnect: Interconnect.roce() });
    expect(noEp._spec.all2allBackend).toBeUndefined();
    const explicit = new DecodeTier(chart(), 'D', {
      model: DEEPSEEK,
      dataParallelSize: 16,
      enableExpertParallel: true,
      interconnect: Interconnect.roce(),
      all2allBackend: All2allBackend.ALLGATHER_REDUCESCATTER,
    });
    expect(explicit._spec.all2allBackend).toBe(All2allBackend.ALLGATHER_REDUCESCATTER);
  });

  test('fails when DeepEP spans nodes without RDMA (NVSHMEM needs InfiniBand or RoCE)', () => {
    expect(() => new DecodeTier(chart(), 'D', { model: DEEPSEEK, dataParallelSize: 16, enableExpertParallel: true, all2allBackend: All2allBackend.DEEPEP_LOW_LATENCY }))
      .toThrow(/'all2allBackend' \('deepep_low_latency'\) needs RDMA between the 2 nodes of a replica .* but the interconnect is tcp without RDMA/);
  });

  test('DeepEP inside one node needs no RDMA (NVLink)', () => {
    expect(() => new DecodeTier(chart(), 'D', { model: DEEPSEEK, accelerator: H200, dataParallelSize: 8, enableExpertParallel: true, all2allBackend: All2allBackend.DEEPEP_LOW_LATENCY }))
      .not.toThrow();
  });
});

import { Size } from 'cdk8s';
import { EnvValue } from 'cdk8s-plus-28';
import { Accelerator, DecodeTier, Interconnect, KvConnector, Model, NixlBackend, PdService, PrefillTier, VllmImage } from '../src';
import { chart, container, env, find, message, synth } from './util';

const model = Model.LLAMA_3_1_8B_INSTRUCT;

describe('Interconnect', () => {
  test('InfiniBand with Multus and pinned devices: resource, IPC_LOCK, UCX and NCCL env, network annotation', () => {
    const c = chart();
    new PdService(c, 'Svc', {
      model,
      interconnect: Interconnect.infiniband({
        resourceName: 'rdma/hca_shared_devices_a',
        count: 2,
        networkAttachments: ['ib-net', 'fabric/ib-net-2@net2'],
        netDevices: ['mlx5_0:1', 'mlx5_1'],
        bandwidthGbps: 800,
      }),
    });
    const objects = synth(c);
    expect(objects).toMatchSnapshot();
    for (const role of ['prefill', 'decode']) {
      const dep = find(objects, 'Deployment', role);
      const vllm = container(dep);
      expect(vllm.resources.requests['rdma/hca_shared_devices_a']).toBe(2);
      expect(vllm.resources.limits['rdma/hca_shared_devices_a']).toBe(2);
      expect(vllm.securityContext.capabilities.add).toEqual(['IPC_LOCK']);
      expect(env(dep, 'UCX_TLS').value).toBe('rc,sm,self,cuda');
      // UCX before 1.21 matches only 'device:port' names, so the bare mlx5_1 becomes its port 1; NCCL keeps it bare.
      expect(env(dep, 'UCX_NET_DEVICES').value).toBe('mlx5_0:1,mlx5_1:1');
      expect(env(dep, 'NCCL_IB_HCA').value).toBe('=mlx5_0:1,mlx5_1');
      expect(dep.spec.template.metadata.annotations['k8s.v1.cni.cncf.io/networks']).toBe('ib-net,fabric/ib-net-2@net2');
    }
  });

  test('defaults: rdma/ib for InfiniBand, rdma/roce_gdr for RoCE, one each, no device pinning', () => {
    for (const [interconnect, resource] of [[Interconnect.infiniband(), 'rdma/ib'], [Interconnect.roce(), 'rdma/roce_gdr']] as const) {
      const c = chart();
      new PrefillTier(c, 'Prefill', { model, interconnect });
      const dep = find(synth(c), 'Deployment', 'prefill');
      expect(container(dep).resources.limits[resource]).toBe(1);
      expect(env(dep, 'UCX_NET_DEVICES')).toBeUndefined();
      expect(env(dep, 'NCCL_IB_HCA')).toBeUndefined();
      expect(dep.spec.template.metadata.annotations).toBeUndefined();
    }
  });

  test('EFA: vpc.amazonaws.com/efa, IPC_LOCK, libfabric env; NIXL over LIBFABRIC', () => {
    const c = chart();
    new PdService(c, 'Svc', {
      model,
      kvConnector: KvConnector.nixl({ backends: [NixlBackend.LIBFABRIC] }),
      interconnect: Interconnect.efa({ count: 32, bandwidthGbps: 3200 }),
    });
    const objects = synth(c);
    expect(objects).toMatchSnapshot();
    const dep = find(objects, 'Deployment', 'decode');
    expect(container(dep).resources.limits['vpc.amazonaws.com/efa']).toBe(32);
    expect(container(dep).securityContext.capabilities.add).toEqual(['IPC_LOCK']);
    expect(env(dep, 'FI_PROVIDER').value).toBe('efa');
    expect(env(dep, 'FI_EFA_USE_DEVICE_RDMA').value).toBe('1');
    expect(env(dep, 'UCX_TLS')).toBeUndefined();
  });

  test('EFA without GPUDirect RDMA (g5) renders FI_EFA_USE_DEVICE_RDMA=0', () => {
    const c = chart();
    new PrefillTier(c, 'Prefill', {
      model,
      kvConnector: KvConnector.nixl({ backends: [NixlBackend.LIBFABRIC] }),
      interconnect: Interconnect.efa({ count: 1, gpuDirectRdma: false }),
    });
    expect(env(find(synth(c), 'Deployment', 'prefill'), 'FI_EFA_USE_DEVICE_RDMA').value).toBe('0');
  });

  test('UCX variables only where KV moves over UCX (NIXL, LMCache PD): Mooncake and P2pNccl tiers keep NCCL_IB_HCA, not UCX_*', () => {
    const interconnect = Interconnect.infiniband({ netDevices: ['mlx5_0', 'mlx5_1'] });
    const transportEnv = (build: (c: ReturnType<typeof chart>) => void) => {
      const c = chart();
      build(c);
      return container(find(synth(c), 'Deployment', 'prefill')).env.map((e: any) => e.name).filter((n: string) => /^(UCX|NCCL)_/.test(n)).sort();
    };
    const tier = (kvConnector: KvConnector) => transportEnv(c => new PrefillTier(c, 'P', { model, interconnect, kvConnector }));
    const ucx = ['NCCL_IB_HCA', 'UCX_NET_DEVICES', 'UCX_TLS'];
    expect(tier(KvConnector.nixl())).toEqual(ucx);
    expect(tier(KvConnector.lmcache({ proxyHost: 'proxy', proxyPort: 7500 }))).toEqual(ucx);
    expect(tier(KvConnector.multi([KvConnector.nixl(), KvConnector.offloading({ cpuBytesToUse: Size.gibibytes(4) })]))).toEqual(ucx);
    expect(tier(KvConnector.mooncake())).toEqual(['NCCL_IB_HCA']);
    // P2pNccl's config carries its router's address, so it needs a PdService (and a release that still has it).
    expect(transportEnv(c => new PdService(c, 'Svc', { model, interconnect, kvConnector: KvConnector.p2pNccl(), image: VllmImage.official('v0.22.0') })))
      .toEqual(['NCCL_IB_HCA']);
    // EPLB moves experts over NIXL wherever it is installed, whatever the KV connector: a Mooncake tier with EPLB gets them.
    const eplb = transportEnv(c => new PrefillTier(c, 'P', {
      model: Model.DEEPSEEK_V3,
      accelerator: Accelerator.NVIDIA_H200,
      dataParallelSize: 8,
      enableExpertParallel: true,
      enableEplb: true,
      interconnect,
      kvConnector: KvConnector.mooncake(),
    }));
    expect(eplb).toEqual(ucx);
  });

  test('TCP (the default) renders no resource, no capability, no transport env', () => {
    const c = chart();
    const tier = new PrefillTier(c, 'Prefill', { model });
    const vllm = container(find(synth(c), 'Deployment', 'prefill'));
    expect(Object.keys(vllm.resources.limits).sort()).toEqual(['memory', 'nvidia.com/gpu']);
    expect(vllm.securityContext?.capabilities?.add).toBeUndefined();
    expect(vllm.env.map((e: any) => e.name).filter((n: string) => /^(UCX|NCCL|FI)_/.test(n))).toEqual([]);
    expect(tier._spec.interconnect).toEqual({ kind: 'tcp', rdma: false, networkAttachments: [], netDevices: [] });
  });

  test('the resolved spec carries kind, rdma and the bandwidth in bytes per second', () => {
    const c = chart();
    const p = new PrefillTier(c, 'Prefill', { model, interconnect: Interconnect.roce({ bandwidthGbps: 400 }) });
    expect(p._spec.interconnect).toMatchObject({ kind: 'roce', rdma: true, bandwidthBytesPerSecond: 50e9 });
    expect(Interconnect.tcp({ bandwidthGbps: 100 })._spec.bandwidthBytesPerSecond).toBe(12.5e9);
    expect(Interconnect.efa({ count: 32 })._spec).toMatchObject({ kind: 'efa', rdma: true });
    expect(Interconnect.efa({ count: 32 }).rdma).toBe(true);
    expect(Interconnect.tcp().kind).toBe('tcp');
  });

  test('a tier interconnect overrides the PdService one', () => {
    const c = chart();
    const svc = new PdService(c, 'Svc', {
      model,
      interconnect: Interconnect.infiniband(),
      decode: { interconnect: Interconnect.infiniband({ count: 2 }) },
    });
    expect(svc.prefill._spec.interconnect.resourceCount).toBe(1);
    expect(svc.decode._spec.interconnect.resourceCount).toBe(2);
  });

  test('fails when extraEnv sets a transport variable the interconnect renders', () => {
    expect(() => new PrefillTier(chart(), 'Prefill', {
      model,
      interconnect: Interconnect.infiniband(),
      extraEnv: [{ name: 'UCX_TLS', value: EnvValue.fromValue('all') }],
    })).toThrow(/^PrefillTier 'test\/Prefill': 'extraEnv' \('UCX_TLS'\) is already set by the library/);
  });

  test('fails when NIXL uses LIBFABRIC without EFA', () => {
    expect(() => new PrefillTier(chart(), 'Prefill', {
      model, kvConnector: KvConnector.nixl({ backends: [NixlBackend.LIBFABRIC] }), interconnect: Interconnect.infiniband(),
    })).toThrow(/^PrefillTier 'test\/Prefill': 'kvConnector' \('backends \["LIBFABRIC"\]'\) uses NixlBackend\.LIBFABRIC, which needs interconnect Interconnect\.efa\(\) \(the tier's interconnect is infiniband\)/);
  });

  test('fails when NIXL runs only UCX over EFA', () => {
    expect(() => new DecodeTier(chart(), 'Decode', { model, interconnect: Interconnect.efa({ count: 4 }) }))
      .toThrow(/^DecodeTier 'test\/Decode': 'kvConnector' \('backends \["UCX"\]'\) must include NixlBackend\.LIBFABRIC with Interconnect\.efa\(\): UCX has no EFA transport$/);
  });

  test('fails when NIXL lists only storage backends', () => {
    expect(() => new DecodeTier(chart(), 'Decode', { model, kvConnector: KvConnector.nixl({ backends: [NixlBackend.GDS, NixlBackend.POSIX] }) }))
      .toThrow(/'kvConnector' \('backends \["GDS","POSIX"\]'\) lists only NIXL storage backends \(GDS, GDS_MT, POSIX, OBJ, HF3FS, AZURE_BLOB, GUSLI, INFINIA\), which move no KV between pods/);
  });

  test('fails on malformed options, naming the prop', () => {
    const cases: Array<[() => unknown, RegExp]> = [
      [() => Interconnect.infiniband({ networkAttachments: ['Bad_Name'] }), /^Interconnect\.infiniband: 'networkAttachments\[0\]' \('Bad_Name'\) must be a NetworkAttachmentDefinition/],
      [() => Interconnect.roce({ networkAttachments: ['a', 'a'] }), /^Interconnect\.roce: 'networkAttachments' \(\["a","a"\]\) lists 'a' twice$/],
      [() => Interconnect.infiniband({ netDevices: ['mlx5 0'] }), /^Interconnect\.infiniband: 'netDevices\[0\]' \('mlx5 0'\) must be an RDMA device name/],
      [() => Interconnect.infiniband({ resourceName: 'ib' }), /^Interconnect\.infiniband: 'resourceName' \('ib'\) must be a domain-prefixed extended resource/],
      [() => Interconnect.infiniband({ count: 0 }), /^Interconnect\.infiniband: 'count' \(0\) must be an integer >= 1$/],
      [() => Interconnect.tcp({ bandwidthGbps: -1 }), /^Interconnect\.tcp: 'bandwidthGbps' \(-1\) must be a line rate in gigabits per second/],
      [() => Interconnect.efa({ count: 2, bandwidthGbps: Infinity }), /^Interconnect\.efa: 'bandwidthGbps' \(Infinity\)/],
      [() => Interconnect.efa(undefined as any), /^Interconnect\.efa: 'count' \(undefined\) is required/],
      [() => Interconnect.efa({} as any), /^Interconnect\.efa: 'count' \(undefined\) is required \(EfaInterconnectOptions\.count\)$/],
      [() => Interconnect.roce({ bandwidth: 100 } as any), /^Interconnect\.roce: 'bandwidth' \(100\) is not a prop of RdmaInterconnectOptions \(did you mean 'bandwidthGbps'\?\)/],
      [() => new PrefillTier(chart(), 'P', { model, interconnect: 'ib' as any }), /^PrefillTier 'test\/P': 'interconnect' \('ib'\) must be an Interconnect/],
    ];
    for (const [f, re] of cases) expect(message(f)).toMatch(re);
  });
});

describe('Interconnect across a PD pair', () => {
  test('fails when prefill and decode declare different fabrics', () => {
    expect(() => new PdService(chart(), 'Svc', { model, prefill: { interconnect: Interconnect.infiniband() } }))
      .toThrow(/^PdRouter 'test\/Svc\/Router': 'decode\.interconnect' \('tcp'\) must equal prefill's interconnect \("infiniband"\): KV moves between the tiers over one fabric/);
  });
});

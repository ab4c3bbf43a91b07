/** The KvConnector and RouterStrategy factory boundary. */
import { Duration, Size } from 'cdk8s';
import { DecodeTier, KvConnector, Model, NixlBackend, RouterStrategy, VllmImage } from '../../src';
import { chart } from '../util';

const rows: Array<[string, () => unknown, string]> = [
  ['a typo in a NIXL option', () => KvConnector.nixl({ backend: [NixlBackend.UCX] } as any),
    "KvConnector.nixl: 'backend' ([{\"name\":\"UCX\"}]) is not a prop of NixlConnectorOptions (did you mean 'backends'?)"],
  ['NIXL backends given as strings', () => KvConnector.nixl({ backends: ['UCX'] } as any),
    "KvConnector.nixl: 'backends[0]' ('UCX') must be a NixlBackend (e.g. NixlBackend.UCX or NixlBackend.of(name))"],
  ['NIXL backends given as one backend', () => KvConnector.nixl({ backends: NixlBackend.UCX } as any),
    "KvConnector.nixl: 'backends' ({\"name\":\"UCX\"}) must be an array"],
  ['a string "false" for enforceHandshakeCompat', () => KvConnector.nixl({ enforceHandshakeCompat: 'false' } as any),
    "KvConnector.nixl: 'enforceHandshakeCompat' ('false') must be a boolean"],
  ['a number for kvLeaseDuration', () => KvConnector.nixl({ kvLeaseDuration: 30 } as any),
    "KvConnector.nixl: 'kvLeaseDuration' (30) must be a Duration"],
  ['a string sideChannelPort', () => KvConnector.nixl({ sideChannelPort: '5600' } as any),
    "KvConnector.nixl: 'sideChannelPort' ('5600') must be an integer >= 1"],
  ['options that are a string', () => KvConnector.nixl('push' as any),
    "KvConnector.nixl: 'options' ('push') must be an object of NixlConnectorOptions props"],
  ['a number for an LMCache buffer size', () => KvConnector.lmcache({ prefillBufferSize: 1073741824 } as any),
    "KvConnector.lmcache: 'prefillBufferSize' (1073741824) must be a Size"],
  ['an LMCache peer port above 65535', () => KvConnector.lmcache({ peerInitPort: 70000 }),
    "KvConnector.lmcache: 'peerInitPort' (70000) must be a TCP port (1-65535)"],
  ['a string for P2pNccl sameNode', () => KvConnector.p2pNccl({ sameNode: 'no' } as any),
    "KvConnector.p2pNccl: 'sameNode' ('no') must be a boolean"],
  ['a P2pNccl kvPort above 65535', () => KvConnector.p2pNccl({ kvPort: 1e6 }),
    "KvConnector.p2pNccl: 'kvPort' (1000000) must be a TCP port (1-65535)"],
  ['Mooncake device names as one string', () => KvConnector.mooncake({ deviceNames: 'mlx5_0' } as any),
    "KvConnector.mooncake: 'deviceNames' ('mlx5_0') must be an array"],
  ['an empty Mooncake device name', () => KvConnector.mooncake({ deviceNames: [''] }),
    "KvConnector.mooncake: 'deviceNames[0]' ('') must be a non-empty string"],
  ['a number for cpuBytesToUse', () => KvConnector.offloading({ cpuBytesToUse: 8e9 } as any),
    "KvConnector.offloading: 'cpuBytesToUse' (8000000000) must be a Size"],
  ['no options for offloading', () => KvConnector.offloading(undefined as any),
    "KvConnector.offloading: 'cpuBytesToUse' (undefined) must be given"],
  ['a number for the example claim', () => KvConnector.example({ claimName: 5 } as any),
    "KvConnector.example: 'claimName' (5) must be a string"],
  ['a typo in the example options', () => KvConnector.example({ claimName: 'kv', path: '/kv' } as any),
    "KvConnector.example: 'path' ('/kv') is not a prop of ExampleConnectorOptions"],
  ['a string member of a chain', () => KvConnector.multi([KvConnector.nixl(), 'offloading' as any]),
    "KvConnector.multi: 'connectors[1]' ('offloading') must be a KvConnector from a KvConnector factory"],
  ['a duplicate hidden in a nested chain', () => KvConnector.multi([
    KvConnector.nixl(),
    KvConnector.multi([KvConnector.nixl({ sideChannelPort: 5700 }), KvConnector.offloading({ cpuBytesToUse: Size.gibibytes(8) })]),
  ]), "KvConnector.multi: 'connectors' ([\"NixlConnector\",\"NixlConnector\",\"OffloadingConnector\"]) chains NixlConnector twice"],
  ['a typo in the chain options',
    () => KvConnector.multi([KvConnector.nixl(), KvConnector.offloading({ cpuBytesToUse: Size.gibibytes(8) })], { policy: 'fail' } as any),
    "KvConnector.multi: 'policy' ('fail') is not a prop of KvConnectorCommonOptions"],
  ['a typo in the vllm-router options', () => RouterStrategy.vllmRouter({ imag: 'x' } as any),
    "RouterStrategy.vllmRouter: 'imag' ('x') is not a prop of VllmRouterOptions (did you mean 'image'?)"],
  ['a router image outside the reference grammar', () => RouterStrategy.vllmRouter({ image: 'Docker.io/VLLM/router:nightly' }),
    "RouterStrategy.vllmRouter: 'image' ('Docker.io/VLLM/router:nightly') must be an image reference"],
  ['a number for the production-stack image', () => RouterStrategy.productionStackRouter({ image: 7 } as any),
    "RouterStrategy.productionStackRouter: 'image' (7) must be a string"],
  ['a production-stack image with an empty tag', () => RouterStrategy.productionStackRouter({ image: 'lmcache/lmstack-router:' }),
    "RouterStrategy.productionStackRouter: 'image' ('lmcache/lmstack-router:') must be an image reference"],
];

describe('connector and router factories', () => {
  test.each(rows)('fails with %s', (_name, fn, fragment) => {
    expect(fn).toThrow(fragment);
  });

  test('accept null options and null optional props', () => {
    expect(() => KvConnector.nixl(null as any)).not.toThrow();
    expect(() => KvConnector.nixl({ backends: null, kvLeaseDuration: null } as any)).not.toThrow();
    expect(() => KvConnector.lmcache(null as any)).not.toThrow();
    expect(() => KvConnector.mooncake(null as any)).not.toThrow();
    expect(() => KvConnector.p2pNccl(null as any)).not.toThrow();
    expect(() => RouterStrategy.vllmRouter(null as any)).not.toThrow();
    expect(() => RouterStrategy.productionStackRouter(null as any)).not.toThrow();
  });

  test('a chain of distinct connectors, nested, is accepted', () => {
    expect(() => KvConnector.multi([
      KvConnector.nixl(), KvConnector.multi([KvConnector.offloading({ cpuBytesToUse: Size.gibibytes(8) }), KvConnector.example({ claimName: 'kv' })]),
    ])).not.toThrow();
  });

  test('fails with a plain JavaScript call: a Duration-like number and a list for a chain', () => {
    const js: any = KvConnector;
    expect(() => js.nixl({ kvLeaseDuration: Duration.seconds(30).toSeconds() })).toThrow("'kvLeaseDuration' (30) must be a Duration");
    expect(() => js.multi(KvConnector.nixl())).toThrow("KvConnector.multi: 'connectors'");
  });
});

describe('connector rules at the tier', () => {
  test('fails when an LMCache decode rank port would pass 65535', () => {
    expect(() => new DecodeTier(chart(), 'D', {
      model: Model.LLAMA_3_1_8B_INSTRUCT,
      image: VllmImage.fromRegistry('lmcache/vllm-openai:v0.3.9', { version: '0.32.0' }),
      kvConnector: KvConnector.lmcache({ peerInitPort: 65534, peerAllocPort: 7400 }),
      tensorParallelSize: 4,
    })).toThrow("'peerInitPort' (65534) plus tensorParallelSize (4) exceeds port 65535");
  });
});

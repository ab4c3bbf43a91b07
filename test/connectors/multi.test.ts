import { Duration, Size } from 'cdk8s';
import {
  DecodeTier, Interconnect, KvConnector, KvLoadFailurePolicy, KvRole, Model, NixlBackend, PdService, PrefillTier, VllmImage,
} from '../../src';
import { expectOnlyDocumentedKeys } from '../kv-transfer-config-keys';
import { chart, container, env, find, kvTransferConfig, synth, unsized } from '../util';

const model = unsized(Model.LLAMA_3_1_70B_INSTRUCT);

/** The seed's chain: NIXL for prefill-to-decode transfer, then Offloading to CPU ({"block_size": 64, "cpu_bytes_to_use": 10_000_000_000}). */
function seedChain(options = {}): KvConnector {
  return KvConnector.multi([
    KvConnector.nixl(),
    KvConnector.offloading({ cpuBytesToUse: Size.kibibytes(9_765_625), blockSize: 64 }),
  ], options);
}

function service(props: any = {}, c = chart()) {
  const svc = new PdService(c, 'Svc', {
    model,
    kvConnector: seedChain(),
    prefill: { tensorParallelSize: 4, blockSize: 16 },
    decode: { tensorParallelSize: 4, blockSize: 16 },
    ...props,
  });
  return { c, svc };
}

describe('MultiConnector', () => {
  test("the seed's NIXL + Offloading chain through PdService: kv_both, failure policy only at the top level", () => {
    const { c } = service();
    const objects = synth(c);
    expect(objects).toMatchSnapshot();
    for (const role of ['prefill', 'decode']) {
      const dep = find(objects, 'Deployment', role);
      expect(kvTransferConfig(dep)).toEqual({
        kv_connector: 'MultiConnector',
        kv_role: 'kv_both',
        kv_load_failure_policy: 'fail',
        kv_connector_extra_config: {
          connectors: [
            { kv_connector: 'NixlConnector', kv_role: 'kv_both', kv_buffer_device: 'cuda', kv_connector_extra_config: { backends: ['UCX'] } },
            { kv_connector: 'OffloadingConnector', kv_role: 'kv_both', kv_connector_extra_config: { block_size: 64, cpu_bytes_to_use: 10_000_000_000 } },
          ],
        },
      });
      // NIXL's side channel comes with the chain.
      expect(env(dep, 'VLLM_NIXL_SIDE_CHANNEL_HOST').valueFrom).toEqual({ fieldRef: { fieldPath: 'status.podIP' } });
      expect(container(dep).ports).toContainEqual({ name: 'nixl-side-0', containerPort: 5600, protocol: 'TCP' });
      // 4 GPUs x 32 GiB + the 10 GB offload store, rounded up to MiB.
      const mib = 128 * 1024 + Math.ceil(10_000_000_000 / 1024 ** 2);
      expect(container(dep).resources.requests.memory).toBe(`${mib}Mi`);
      expect(container(dep).resources.limits.memory).toBe(`${mib}Mi`);
    }
    // The router uses NIXL's request flow.
    const args: string[] = container(find(objects, 'Deployment', 'router')).args;
    expect(args.slice(args.indexOf('--kv-connector'), args.indexOf('--kv-connector') + 2)).toEqual(['--kv-connector', 'nixl']);
  });

  test('the rendered JSON uses only KVTransferConfig fields and, per member, that connector\'s documented extra-config keys', () => {
    const { c } = service({
      kvConnector: KvConnector.multi([
        KvConnector.nixl({ backends: [NixlBackend.UCX, NixlBackend.GDS], kvLeaseDuration: Duration.seconds(60), enforceHandshakeCompat: true }),
        KvConnector.offloading({ cpuBytesToUse: Size.gibibytes(4), blockSize: 32 }),
      ]),
    });
    const objects = synth(c);
    for (const role of ['prefill', 'decode']) {
      const config = kvTransferConfig(find(objects, 'Deployment', role));
      expectOnlyDocumentedKeys(config);
      for (const member of config.kv_connector_extra_config.connectors) {
        expect(member.kv_load_failure_policy).toBeUndefined();
      }
    }
  });

  test('the chain failure policy is rendered at the top level only', () => {
    const { c } = service({ kvConnector: seedChain({ kvLoadFailurePolicy: KvLoadFailurePolicy.RECOMPUTE }) });
    const config = kvTransferConfig(find(synth(c), 'Deployment', 'decode'));
    expect(config.kv_load_failure_policy).toBe('recompute');
    expect(config.kv_connector_extra_config.connectors.map((m: any) => m.kv_load_failure_policy)).toEqual([undefined, undefined]);
  });

  test('members render the connector name of the image version (NixlConnector before vLLM 0.24)', () => {
    const { c } = service({ image: VllmImage.official('v0.23.0') }); // NixlConnector on every release
    const config = kvTransferConfig(find(synth(c), 'Deployment', 'prefill'));
    expect(config.kv_connector_extra_config.connectors.map((m: any) => m.kv_connector)).toEqual(['NixlConnector', 'OffloadingConnector']);
  });

  test('fails when a member sets kvLoadFailurePolicy', () => {
    expect(() => KvConnector.multi([
      KvConnector.nixl({ kvLoadFailurePolicy: KvLoadFailurePolicy.RECOMPUTE }),
      KvConnector.offloading({ cpuBytesToUse: Size.gibibytes(1) }),
    ])).toThrow(/^KvConnector\.multi: 'connectors\[0\]\.kvLoadFailurePolicy' \('recompute'\) must not be set on a member: set it on KvConnector\.multi\(\.\.\., \{ kvLoadFailurePolicy \}\) instead$/);
  });

  test('fails when a member sets kvLoadFailurePolicy even to the default', () => {
    expect(() => KvConnector.multi([
      KvConnector.nixl(),
      KvConnector.offloading({ cpuBytesToUse: Size.gibibytes(1), kvLoadFailurePolicy: KvLoadFailurePolicy.FAIL }),
    ])).toThrow(/^KvConnector\.multi: 'connectors\[1\]\.kvLoadFailurePolicy' \('fail'\) must not be set on a member/);
  });

  test('fails with a single member', () => {
    expect(() => KvConnector.multi([KvConnector.nixl()]))
      .toThrow(/^KvConnector\.multi: 'connectors' \(1\) must list at least two connectors to chain$/);
  });

  test('fails with no members', () => {
    expect(() => KvConnector.multi([]))
      .toThrow(/^KvConnector\.multi: 'connectors' \(0\) must list at least two connectors to chain$/);
  });

  test('fails when two transports are chained (NIXL and Mooncake)', () => {
    expect(() => KvConnector.multi([KvConnector.nixl(), KvConnector.mooncake()]))
      .toThrow(/^KvConnector\.multi: 'connectors' \(\["NixlConnector","MooncakeConnector"\]\) chains 2 transports \(NIXL \(pull\), Mooncake\); a router implements one request flow, so keep one$/);
  });

  test('fails when the same connector is chained twice', () => {
    expect(() => KvConnector.multi([KvConnector.nixl(), KvConnector.nixl()]))
      .toThrow(/^KvConnector\.multi: 'connectors' \(\["NixlConnector","NixlConnector"\]\) chains NixlConnector twice; chain each connector once$/);
    expect(() => KvConnector.multi([
      KvConnector.offloading({ cpuBytesToUse: Size.gibibytes(1) }),
      KvConnector.offloading({ cpuBytesToUse: Size.gibibytes(2) }),
    ])).toThrow(/chains OffloadingConnector twice/);
  });

  test('NIXL + ExampleConnector (the vLLM docs chain) uses the NIXL flow', () => {
    const chain = KvConnector.multi([KvConnector.nixl(), KvConnector.example({ claimName: 'kv-shared' })]);
    expect(chain.transport).toBe('NIXL (pull)');
  });

  test('member rules are validated recursively: a P2pNccl member on vLLM 0.32.0 fails with the removal', () => {
    expect(() => new PdService(chart(), 'Svc', {
      model,
      kvConnector: KvConnector.multi([KvConnector.p2pNccl(), KvConnector.offloading({ cpuBytesToUse: Size.gibibytes(1) })]),
      prefill: { tensorParallelSize: 4 },
      decode: { tensorParallelSize: 4 },
    })).toThrow(/^PrefillTier 'test\/Svc\/Prefill' kvConnector\.connectors\[0\]: 'kvConnector' \('P2pNcclConnector'\) needs connector 'P2pNcclConnector', which exists in vLLM >= 0\.10\.0 and < 0\.23\.0 .*PR #44854.*use KvConnector\.nixl\(\) instead$/);
  });

  test('member rules are validated recursively: a NIXL lease on vLLM 0.21.0', () => {
    expect(() => new PrefillTier(chart(), 'Prefill', {
      model,
      image: VllmImage.official('v0.21.0'),
      blockSize: 16,
      kvConnector: KvConnector.multi([
        KvConnector.nixl({ kvLeaseDuration: Duration.seconds(30) }),
        KvConnector.offloading({ cpuBytesToUse: Size.gibibytes(1) }),
      ]),
    })).toThrow(/^PrefillTier 'test\/Prefill' kvConnector\.connectors\[0\]: 'kvLeaseDuration' \('30s'\) needs NIXL extra config 'kv_lease_duration', which exists in vLLM >= 0\.22\.0/);
  });

  test('member rules are validated recursively: the Offloading block size against the tier block size', () => {
    expect(() => service({ prefill: { tensorParallelSize: 4, blockSize: 48 }, decode: { tensorParallelSize: 4, blockSize: 48 } }))
      .toThrow(/^PrefillTier 'test\/Svc\/Prefill' kvConnector\.connectors\[1\]: 'kvConnector\.blockSize' \(64\) must be a multiple of the tier's blockSize \(48\)/);
  });

  test("NIXL's tensor-parallel rule still applies through the chain", () => {
    // vLLM 0.19.1 counts prefill TP 8 over Llama-70B's 8 KV heads as replicated (is_kv_replicated: TP >= heads).
    expect(() => service({
      image: VllmImage.official('v0.19.1'),
      prefill: { tensorParallelSize: 8, blockSize: 16 },
      decode: { tensorParallelSize: 4, blockSize: 16 },
    })).toThrow(/^PdRouter 'test\/Svc\/Router': 'decode\.tensorParallelSize' \(4\) must be >= prefill's tensorParallelSize \(8\) with NixlConnector on vLLM 0\.19\.1/);
  });

  test('each member gets its own kv_role: the chain role where allowed, else its default', () => {
    const c = chart();
    new DecodeTier(c, 'Decode', { model, blockSize: 16, kvConnector: seedChain(), kvRole: KvRole.KV_CONSUMER });
    const config = kvTransferConfig(find(synth(c), 'Deployment', 'decode'));
    expect(config.kv_role).toBe('kv_consumer');
    expect(config.kv_connector_extra_config.connectors.map((m: any) => m.kv_role)).toEqual(['kv_consumer', 'kv_both']);
  });

  test('fails when a tier asks for a role the transport member does not allow', () => {
    expect(() => new DecodeTier(chart(), 'Decode', { model, blockSize: 16, kvConnector: seedChain(), kvRole: KvRole.KV_PRODUCER }))
      .toThrow(/^DecodeTier 'test\/Decode': 'kvRole' \('kv_producer'\) is not allowed for MultiConnector on a decode tier; allowed: kv_consumer, kv_both$/);
  });

  test('a chain without a common role (Mooncake + Offloading) renders each member with its own role', () => {
    const c = chart();
    const mooncakeImage = VllmImage.fromRegistry('registry.example.com/vllm-mooncake:v0.32.0');
    new PrefillTier(c, 'Prefill', {
      model,
      image: mooncakeImage,
      interconnect: Interconnect.roce(),
      kvConnector: KvConnector.multi([KvConnector.mooncake(), KvConnector.offloading({ cpuBytesToUse: Size.gibibytes(1) })]),
    });
    const config = kvTransferConfig(find(synth(c), 'Deployment', 'prefill'));
    expect(config.kv_role).toBe('kv_producer');
    expect(config.kv_connector_extra_config.connectors.map((m: any) => m.kv_role)).toEqual(['kv_producer', 'kv_both']);
  });
});

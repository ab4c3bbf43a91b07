import {
  DecodeTier, Interconnect, KvConnector, KvLoadFailurePolicy, KvRole, Model, MooncakeProtocol, PdRouter, PdService, PrefillTier, RouterDiscovery,
  RouterStrategy, VllmImage,
} from '../../src';
import { warningsOf } from '../../src/private/warn';
import { expectOnlyDocumentedKeys } from '../kv-transfer-config-keys';
import { chart, container, env, find, kvTransferConfig, synth, unsized } from '../util';

const model = unsized(Model.LLAMA_3_1_70B_INSTRUCT);
/** Mooncake needs an image with the transfer engine installed. */
const image = VllmImage.fromRegistry('registry.example.com/vllm-mooncake:v0.32.0');
/** MooncakeProtocol.RDMA (the default) needs an InfiniBand or RoCE interconnect. */
const interconnect = Interconnect.infiniband();

function service(props: any = {}, c = chart()) {
  const svc = new PdService(c, 'Svc', {
    model,
    image,
    kvConnector: KvConnector.mooncake(),
    interconnect,
    prefill: { tensorParallelSize: 4 },
    decode: { tensorParallelSize: 4 },
    router: { discovery: RouterDiscovery.STATIC },
    ...props,
  });
  return { c, svc };
}

describe('MooncakeConnector', () => {
  test('PdService with vllm-router: bootstrap server on prefill only, router in Mooncake mode', () => {
    const { c, svc } = service({
      kvConnector: KvConnector.mooncake({ protocol: MooncakeProtocol.RDMA, deviceNames: ['mlx5_0', 'mlx5_1'], numWorkers: 16 }),
      router: { strategy: RouterStrategy.vllmRouter(), discovery: RouterDiscovery.STATIC },
    });
    const objects = synth(c);
    expect(objects).toMatchSnapshot();
    const prefill = find(objects, 'Deployment', 'prefill');
    const decode = find(objects, 'Deployment', 'decode');
    const extra = { mooncake_protocol: 'rdma', device_name: 'mlx5_0,mlx5_1', num_workers: 16 };
    expect(kvTransferConfig(prefill)).toEqual({
      kv_connector: 'MooncakeConnector',
      kv_role: 'kv_producer',
      kv_load_failure_policy: 'fail',
      kv_connector_extra_config: extra,
    });
    expect(kvTransferConfig(decode)).toEqual({
      kv_connector: 'MooncakeConnector',
      kv_role: 'kv_consumer',
      kv_load_failure_policy: 'fail',
      kv_connector_extra_config: extra,
    });

    // Prefill: bootstrap port in the env, as a container port and as the annotation vllm-router reads.
    expect(env(prefill, 'VLLM_MOONCAKE_BOOTSTRAP_PORT')).toEqual({ name: 'VLLM_MOONCAKE_BOOTSTRAP_PORT', value: '8998' });
    expect(container(prefill).ports).toEqual([
      { name: 'http', containerPort: 8000, protocol: 'TCP' },
      { name: 'mooncake-boot', containerPort: 8998, protocol: 'TCP' },
    ]);
    expect(prefill.spec.template.metadata.annotations).toEqual({ 'vllm.ai/bootstrap-port': '8998' });
    // Decode: none of it.
    expect(env(decode, 'VLLM_MOONCAKE_BOOTSTRAP_PORT')).toBeUndefined();
    expect(container(decode).ports).toEqual([{ name: 'http', containerPort: 8000, protocol: 'TCP' }]);
    expect(decode.spec.template.metadata.annotations?.['vllm.ai/bootstrap-port']).toBeUndefined();

    const args: string[] = container(find(objects, 'Deployment', 'router')).args;
    expect(args.slice(args.indexOf('--kv-connector'), args.indexOf('--kv-connector') + 2)).toEqual(['--kv-connector', 'mooncake']);
    expect(args).not.toContain('--service-discovery');
    // The router bootstraps Mooncake from the static prefill URL plus bootstrap port, through the prefill Service.
    expect(args.slice(args.indexOf('--prefill'), args.indexOf('--prefill') + 3))
      .toEqual(['--prefill', `http://${svc.prefill.serviceName}:8000`, '8998']);
    expect(find(objects, 'Service', 'prefill').spec.ports).toContainEqual({ name: 'mooncake-boot', port: 8998, targetPort: 'mooncake-boot', protocol: 'TCP' });
    expect(find(objects, 'Service', 'decode').spec.ports).toEqual([{ name: 'http', port: 8000, targetPort: 'http', protocol: 'TCP' }]);
  });

  test('fails with Kubernetes discovery: vllm-router bootstraps Mooncake only for static prefill URLs', () => {
    expect(() => service({ router: { discovery: RouterDiscovery.KUBERNETES } }))
      .toThrow(/'discovery' \('kubernetes'\) must be RouterDiscovery.STATIC with MooncakeConnector: vllm-router bootstraps Mooncake only for static prefill URLs \(vllm-project\/router PR #209\)/);
  });

  test('fails with more than one prefill pod on vllm-router', () => {
    expect(() => service({ prefill: { tensorParallelSize: 4, replicas: 2 } }))
      .toThrow(/'prefill.replicas' \(2\) must be 1 with MooncakeConnector on vllm-router/);
  });

  test('the rendered JSON uses only KVTransferConfig fields and documented Mooncake extra-config keys', () => {
    const { c } = service({ kvConnector: KvConnector.mooncake({ deviceNames: ['mlx5_0'], numWorkers: 4, protocol: MooncakeProtocol.TCP }) });
    const objects = synth(c);
    for (const role of ['prefill', 'decode']) {
      expectOnlyDocumentedKeys(kvTransferConfig(find(objects, 'Deployment', role)));
    }
  });

  test('defaults render only mooncake_protocol rdma', () => {
    const { c } = service();
    const objects = synth(c);
    expect(kvTransferConfig(find(objects, 'Deployment', 'prefill')).kv_connector_extra_config).toEqual({ mooncake_protocol: 'rdma' });
  });

  test('device_name defaults to the interconnect\'s netDevices (declared once), port 1 folded; explicit deviceNames win', () => {
    const extra = (props: any) => {
      const objects = synth(service(props).c);
      return ['prefill', 'decode'].map(t => kvTransferConfig(find(objects, 'Deployment', t)).kv_connector_extra_config.device_name);
    };
    expect(extra({ interconnect: Interconnect.infiniband({ netDevices: ['mlx5_0', 'mlx5_1:1'] }) })).toEqual(['mlx5_0,mlx5_1', 'mlx5_0,mlx5_1']);
    expect(extra({
      interconnect: Interconnect.infiniband({ netDevices: ['mlx5_0', 'mlx5_1'] }),
      kvConnector: KvConnector.mooncake({ deviceNames: ['mlx5_2'] }),
    })).toEqual(['mlx5_2', 'mlx5_2']);
  });

  test('fails when netDevices names a port other than 1 and deviceNames is unset', () => {
    expect(() => service({ interconnect: Interconnect.infiniband({ netDevices: ['mlx5_0:2'] }) }))
      .toThrow(/^PrefillTier 'test\/Svc\/Prefill': 'interconnect\.netDevices' \('mlx5_0:2'\) names port 2, but Mooncake's device_name takes devices, not ports/);
  });

  test('static discovery passes the bootstrap port after the prefill URL', () => {
    const { c, svc } = service({ router: { discovery: RouterDiscovery.STATIC } });
    const objects = synth(c);
    const args: string[] = container(find(objects, 'Deployment', 'router')).args;
    const p = args.indexOf('--prefill');
    expect(args.slice(p, p + 3)).toEqual(['--prefill', `http://${svc.prefill.serviceName}:8000`, '8998']);
    const d = args.indexOf('--decode');
    expect(args.slice(d, d + 2)).toEqual(['--decode', `http://${svc.decode.serviceName}:8000`]);
    expect(args.slice(args.indexOf('--kv-connector'), args.indexOf('--kv-connector') + 2)).toEqual(['--kv-connector', 'mooncake']);
    expect(objects.filter(o => ['ServiceAccount', 'Role', 'RoleBinding'].includes(o.kind))).toEqual([]);
  });

  test('a custom bootstrap port reaches the env, the container port, the annotation and the static router args', () => {
    const { c, svc } = service({ kvConnector: KvConnector.mooncake({ bootstrapPort: 9100 }), router: { discovery: RouterDiscovery.STATIC } });
    const objects = synth(c);
    const prefill = find(objects, 'Deployment', 'prefill');
    expect(env(prefill, 'VLLM_MOONCAKE_BOOTSTRAP_PORT').value).toBe('9100');
    expect(container(prefill).ports).toContainEqual({ name: 'mooncake-boot', containerPort: 9100, protocol: 'TCP' });
    expect(prefill.spec.template.metadata.annotations['vllm.ai/bootstrap-port']).toBe('9100');
    const args: string[] = container(find(objects, 'Deployment', 'router')).args;
    expect(args.slice(args.indexOf('--prefill'), args.indexOf('--prefill') + 3))
      .toEqual(['--prefill', `http://${svc.prefill.serviceName}:8000`, '9100']);
  });

  test('unequal TP that divides evenly is accepted from vLLM 0.19.0 (PR #36869), both directions', () => {
    for (const [p, d] of [[2, 4], [8, 4]]) {
      const { svc } = service({ prefill: { tensorParallelSize: p }, decode: { tensorParallelSize: d } });
      expect([svc.prefill.tensorParallelSize, svc.decode.tensorParallelSize]).toEqual([p, d]);
    }
    const { svc } = service({ image: VllmImage.official('v0.19.0'), prefill: { tensorParallelSize: 2 }, decode: { tensorParallelSize: 4 } });
    expect(svc.decode.tensorParallelSize).toBe(4);
  });

  test('fails when decode TP differs from prefill TP on vLLM 0.18.1 (before PR #36869)', () => {
    expect(() => service({ image: VllmImage.official('v0.18.1'), prefill: { tensorParallelSize: 2 }, decode: { tensorParallelSize: 4 } }))
      .toThrow(/^PdRouter 'test\/Svc\/Router': 'decode\.tensorParallelSize' \(4\) must equal prefill's tensorParallelSize \(2\) with MooncakeConnector on vLLM 0\.18\.1; unequal TP needs vLLM >= 0\.19\.0 \(vllm-project\/vllm PR #36869\)$/);
  });

  test('fails when standalone tiers with different TP are routed on vLLM 0.18.1', () => {
    const c = chart();
    const kvConnector = KvConnector.mooncake();
    const old = VllmImage.official('v0.18.1');
    const prefill = new PrefillTier(c, 'Prefill', { model, image: old, kvConnector, interconnect, tensorParallelSize: 8 });
    const decode = new DecodeTier(c, 'Decode', { model, image: old, kvConnector, interconnect, tensorParallelSize: 4 });
    expect(() => new PdRouter(c, 'Router', { prefill, decode }))
      .toThrow(/'decode\.tensorParallelSize' \(4\) must equal prefill's tensorParallelSize \(8\) with MooncakeConnector on vLLM 0\.18\.1/);
  });

  test('fails when the TP sizes do not divide one another', () => {
    const dense = Model.of('org/dense', { architecture: { numAttentionHeads: 24 } });
    expect(() => service({ model: dense, prefill: { tensorParallelSize: 4 }, decode: { tensorParallelSize: 6 } }))
      .toThrow(/^PdRouter 'test\/Svc\/Router': 'decode\.tensorParallelSize' \(6\) and prefill's tensorParallelSize \(4\) must divide one another with MooncakeConnector/);
  });

  test('fails on vLLM 0.14.0, before the HTTP bootstrap server', () => {
    expect(() => service({ image: VllmImage.official('v0.14.0') }))
      .toThrow(/^PrefillTier 'test\/Svc\/Prefill': 'kvConnector' \('MooncakeConnector'\) needs connector 'MooncakeConnector' with the HTTP bootstrap server, which exists in vLLM >= 0\.15\.0 \(source: .*\); the image is vLLM 0\.14\.0$/);
  });

  test('works from vLLM 0.15.0', () => {
    const { c } = service({ image: VllmImage.official('v0.15.0') });
    expect(kvTransferConfig(find(synth(c), 'Deployment', 'decode')).kv_connector).toBe('MooncakeConnector');
  });

  test('fails with the production-stack router', () => {
    expect(() => service({ prefill: { tensorParallelSize: 4, replicas: 1 }, router: { strategy: RouterStrategy.productionStackRouter() } }))
      .toThrow(/^PdRouter 'test\/Svc\/Router': 'strategy' \('production-stack router'\) does not implement the Mooncake request flow that MooncakeConnector needs \(production-stack router implements: LMCache PD\)/);
  });

  test('fails when decode kvRole is kv_both', () => {
    expect(() => new DecodeTier(chart(), 'Decode', { model, image, interconnect, kvConnector: KvConnector.mooncake(), kvRole: KvRole.KV_BOTH }))
      .toThrow(/^DecodeTier 'test\/Decode': 'kvRole' \('kv_both'\) is not allowed for MooncakeConnector on a decode tier; allowed: kv_consumer$/);
  });

  test('fails when protocol is unknown', () => {
    expect(() => KvConnector.mooncake({ protocol: 'ib' as MooncakeProtocol }))
      .toThrow(/^KvConnector\.mooncake: 'protocol' \('ib'\) must be one of \["rdma","tcp"\]$/);
  });

  test('fails when a device name is not an RDMA device name', () => {
    expect(() => KvConnector.mooncake({ deviceNames: ['mlx5_0', 'mlx5 1'] }))
      .toThrow(/^KvConnector\.mooncake: 'deviceNames' \('mlx5 1'\) must be RDMA device names such as 'mlx5_0'$/);
  });

  test('fails when numWorkers is 0', () => {
    expect(() => KvConnector.mooncake({ numWorkers: 0 }))
      .toThrow(/^KvConnector\.mooncake: 'numWorkers' \(0\) must be an integer >= 1$/);
  });

  test('fails when bootstrapPort is above 65535', () => {
    expect(() => KvConnector.mooncake({ bootstrapPort: 70000 }))
      .toThrow(/^KvConnector\.mooncake: 'bootstrapPort' \(70000\) must be a TCP port \(1-65535\)$/);
  });

  test('fails with MooncakeProtocol.RDMA on a TCP or EFA interconnect (Mooncake opens RC queue pairs)', () => {
    expect(() => service({ interconnect: undefined }))
      .toThrow(/^PrefillTier 'test\/Svc\/Prefill': 'interconnect' \('tcp'\) must be Interconnect\.infiniband\(\) or Interconnect\.roce\(\) with MooncakeProtocol\.RDMA/);
    expect(() => new DecodeTier(chart(), 'Decode', { model, image, kvConnector: KvConnector.mooncake(), interconnect: Interconnect.efa({ count: 4 }) }))
      .toThrow(/^DecodeTier 'test\/Decode': 'interconnect' \('efa'\) must be Interconnect\.infiniband\(\) or Interconnect\.roce\(\)/);
  });

  test('MooncakeProtocol.TCP needs no RDMA interconnect', () => {
    const { c } = service({ interconnect: undefined, kvConnector: KvConnector.mooncake({ protocol: MooncakeProtocol.TCP }) });
    expect(kvTransferConfig(find(synth(c), 'Deployment', 'prefill')).kv_connector_extra_config.mooncake_protocol).toBe('tcp');
  });

  test('over RoCE the pods get the RDMA resource and IPC_LOCK', () => {
    const { c } = service({ interconnect: Interconnect.roce({ resourceName: 'nvidia.com/roce', count: 2 }) });
    const vllm = container(find(synth(c), 'Deployment', 'prefill'));
    expect(vllm.resources.limits['nvidia.com/roce']).toBe(2);
    expect(vllm.securityContext.capabilities.add).toEqual(['IPC_LOCK']);
  });

  test('fails when the bootstrap port collides with the vLLM port', () => {
    expect(() => new PrefillTier(chart(), 'Prefill', { model, image, interconnect, kvConnector: KvConnector.mooncake({ bootstrapPort: 8000 }) }))
      .toThrow(/^PrefillTier 'test\/Prefill': 'container port 'mooncake-boot'' \(8000\) collides with container port 'http'; change 'port' or the connector's port options$/);
  });

  test('vllm-router with KvLoadFailurePolicy FAIL warns that a prefill restart breaks PD until the router restarts', () => {
    const { svc } = service();
    expect(warningsOf(svc.router)).toEqual([
      "PdRouter 'test/Svc/Router': MooncakeConnector on vllm-router with kvLoadFailurePolicy FAIL: the router reads the prefill's " +
      'engine ids once at startup and the prefill draws new ones at every start, so after any prefill restart (rollout, eviction, ' +
      'OOM) every PD request fails until the router restarts too (kubectl rollout restart of the router Deployment). ' +
      'KvLoadFailurePolicy.RECOMPUTE keeps serving meanwhile (decode recomputes the prompt); RouterStrategy.llmD() queries each new prefill pod',
    ]);
    const { svc: recompute } = service({ kvConnector: KvConnector.mooncake({ kvLoadFailurePolicy: KvLoadFailurePolicy.RECOMPUTE }) });
    expect(warningsOf(recompute.router)).toEqual([]);
  });
});

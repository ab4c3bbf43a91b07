import { Size, Testing } from 'cdk8s';
import {
  DecodeTier, KvConnector, KvLoadFailurePolicy, KvRole, Model, P2pNcclSendType, PdRouter, PdService, PrefillTier,
  RouterDiscovery, VllmImage,
} from '../../src';
import { expectOnlyDocumentedKeys } from '../kv-transfer-config-keys';
import { chart, container, env, find, kvTransferConfig, Manifest, synth } from '../util';

const model = Model.LLAMA_3_1_8B_INSTRUCT;
/** A release with P2pNcclConnector (PR #44854 removed it around the v0.23.0 cut, so 0.23.x is refused). */
const image = VllmImage.official('v0.22.0');

function service(props: any = {}, c = chart()) {
  const svc = new PdService(c, 'Svc', { model, image, kvConnector: KvConnector.p2pNccl(), ...props });
  return { c, svc };
}

function pod(dep: Manifest): any {
  return dep.spec.template.spec;
}

describe('P2pNcclConnector', () => {
  test('PdService on vLLM 0.22.0: engines register with vllm-router over ZMQ, same node, host IPC', () => {
    const { c, svc } = service({ decode: { tensorParallelSize: 2 } });
    const objects = synth(c);
    expect(objects).toMatchSnapshot();
    const prefill = find(objects, 'Deployment', 'prefill');
    const decode = find(objects, 'Deployment', 'decode');
    const routerSvc = find(objects, 'Service', 'router');
    expect(routerSvc.metadata.name).toBe(svc.router.serviceName);
    const extra = {
      proxy_ip: routerSvc.metadata.name,
      proxy_port: '30001',
      http_port: '8000',
      send_type: 'PUT_ASYNC',
      nccl_num_channels: '8',
      mem_pool_size_gb: 32,
    };
    expect(kvTransferConfig(prefill)).toEqual({
      kv_connector: 'P2pNcclConnector',
      kv_role: 'kv_producer',
      kv_buffer_size: 10,
      kv_port: 14579,
      kv_load_failure_policy: 'fail',
      kv_connector_extra_config: extra,
    });
    expect(kvTransferConfig(decode)).toEqual({
      kv_connector: 'P2pNcclConnector',
      kv_role: 'kv_consumer',
      kv_buffer_size: 8e9,
      kv_port: 14579,
      kv_load_failure_policy: 'fail',
      kv_connector_extra_config: extra,
    });

    // One ZMQ/NCCL port per GPU: kv_port + rank.
    expect(container(prefill).ports).toEqual([
      { name: 'http', containerPort: 8000, protocol: 'TCP' },
      { name: 'p2p-kv-0', containerPort: 14579, protocol: 'TCP' },
    ]);
    expect(container(decode).ports).toEqual([
      { name: 'http', containerPort: 8000, protocol: 'TCP' },
      { name: 'p2p-kv-0', containerPort: 14579, protocol: 'TCP' },
      { name: 'p2p-kv-1', containerPort: 14580, protocol: 'TCP' },
    ]);

    for (const dep of [prefill, decode]) {
      // The engine announces VLLM_HOST_IP to the router.
      expect(env(dep, 'VLLM_HOST_IP')).toEqual({ name: 'VLLM_HOST_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } });
      // NCCL between pods shares the host's IPC namespace; the host's /dev/shm is not hidden by an emptyDir.
      expect(pod(dep).hostIPC).toBe(true);
      expect(pod(dep).volumes.map((v: any) => v.name)).not.toContain('dshm');
      expect(container(dep).volumeMounts.map((m: any) => m.mountPath)).not.toContain('/dev/shm');
      // Every pod of this service lands on one node.
      expect(pod(dep).affinity).toEqual({
        podAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: [{
            labelSelector: { matchLabels: svc.prefill._context.instanceLabels },
            topologyKey: 'kubernetes.io/hostname',
          }],
        },
      });
      // The affinity selector matches both tiers' pods.
      const labels = dep.spec.template.metadata.labels;
      for (const [k, v] of Object.entries(svc.prefill._context.instanceLabels)) expect(labels[k]).toBe(v);
    }

    // Memory: default base (36Gi on 1 GPU, 64Gi on 2) plus the 32 GiB pinned pool per GPU.
    expect(container(prefill).resources.requests.memory).toBe(`${36 + 32}Gi`);
    expect(container(prefill).resources.limits.memory).toBe(`${36 + 32}Gi`);
    expect(container(decode).resources.requests.memory).toBe(`${64 + 2 * 32}Gi`);
    expect(container(decode).resources.limits.memory).toBe(`${64 + 2 * 32}Gi`);

    // The router takes ZMQ registrations on 30001 instead of discovering pods.
    const router = find(objects, 'Deployment', 'router');
    const args: string[] = container(router).args;
    expect(args.slice(args.indexOf('--vllm-discovery-address'), args.indexOf('--vllm-discovery-address') + 2))
      .toEqual(['--vllm-discovery-address', '0.0.0.0:30001']);
    expect(args).not.toContain('--service-discovery');
    expect(args).not.toContain('--kv-connector');
    expect(container(router).ports).toContainEqual({ name: 'kv-registry', containerPort: 30001, protocol: 'TCP' });
    expect(routerSvc.spec.ports).toContainEqual({ name: 'kv-side', port: 30001, targetPort: 30001, protocol: 'TCP' });
    expect(container(router).readinessProbe.tcpSocket).toEqual({ port: 'http' });
    expect(objects.filter(o => ['ServiceAccount', 'Role', 'RoleBinding', 'ClusterRole', 'ClusterRoleBinding'].includes(o.kind))).toEqual([]);
    expect(pod(router).automountServiceAccountToken).toBe(false);
  });

  test('the rendered JSON uses only KVTransferConfig fields and documented P2pNccl extra-config keys', () => {
    const { c } = service();
    const objects = synth(c);
    for (const role of ['prefill', 'decode']) {
      expectOnlyDocumentedKeys(kvTransferConfig(find(objects, 'Deployment', role)));
    }
  });

  test('options: send type, channels as a string, kv port, buffers, pool size and the vLLM port', () => {
    const { c } = service({
      kvConnector: KvConnector.p2pNccl({
        sendType: P2pNcclSendType.GET,
        ncclNumChannels: 16,
        kvPort: 21001,
        prefillKvBufferSize: Size.gibibytes(1),
        decodeKvBufferSize: Size.gibibytes(4),
        memPoolSize: Size.gibibytes(8),
        kvLoadFailurePolicy: KvLoadFailurePolicy.RECOMPUTE,
      }),
      prefill: { port: 8100, tensorParallelSize: 2 },
      decode: { port: 8200 },
      router: { discovery: RouterDiscovery.STATIC },
    });
    const objects = synth(c);
    const prefill = find(objects, 'Deployment', 'prefill');
    const decode = find(objects, 'Deployment', 'decode');
    const p = kvTransferConfig(prefill);
    const d = kvTransferConfig(decode);
    expect(p.kv_buffer_size).toBe(1024 ** 3);
    expect(d.kv_buffer_size).toBe(4 * 1024 ** 3);
    expect([p.kv_port, d.kv_port]).toEqual([21001, 21001]);
    expect(p.kv_load_failure_policy).toBe('recompute');
    for (const config of [p, d]) {
      expect(config.kv_connector_extra_config.send_type).toBe('GET');
      expect(config.kv_connector_extra_config.nccl_num_channels).toBe('16');
      expect(config.kv_connector_extra_config.mem_pool_size_gb).toBe(8);
      expectOnlyDocumentedKeys(config);
    }
    // http_port is what the engine announces to the router, so it is each tier's own --port.
    expect(p.kv_connector_extra_config.http_port).toBe('8100');
    expect(d.kv_connector_extra_config.http_port).toBe('8200');
    expect(container(prefill).ports.map((x: any) => [x.name, x.containerPort]))
      .toEqual([['http', 8100], ['p2p-kv-0', 21001], ['p2p-kv-1', 21002]]);
    expect(container(decode).ports.map((x: any) => [x.name, x.containerPort])).toEqual([['http', 8200], ['p2p-kv-0', 21001]]);
    // 2 GPUs: 64Gi base + 2 x 8 GiB pool.
    expect(container(prefill).resources.limits.memory).toBe(`${64 + 2 * 8}Gi`);
    expect(container(decode).resources.limits.memory).toBe(`${36 + 8}Gi`);
  });

  test('sameNode false drops the pod affinity but keeps host IPC', () => {
    const { c } = service({ kvConnector: KvConnector.p2pNccl({ sameNode: false }) });
    const objects = synth(c);
    for (const role of ['prefill', 'decode']) {
      const spec = pod(find(objects, 'Deployment', role));
      expect(spec.affinity).toBeUndefined();
      expect(spec.hostIPC).toBe(true);
    }
  });

  test('fails on vLLM 0.32.0, which removed P2pNcclConnector (PR #44854)', () => {
    expect(() => service({ image: VllmImage.official('v0.32.0') }))
      .toThrow(/^PrefillTier 'test\/Svc\/Prefill': 'kvConnector' \('P2pNcclConnector'\) needs connector 'P2pNcclConnector', which exists in vLLM >= 0\.10\.0 and < 0\.23\.0 \(source: .*PR #44854.*\); the image is vLLM 0\.32\.0\. vLLM removed it in PR #44854; use KvConnector\.nixl\(\) instead$/);
  });

  test('fails on vLLM 0.23.0, whose release may or may not contain the removal', () => {
    expect(() => new PrefillTier(chart(), 'Prefill', { model, image: VllmImage.official('v0.23.0'), kvConnector: KvConnector.p2pNccl() }))
      .toThrow(/'kvConnector' \('P2pNcclConnector'\) needs connector 'P2pNcclConnector', which exists in vLLM >= 0\.10\.0 and < 0\.23\.0/);
  });

  test('fails with 2 router replicas: engines register with a single router', () => {
    expect(() => service({ router: { replicas: 2 } }))
      .toThrow(/^PdRouter 'test\/Svc\/Router': 'replicas' \(2\) must be 1 with P2pNcclConnector on vllm-router: engines register over one ZMQ connection with a single router, whose registry lives in that router's memory \(vllm-router src\/routers\/http\/vllm_service_discovery.rs\)$/);
  });

  test('fails at synth when a standalone PrefillTier has no PdRouter', () => {
    const c = chart();
    new PrefillTier(c, 'Prefill', { model, image, kvConnector: KvConnector.p2pNccl() });
    expect(() => Testing.synth(c))
      .toThrow(/PrefillTier 'test\/Prefill': 'kvConnector' \('P2pNcclConnector'\) needs a PdRouter for this tier: its config carries the router's address/);
  });

  test('pairs standalone tiers whose connectors are configured alike but spelled differently', () => {
    // Defaults written out and the same size in another unit render the same manifests, so they must pair.
    const c = chart();
    const prefill = new PrefillTier(c, 'Prefill', { model, image, kvConnector: KvConnector.p2pNccl() });
    const decode = new DecodeTier(c, 'Decode', {
      model,
      image,
      // 7,812,500 KiB = 8e9 bytes, the default decode buffer.
      kvConnector: KvConnector.p2pNccl({ sendType: P2pNcclSendType.PUT_ASYNC, decodeKvBufferSize: Size.kibibytes(7_812_500), sameNode: true }),
    });
    new PdRouter(c, 'Router', { prefill, decode });
    const objects = synth(c);
    expect(kvTransferConfig(find(objects, 'Deployment', 'decode')).kv_connector_extra_config.send_type).toBe('PUT_ASYNC');
  });

  test('standalone tiers pass synth once a PdRouter binds them', () => {
    const c = chart();
    const kvConnector = KvConnector.p2pNccl();
    const prefill = new PrefillTier(c, 'Prefill', { model, image, kvConnector });
    const decode = new DecodeTier(c, 'Decode', { model, image, kvConnector });
    const router = new PdRouter(c, 'Router', { prefill, decode });
    const objects = synth(c);
    expect(kvTransferConfig(find(objects, 'Deployment', 'decode')).kv_connector_extra_config.proxy_ip).toBe(router.serviceName);
  });

  test('fails when prefill kvRole is kv_both', () => {
    expect(() => new PrefillTier(chart(), 'Prefill', { model, image, kvConnector: KvConnector.p2pNccl(), kvRole: KvRole.KV_BOTH }))
      .toThrow(/^PrefillTier 'test\/Prefill': 'kvRole' \('kv_both'\) is not allowed for P2pNcclConnector on a prefill tier; allowed: kv_producer$/);
  });

  test('fails when sendType is unknown', () => {
    expect(() => KvConnector.p2pNccl({ sendType: 'PUSH' as P2pNcclSendType }))
      .toThrow(/^KvConnector\.p2pNccl: 'sendType' \('PUSH'\) must be one of \["PUT","PUT_ASYNC","GET"\]$/);
  });

  test('fails when ncclNumChannels exceeds 32', () => {
    expect(() => KvConnector.p2pNccl({ ncclNumChannels: 33 }))
      .toThrow(/^KvConnector\.p2pNccl: 'ncclNumChannels' \(33\) must be <= 32 \(NCCL_MAX_NCHANNELS\)$/);
  });

  test('fails when ncclNumChannels is 0', () => {
    expect(() => KvConnector.p2pNccl({ ncclNumChannels: 0 }))
      .toThrow(/^KvConnector\.p2pNccl: 'ncclNumChannels' \(0\) must be an integer >= 1$/);
  });

  test('fails when kvPort leaves no room for one port per GPU', () => {
    expect(() => KvConnector.p2pNccl({ kvPort: 65500 }))
      .toThrow(/^KvConnector\.p2pNccl: 'kvPort' \(65500\) must leave room for one port per GPU below 65535$/);
  });

  test('fails when memPoolSize is below 1 GiB', () => {
    expect(() => KvConnector.p2pNccl({ memPoolSize: Size.mebibytes(512) }))
      .toThrow(/^KvConnector\.p2pNccl: 'memPoolSize' \('536870912 bytes'\) must be at least 1 GiB \(mem_pool_size_gb is in GiB\)$/);
  });
});

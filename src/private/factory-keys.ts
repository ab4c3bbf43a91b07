import { arrayOf, bool, duration, enumOf, extend, httpUrl, instanceOf, int, nested, port, size, str, struct } from './boundary';
import { NixlBackend } from '../connectors/nixl';
import { PdDecider } from '../pd-decider';
import { EndpointPickerFailureMode } from '../routers/llm-d';

/**
 * Schemas of the connector and router factory options: each struct's keys listed once, each with its type
 * check. Enum members and value rules stay with each connector and router. Kept apart from the tier schemas
 * so `KvConnector` and `RouterStrategy` can import them without an import circle.
 */

/** KvConnectorCommonOptions. */
export const KV_CONNECTOR_COMMON_OPTIONS = struct('KvConnectorCommonOptions', { kvLoadFailurePolicy: str() });

const backends = arrayOf(instanceOf(NixlBackend, 'e.g. NixlBackend.UCX or NixlBackend.of(name)'));

/** PortRange. */
export const PORT_RANGE = struct('PortRange', { first: port, last: port }, ['first', 'last']);

/** NixlConnectorOptions. */
export const NIXL_CONNECTOR_OPTIONS = extend('NixlConnectorOptions', [KV_CONNECTOR_COMMON_OPTIONS], {
  transferMode: str(),
  kvRecomputeThreshold: int(0),
  enforceHandshakeCompat: bool,
  backends,
  kvBufferDevice: str(),
  sideChannelPort: port,
  kvLeaseDuration: duration,
  ucxTcpPortRange: nested(PORT_RANGE),
});

/** LmcacheConnectorOptions. */
export const LMCACHE_CONNECTOR_OPTIONS = extend('LmcacheConnectorOptions', [KV_CONNECTOR_COMMON_OPTIONS], {
  // PYTHONHASHSEED accepts 0..4294967295 (https://docs.python.org/3/using/cmdline.html#envvar-PYTHONHASHSEED).
  pythonHashSeed: int(0, 4294967295),
  prefillBufferSize: size,
  decodeBufferSize: size,
  bufferDevice: str(),
  nixlBackends: backends,
  peerInitPort: port,
  peerAllocPort: port,
  proxyHost: str(),
  proxyPort: port,
});

/** P2pNcclConnectorOptions. */
export const P2P_NCCL_CONNECTOR_OPTIONS = extend('P2pNcclConnectorOptions', [KV_CONNECTOR_COMMON_OPTIONS], {
  sendType: str(),
  ncclNumChannels: int(1),
  kvPort: port,
  prefillKvBufferSize: size,
  decodeKvBufferSize: size,
  memPoolSize: size,
  sameNode: bool,
});

/** MooncakeConnectorOptions. */
export const MOONCAKE_CONNECTOR_OPTIONS = extend('MooncakeConnectorOptions', [KV_CONNECTOR_COMMON_OPTIONS], {
  protocol: str(),
  deviceNames: arrayOf(str(true)),
  numWorkers: int(1),
  bootstrapPort: port,
});

/** OffloadingConnectorOptions. */
export const OFFLOADING_CONNECTOR_OPTIONS = extend('OffloadingConnectorOptions', [KV_CONNECTOR_COMMON_OPTIONS], {
  cpuBytesToUse: size,
  numCpuBlocks: int(1),
  blockSize: int(1),
});

/** ExampleConnectorOptions (a missing claimName is reported by the connector with its own hint). */
export const EXAMPLE_CONNECTOR_OPTIONS = extend('ExampleConnectorOptions', [KV_CONNECTOR_COMMON_OPTIONS], {
  claimName: str(),
  sharedStoragePath: str(),
});

/** VllmRouterOptions. */
export const VLLM_ROUTER_OPTIONS = struct('VllmRouterOptions', {
  image: str(),
  version: str(),
  prefillPolicy: str(),
  decodePolicy: str(),
});

/** ProductionStackRouterOptions. */
export const PRODUCTION_STACK_ROUTER_OPTIONS = struct('ProductionStackRouterOptions', { image: str() });

/** KedaOptions. */
export const KEDA_OPTIONS = struct('KedaOptions', { prometheusAddress: httpUrl('http://prometheus-operated.monitoring:9090', false), pollingInterval: duration }, ['prometheusAddress']);

/** GatewayRouteOptions. */
export const GATEWAY_ROUTE_OPTIONS = struct('GatewayRouteOptions', {
  gatewayName: str(true),
  gatewayNamespace: str(true),
  sectionName: str(true),
  pathPrefix: str(true),
  requestTimeout: duration,
}, ['gatewayName']);

/** InferenceObjectiveOptions. */
export const INFERENCE_OBJECTIVE_OPTIONS = struct('InferenceObjectiveOptions', {
  name: str(true),
  priority: int(-2147483648),
}, ['name']);

/** LlmdRouterOptions. */
export const LLMD_ROUTER_OPTIONS = struct('LlmdRouterOptions', {
  version: str(true),
  endpointPickerImage: str(true),
  sidecarImage: str(true),
  decodeVllmPort: port,
  decider: instanceOf(PdDecider, 'PdDecider.always() or PdDecider.prefixBased({ nonCachedTokens })'),
  failureMode: enumOf(EndpointPickerFailureMode as unknown as Record<string, string>, 'EndpointPickerFailureMode'),
  httpRoute: nested(GATEWAY_ROUTE_OPTIONS),
  objectives: arrayOf(nested(INFERENCE_OBJECTIVE_OPTIONS)),
});

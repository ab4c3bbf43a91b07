import { Cpu, NodeLabelQuery, NodeTaintQuery, Topology } from 'cdk8s-plus-28';
import { all, arrayOf, bool, Check, duration, extend, finite, httpUrl, instanceOf, int, nested, port, requirePlainNumber, size, str, struct } from './boundary';
import { invalid } from './errors';
import { cidr, dns1035Label, dns1123Subdomain, labelKey, labelValue, secretKey } from './k8s-syntax';
import { ENVIRONMENT_VARIABLE } from './prop-keys';
import { Accelerator } from '../accelerator';
import { AutoscalerEngine } from '../autoscaler-engine';
import { AutoscalingMetric } from '../autoscaling-metric';
import { DisruptionBudget } from '../disruption-budget';
import { All2allBackend } from '../expert-parallel';
import { Interconnect } from '../interconnect';
import { KvConnector } from '../kv-connector';
import { Model } from '../model';
import { ModelCache } from '../model-cache';
import { NetworkPeer } from '../network-peer';
import { RouterStrategy } from '../router-strategy';
import { TierScheduling } from '../tier-scheduling';
import { VllmImage } from '../vllm-image';

/**
 * Schemas of the tier, service and router props: each struct's keys listed once, each with its type check.
 * test/boundary/prop-keys.test.ts keeps every key list equal to the interface in the jsii assembly.
 */

/** `--gpu-memory-utilization`: a fraction in (0, 1] written in plain decimals. */
const fraction: Check = (where, prop, value) => {
  if (typeof value !== 'number' || !(value > 0 && value <= 1)) {
    throw invalid(where, prop, value, 'must be a fraction in (0, 1], e.g. 0.9');
  }
  requirePlainNumber(where, prop, value);
  return value;
};

/** A Cpu whose amount is a Kubernetes quantity in plain notation (`Cpu.units(1e21)` would render `1e+21`). */
const cpu: Check = all(instanceOf(Cpu, 'e.g. Cpu.units(8) or Cpu.millis(500)'), (where, prop, value) => {
  const amount = (value as Cpu).amount;
  if (typeof amount !== 'string' || !/^(0|[1-9][0-9]*)(\.[0-9]+)?m?$/.test(amount) || /^0(\.0+)?m?$/.test(amount)) {
    throw invalid(where, prop, amount, "must be a positive CPU quantity in plain notation, e.g. Cpu.units(8) ('8') or Cpu.millis(500) ('500m')");
  }
  return value;
});

/** extraArgs: the message of the extraArgs guard, which checks each flag after this. */
const stringList: Check = (where, prop, value) => {
  if (!Array.isArray(value) || !value.every(v => typeof v === 'string')) {
    throw invalid(where, prop, value, 'must be a list of strings');
  }
  return value;
};

/** cdk8s-plus SecretValue `{ secret, key }`: a Secret with a name and a non-empty key. */
const secretValue: Check = (where, prop, value) => {
  const v = value as { secret?: { name?: unknown }; key?: unknown };
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalid(where, prop, value, 'must be a SecretValue { secret, key }, e.g. { secret: Secret.fromSecretName(this, "Hf", "hf-token"), key: "token" }');
  }
  const unknown = Object.keys(value).find(k => k !== 'secret' && k !== 'key');
  if (unknown) throw invalid(where, `${prop}.${unknown}`, (value as any)[unknown], 'is not a prop of SecretValue; known props: secret, key');
  if (typeof v.secret !== 'object' || v.secret === null) {
    throw invalid(where, `${prop}.secret`, v.secret, 'must be a Secret, e.g. Secret.fromSecretName(this, "Hf", "hf-token")');
  }
  dns1123Subdomain(where, `${prop}.secret.name`, v.secret.name);
  secretKey(where, `${prop}.key`, v.key);
  return value;
};

const disruptionBudget = instanceOf(DisruptionBudget, 'e.g. DisruptionBudget.maxUnavailable(1)');
const peers = arrayOf(instanceOf(NetworkPeer, "e.g. NetworkPeer.namespace('ingress-nginx') or NetworkPeer.ANYWHERE"));

/** NetworkPolicyOptions (rules spanning the keys are PdRouter's). */
export const NETWORK_POLICY_OPTIONS = struct('NetworkPolicyOptions', {
  enabled: bool,
  clients: peers,
  monitoring: peers,
  modelDownload: bool,
  kubernetesApiCidrs: arrayOf(cidr),
  kubernetesApiPorts: arrayOf(port),
  tracingCollectors: peers,
});

/** A map of Kubernetes labels: qualified-name keys, label-syntax values. */
const labelMap: Check = (where, prop, value) => {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalid(where, prop, value, "must be a map of label keys to values, e.g. { release: 'kube-prometheus-stack' }");
  }
  for (const [k, v] of Object.entries(value)) {
    labelKey(where, `${prop} key`, k);
    if (typeof v !== 'string') throw invalid(where, `${prop}.${k}`, v, 'must be a string');
    labelValue(where, `${prop}.${k}`, v);
  }
  return value;
};

/** An OTLP collector: the exporters' default ports differ between gRPC and HTTP, so the port is explicit. */
const otlpEndpoint = httpUrl('http://otel-collector.observability:4317', true);

/** A fraction in [0, 1] in plain decimals. */
const unitInterval: Check = (where, prop, value) => {
  if (typeof value !== 'number' || !(value >= 0 && value <= 1)) throw invalid(where, prop, value, 'must be a number in [0, 1]');
  requirePlainNumber(where, prop, value);
  return value;
};

/** MonitoringOptions (enum members and cross-field rules are checked by private/monitoring.ts). */
export const MONITORING_OPTIONS = struct('MonitoringOptions', {
  kind: str(),
  interval: duration,
  scrapeTimeout: duration,
  labels: labelMap,
  scheme: str(),
});

/** VllmTracingOptions. */
export const VLLM_TRACING_OPTIONS = struct('VllmTracingOptions', {
  otlpTracesEndpoint: otlpEndpoint,
  collectDetailedTraces: str(),
}, ['otlpTracesEndpoint']);

/** RouterTracingOptions. */
export const ROUTER_TRACING_OPTIONS = struct('RouterTracingOptions', {
  otlpTracesEndpoint: otlpEndpoint,
  samplingRatio: unitInterval,
}, ['otlpTracesEndpoint']);

/** TierResources. */
export const TIER_RESOURCES = struct('TierResources', { cpu, memory: size });

/** EplbConfig (vllm/config/parallel.py EPLBConfig: window_size and step_interval > 0, num_redundant_experts >= 0). */
export const EPLB_CONFIG = struct('EplbConfig', {
  windowSize: int(1),
  stepInterval: int(1),
  numRedundantExperts: int(0),
  logBalancedness: bool,
});

/** Colocation (a missing topology is reported with its own hint). */
export const COLOCATION = struct('Colocation', {
  topology: instanceOf(Topology, "e.g. Topology.ZONE or Topology.custom('example.com/rack')"),
  required: bool,
}, ['topology']);

/** TierPlacement (SpreadMode members and label syntax are checked by resolvePlacement). */
export const TIER_PLACEMENT = struct('TierPlacement', {
  spreadAcrossNodes: str(),
  spreadAcrossZones: str(),
  colocation: nested(COLOCATION),
  requiredNodeLabels: arrayOf(instanceOf(NodeLabelQuery, "e.g. NodeLabelQuery.is('pool', 'gpu')")),
  preferredNodeLabels: arrayOf(instanceOf(NodeLabelQuery, "e.g. NodeLabelQuery.in('example.com/rack', ['r1', 'r2'])")),
  tolerations: arrayOf(instanceOf(NodeTaintQuery, "e.g. NodeTaintQuery.exists('dedicated')")),
});

/** TierOptions. */
export const TIER_OPTIONS = struct('TierOptions', {
  replicas: int(1),
  accelerator: instanceOf(Accelerator, 'e.g. Accelerator.NVIDIA_H100_80GB or Accelerator.custom({...})'),
  tensorParallelSize: int(1),
  pipelineParallelSize: int(1),
  dataParallelSize: int(1),
  nodesPerReplica: int(1),
  exclusiveTopologyKey: labelKey,
  enableExpertParallel: bool,
  all2allBackend: instanceOf(All2allBackend, 'e.g. All2allBackend.DEEPEP_LOW_LATENCY'),
  enableEplb: bool,
  eplbConfig: nested(EPLB_CONFIG),
  gpuMemoryUtilization: fraction,
  maxModelLen: int(1),
  maxNumSeqs: int(1),
  minConcurrency: int(1),
  maxNumBatchedTokens: int(1),
  blockSize: int(1),
  kvCacheDtype: str(),
  enablePrefixCaching: bool,
  enableChunkedPrefill: bool,
  performanceMode: str(),
  kvRole: str(),
  resources: nested(TIER_RESOURCES),
  sharedMemorySize: size,
  startupTimeout: duration,
  drainTimeout: duration,
  preStopSleep: duration,
  port,
  interconnect: instanceOf(Interconnect, 'e.g. Interconnect.infiniband() or Interconnect.efa({ count: 32 })'),
  serviceName: dns1035Label,
  workloadName: dns1123Subdomain,
  placement: nested(TIER_PLACEMENT),
  extraArgs: stringList,
  extraEnv: arrayOf(nested(ENVIRONMENT_VARIABLE)),
  disruptionBudget,
  priorityClassName: dns1123Subdomain,
  scheduling: instanceOf(TierScheduling, "e.g. TierScheduling.kueue({ queueName: 'gpu-serving' }) or TierScheduling.volcano()"),
  monitoring: nested(MONITORING_OPTIONS),
  tracing: nested(VLLM_TRACING_OPTIONS),
});

/** ModelServingOptions (a missing model is reported by each construct with a catalogue hint). */
export const MODEL_SERVING_OPTIONS = struct('ModelServingOptions', {
  model: instanceOf(Model, 'e.g. Model.of("org/name") or Model.LLAMA_3_1_8B_INSTRUCT'),
  servedModelName: str(true),
  tokenizer: str(true),
  image: instanceOf(VllmImage, "e.g. VllmImage.official('v0.32.0')"),
  kvConnector: instanceOf(KvConnector, 'e.g. KvConnector.nixl()'),
  hfToken: secretValue,
  modelCache: instanceOf(ModelCache, 'e.g. ModelCache.persistentVolumeClaim(name)'),
});

/** VllmTierProps and its two aliases. */
export const VLLM_TIER_PROPS = extend('VllmTierProps', [TIER_OPTIONS, MODEL_SERVING_OPTIONS]);
extend('PrefillTierProps', [VLLM_TIER_PROPS]);
extend('DecodeTierProps', [VLLM_TIER_PROPS]);

/** PdRouterOptions (discovery members are checked by PdRouter). */
export const PD_ROUTER_OPTIONS = struct('PdRouterOptions', {
  strategy: instanceOf(RouterStrategy, 'e.g. RouterStrategy.vllmRouter()'),
  replicas: int(1),
  port,
  serviceName: dns1035Label,
  discovery: str(),
  networkPolicies: nested(NETWORK_POLICY_OPTIONS),
  disruptionBudget,
  priorityClassName: dns1123Subdomain,
  monitoring: nested(MONITORING_OPTIONS),
  tracing: nested(ROUTER_TRACING_OPTIONS),
});

/** KvTransferOptions. */
export const KV_TRANSFER_OPTIONS = struct('KvTransferOptions', {
  typicalPromptTokens: int(1),
  maxTransferTime: duration,
  bandwidthBytesPerSecond: finite('must be a positive number of bytes per second'),
}, ['typicalPromptTokens']);

/** PdServiceProps. */
export const PD_SERVICE_PROPS = extend('PdServiceProps', [MODEL_SERVING_OPTIONS], {
  interconnect: TIER_OPTIONS.fields.interconnect,
  colocation: nested(COLOCATION),
  prefill: nested(TIER_OPTIONS),
  decode: nested(TIER_OPTIONS),
  router: nested(PD_ROUTER_OPTIONS),
  monitoring: nested(MONITORING_OPTIONS),
  kvTransfer: nested(KV_TRANSFER_OPTIONS),
});

/** A construct reference; its class is checked by the construct that takes it (no import circle here). */
function constructRef(hint: string): Check {
  return (where, prop, value) => {
    if (typeof value !== 'object' || value === null || typeof (value as { node?: unknown }).node !== 'object') {
      throw invalid(where, prop, value, `must be ${hint}`);
    }
    return value;
  };
}

/** A positive finite number in plain decimals. */
const positiveNumber: Check = (where, prop, value) => {
  if (typeof value !== 'number' || !Number.isFinite(value) || !(value > 0)) throw invalid(where, prop, value, 'must be a positive number');
  requirePlainNumber(where, prop, value);
  return value;
};

/** PrefillDecodeRatio. */
export const PREFILL_DECODE_RATIO = struct('PrefillDecodeRatio', {
  prefill: constructRef("the prefill tier's TierAutoscaler"),
  decodePerPrefill: positiveNumber,
}, ['prefill', 'decodePerPrefill']);

/** TierAutoscalerProps (replica rules are checked by TierAutoscaler). */
export const TIER_AUTOSCALER_PROPS = struct('TierAutoscalerProps', {
  tier: constructRef('a PrefillTier or DecodeTier (e.g. service.prefill)'),
  metrics: arrayOf(instanceOf(AutoscalingMetric, 'e.g. AutoscalingMetric.waitingRequests(5)')),
  minReplicas: int(0),
  maxReplicas: int(1),
  engine: instanceOf(AutoscalerEngine, 'e.g. AutoscalerEngine.hpa() or AutoscalerEngine.keda({...})'),
  ratio: nested(PREFILL_DECODE_RATIO),
  scaleDownStabilization: duration,
}, ['tier']);

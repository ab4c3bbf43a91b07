import { YamlOutputType } from 'cdk8s';
import { EnvValue } from 'cdk8s-plus-28';
import { arrayOf, bool, Check, duration, extend, finite, instanceOf, int, nested, requirePlainNumber, size, str, struct } from './boundary';
import { invalid } from './errors';
import { All2allBackend } from '../expert-parallel';
import { dns1123Subdomain, extendedResourceName, labelKey, labelledObjectName, labelValue, tolerationKey } from './k8s-syntax';
import { MAX_YAML_WRITER_THREADS } from './yaml-writer';

/**
 * Schemas of the props structs of the value classes (Accelerator, Model, VllmImage, ModelCache) and of
 * EnvironmentVariable: each struct's keys listed once, each with its type check. They reference no library
 * class but All2allBackend (whose module imports nothing), so the classes can import them without an import circle.
 * Enum members are checked by their owners.
 * test/boundary/prop-keys.test.ts keeps every key list equal to the interface in the jsii assembly.
 */

/** CustomAcceleratorOptions. */
export const CUSTOM_ACCELERATOR_OPTIONS = struct('CustomAcceleratorOptions', {
  displayName: str(true),
  resourceName: extendedResourceName,
  memory: size,
  reportedMemory: size,
  gpusPerNode: int(1),
  nodeLabelKey: labelKey,
  nodeLabelValue: labelValue,
  tolerationKey: tolerationKey,
}, ['displayName', 'memory']);

/** Mamba2Layers (values from the model's config.json). */
export const MAMBA2_LAYERS = struct('Mamba2Layers', {
  numLayers: int(1),
  numHeads: int(1),
  headDim: int(1),
  stateSize: int(1),
  nGroups: int(1),
  convKernel: int(2),
  intermediateSize: int(1),
  ssmStateFloat32: bool,
}, ['numLayers', 'numHeads', 'headDim', 'stateSize', 'nGroups', 'convKernel', 'intermediateSize']);

/** GatedDeltaNetLayers (values from the model's config.json). */
export const GATED_DELTA_NET_LAYERS = struct('GatedDeltaNetLayers', {
  numLayers: int(1),
  numKeyHeads: int(1),
  numValueHeads: int(1),
  keyHeadDim: int(1),
  valueHeadDim: int(1),
  convKernel: int(2),
}, ['numLayers', 'numKeyHeads', 'numValueHeads', 'keyHeadDim', 'valueHeadDim', 'convKernel']);

/** ModelArchitecture (values from the model's config.json). */
export const MODEL_ARCHITECTURE = struct('ModelArchitecture', {
  numAttentionHeads: int(1),
  numHiddenLayers: int(1),
  numKeyValueHeads: int(1),
  attention: str(),
  hiddenSize: int(1),
  maxPositionEmbeddings: int(1),
  headDim: int(1),
  intermediateSize: int(1),
  vocabSize: int(1),
  tieWordEmbeddings: bool,
  kvLoraRank: int(1),
  qkRopeHeadDim: int(1),
  qkNopeHeadDim: int(1),
  vHeadDim: int(1),
  qLoraRank: int(1),
  slidingWindow: int(1),
  slidingWindowLayers: int(1),
  numExperts: int(1),
  numExpertsPerToken: int(1),
  moeIntermediateSize: int(1),
  numSharedExperts: int(0),
  firstDenseLayers: int(0),
  mamba2Layers: nested(MAMBA2_LAYERS),
  gatedDeltaNetLayers: nested(GATED_DELTA_NET_LAYERS),
  // Parameter and byte counts exceed 32 bits; jsii passes numbers as doubles, exact up to 2^53.
  numParameters: int(1, Number.MAX_SAFE_INTEGER),
  checkpointDtype: str(),
  weightBytes: int(1, Number.MAX_SAFE_INTEGER),
  ropeCacheBytes: int(0, Number.MAX_SAFE_INTEGER),
}, ['numAttentionHeads']);

/** ModelOptions. */
export const MODEL_OPTIONS = struct('ModelOptions', { architecture: nested(MODEL_ARCHITECTURE) });

/** VllmImageOptions. */
export const VLLM_IMAGE_OPTIONS = struct('VllmImageOptions', { version: str(true) });

/** EmptyDirModelCacheOptions. */
export const EMPTY_DIR_MODEL_CACHE_OPTIONS = struct('EmptyDirModelCacheOptions', { sizeLimit: size });

/** PvcModelCacheOptions. */
export const PVC_MODEL_CACHE_OPTIONS = struct('PvcModelCacheOptions', { readOnly: bool });

/** EnvironmentVariable (a missing value is reported by the env renderer with an EnvValue hint). */
export const ENVIRONMENT_VARIABLE = struct('EnvironmentVariable', {
  name: str(),
  value: instanceOf(EnvValue, "e.g. EnvValue.fromValue('1') or EnvValue.fromSecretValue(...)"),
});


/** EngineSizingOptions (CapacityPlanner). */
export const ENGINE_SIZING_OPTIONS = struct('EngineSizingOptions', {
  architecture: nested(MODEL_ARCHITECTURE),
  tensorParallelSize: int(1),
  pipelineParallelSize: int(1),
  dataParallelSize: int(1),
  enableExpertParallel: bool,
  numRedundantExperts: int(0),
  all2allBackend: instanceOf(All2allBackend,
    'one of All2allBackend.ALLGATHER_REDUCESCATTER, All2allBackend.DEEPEP_HIGH_THROUGHPUT, All2allBackend.DEEPEP_LOW_LATENCY'),
  all2allInternode: bool,
  deepEpBufferSizeMb: int(1),
  kvCacheDtype: str(),
  blockSize: int(1),
  maxModelLen: int(1),
  maxNumBatchedTokens: int(1),
  enableChunkedPrefill: bool,
  performanceMode: str(),
  enableEplb: bool,
  enablePrefixCaching: bool,
  vllmVersion: str(true),
}, ['architecture']);

/** CapacityPlanInput. */
export const CAPACITY_PLAN_INPUT = extend('CapacityPlanInput', [ENGINE_SIZING_OPTIONS], {
  acceleratorMemory: size,
  acceleratorName: str(),
  gpuMemoryUtilization: finite('must be a fraction in (0, 1], e.g. 0.9'),
  maxNumSeqs: int(1),
}, ['acceleratorMemory']);

/** AvailableKvCacheInput. */
export const AVAILABLE_KV_CACHE_INPUT = extend('AvailableKvCacheInput', [ENGINE_SIZING_OPTIONS], {
  availableKvCacheMemory: size,
}, ['availableKvCacheMemory']);

// Output structs of the planner: listed so the drift test covers them; never checked as input.
const NUMBER = finite();
/** CapacityRange. */
export const CAPACITY_RANGE = struct('CapacityRange', { value: NUMBER, lower: NUMBER, upper: NUMBER });
/** KvCacheCapacity. */
export const KV_CACHE_CAPACITY = struct('KvCacheCapacity', {
  vllmVersion: str(),
  maxModelLen: NUMBER,
  blockSize: NUMBER,
  kvBytesPerToken: NUMBER,
  requestKvBytes: nested(CAPACITY_RANGE),
  numGpuBlocks: nested(CAPACITY_RANGE),
  kvCacheTokens: nested(CAPACITY_RANGE),
  maxConcurrency: nested(CAPACITY_RANGE),
  replicaMaxConcurrency: nested(CAPACITY_RANGE),
  notes: arrayOf(str()),
});
/** CapacityPlan. */
export const CAPACITY_PLAN = extend('CapacityPlan', [KV_CACHE_CAPACITY], {
  gpuMemoryUtilization: NUMBER,
  maxNumBatchedTokens: NUMBER,
  maxNumSeqs: NUMBER,
  requestedMemoryBytes: NUMBER,
  weightBytesPerRank: nested(CAPACITY_RANGE),
  activationBytes: nested(CAPACITY_RANGE),
  nonTorchBytes: nested(CAPACITY_RANGE),
  all2allBufferBytes: nested(CAPACITY_RANGE),
  cudaGraphBytes: nested(CAPACITY_RANGE),
  availableKvCacheBytes: nested(CAPACITY_RANGE),
});

/** A line rate in Gbit/s: positive, at most 1 Pbit/s, in plain decimals. */
const gbps: Check = (where, prop, value) => {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0 || value > 1_000_000) {
    throw invalid(where, prop, value, 'must be a line rate in gigabits per second, > 0 and <= 1000000 (e.g. 400)');
  }
  requirePlainNumber(where, prop, value);
  return value;
};

/** TcpInterconnectOptions. */
export const TCP_INTERCONNECT_OPTIONS = struct('TcpInterconnectOptions', { bandwidthGbps: gbps });

/** RdmaInterconnectOptions (names and devices are checked by the factory, with its examples). */
export const RDMA_INTERCONNECT_OPTIONS = struct('RdmaInterconnectOptions', {
  resourceName: extendedResourceName,
  count: int(1),
  networkAttachments: arrayOf(str(true)),
  netDevices: arrayOf(str(true)),
  bandwidthGbps: gbps,
});

/** EfaInterconnectOptions. */
export const EFA_INTERCONNECT_OPTIONS = struct('EfaInterconnectOptions', {
  count: int(1),
  gpuDirectRdma: bool,
  bandwidthGbps: gbps,
}, ['count']);

/** KvTransferInput. */
export const KV_TRANSFER_INPUT = struct('KvTransferInput', {
  architecture: nested(MODEL_ARCHITECTURE),
  promptTokens: int(1),
  decodeTensorParallelSize: int(1),
  kvCacheDtype: str(),
  blockSize: int(1),
  bandwidthBytesPerSecond: finite('must be a positive number of bytes per second'),
}, ['architecture', 'promptTokens']);

/** KvTransferBudget. */
export const KV_TRANSFER_BUDGET = struct('KvTransferBudget', {
  promptTokens: NUMBER,
  bytesPerDecodeRank: NUMBER,
  bytesPerRequest: NUMBER,
  bandwidthBytesPerSecond: NUMBER,
  transferSeconds: NUMBER,
  notes: arrayOf(str()),
});

/** A member of cdk8s's numeric `YamlOutputType` enum. */
const yamlOutputType: Check = (where, prop, value) => {
  const members = Object.entries(YamlOutputType).filter(([, v]) => typeof v === 'number');
  if (!members.some(([, v]) => v === value)) {
    throw invalid(where, prop, value, `must be one of ${members.map(([k]) => `YamlOutputType.${k}`).join(', ')}`);
  }
  return value;
};

/** A cdk8s resolver: an object with a `resolve(context)` method. */
const resolver: Check = (where, prop, value) => {
  if (typeof value !== 'object' || value === null || typeof (value as any).resolve !== 'function') {
    throw invalid(where, prop, value, 'must be a cdk8s IResolver (an object with a resolve(context) method)');
  }
  return value;
};

/** FleetAppProps (cdk8s's AppProps and the writer threads). */
export const FLEET_APP_PROPS = struct('FleetAppProps', {
  outdir: str(true),
  outputFileExtension: str(),
  yamlOutputType,
  recordConstructMetadata: bool,
  resolvers: arrayOf(resolver),
  yamlWriterThreads: int(0, MAX_YAML_WRITER_THREADS),
});

/** KueueSchedulingOptions. */
export const KUEUE_SCHEDULING_OPTIONS = struct('KueueSchedulingOptions', {
  queueName: labelledObjectName,
  workloadPriorityClass: labelledObjectName,
  waitForPodsReady: bool,
  podsReadyTimeout: duration,
}, ['queueName']);

/** VolcanoSchedulingOptions (a Volcano Queue is a cluster-scoped object). */
export const VOLCANO_SCHEDULING_OPTIONS = struct('VolcanoSchedulingOptions', { queueName: dns1123Subdomain });

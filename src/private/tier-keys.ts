import { Cpu } from 'cdk8s-plus-28';
import { all, arrayOf, bool, Check, duration, extend, finite, instanceOf, int, nested, port, requirePlainNumber, size, str, struct } from './boundary';
import { invalid } from './errors';
import { dns1123Subdomain, secretKey } from './k8s-syntax';
import { ENVIRONMENT_VARIABLE } from './prop-keys';
import { Accelerator } from '../accelerator';
import { Interconnect } from '../interconnect';
import { KvConnector } from '../kv-connector';
import { Model } from '../model';
import { ModelCache } from '../model-cache';
import { RouterStrategy } from '../router-strategy';
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

/** TierResources. */
export const TIER_RESOURCES = struct('TierResources', { cpu, memory: size });

/** TierOptions. */
export const TIER_OPTIONS = struct('TierOptions', {
  replicas: int(1),
  accelerator: instanceOf(Accelerator, 'e.g. Accelerator.NVIDIA_H100_80GB or Accelerator.custom({...})'),
  tensorParallelSize: int(1),
  pipelineParallelSize: int(1),
  dataParallelSize: int(1),
  gpuMemoryUtilization: fraction,
  maxModelLen: int(1),
  maxNumSeqs: int(1),
  minConcurrency: int(1),
  maxNumBatchedTokens: int(1),
  blockSize: int(1),
  kvCacheDtype: str(),
  enablePrefixCaching: bool,
  enableChunkedPrefill: bool,
  kvRole: str(),
  resources: nested(TIER_RESOURCES),
  sharedMemorySize: size,
  startupTimeout: duration,
  drainTimeout: duration,
  preStopSleep: duration,
  port,
  interconnect: instanceOf(Interconnect, 'e.g. Interconnect.infiniband() or Interconnect.efa({ count: 32 })'),
  extraArgs: stringList,
  extraEnv: arrayOf(nested(ENVIRONMENT_VARIABLE)),
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
  discovery: str(),
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
  prefill: nested(TIER_OPTIONS),
  decode: nested(TIER_OPTIONS),
  router: nested(PD_ROUTER_OPTIONS),
  kvTransfer: nested(KV_TRANSFER_OPTIONS),
});

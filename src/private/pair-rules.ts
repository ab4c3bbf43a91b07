/**
 * Rules that span prefill and decode. Called once per PD pair by `PdRouter`.
 */
import { invalid } from './errors';
import type { TierSpec } from './tier-spec';

export function validatePair(where: string, prefill: TierSpec, decode: TierSpec): void {
  const same = (prop: string, p: unknown, d: unknown, why: string) => {
    if (p !== d) {
      throw invalid(where, `decode.${prop}`, d, `must equal prefill's ${prop} (${p === undefined ? 'unset' : JSON.stringify(p)}): ${why}`);
    }
  };
  // The seed's limitation: both instances must use the same model and tokenizer.
  same('model', prefill.model.name, decode.model.name, 'both tiers must serve the same model');
  same('tokenizer', prefill.tokenizer, decode.tokenizer, 'both tiers must use the same tokenizer');
  same('servedModelName', prefill.servedModelName, decode.servedModelName, 'the router forwards one model name to both tiers');
  // NIXL's handshake compatibility hash includes the vLLM version and --kv-cache-dtype
  // (docs/features/nixl_connector_compatibility.md, "Must match between P and D").
  same('image version', prefill.version.toString(), decode.version.toString(), 'KV layouts are only compatible within one vLLM release');
  same('kvCacheDtype', prefill.kvCacheDtype, decode.kvCacheDtype, 'KV bytes are copied as-is, so the cache dtype must match');
  // A different connector or connector setting on one side never pairs. Both connectors are rendered in
  // the same tier context, so options spelled differently but rendering alike still pair. One shared
  // connector object (what PdService passes) renders alike by construction: skip its four renders.
  const specs = prefill.kvConnector === decode.kvConnector ? [] : [prefill, decode];
  for (const ctx of specs) {
    const p = prefill.kvConnector._signature(ctx);
    const d = decode.kvConnector._signature(ctx);
    if (p !== d) {
      const diff = firstDifference(JSON.parse(p), JSON.parse(d), '');
      throw invalid(where, 'decode.kvConnector', decode.kvConnector.displayName,
        `must be configured like prefill's kvConnector (${prefill.kvConnector.displayName}): rendered on the ${ctx.tier} tier, ` +
        `${diff.path} is ${JSON.stringify(diff.decode)} for decode's connector but ${JSON.stringify(diff.prefill)} for prefill's`);
    }
  }
  // Heterogeneous block sizes work only with prefill < decode (nixl_connector_compatibility.md, footnote 3).
  if (prefill.blockSize !== undefined && decode.blockSize !== undefined && decode.blockSize < prefill.blockSize) {
    throw invalid(where, 'decode.blockSize', decode.blockSize, `must be >= prefill's blockSize (${prefill.blockSize})`);
  }
  if ((prefill.blockSize === undefined) !== (decode.blockSize === undefined)) {
    throw invalid(where, 'decode.blockSize', decode.blockSize,
      `must be set on both tiers or on neither (prefill: ${prefill.blockSize ?? 'unset'}); vLLM's default differs by platform and attention backend`);
  }
  // The router sends each request to prefill, then the same request to decode, which must also hold the
  // prompt's KV plus the generated tokens: a decode shorter than prefill fails requests prefill accepted
  // (vLLM rejects prompts longer than --max-model-len; unset means the model's own maximum).
  const pLen = prefill.maxModelLen;
  const dLen = decode.maxModelLen;
  if (dLen !== undefined && (pLen === undefined || pLen > dLen)) {
    throw invalid(where, 'decode.maxModelLen', dLen,
      `must be >= prefill's maxModelLen (${pLen ?? "unset: the model's maximum"}): decode must serve every request prefill accepts`);
  }
  // KV moves over one fabric: an RDMA tier restricts UCX to RDMA transports (UCX_TLS, private/interconnect.ts)
  // and a TCP or EFA peer offers none of them, so the transfer would fail at the first request.
  same('interconnect', prefill.interconnect.kind, decode.interconnect.kind,
    'KV moves between the tiers over one fabric; declare the same Interconnect kind on both');
  requireOneNodeFits(where, prefill, decode);
  prefill.kvConnector._validatePair({ where, prefill, decode });
}

/** The first path where two JSON values differ, for a readable error. */
function firstDifference(prefill: any, decode: any, path: string): { path: string; prefill: unknown; decode: unknown } {
  if (typeof prefill === 'object' && prefill !== null && typeof decode === 'object' && decode !== null
    && Array.isArray(prefill) === Array.isArray(decode)) {
    const keys = [...new Set([...Object.keys(prefill), ...Object.keys(decode)])];
    for (const k of keys) {
      if (JSON.stringify(prefill[k]) !== JSON.stringify(decode[k])) {
        return firstDifference(prefill[k], decode[k], path ? `${path}.${k}` : k);
      }
    }
  }
  return { path: path || 'the connector', prefill, decode };
}

/** Whether a tier's pods must share one node with every pod of the pair (required podAffinity on the hostname). */
function pinnedToOneNode(tier: TierSpec): boolean {
  const terms = tier.kvConnector._render(tier).pod.affinity?.podAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? [];
  return terms.some(t => t.topologyKey === HOSTNAME_KEY);
}

// https://kubernetes.io/docs/reference/labels-annotations-taints/#kubernetesiohostname
const HOSTNAME_KEY = 'kubernetes.io/hostname';

/** When all pods of the pair are pinned to one node, all their GPUs must fit on it. */
function requireOneNodeFits(where: string, prefill: TierSpec, decode: TierSpec): void {
  if (!pinnedToOneNode(prefill) || !pinnedToOneNode(decode)) return;
  const a = prefill.accelerator;
  const b = decode.accelerator;
  if (a.resourceName !== b.resourceName || a.nodeLabelKey !== b.nodeLabelKey || a.nodeLabelValue !== b.nodeLabelValue) {
    throw invalid(where, 'decode.accelerator', b.displayName,
      `must be prefill's accelerator (${a.displayName}): ${prefill.kvConnector.displayName} schedules both tiers onto one node`);
  }
  const total = prefill.replicas * prefill.gpusPerPod + decode.replicas * decode.gpusPerPod;
  const perNode = Math.min(a.gpusPerNode, b.gpusPerNode);
  if (total > perNode) {
    throw invalid(where, 'prefill and decode GPUs', total,
      `exceed the ${perNode} GPUs one ${a.displayName} node has, and ${prefill.kvConnector.displayName} pins every pod of the pair ` +
      `to one node (prefill ${prefill.replicas} x ${prefill.gpusPerPod}, decode ${decode.replicas} x ${decode.gpusPerPod}); ` +
      'lower replicas or parallelism, or allow cross-node transfer (sameNode: false)');
  }
}

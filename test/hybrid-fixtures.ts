import { AttentionKind, ModelArchitecture } from '../src';

/**
 * A synthetic Mamba-2 hybrid in Granite's spelling (inner width = mamba_expand 2 x hidden_size), 4 attention + 36
 * Mamba-2 layers: no catalogue entry has Mamba-2 layers. Shared by test/capacity-hybrid.test.ts (hand-computed pages)
 * and conformance/vllm/render-hybrid-plans.ts (vLLM's own code recomputes its plans).
 */
export const MAMBA2_HYBRID: ModelArchitecture = {
  numAttentionHeads: 12,
  numKeyValueHeads: 4,
  numHiddenLayers: 40,
  hiddenSize: 1536,
  headDim: 128,
  attention: AttentionKind.HYBRID_MAMBA,
  mamba2Layers: { numLayers: 36, numHeads: 48, headDim: 64, stateSize: 128, nGroups: 1, convKernel: 4, intermediateSize: 3072 },
};

import { checkStruct, str } from './private/boundary';
import { invalid, requireInteger } from './private/errors';
import { MODEL_OPTIONS } from './private/prop-keys';

/**
 * How a model's attention stores its KV cache. It decides which KV-transfer layouts work.
 */
export enum AttentionKind {
  /** Multi-head or grouped-query attention (Llama, Qwen, Mistral, gpt-oss ...). */
  STANDARD = 'standard',
  /** Multi-head latent attention (DeepSeek-V2/V3/R1, Kimi K2): KV is replicated across TP ranks. */
  MLA = 'mla',
  /**
   * Hybrid attention + Mamba/SSM or linear-attention layers (e.g. Jamba, Nemotron-H, Granite 4.0-H, Qwen3-Next). The capacity
   * planner sizes it from `ModelArchitecture.mamba2Layers` or `gatedDeltaNetLayers`.
   */
  HYBRID_MAMBA = 'hybrid-mamba',
}

/**
 * How a checkpoint stores its weights, which decides the weight bytes a rank loads.
 */
export enum CheckpointDtype {
  /** `torch_dtype: bfloat16`, 2 bytes per parameter. */
  BFLOAT16 = 'bfloat16',
  /** `torch_dtype: float16`, 2 bytes per parameter. */
  FLOAT16 = 'float16',
  /**
   * Block-quantized FP8 (`quantization_config.quant_method: fp8`, `weight_block_size: [128, 128]`, as in
   * DeepSeek-V3/R1): linear layers 1 byte per parameter plus one float32 scale per 128x128 block; embeddings,
   * norms, the MoE router and `lm_head` stay bfloat16.
   */
  FP8 = 'fp8',
  /**
   * MXFP4 experts (`quantization_config.quant_method: mxfp4`, as in gpt-oss): MoE expert weights 4 bits plus one
   * 8-bit scale per 32 values (4.25 bits); attention, the router, embeddings and `lm_head` stay bfloat16
   * (`modules_to_not_convert`).
   */
  MXFP4 = 'mxfp4',
}

/**
 * The Mamba-2 mixer layers of a hybrid model (Granite 4.0-H, Nemotron-H, Bamba, Zamba2): what sizes their state
 * pages (`MambaStateShapeCalculator.mamba2_state_shape`, vllm/model_executor/layers/mamba/mamba_utils.py, 0.22.0 and
 * 0.32.0 wheels). The other `numHiddenLayers` layers are full attention layers. Field names follow the Granite/Bamba
 * spelling of config.json (`mamba_*`); Nemotron-H spells them `mamba_num_heads`, `mamba_head_dim`, `ssm_state_size`,
 * `n_groups`, `conv_kernel`.
 */
export interface Mamba2Layers {
  /** How many layers are Mamba-2 mixers (the `mamba` entries of `layer_types`, the `M` of `hybrid_override_pattern`). */
  readonly numLayers: number;
  /** `mamba_n_heads`. */
  readonly numHeads: number;
  /** `mamba_d_head`. */
  readonly headDim: number;
  /** `mamba_d_state`: the SSM state size. */
  readonly stateSize: number;
  /** `mamba_n_groups`. */
  readonly nGroups: number;
  /** `mamba_d_conv`: the causal convolution's kernel width. */
  readonly convKernel: number;
  /** The mixer's inner width: `mamba_expand` x `hidden_size` (Granite, Bamba), or `mamba_num_heads` x `mamba_head_dim` (Nemotron-H). */
  readonly intermediateSize: number;
  /**
   * The SSM state is kept in float32, not the model dtype: vLLM does so for Nemotron-H unless its config.json sets
   * `mamba_ssm_cache_dtype` (`NemotronHForCausalLMConfig`, vllm/model_executor/models/config.py).
   *
   * @default false
   * @see https://docs.vllm.ai/en/latest/configuration/engine_args.html#-mamba-ssm-cache-dtype
   */
  readonly ssmStateFloat32?: boolean;
}

/**
 * The gated delta net (linear attention) layers of a hybrid model (Qwen3-Next): what sizes their state pages
 * (`MambaStateShapeCalculator.gated_delta_net_state_shape`, vllm/model_executor/layers/mamba/mamba_utils.py, 0.22.0 and
 * 0.32.0 wheels). The other `numHiddenLayers` layers are full attention layers. Field names follow config.json (`linear_*`).
 */
export interface GatedDeltaNetLayers {
  /** How many layers are gated delta nets: all but every `full_attention_interval`-th layer (the `linear_attention` entries of `layer_types`). */
  readonly numLayers: number;
  /** `linear_num_key_heads`. */
  readonly numKeyHeads: number;
  /** `linear_num_value_heads`. */
  readonly numValueHeads: number;
  /** `linear_key_head_dim`. */
  readonly keyHeadDim: number;
  /** `linear_value_head_dim`. */
  readonly valueHeadDim: number;
  /** `linear_conv_kernel_dim`. */
  readonly convKernel: number;
}

/**
 * The parts of a model's `config.json` that constrain parallelism and KV transfer, and size it
 * (weights and KV cache per rank). Field names follow `config.json` in camelCase.
 */
export interface ModelArchitecture {
  /**
   * `num_attention_heads`. vLLM requires the tensor parallel size to divide it
   * ("Total number of attention heads must be divisible by tensor parallel size",
   * `vllm/config/model.py` `verify_with_parallel_config`).
   */
  readonly numAttentionHeads: number;

  /**
   * `num_hidden_layers`. The pipeline parallel size may not exceed it.
   *
   * @default - not checked
   * @see https://huggingface.co/docs/transformers/main_classes/configuration
   */
  readonly numHiddenLayers?: number;

  /**
   * `num_key_value_heads` (GQA). NixlConnector allows prefill TP above decode TP only while prefill does not
   * replicate KV heads (`is_kv_replicated` in vllm/distributed/kv_transfer/kv_connector/utils.py).
   *
   * @default - equal to numAttentionHeads
   * @see https://huggingface.co/docs/transformers/main_classes/configuration
   */
  readonly numKeyValueHeads?: number;

  /**
   * Attention kind.
   *
   * @default AttentionKind.STANDARD
   * @see https://docs.vllm.ai/en/latest/features/nixl_connector_compatibility.html
   */
  readonly attention?: AttentionKind;

  /**
   * `hidden_size`. Needed to size the weights and, without `headDim`, the KV cache.
   *
   * @default - unknown: the model cannot be sized
   * @see https://huggingface.co/docs/transformers/main_classes/configuration
   */
  readonly hiddenSize?: number;

  /**
   * `head_dim`: the size of one attention head (what vLLM's attention spec calls `head_size`).
   *
   * @default - hiddenSize / numAttentionHeads (vllm/config/model.py get_head_size)
   * @see https://huggingface.co/docs/transformers/main_classes/configuration
   */
  readonly headDim?: number;

  /**
   * The context length vLLM derives from `config.json` (`max_position_embeddings`, scaled for rope types that
   * extend it: vllm/config/model.py `_get_and_verify_max_len`): the default `maxModelLen`.
   *
   * @default - unknown: plans need an explicit maxModelLen
   * @see https://docs.vllm.ai/en/latest/configuration/engine_args.html#-max-model-len
   */
  readonly maxPositionEmbeddings?: number;

  /**
   * `intermediate_size`: the MLP width of dense layers.
   *
   * @default - unknown: the weights cannot be sized unless numParameters is given
   * @see https://huggingface.co/docs/transformers/main_classes/configuration
   */
  readonly intermediateSize?: number;

  /**
   * `vocab_size`.
   *
   * @default - unknown: the weights cannot be sized unless numParameters is given
   * @see https://huggingface.co/docs/transformers/main_classes/configuration
   */
  readonly vocabSize?: number;

  /**
   * `tie_word_embeddings`: `lm_head` shares the embedding matrix.
   *
   * @default false
   * @see https://huggingface.co/docs/transformers/main_classes/configuration
   */
  readonly tieWordEmbeddings?: boolean;

  /**
   * `kv_lora_rank` (MLA): the width of the compressed latent KV vector each layer caches per token.
   *
   * @default - required for AttentionKind.MLA sizing
   * @see https://docs.vllm.ai/en/latest/design/hybrid_kv_cache_manager.html
   */
  readonly kvLoraRank?: number;

  /**
   * `qk_rope_head_dim` (MLA): the decoupled RoPE key width cached beside the latent vector.
   *
   * @default - required for AttentionKind.MLA sizing
   * @see https://docs.vllm.ai/en/latest/design/hybrid_kv_cache_manager.html
   */
  readonly qkRopeHeadDim?: number;

  /**
   * `qk_nope_head_dim` (MLA): the non-RoPE query/key head width (weights only).
   *
   * @default - required for AttentionKind.MLA weight sizing unless numParameters is given
   * @see https://huggingface.co/docs/transformers/main_classes/configuration
   */
  readonly qkNopeHeadDim?: number;

  /**
   * `v_head_dim` (MLA): the value head width (weights only).
   *
   * @default - required for AttentionKind.MLA weight sizing unless numParameters is given
   * @see https://huggingface.co/docs/transformers/main_classes/configuration
   */
  readonly vHeadDim?: number;

  /**
   * `q_lora_rank` (MLA): the query compression rank; absent (`null`) when queries are not compressed.
   *
   * @default - queries are not compressed
   * @see https://huggingface.co/docs/transformers/main_classes/configuration
   */
  readonly qLoraRank?: number;

  /**
   * `sliding_window`: the window of the sliding-window attention layers, in tokens.
   *
   * @default - no sliding-window layers
   * @see https://docs.vllm.ai/en/latest/design/hybrid_kv_cache_manager.html
   */
  readonly slidingWindow?: number;

  /**
   * How many of the layers use sliding-window attention (the `sliding_attention` entries of `layer_types`);
   * the others use full attention. Required with `slidingWindow`.
   *
   * @default - no sliding-window layers
   * @see https://docs.vllm.ai/en/latest/design/hybrid_kv_cache_manager.html
   */
  readonly slidingWindowLayers?: number;

  /**
   * The Mamba-2 layers of a hybrid model (AttentionKind.HYBRID_MAMBA): needed to size its KV cache.
   *
   * @default - no Mamba-2 layers
   * @see https://docs.vllm.ai/en/latest/design/hybrid_kv_cache_manager.html
   */
  readonly mamba2Layers?: Mamba2Layers;

  /**
   * The gated delta net layers of a hybrid model (AttentionKind.HYBRID_MAMBA, e.g. Qwen3-Next): needed to size its KV cache.
   *
   * @default - no gated delta net layers
   * @see https://docs.vllm.ai/en/latest/design/hybrid_kv_cache_manager.html
   */
  readonly gatedDeltaNetLayers?: GatedDeltaNetLayers;

  /**
   * Routed MoE experts per MoE layer (`num_experts`, `num_local_experts` or `n_routed_experts`).
   *
   * @default - a dense model
   * @see https://huggingface.co/docs/transformers/main_classes/configuration
   */
  readonly numExperts?: number;

  /**
   * `num_experts_per_tok`: experts each token is routed to.
   *
   * @default - a dense model
   * @see https://huggingface.co/docs/transformers/main_classes/configuration
   */
  readonly numExpertsPerToken?: number;

  /**
   * `moe_intermediate_size`: the MLP width of one expert (Mixtral's experts use `intermediate_size`).
   *
   * @default - intermediateSize
   * @see https://huggingface.co/docs/transformers/main_classes/configuration
   */
  readonly moeIntermediateSize?: number;

  /**
   * `n_shared_experts`: experts every token passes through, beside the routed ones (DeepSeek).
   *
   * @default 0
   * @see https://huggingface.co/docs/transformers/main_classes/configuration
   */
  readonly numSharedExperts?: number;

  /**
   * `first_k_dense_replace`: the first layers use a dense MLP instead of experts (DeepSeek).
   *
   * @default 0
   * @see https://huggingface.co/docs/transformers/main_classes/configuration
   */
  readonly firstDenseLayers?: number;

  /**
   * Total parameters, when known exactly (e.g. from the model card). Otherwise the planner counts them from the
   * fields above (matrices, embeddings and norms; biases and per-head norms, under 0.01%, are left out).
   *
   * @default - counted from the architecture
   * @see https://huggingface.co/docs/safetensors/metadata_parsing
   */
  readonly numParameters?: number;

  /**
   * How the checkpoint stores its weights.
   *
   * @default CheckpointDtype.BFLOAT16
   * @see https://huggingface.co/docs/transformers/main_classes/configuration
   */
  readonly checkpointDtype?: CheckpointDtype;

  /**
   * The checkpoint's total weight bytes (e.g. the `total_size` of `model.safetensors.index.json`), for quantized
   * checkpoints the dtype rules do not describe. Overrides numParameters x checkpointDtype; each rank then loads
   * weightBytes / tensorParallelSize of the layers of its pipeline stage.
   *
   * @default - counted from the architecture and checkpointDtype
   * @see https://huggingface.co/docs/safetensors/metadata_parsing
   */
  readonly weightBytes?: number;

  /**
   * Bytes of the rotary embedding cos/sin caches vLLM builds on every rank (counted in "Model loading took", absent
   * from the checkpoint): each distinct rope parameter set is one cache of positions x rotary dim in the cache dtype.
   * Give it when the rule below does not hold: a second rope for some layers (Gemma 3's rope_local_base_freq), a
   * float32 cache (gpt-oss), partial_rotary_factor, longrope, or 0 for a model without rotary embeddings.
   *
   * @default - one cache of maxPositionEmbeddings x headDim (qkRopeHeadDim for MLA) in the 16-bit model dtype; nothing without maxPositionEmbeddings
   * @see https://github.com/vllm-project/vllm/blob/v0.22.0/vllm/model_executor/layers/rotary_embedding/base.py
   */
  readonly ropeCacheBytes?: number;
}

/**
 * Options for `Model.of`.
 */
export interface ModelOptions {
  /**
   * Architecture facts, so parallelism and connector rules can be checked at synth time.
   *
   * @default - unknown: head divisibility is not checked and the model is treated as STANDARD attention
   * @see https://huggingface.co/docs/transformers/main_classes/configuration
   */
  readonly architecture?: ModelArchitecture;
}

/**
 * The model both tiers serve: a Hugging Face repository id or a path inside the model cache.
 */
export class Model {
  /**
   * meta-llama/Llama-3.1-8B-Instruct (dense GQA, 32 heads, 8 KV heads, 32 layers).
   * Values from config.json, confirmed in the copy ai-dynamo/aiconfigurator@095f58a aic-core/src/aiconfigurator_core/model_configs/meta-llama--Meta-Llama-3.1-8B_config.json (the base model; the Instruct release shares its architecture).
   * @see https://huggingface.co/meta-llama/Llama-3.1-8B-Instruct/blob/main/config.json
   */
  public static readonly LLAMA_3_1_8B_INSTRUCT = Model.of('meta-llama/Llama-3.1-8B-Instruct', {
    architecture: {
      numAttentionHeads: 32,
      numKeyValueHeads: 8,
      numHiddenLayers: 32,
      maxPositionEmbeddings: 131072,
      hiddenSize: 4096,
      intermediateSize: 14336,
      vocabSize: 128256,
      tieWordEmbeddings: false,
      checkpointDtype: CheckpointDtype.BFLOAT16,
    },
  });

  /**
   * meta-llama/Llama-3.1-70B-Instruct (dense GQA, 64 heads, 8 KV heads, 80 layers).
   * Values from config.json, confirmed in the copy ai-dynamo/aiconfigurator@095f58a aic-core/src/aiconfigurator_core/model_configs/meta-llama--Meta-Llama-3.1-70B_config.json (the base model; the Instruct release shares its architecture).
   * @see https://huggingface.co/meta-llama/Llama-3.1-70B-Instruct/blob/main/config.json
   */
  public static readonly LLAMA_3_1_70B_INSTRUCT = Model.of('meta-llama/Llama-3.1-70B-Instruct', {
    architecture: {
      numAttentionHeads: 64,
      numKeyValueHeads: 8,
      numHiddenLayers: 80,
      maxPositionEmbeddings: 131072,
      hiddenSize: 8192,
      intermediateSize: 28672,
      vocabSize: 128256,
      tieWordEmbeddings: false,
      checkpointDtype: CheckpointDtype.BFLOAT16,
    },
  });

  /**
   * meta-llama/Llama-3.1-405B-Instruct (dense GQA, 128 heads, 8 KV heads, 126 layers).
   * Values from config.json, confirmed in the copy ai-dynamo/aiconfigurator@095f58a aic-core/src/aiconfigurator_core/model_configs/meta-llama--Meta-Llama-3.1-405B_config.json (the base model; the Instruct release shares its architecture).
   * @see https://huggingface.co/meta-llama/Llama-3.1-405B-Instruct/blob/main/config.json
   */
  public static readonly LLAMA_3_1_405B_INSTRUCT = Model.of('meta-llama/Llama-3.1-405B-Instruct', {
    architecture: {
      numAttentionHeads: 128,
      numKeyValueHeads: 8,
      numHiddenLayers: 126,
      maxPositionEmbeddings: 131072,
      hiddenSize: 16384,
      intermediateSize: 53248,
      vocabSize: 128256,
      tieWordEmbeddings: false,
      checkpointDtype: CheckpointDtype.BFLOAT16,
    },
  });

  /**
   * meta-llama/Llama-3.3-70B-Instruct (dense GQA, 64 heads, 8 KV heads, 80 layers).
   * Values from config.json, confirmed in the copy ai-dynamo/aiconfigurator@f577ab8 src/aiconfigurator/model_configs/meta-llama--Llama-3.3-70B-Instruct_config.json.
   * @see https://huggingface.co/meta-llama/Llama-3.3-70B-Instruct/blob/main/config.json
   */
  public static readonly LLAMA_3_3_70B_INSTRUCT = Model.of('meta-llama/Llama-3.3-70B-Instruct', {
    architecture: {
      numAttentionHeads: 64,
      numKeyValueHeads: 8,
      numHiddenLayers: 80,
      maxPositionEmbeddings: 131072,
      hiddenSize: 8192,
      intermediateSize: 28672,
      vocabSize: 128256,
      tieWordEmbeddings: false,
      checkpointDtype: CheckpointDtype.BFLOAT16,
    },
  });

  /**
   * Qwen/Qwen2.5-7B (dense GQA, 28 heads, 4 KV heads, 28 layers; `use_sliding_window: false`, so vLLM ignores its
   * `sliding_window` (vllm/config/model.py `get_hf_config_sliding_window`)).
   * Values from config.json, confirmed in the copy ai-dynamo/aiconfigurator@92cf0df src/aiconfigurator/model_configs/Qwen--Qwen2.5-7B_config.json.
   * Weights: vLLM 0.19.0 logs "Model loading took 14.25 GiB" for Qwen/Qwen2.5-7B-Instruct (llm-d-incubation/llm-d-planner@d3121e0 accuracy/results/v0.19.0/logs/qwen-qwen2-5-7b-instruct--h100-80gb--tp1pp1dp1--8192.log).
   * The -Instruct release is not catalogued: its model card says its config.json "is set for context length up to 32,768 tokens"
   * (copied in ZHUI/paddlenlp_model_readme@40a7101 Qwen/Qwen2.5-{7B,14B,32B,72B}-Instruct/index.md; also
   * https://github.com/QwenLM/Qwen3/issues/1133), not this entry's 131072, and no copy of that config.json was found. Its weights
   * match these layers (the figure above is of the -Instruct release), so it plans as `Model.of('Qwen/Qwen2.5-7B-Instruct', { architecture:
   * { ...Model.QWEN2_5_7B.architecture, maxPositionEmbeddings: 32768 } })`.
   * @see https://huggingface.co/Qwen/Qwen2.5-7B/blob/main/config.json
   */
  public static readonly QWEN2_5_7B = Model.of('Qwen/Qwen2.5-7B', {
    architecture: {
      numAttentionHeads: 28,
      numKeyValueHeads: 4,
      numHiddenLayers: 28,
      maxPositionEmbeddings: 131072,
      hiddenSize: 3584,
      intermediateSize: 18944,
      vocabSize: 152064,
      tieWordEmbeddings: false,
      checkpointDtype: CheckpointDtype.BFLOAT16,
    },
  });

  /**
   * Qwen/Qwen2.5-14B (dense GQA, 40 heads, 8 KV heads, 48 layers; `use_sliding_window: false`, so vLLM ignores its
   * `sliding_window` (vllm/config/model.py `get_hf_config_sliding_window`)).
   * Values from config.json, confirmed in the copy citsjtu2020/LLM-Prof@8434c8d sglang/Model_Config.md (section "Qwen2.5-14B").
   * Parameters: "Number of Parameters: 14.7B" (model card of Qwen/Qwen2.5-14B-Instruct, copied in ZHUI/paddlenlp_model_readme@99910a8 Qwen/Qwen2.5-14B-Instruct/index.md).
   * The -Instruct release is not catalogued: its model card says its config.json "is set for context length up to 32,768 tokens"
   * (copied in ZHUI/paddlenlp_model_readme@40a7101 Qwen/Qwen2.5-{7B,14B,32B,72B}-Instruct/index.md; also
   * https://github.com/QwenLM/Qwen3/issues/1133), not this entry's 131072, and no copy of that config.json was found. Its weights
   * match these layers (the figure above is of the -Instruct release), so it plans as `Model.of('Qwen/Qwen2.5-14B-Instruct', { architecture:
   * { ...Model.QWEN2_5_14B.architecture, maxPositionEmbeddings: 32768 } })`.
   * @see https://huggingface.co/Qwen/Qwen2.5-14B/blob/main/config.json
   */
  public static readonly QWEN2_5_14B = Model.of('Qwen/Qwen2.5-14B', {
    architecture: {
      numAttentionHeads: 40,
      numKeyValueHeads: 8,
      numHiddenLayers: 48,
      maxPositionEmbeddings: 131072,
      hiddenSize: 5120,
      intermediateSize: 13824,
      vocabSize: 152064,
      tieWordEmbeddings: false,
      checkpointDtype: CheckpointDtype.BFLOAT16,
    },
  });

  /**
   * Qwen/Qwen2.5-32B (dense GQA, 40 heads, 8 KV heads, 64 layers; `use_sliding_window: false`, so vLLM ignores its
   * `sliding_window` (vllm/config/model.py `get_hf_config_sliding_window`)).
   * Values from config.json, confirmed in the copy ai-dynamo/aiconfigurator@92cf0df src/aiconfigurator/model_configs/Qwen--Qwen2.5-32B_config.json.
   * Parameters: 32,763,876,352 (keras-team/keras-hub@12870d2 keras_hub/src/models/qwen/qwen_presets.py, qwen2.5_instruct_32b_en).
   * The -Instruct release is not catalogued: its model card says its config.json "is set for context length up to 32,768 tokens"
   * (copied in ZHUI/paddlenlp_model_readme@40a7101 Qwen/Qwen2.5-{7B,14B,32B,72B}-Instruct/index.md; also
   * https://github.com/QwenLM/Qwen3/issues/1133), not this entry's 131072, and no copy of that config.json was found. Its weights
   * match these layers (the figure above is of the -Instruct release), so it plans as `Model.of('Qwen/Qwen2.5-32B-Instruct', { architecture:
   * { ...Model.QWEN2_5_32B.architecture, maxPositionEmbeddings: 32768 } })`.
   * @see https://huggingface.co/Qwen/Qwen2.5-32B/blob/main/config.json
   */
  public static readonly QWEN2_5_32B = Model.of('Qwen/Qwen2.5-32B', {
    architecture: {
      numAttentionHeads: 40,
      numKeyValueHeads: 8,
      numHiddenLayers: 64,
      maxPositionEmbeddings: 131072,
      hiddenSize: 5120,
      intermediateSize: 27648,
      vocabSize: 152064,
      tieWordEmbeddings: false,
      checkpointDtype: CheckpointDtype.BFLOAT16,
    },
  });

  /**
   * Qwen/Qwen2.5-72B (dense GQA, 64 heads, 8 KV heads, 80 layers; `use_sliding_window: false`, so vLLM ignores its
   * `sliding_window` (vllm/config/model.py `get_hf_config_sliding_window`)).
   * Values from config.json, confirmed in the copy ai-dynamo/aiconfigurator@92cf0df src/aiconfigurator/model_configs/Qwen--Qwen2.5-72B_config.json.
   * Parameters: 72,706,203,648 (keras-team/keras-hub@12870d2 keras_hub/src/models/qwen/qwen_presets.py, qwen2.5_instruct_72b_en).
   * The -Instruct release is not catalogued: its model card says its config.json "is set for context length up to 32,768 tokens"
   * (copied in ZHUI/paddlenlp_model_readme@40a7101 Qwen/Qwen2.5-{7B,14B,32B,72B}-Instruct/index.md; also
   * https://github.com/QwenLM/Qwen3/issues/1133), not this entry's 131072, and no copy of that config.json was found. Its weights
   * match these layers (the figure above is of the -Instruct release), so it plans as `Model.of('Qwen/Qwen2.5-72B-Instruct', { architecture:
   * { ...Model.QWEN2_5_72B.architecture, maxPositionEmbeddings: 32768 } })`.
   * @see https://huggingface.co/Qwen/Qwen2.5-72B/blob/main/config.json
   */
  public static readonly QWEN2_5_72B = Model.of('Qwen/Qwen2.5-72B', {
    architecture: {
      numAttentionHeads: 64,
      numKeyValueHeads: 8,
      numHiddenLayers: 80,
      maxPositionEmbeddings: 131072,
      hiddenSize: 8192,
      intermediateSize: 29568,
      vocabSize: 152064,
      tieWordEmbeddings: false,
      checkpointDtype: CheckpointDtype.BFLOAT16,
    },
  });

  /**
   * Qwen/Qwen3-0.6B (dense GQA, 16 heads, 8 KV heads, 28 layers, head_dim 128).
   * Values from config.json, confirmed in the copy ai-dynamo/aiconfigurator@095f58a aic-core/src/aiconfigurator_core/model_configs/Qwen--Qwen3-0.6B_config.json.
   * @see https://huggingface.co/Qwen/Qwen3-0.6B/blob/main/config.json
   */
  public static readonly QWEN3_0_6B = Model.of('Qwen/Qwen3-0.6B', {
    architecture: {
      numAttentionHeads: 16,
      numKeyValueHeads: 8,
      numHiddenLayers: 28,
      maxPositionEmbeddings: 40960,
      hiddenSize: 1024,
      headDim: 128,
      intermediateSize: 3072,
      vocabSize: 151936,
      tieWordEmbeddings: true,
      checkpointDtype: CheckpointDtype.BFLOAT16,
    },
  });

  /**
   * Qwen/Qwen3-1.7B (dense GQA, 16 heads, 8 KV heads, 28 layers, head_dim 128).
   * Values from config.json, confirmed in the copy ai-dynamo/aiconfigurator@095f58a aic-core/src/aiconfigurator_core/model_configs/Qwen--Qwen3-1.7B_config.json.
   * @see https://huggingface.co/Qwen/Qwen3-1.7B/blob/main/config.json
   */
  public static readonly QWEN3_1_7B = Model.of('Qwen/Qwen3-1.7B', {
    architecture: {
      numAttentionHeads: 16,
      numKeyValueHeads: 8,
      numHiddenLayers: 28,
      maxPositionEmbeddings: 40960,
      hiddenSize: 2048,
      headDim: 128,
      intermediateSize: 6144,
      vocabSize: 151936,
      tieWordEmbeddings: true,
      checkpointDtype: CheckpointDtype.BFLOAT16,
    },
  });

  /**
   * Qwen/Qwen3-4B (dense GQA, 32 heads, 8 KV heads, 36 layers, head_dim 128, tied embeddings).
   * Values from config.json, confirmed in the copy citsjtu2020/LLM-Prof@8434c8d sglang/Model_Config.md (section "Qwen3-4B").
   * Parameters: 4,022,468,096 (keras-team/keras-hub@1df65da keras_hub/src/models/qwen3/qwen3_presets.py, qwen3_4b_en).
   * @see https://huggingface.co/Qwen/Qwen3-4B/blob/main/config.json
   */
  public static readonly QWEN3_4B = Model.of('Qwen/Qwen3-4B', {
    architecture: {
      numAttentionHeads: 32,
      numKeyValueHeads: 8,
      numHiddenLayers: 36,
      maxPositionEmbeddings: 40960,
      hiddenSize: 2560,
      headDim: 128,
      intermediateSize: 9728,
      vocabSize: 151936,
      tieWordEmbeddings: true,
      checkpointDtype: CheckpointDtype.BFLOAT16,
    },
  });

  /**
   * Qwen/Qwen3-8B (dense GQA, 32 heads, 8 KV heads, 36 layers, head_dim 128).
   * Values from config.json, confirmed in the copy ai-dynamo/aiconfigurator@095f58a aic-core/src/aiconfigurator_core/model_configs/Qwen--Qwen3-8B_config.json.
   * @see https://huggingface.co/Qwen/Qwen3-8B/blob/main/config.json
   */
  public static readonly QWEN3_8B = Model.of('Qwen/Qwen3-8B', {
    architecture: {
      numAttentionHeads: 32,
      numKeyValueHeads: 8,
      numHiddenLayers: 36,
      maxPositionEmbeddings: 40960,
      hiddenSize: 4096,
      headDim: 128,
      intermediateSize: 12288,
      vocabSize: 151936,
      tieWordEmbeddings: false,
      checkpointDtype: CheckpointDtype.BFLOAT16,
    },
  });

  /**
   * Qwen/Qwen3-14B (dense GQA, 40 heads, 8 KV heads, 40 layers, head_dim 128).
   * Values from config.json, confirmed in the copy citsjtu2020/LLM-Prof@8434c8d sglang/Model_Config.md (section "Qwen3-14B").
   * Parameters: 14,768,307,200 (keras-team/keras-hub@1df65da keras_hub/src/models/qwen3/qwen3_presets.py, qwen3_14b_en).
   * @see https://huggingface.co/Qwen/Qwen3-14B/blob/main/config.json
   */
  public static readonly QWEN3_14B = Model.of('Qwen/Qwen3-14B', {
    architecture: {
      numAttentionHeads: 40,
      numKeyValueHeads: 8,
      numHiddenLayers: 40,
      maxPositionEmbeddings: 40960,
      hiddenSize: 5120,
      headDim: 128,
      intermediateSize: 17408,
      vocabSize: 151936,
      tieWordEmbeddings: false,
      checkpointDtype: CheckpointDtype.BFLOAT16,
    },
  });

  /**
   * Qwen/Qwen3-32B (dense GQA, 64 heads, 8 KV heads, 64 layers, head_dim 128).
   * Values from config.json, confirmed in the copy ai-dynamo/aiconfigurator@095f58a aic-core/src/aiconfigurator_core/model_configs/Qwen--Qwen3-32B_config.json.
   * @see https://huggingface.co/Qwen/Qwen3-32B/blob/main/config.json
   */
  public static readonly QWEN3_32B = Model.of('Qwen/Qwen3-32B', {
    architecture: {
      numAttentionHeads: 64,
      numKeyValueHeads: 8,
      numHiddenLayers: 64,
      maxPositionEmbeddings: 40960,
      hiddenSize: 5120,
      headDim: 128,
      intermediateSize: 25600,
      vocabSize: 151936,
      tieWordEmbeddings: false,
      checkpointDtype: CheckpointDtype.BFLOAT16,
    },
  });

  /**
   * Qwen/Qwen3-30B-A3B (MoE, 128 experts (8 per token), 32 heads, 4 KV heads, 48 layers).
   * Values from config.json, confirmed in the copy ai-dynamo/aiconfigurator@095f58a aic-core/src/aiconfigurator_core/model_configs/Qwen--Qwen3-30B-A3B_config.json.
   * @see https://huggingface.co/Qwen/Qwen3-30B-A3B/blob/main/config.json
   */
  public static readonly QWEN3_30B_A3B = Model.of('Qwen/Qwen3-30B-A3B', {
    architecture: {
      numAttentionHeads: 32,
      numKeyValueHeads: 4,
      numHiddenLayers: 48,
      maxPositionEmbeddings: 40960,
      hiddenSize: 2048,
      headDim: 128,
      intermediateSize: 6144,
      vocabSize: 151936,
      tieWordEmbeddings: false,
      checkpointDtype: CheckpointDtype.BFLOAT16,
      numExperts: 128,
      numExpertsPerToken: 8,
      moeIntermediateSize: 768,
    },
  });

  /**
   * Qwen/Qwen3-235B-A22B (MoE, 128 experts (8 per token), 64 heads, 4 KV heads, 94 layers).
   * Values from config.json, confirmed in the copy ai-dynamo/aiconfigurator@095f58a aic-core/src/aiconfigurator_core/model_configs/Qwen--Qwen3-235B-A22B_config.json.
   * @see https://huggingface.co/Qwen/Qwen3-235B-A22B/blob/main/config.json
   */
  public static readonly QWEN3_235B_A22B = Model.of('Qwen/Qwen3-235B-A22B', {
    architecture: {
      numAttentionHeads: 64,
      numKeyValueHeads: 4,
      numHiddenLayers: 94,
      maxPositionEmbeddings: 40960,
      hiddenSize: 4096,
      headDim: 128,
      intermediateSize: 12288,
      vocabSize: 151936,
      tieWordEmbeddings: false,
      checkpointDtype: CheckpointDtype.BFLOAT16,
      numExperts: 128,
      numExpertsPerToken: 8,
      moeIntermediateSize: 1536,
    },
  });

  /**
   * mistralai/Mixtral-8x7B-v0.1 (MoE, 8 experts (2 per token) of intermediate_size 14336, 32 heads, 8 KV heads, 32 layers).
   * Values from config.json, confirmed in the copy ai-dynamo/aiconfigurator@095f58a aic-core/src/aiconfigurator_core/model_configs/mistralai--Mixtral-8x7B-v0.1_config.json.
   * @see https://huggingface.co/mistralai/Mixtral-8x7B-v0.1/blob/main/config.json
   */
  public static readonly MIXTRAL_8X7B_V0_1 = Model.of('mistralai/Mixtral-8x7B-v0.1', {
    architecture: {
      numAttentionHeads: 32,
      numKeyValueHeads: 8,
      numHiddenLayers: 32,
      maxPositionEmbeddings: 32768,
      hiddenSize: 4096,
      intermediateSize: 14336,
      vocabSize: 32000,
      tieWordEmbeddings: false,
      numExperts: 8,
      numExpertsPerToken: 2,
      moeIntermediateSize: 14336,
      checkpointDtype: CheckpointDtype.BFLOAT16,
    },
  });

  /**
   * mistralai/Mistral-7B-Instruct-v0.3 (dense GQA, 32 heads, 8 KV heads, 32 layers, vocab 32768; `sliding_window: null`, so every
   * layer attends to the whole context, unlike v0.1's 4096-token window).
   * Values from config.json, confirmed in the copy mlc-ai/mlc-llm@79d603f python/mlc_llm/model/model_preset.py (preset "mistral_7b_v03",
   * the v0.3 config.json: transformers_version 4.42.0.dev0, rope_theta 1000000.0, max_position_embeddings 32768; the preset does not say
   * base or -Instruct, which share the architecture). Parameters: 7,248,023,552 for both mistral_0.3_7b_en and mistral_0.3_instruct_7b_en
   * (keras-team/keras-hub@71453d0 keras_hub/src/models/mistral/mistral_presets.py).
   * @see https://huggingface.co/mistralai/Mistral-7B-Instruct-v0.3/blob/main/config.json
   */
  public static readonly MISTRAL_7B_INSTRUCT_V0_3 = Model.of('mistralai/Mistral-7B-Instruct-v0.3', {
    architecture: {
      numAttentionHeads: 32,
      numKeyValueHeads: 8,
      numHiddenLayers: 32,
      maxPositionEmbeddings: 32768,
      hiddenSize: 4096,
      intermediateSize: 14336,
      vocabSize: 32768,
      tieWordEmbeddings: false,
      checkpointDtype: CheckpointDtype.BFLOAT16,
    },
  });

  /**
   * mistralai/Mistral-Small-24B-Instruct-2501 (dense GQA, 32 heads, 8 KV heads, 40 layers, head_dim 128, not hidden_size / heads).
   * Values from the checkpoint's params.json (Mistral's format of the same facts: dim, n_layers, head_dim, hidden_dim, n_heads, n_kv_heads,
   * vocab_size, max_seq_len), copied in OpenMOSE/RWKV-LM-RLHF@c394e06 main/tokenizer/mistralsmall3/params.json beside its model card.
   * Weights: 47,144,806,400 bytes (`total_size` of model.safetensors.index.json, OpenMOSE/RWKV-LM-RLHF@7e8f62a
   * main/tokenizer/mistralsmall3/model.safetensors.index.json; separate lm_head.weight).
   * @see https://huggingface.co/mistralai/Mistral-Small-24B-Instruct-2501/blob/main/config.json
   */
  public static readonly MISTRAL_SMALL_24B_INSTRUCT_2501 = Model.of('mistralai/Mistral-Small-24B-Instruct-2501', {
    architecture: {
      numAttentionHeads: 32,
      numKeyValueHeads: 8,
      numHiddenLayers: 40,
      maxPositionEmbeddings: 32768,
      hiddenSize: 5120,
      headDim: 128,
      intermediateSize: 32768,
      vocabSize: 131072,
      tieWordEmbeddings: false,
      checkpointDtype: CheckpointDtype.BFLOAT16,
    },
  });

  /**
   * microsoft/phi-4 (dense GQA, 40 heads, 10 KV heads, 40 layers; `sliding_window: null`).
   * Values from config.json, confirmed in the copy OpenMOSE/RWKV-LM-RLHF@c394e06 main/tokenizer/phi-4/config.json.
   * Weights: 29,319,014,400 bytes (`total_size` of model.safetensors.index.json, OpenMOSE/RWKV-LM-RLHF@edf9b23
   * main/tokenizer/phi-4/model.safetensors.index.json).
   * @see https://huggingface.co/microsoft/phi-4/blob/main/config.json
   */
  public static readonly PHI_4 = Model.of('microsoft/phi-4', {
    architecture: {
      numAttentionHeads: 40,
      numKeyValueHeads: 10,
      numHiddenLayers: 40,
      maxPositionEmbeddings: 16384,
      hiddenSize: 5120,
      intermediateSize: 17920,
      vocabSize: 100352,
      tieWordEmbeddings: false,
      checkpointDtype: CheckpointDtype.BFLOAT16,
    },
  });

  /**
   * google/gemma-2-9b-it (dense GQA, 16 heads, 8 KV heads, head_dim 256, 42 layers of which 21 use a 4096-token sliding window, tied
   * embeddings).
   * Values from config.json, confirmed in the copy doggy8088/GemmaTokenizerExtractor@a275733 gemma-2-9b-it/config.json. It sets no
   * layer_types nor tie_word_embeddings, so transformers' defaults apply: layer_types alternate "sliding_attention" (even layers) and
   * "full_attention", and tie_word_embeddings is true (huggingface/transformers@008e574
   * src/transformers/models/gemma2/configuration_gemma2.py); the checkpoint has no lm_head.weight. Weights: 18,483,411,968 bytes
   * (`total_size` of model.safetensors.index.json, doggy8088/GemmaTokenizerExtractor@a275733 gemma-2-9b-it/model.safetensors.index.json).
   * Rotary caches: one, every layer passes the same rope parameters (vllm/model_executor/models/gemma2.py, 0.22.0 and 0.32.0):
   * max_position_embeddings x head_dim in bfloat16, 4 MiB.
   * @see https://huggingface.co/google/gemma-2-9b-it/blob/main/config.json
   */
  public static readonly GEMMA_2_9B_IT = Model.of('google/gemma-2-9b-it', {
    architecture: {
      numAttentionHeads: 16,
      numKeyValueHeads: 8,
      numHiddenLayers: 42,
      maxPositionEmbeddings: 8192,
      hiddenSize: 3584,
      headDim: 256,
      intermediateSize: 14336,
      vocabSize: 256000,
      tieWordEmbeddings: true,
      slidingWindow: 4096,
      slidingWindowLayers: 21,
      checkpointDtype: CheckpointDtype.BFLOAT16,
      ropeCacheBytes: 8192 * 256 * 2,
    },
  });

  /**
   * google/gemma-3-1b-it (text-only `Gemma3ForCausalLM`; 4 heads, 1 KV head, head_dim 256, 26 layers of which 22 use a 512-token sliding
   * window, tied embeddings).
   * Values from config.json, confirmed in the copy mlc-ai/mlc-llm@79d603f python/mlc_llm/model/model_preset.py (preset "gemma3_1b_it":
   * num_hidden_layers 26, sliding_window 512, sliding_window_pattern 6, max_position_embeddings 32768, rope_scaling null, so vLLM's
   * default max_model_len is 32768). It sets no layer_types: transformers derives them from sliding_window_pattern, layer i sliding
   * unless (i + 1) % 6 == 0 (transformers v4.57.6, the release vLLM 0.22.0 installs, src/transformers/models/gemma3/configuration_gemma3.py),
   * so layers 5, 11, 17 and 23 are full and 22 are sliding; vLLM reads layer_types per layer (vllm/model_executor/models/gemma3.py,
   * 0.22.0 and 0.32.0). tie_word_embeddings is not set and defaults to true there. Parameters: 999,885,952
   * (keras-team/keras-hub@71453d0 keras_hub/src/models/gemma3/gemma3_presets.py, gemma3_instruct_1b: "26-layer, text-only").
   * vLLM 0.8.5 derives max_seq_len=32768 for it (https://github.com/vllm-project/vllm/issues/17386). Rotary caches: two, as the
   * sliding layers take rope_local_base_freq 10000 and the full layers rope_theta 1e6 (vllm/model_executor/models/gemma3.py, 0.22.0
   * and 0.32.0), each max_position_embeddings x head_dim in bfloat16 (16 MiB; rotary_embedding/base.py); the vLLM 0.19.0 logs of
   * gemma-3-4b/12b/27b-it count 'rotary_embedding': 2 (llm-d-incubation/llm-d-planner@d3121e0 accuracy/results/v0.19.0/logs).
   * The larger Gemma 3 (4b/12b/27b-it) are not catalogued: they are `Gemma3ForConditionalGeneration` with a SigLIP vision tower whose
   * weights and encoder profiling memory the planner does not count.
   * @see https://huggingface.co/google/gemma-3-1b-it/blob/main/config.json
   */
  public static readonly GEMMA_3_1B_IT = Model.of('google/gemma-3-1b-it', {
    architecture: {
      numAttentionHeads: 4,
      numKeyValueHeads: 1,
      numHiddenLayers: 26,
      maxPositionEmbeddings: 32768,
      hiddenSize: 1152,
      headDim: 256,
      intermediateSize: 6912,
      vocabSize: 262144,
      tieWordEmbeddings: true,
      slidingWindow: 512,
      slidingWindowLayers: 22,
      checkpointDtype: CheckpointDtype.BFLOAT16,
      ropeCacheBytes: 2 * 32768 * 256 * 2,
    },
  });

  /**
   * openai/gpt-oss-20b (MoE, 32 MXFP4 experts (4 per token), 64 heads, 8 KV heads, 24 layers of which 12 use a 128-token sliding window (layer_types)).
   * Values from config.json, confirmed in the copy ai-dynamo/aiconfigurator@095f58a aic-core/src/aiconfigurator_core/model_configs/openai--gpt-oss-20b_config.json.
   * Rotary cache: one, in float32 (vllm/model_executor/models/gpt_oss.py passes dtype=torch.float32, 0.22.0 and 0.32.0) of YaRN's
   * original_max_position_embeddings 4096 x factor 32 = 131072 positions x head_dim 64 (`YaRNScalingRotaryEmbedding`; the rope
   * parameters of transformers' GptOssConfig, v4.57.6 and v5.19.0), 32 MiB. ropeCacheBytes is left to its default (the bfloat16
   * 16 MiB as the value; the float32 32 MiB is the upper bound of a model with sliding-window layers): with the exact 32 MiB the
   * planned weights of the gpt-oss-20b TP 2 log (7.01 GiB) are 1.09% over, as the MXFP4 expert padding (Marlin's) already
   * over-counts that run, which used the 'TRITON' MXFP4 backend (llm-d-planner@d3121e0 v0.19.0 log).
   * @see https://huggingface.co/openai/gpt-oss-20b/blob/main/config.json
   */
  public static readonly GPT_OSS_20B = Model.of('openai/gpt-oss-20b', {
    architecture: {
      numAttentionHeads: 64,
      numKeyValueHeads: 8,
      numHiddenLayers: 24,
      maxPositionEmbeddings: 131072,
      hiddenSize: 2880,
      headDim: 64,
      intermediateSize: 2880,
      vocabSize: 201088,
      tieWordEmbeddings: false,
      slidingWindow: 128,
      slidingWindowLayers: 12,
      numExperts: 32,
      numExpertsPerToken: 4,
      moeIntermediateSize: 2880,
      checkpointDtype: CheckpointDtype.MXFP4,
    },
  });

  /**
   * openai/gpt-oss-120b (MoE, 128 MXFP4 experts (4 per token), 64 heads, 8 KV heads, 36 layers of which 18 use a 128-token sliding window (layer_types)).
   * Values from config.json, confirmed in the copy ai-dynamo/aiconfigurator@095f58a aic-core/src/aiconfigurator_core/model_configs/openai--gpt-oss-120b_config.json.
   * Rotary cache: one, in float32 (vllm/model_executor/models/gpt_oss.py passes dtype=torch.float32, 0.22.0 and 0.32.0) of YaRN's
   * original_max_position_embeddings 4096 x factor 32 = 131072 positions x head_dim 64 (`YaRNScalingRotaryEmbedding`; the rope
   * parameters of transformers' GptOssConfig, v4.57.6 and v5.19.0), 32 MiB. ropeCacheBytes is left to its default (the bfloat16
   * 16 MiB as the value; the float32 32 MiB is the upper bound of a model with sliding-window layers): with the exact 32 MiB the
   * planned weights of the gpt-oss-20b TP 2 log (7.01 GiB) are 1.09% over, as the MXFP4 expert padding (Marlin's) already
   * over-counts that run, which used the 'TRITON' MXFP4 backend (llm-d-planner@d3121e0 v0.19.0 log).
   * @see https://huggingface.co/openai/gpt-oss-120b/blob/main/config.json
   */
  public static readonly GPT_OSS_120B = Model.of('openai/gpt-oss-120b', {
    architecture: {
      numAttentionHeads: 64,
      numKeyValueHeads: 8,
      numHiddenLayers: 36,
      maxPositionEmbeddings: 131072,
      hiddenSize: 2880,
      headDim: 64,
      intermediateSize: 2880,
      vocabSize: 201088,
      tieWordEmbeddings: false,
      slidingWindow: 128,
      slidingWindowLayers: 18,
      numExperts: 128,
      numExpertsPerToken: 4,
      moeIntermediateSize: 2880,
      checkpointDtype: CheckpointDtype.MXFP4,
    },
  });

  /**
   * deepseek-ai/DeepSeek-V2-Lite-Chat (MLA (kv_lora_rank 512 + qk_rope_head_dim 64, queries not compressed), MoE 64 experts (6 per token)
   * + 2 shared, the first layer dense, 16 heads, 27 layers).
   * Values from DeepSeek's own configuration of this 16B architecture, deepseek-ai/DeepSeek-V3@9b4e978 inference/configs/config_16B.json
   * (dim, inter_dim, moe_inter_dim, n_layers, n_dense_layers, n_heads, n_routed_experts, n_shared_experts, n_activated_experts,
   * q_lora_rank 0, kv_lora_rank, qk_nope_head_dim, qk_rope_head_dim, v_head_dim, vocab_size; its inference/model.py keeps `head` apart from
   * `embed`, so the embeddings are not tied): no copy of the checkpoint's config.json was
   * found, so its context length (max_position_embeddings) is not given and plans need maxModelLen. bfloat16: vLLM 0.19.0 loads it with
   * dtype auto as torch.bfloat16 and logs "Model loading took 29.43 GiB" (llm-d-incubation/llm-d-planner@d3121e0
   * accuracy/results/v0.19.0/logs/deepseek-ai-deepseek-v2---h100-80gb--tp1pp1dp1--8192.log).
   * @see https://huggingface.co/deepseek-ai/DeepSeek-V2-Lite-Chat/blob/main/config.json
   */
  public static readonly DEEPSEEK_V2_LITE_CHAT = Model.of('deepseek-ai/DeepSeek-V2-Lite-Chat', {
    architecture: {
      numAttentionHeads: 16,
      numHiddenLayers: 27,
      attention: AttentionKind.MLA,
      hiddenSize: 2048,
      intermediateSize: 10944,
      vocabSize: 102400,
      tieWordEmbeddings: false,
      kvLoraRank: 512,
      qkRopeHeadDim: 64,
      qkNopeHeadDim: 128,
      vHeadDim: 128,
      numExperts: 64,
      numExpertsPerToken: 6,
      moeIntermediateSize: 1408,
      numSharedExperts: 2,
      firstDenseLayers: 1,
      checkpointDtype: CheckpointDtype.BFLOAT16,
    },
  });

  /**
   * deepseek-ai/DeepSeek-V3 (MLA (kv_lora_rank 512 + qk_rope_head_dim 64), MoE 256 experts (8 per token) + 1 shared, block FP8, 128 heads, 61 layers).
   * Values from config.json, confirmed in the copy ai-dynamo/aiconfigurator@095f58a aic-core/src/aiconfigurator_core/model_configs/deepseek-ai--DeepSeek-V3_config.json (the multi-token-prediction layer 61, which vLLM loads only for speculative decoding, is not counted).
   * @see https://huggingface.co/deepseek-ai/DeepSeek-V3/blob/main/config.json
   */
  public static readonly DEEPSEEK_V3 = Model.of('deepseek-ai/DeepSeek-V3', {
    architecture: {
      numAttentionHeads: 128,
      numKeyValueHeads: 128,
      numHiddenLayers: 61,
      attention: AttentionKind.MLA,
      maxPositionEmbeddings: 163840,
      hiddenSize: 7168,
      intermediateSize: 18432,
      vocabSize: 129280,
      tieWordEmbeddings: false,
      kvLoraRank: 512,
      qkRopeHeadDim: 64,
      qkNopeHeadDim: 128,
      vHeadDim: 128,
      qLoraRank: 1536,
      numExperts: 256,
      numExpertsPerToken: 8,
      moeIntermediateSize: 2048,
      numSharedExperts: 1,
      firstDenseLayers: 3,
      checkpointDtype: CheckpointDtype.FP8,
    },
  });

  /**
   * deepseek-ai/DeepSeek-R1 (MLA (kv_lora_rank 512 + qk_rope_head_dim 64), MoE 256 experts (8 per token) + 1 shared, block FP8, 128 heads, 61 layers).
   * Values from config.json, confirmed in the copy ai-dynamo/aiconfigurator@095f58a aic-core/src/aiconfigurator_core/model_configs/deepseek-ai--DeepSeek-R1_config.json (the multi-token-prediction layer 61, which vLLM loads only for speculative decoding, is not counted).
   * @see https://huggingface.co/deepseek-ai/DeepSeek-R1/blob/main/config.json
   */
  public static readonly DEEPSEEK_R1 = Model.of('deepseek-ai/DeepSeek-R1', {
    architecture: {
      numAttentionHeads: 128,
      numKeyValueHeads: 128,
      numHiddenLayers: 61,
      attention: AttentionKind.MLA,
      maxPositionEmbeddings: 163840,
      hiddenSize: 7168,
      intermediateSize: 18432,
      vocabSize: 129280,
      tieWordEmbeddings: false,
      kvLoraRank: 512,
      qkRopeHeadDim: 64,
      qkNopeHeadDim: 128,
      vHeadDim: 128,
      qLoraRank: 1536,
      numExperts: 256,
      numExpertsPerToken: 8,
      moeIntermediateSize: 2048,
      numSharedExperts: 1,
      firstDenseLayers: 3,
      checkpointDtype: CheckpointDtype.FP8,
    },
  });

  /**
   * Qwen/Qwen3-Next-80B-A3B-Thinking (hybrid: 36 gated delta net layers and 12 full attention layers (`full_attention_interval` 4),
   * 16 heads, 2 KV heads, head_dim 256; MoE 512 experts (10 per token)).
   * Values from config.json, confirmed in the copy ai-dynamo/aiconfigurator@1b7cfb1 src/aiconfigurator/model_configs/Qwen--Qwen3-Next-80B-A3B-Thinking_config.json.
   * The weights of its gated delta net layers are not counted by the planner and no checkpoint size was found, so plans need
   * `weightBytes` or `numParameters` (CapacityPlanner.fromAvailableKvCacheMemory sizes the KV cache without them).
   * @see https://huggingface.co/Qwen/Qwen3-Next-80B-A3B-Thinking/blob/main/config.json
   */
  public static readonly QWEN3_NEXT_80B_A3B_THINKING = Model.of('Qwen/Qwen3-Next-80B-A3B-Thinking', {
    architecture: {
      numAttentionHeads: 16,
      numKeyValueHeads: 2,
      numHiddenLayers: 48,
      attention: AttentionKind.HYBRID_MAMBA,
      maxPositionEmbeddings: 262144,
      hiddenSize: 2048,
      headDim: 256,
      intermediateSize: 5120,
      vocabSize: 151936,
      tieWordEmbeddings: false,
      numExperts: 512,
      numExpertsPerToken: 10,
      moeIntermediateSize: 512,
      gatedDeltaNetLayers: {
        numLayers: 36,
        numKeyHeads: 16,
        numValueHeads: 32,
        keyHeadDim: 128,
        valueHeadDim: 128,
        convKernel: 4,
      },
      checkpointDtype: CheckpointDtype.BFLOAT16,
    },
  });

  /**
   * A model by Hugging Face id (`org/name`) or by path (e.g. `/models/llama`).
   */
  public static of(nameOrPath: string, options: ModelOptions = {}): Model {
    str()('Model', 'nameOrPath', nameOrPath);
    return new Model(nameOrPath, checkStruct('Model', 'options', options, MODEL_OPTIONS)?.architecture);
  }

  /** The value passed to `vllm serve` as the model. */
  public readonly name: string;
  /** Architecture facts, if known. */
  public readonly architecture?: ModelArchitecture;

  private constructor(name: string, architecture?: ModelArchitecture) {
    const where = 'Model';
    if (!name || /\s/.test(name)) {
      throw invalid(where, 'nameOrPath', name, "must be a non-empty Hugging Face id or path without whitespace, e.g. 'meta-llama/Llama-3.1-8B-Instruct'");
    }
    if (architecture) {
      requireInteger(where, 'architecture.numAttentionHeads', architecture.numAttentionHeads, 1);
      requireInteger(where, 'architecture.numHiddenLayers', architecture.numHiddenLayers, 1);
      requireInteger(where, 'architecture.numKeyValueHeads', architecture.numKeyValueHeads, 1);
      if (architecture.attention !== undefined && !Object.values(AttentionKind).includes(architecture.attention)) {
        throw invalid(where, 'architecture.attention', architecture.attention, `must be one of ${Object.values(AttentionKind).join(', ')}`);
      }
      if (architecture.checkpointDtype !== undefined && !Object.values(CheckpointDtype).includes(architecture.checkpointDtype)) {
        throw invalid(where, 'architecture.checkpointDtype', architecture.checkpointDtype,
          `must be one of ${Object.values(CheckpointDtype).join(', ')}`);
      }
      if ((architecture.slidingWindow === undefined) !== (architecture.slidingWindowLayers === undefined)) {
        throw invalid(where, 'architecture.slidingWindowLayers', architecture.slidingWindowLayers,
          `must be given together with 'architecture.slidingWindow' (${architecture.slidingWindow})`);
      }
      const layers = architecture.numHiddenLayers;
      for (const [prop, value] of [['slidingWindowLayers', architecture.slidingWindowLayers], ['firstDenseLayers', architecture.firstDenseLayers]] as const) {
        if (value !== undefined && layers !== undefined && value > layers) {
          throw invalid(where, `architecture.${prop}`, value, `must not exceed numHiddenLayers (${layers})`);
        }
      }
      const hybridLayers = architecture.mamba2Layers ?? architecture.gatedDeltaNetLayers;
      if (architecture.mamba2Layers !== undefined && architecture.gatedDeltaNetLayers !== undefined) {
        throw invalid(where, 'architecture.gatedDeltaNetLayers', 'set',
          "cannot be given together with 'architecture.mamba2Layers': no model with both layer families is sized");
      }
      if (hybridLayers !== undefined) {
        const prop = architecture.mamba2Layers !== undefined ? 'mamba2Layers' : 'gatedDeltaNetLayers';
        if (architecture.attention !== AttentionKind.HYBRID_MAMBA) {
          throw invalid(where, `architecture.${prop}`, 'set', `needs 'architecture.attention' AttentionKind.HYBRID_MAMBA (got ${architecture.attention ?? 'standard'})`);
        }
        if (layers !== undefined && hybridLayers.numLayers >= layers) {
          throw invalid(where, `architecture.${prop}.numLayers`, hybridLayers.numLayers,
            `must be below numHiddenLayers (${layers}): the other layers are the attention layers`);
        }
      }
      if (architecture.attention === AttentionKind.MLA && architecture.slidingWindow !== undefined) {
        throw invalid(where, 'architecture.slidingWindow', architecture.slidingWindow,
          'is not supported with AttentionKind.MLA by this library (no sliding-window MLA model is sized)');
      }
    }
    this.name = name;
    this.architecture = architecture;
  }

  /** The attention kind; STANDARD when the architecture is unknown. */
  public get attention(): AttentionKind {
    return this.architecture?.attention ?? AttentionKind.STANDARD;
  }
}

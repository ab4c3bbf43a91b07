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
  /** Hybrid attention + Mamba/SSM layers (e.g. Jamba, Nemotron-H). */
  HYBRID_MAMBA = 'hybrid-mamba',
}

/**
 * The parts of a model's `config.json` that constrain parallelism and KV transfer.
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
   * meta-llama/Llama-3.1-8B-Instruct (config.json: 32 heads, 8 KV heads, 32 layers).
   * @see https://huggingface.co/meta-llama/Llama-3.1-8B-Instruct/blob/main/config.json
   */
  public static readonly LLAMA_3_1_8B_INSTRUCT = Model.of('meta-llama/Llama-3.1-8B-Instruct', {
    architecture: { numAttentionHeads: 32, numKeyValueHeads: 8, numHiddenLayers: 32 },
  });

  /**
   * meta-llama/Llama-3.1-70B-Instruct (config.json: 64 heads, 8 KV heads, 80 layers).
   * @see https://huggingface.co/meta-llama/Llama-3.1-70B-Instruct/blob/main/config.json
   */
  public static readonly LLAMA_3_1_70B_INSTRUCT = Model.of('meta-llama/Llama-3.1-70B-Instruct', {
    architecture: { numAttentionHeads: 64, numKeyValueHeads: 8, numHiddenLayers: 80 },
  });

  /**
   * meta-llama/Llama-3.1-405B-Instruct (config.json: 128 heads, 8 KV heads, 126 layers).
   * @see https://huggingface.co/meta-llama/Llama-3.1-405B-Instruct/blob/main/config.json
   */
  public static readonly LLAMA_3_1_405B_INSTRUCT = Model.of('meta-llama/Llama-3.1-405B-Instruct', {
    architecture: { numAttentionHeads: 128, numKeyValueHeads: 8, numHiddenLayers: 126 },
  });

  /**
   * deepseek-ai/DeepSeek-V3 (config.json: 128 heads, 128 KV heads, 61 layers, MLA via kv_lora_rank).
   * @see https://huggingface.co/deepseek-ai/DeepSeek-V3/blob/main/config.json
   */
  public static readonly DEEPSEEK_V3 = Model.of('deepseek-ai/DeepSeek-V3', {
    architecture: { numAttentionHeads: 128, numKeyValueHeads: 128, numHiddenLayers: 61, attention: AttentionKind.MLA },
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
    }
    this.name = name;
    this.architecture = architecture;
  }

  /** The attention kind; STANDARD when the architecture is unknown. */
  public get attention(): AttentionKind {
    return this.architecture?.attention ?? AttentionKind.STANDARD;
  }
}

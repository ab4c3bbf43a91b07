"""vLLM's own code sizes the hybrid KV caches cdk8s-vllm-pd plans. Runs inside the venv of one installed vLLM release.

  python hybrid_sizing.py PLANS_JSON     PLANS_JSON: conformance/vllm/render-hybrid-plans.ts output for this release

For each planned case (a hybrid architecture, TP size, --block-size, max model len, available KV memory, prefix
caching on/off/unset) this script derives, with the release's own functions and classes, what the engine would
compute, and compares it with the plan:
  - whether prefix caching is on by default (ModelConfig.is_prefix_caching_supported for attn_type "hybrid") and the
    Mamba cache mode it leads to (MambaModelConfig.verify_and_update_config, with the model class's
    supports_mamba_prefix_caching from the model registry);
  - the state shapes and dtypes (the registered model class's get_mamba_state_shape_from_config /
    get_mamba_state_dtype_from_config: Qwen3NextForCausalLM, GraniteMoeHybridForCausalLM);
  - the attention block size and the padded state page (Platform._align_hybrid_block_size, with an attention backend
    whose smallest kernel block is 16, as FlashAttention's MultipleOf(16) on Hopper);
  - the KV cache groups, num_blocks and max concurrency (get_kv_cache_groups, get_kv_cache_config_from_groups,
    get_max_concurrency_for_kv_cache_config in vllm/v1/core/kv_cache_utils.py), from the layers' specs as the
    layers build them (MambaBase.get_kv_cache_spec; MambaMixer2 adds one prefill checkpoint block where the field exists).
Configs are plain namespaces carrying the fields these functions read; no GPU, no model download.
Ends with `conformance-result: <passed> <failed>`.
"""
import dataclasses
import json
import sys
from types import SimpleNamespace

import torch
import vllm
from vllm import platforms

if platforms.current_platform.is_unspecified():
    from vllm.platforms.cpu import CpuPlatform

    platforms.current_platform = CpuPlatform()
from vllm.config.cache import CacheConfig  # noqa: E402
from vllm.config.model import ModelConfig  # noqa: E402
from vllm.model_executor.models import ModelRegistry  # noqa: E402
from vllm.model_executor.models.config import MambaModelConfig  # noqa: E402
from vllm.model_executor.models.interfaces import supports_mamba_prefix_caching  # noqa: E402
from vllm.platforms.interface import Platform  # noqa: E402
from vllm.utils.torch_utils import STR_DTYPE_TO_TORCH_DTYPE  # noqa: E402
from vllm.v1.attention.backend import MultipleOf  # noqa: E402
from vllm.v1.core import kv_cache_utils  # noqa: E402
from vllm.v1.kv_cache_interface import FullAttentionSpec, MambaSpec  # noqa: E402

VERSION = vllm.__version__.split("+")[0]


class Backend16:
    """An attention backend whose smallest kernel block is 16 (FlashAttention on Hopper: [MultipleOf(16)])."""

    @staticmethod
    def get_supported_kernel_block_sizes(*_args, **_kwargs):
        return [MultipleOf(16)]

    @classmethod
    def customize_spec(cls, spec):  # 0.32.0 asks the backend to adjust the attention spec; FlashAttention keeps it
        return spec


def hf_config(case):
    a = case["architecture"]
    common = dict(
        num_attention_heads=a["numAttentionHeads"], num_key_value_heads=a["numKeyValueHeads"],
        num_hidden_layers=a["numHiddenLayers"], hidden_size=a["hiddenSize"], head_dim=a["headDim"],
    )
    if "gatedDeltaNetLayers" in a:
        g = a["gatedDeltaNetLayers"]
        return "Qwen3NextForCausalLM", SimpleNamespace(
            **common, linear_num_key_heads=g["numKeyHeads"], linear_num_value_heads=g["numValueHeads"],
            linear_key_head_dim=g["keyHeadDim"], linear_value_head_dim=g["valueHeadDim"],
            linear_conv_kernel_dim=g["convKernel"])
    m = a["mamba2Layers"]
    assert m["intermediateSize"] % a["hiddenSize"] == 0, "Granite spells the inner width as mamba_expand x hidden_size"
    return "GraniteMoeHybridForCausalLM", SimpleNamespace(
        **common, mamba_expand=m["intermediateSize"] // a["hiddenSize"], mamba_n_groups=m["nGroups"],
        mamba_n_heads=m["numHeads"], mamba_d_head=m["headDim"], mamba_d_state=m["stateSize"], mamba_d_conv=m["convKernel"],
        mamba_chunk_size=256)


def vllm_config(case, architecture, hf, prefix_caching):
    a = case["architecture"]
    tp = case["tensorParallelSize"]
    ssm_dtype = "float32" if a.get("mamba2Layers", {}).get("ssmStateFloat32") else "auto"
    model_config = SimpleNamespace(
        dtype=torch.bfloat16, use_mla=False, architecture=architecture, architectures=[architecture], hf_config=hf,
        hf_text_config=hf, max_model_len=case["maxModelLen"], model_impl="auto", convert_type="none", runner_type="generate",
        model=architecture, is_hybrid=True,
        get_num_kv_heads=lambda _pc: max(1, a["numKeyValueHeads"] // tp), get_head_size=lambda: a["headDim"],
        get_mamba_chunk_size=lambda: getattr(hf, "mamba_chunk_size", None),
    )
    model_cls, _ = ModelRegistry.resolve_model_cls(architecture, model_config=model_config)
    model_config.supports_mamba_prefix_caching = bool(supports_mamba_prefix_caching(model_cls))
    # The release's own CacheConfig, with its defaults for everything not set here.
    cache_config = CacheConfig(block_size=case["blockSize"], enable_prefix_caching=prefix_caching, mamba_ssm_cache_dtype=ssm_dtype,
                               cache_dtype=case["kvCacheDtype"])
    parallel_config = SimpleNamespace(tensor_parallel_size=tp, pipeline_parallel_size=1, decode_context_parallel_size=1,
                                      prefill_context_parallel_size=1, data_parallel_size=1)
    scheduler_config = SimpleNamespace(enable_chunked_prefill=True, disable_hybrid_kv_cache_manager=False,
                                       max_num_batched_tokens=8192, max_num_seqs=1024)
    cfg = SimpleNamespace(model_config=model_config, cache_config=cache_config, parallel_config=parallel_config,
                          scheduler_config=scheduler_config, speculative_config=None, num_speculative_tokens=0,
                          compilation_config=SimpleNamespace(), kv_transfer_config=None,
                          attention_config=SimpleNamespace(hisparse_config=None))
    return cfg, model_cls


def engine_numbers(case):
    architecture, hf = hf_config(case)
    prefix = case["enablePrefixCaching"]
    if prefix is None:  # vLLM's default: ModelConfig.is_prefix_caching_supported for a generative hybrid model
        prefix = bool(ModelConfig.is_prefix_caching_supported.fget(SimpleNamespace(attn_type="hybrid", pooler_config=None)))
    cfg, model_cls = vllm_config(case, architecture, hf, prefix)
    MambaModelConfig.verify_and_update_config(cfg)
    cc = cfg.cache_config
    if cc.mamba_cache_mode == "all":
        return {"mode": "all"}
    if hasattr(Platform, "_find_non_ssm_backends"):
        Platform._find_non_ssm_backends = classmethod(lambda cls, _cfg: [Backend16])
    Platform._align_hybrid_block_size(cfg, Backend16)
    shapes = model_cls.get_mamba_state_shape_from_config(cfg)
    dtypes = model_cls.get_mamba_state_dtype_from_config(cfg)
    a = case["architecture"]
    tp = case["tensorParallelSize"]
    state_layers = (a.get("gatedDeltaNetLayers") or a.get("mamba2Layers"))["numLayers"]
    kv_dtype = torch.bfloat16 if cc.cache_dtype == "auto" else STR_DTYPE_TO_TORCH_DTYPE[cc.cache_dtype]
    attn = FullAttentionSpec(block_size=cc.block_size, num_kv_heads=max(1, a["numKeyValueHeads"] // tp),
                             head_size=a["headDim"], dtype=kv_dtype)
    mamba_fields = {f.name for f in dataclasses.fields(MambaSpec)}
    state = MambaSpec(shapes=tuple(shapes), dtypes=tuple(dtypes), block_size=cc.mamba_block_size,
                      page_size_padded=cc.mamba_page_size_padded, mamba_cache_mode=cc.mamba_cache_mode)
    if "mamba2Layers" in a and "num_prefill_checkpoint_blocks" in mamba_fields:
        # MambaMixer2.get_kv_cache_spec (vllm/model_executor/layers/mamba/mamba_mixer2.py)
        state = dataclasses.replace(state, num_prefill_checkpoint_blocks=1, prefill_checkpoint_alignment=1)
    unpadded = MambaSpec(shapes=tuple(shapes), dtypes=tuple(dtypes), block_size=-1).page_size_bytes
    specs = {}
    for i in range(a["numHiddenLayers"] - state_layers):
        specs["model.layers.%d.self_attn.attn" % i] = attn
    for i in range(state_layers):
        specs["model.layers.%d.linear_attn" % (1000 + i)] = state
    try:  # 0.32.0: the engine core resolves one physical layout; try a layer-outermost and a block-outermost one
        from vllm.v1.kv_cache_layout import KVCacheLayout

        layouts = [KVCacheLayout.LBNHC, KVCacheLayout.BLNHC]
    except ImportError:  # 0.22.0 has no such choice
        layouts = [None]
    results = set()
    for layout in layouts:
        cc.get_resolved_kv_cache_layout = lambda layout=layout: layout
        groups = kv_cache_utils.get_kv_cache_groups(cfg, specs)
        kv_config = kv_cache_utils.get_kv_cache_config_from_groups(cfg, groups, case["availableBytes"])
        concurrency = kv_cache_utils.get_max_concurrency_for_kv_cache_config(cfg, kv_config)
        results.add((len(groups), kv_config.num_blocks, concurrency))
    if len(results) != 1:
        raise AssertionError("the layouts %s disagree: %s" % (layouts, sorted(results)))
    return {
        "mode": cc.mamba_cache_mode,
        "blockSize": cc.block_size,
        "statePageBytes": unpadded,
        "groups": len(groups),
        "numGpuBlocks": kv_config.num_blocks,
        "maxConcurrency": concurrency,
        "kvCacheTokens": int(concurrency * case["maxModelLen"]),
    }


def main(path):
    plans = json.load(open(path))
    passed = failed = 0
    for case in plans:
        if case["version"] != VERSION:
            continue
        try:
            got = engine_numbers(case)
        except Exception as e:  # a vLLM function the namespaces do not satisfy: a failure to report, not to hide
            print("FAIL %s: vLLM %s raised %s: %s" % (case["name"], VERSION, type(e).__name__, e))
            failed += 1
            continue
        want = case["planned"]
        if "refused" in want:
            ok = got["mode"] == "all"
            detail = "refused by the plan (%s); vLLM's Mamba cache mode: %s" % (want["refused"], got["mode"])
        else:
            keys = ["mode", "blockSize", "statePageBytes", "groups", "numGpuBlocks", "kvCacheTokens"]
            diffs = ["%s: planned %s, vLLM %s" % (k, want[k], got[k]) for k in keys if want[k] != got[k]]
            if abs(want["maxConcurrency"] - got["maxConcurrency"]) > 1e-9:
                diffs.append("maxConcurrency: planned %r, vLLM %r" % (want["maxConcurrency"], got["maxConcurrency"]))
            ok = not diffs
            detail = "; ".join(diffs) or "mode %s, block %d, %d blocks, %.4fx, %d tokens" % (
                got["mode"], got["blockSize"], got["numGpuBlocks"], got["maxConcurrency"], got["kvCacheTokens"])
        print("%s %s: %s" % ("ok  " if ok else "FAIL", case["name"], detail))
        passed += ok
        failed += not ok
    print("conformance: vLLM %s hybrid sizing: %d cases agree, %d differ" % (VERSION, passed, failed))
    print("conformance-result: %d %d" % (passed, failed))
    return 0 if failed == 0 and passed > 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))

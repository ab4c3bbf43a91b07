"""vLLM's own code settles the batch limits cdk8s-vllm-pd plans. Runs inside the venv of one installed vLLM release.

  python batch_defaults.py CASES_JSON     CASES_JSON: conformance/vllm/render-batch-plans.ts output

For each case of this release (a GPU's memory and name, max model len, --max-num-batched-tokens, --max-num-seqs,
--enable-chunked-prefill, --performance-mode, deepep_low_latency over data-parallel ranks or not), this script runs
what `EngineArgs.create_engine_config` runs on them:
  - `EngineArgs._set_default_max_num_seqs_and_batched_tokens_args` (vllm/engine/arg_utils.py), with the OpenAI
    server's usage context and the platform answering as the case's CUDA GPU (device memory and name, not a CPU:
    what `get_batch_defaults` reads); `ParallelConfig.use_batched_dp_moe` is evaluated on the case's parallel settings;
  - `SchedulerConfig(...)`, whose `__post_init__` calls `verify_max_model_len` (vllm/config/scheduler.py): the
    checks that stop the engine before it loads the model.
The library must plan the same max_num_batched_tokens and max_num_seqs when vLLM accepts, and refuse when vLLM
refuses. Configs vLLM reads here only through a few fields are plain namespaces; no GPU, no model download.
Ends with `conformance-result: <passed> <failed>`.
"""
import json
import sys
from types import SimpleNamespace

import vllm
from vllm import platforms

if platforms.current_platform.is_unspecified():
    from vllm.platforms.cpu import CpuPlatform

    platforms.current_platform = CpuPlatform()
from vllm.config.parallel import ParallelConfig  # noqa: E402
from vllm.config.scheduler import SchedulerConfig  # noqa: E402
from vllm.engine import arg_utils  # noqa: E402
from vllm.engine.arg_utils import EngineArgs  # noqa: E402
from vllm.usage.usage_lib import UsageContext  # noqa: E402

VERSION = vllm.__version__.split("+")[0]


def settle(case):
    """(max_num_batched_tokens, max_num_seqs, None) as vLLM settles them, or (None, None, vLLM's message)."""
    platform = arg_utils.current_platform
    saved = (platform.get_device_total_memory, platform.get_device_name, platform.is_cpu)
    platform.get_device_total_memory = lambda *a, **k: case["deviceBytes"]
    platform.get_device_name = lambda *a, **k: case["deviceName"]
    # The CUDA branch of get_batch_defaults; the CPU platform this runs on would substitute its own defaults.
    platform.is_cpu = lambda *a, **k: False
    try:
        args = EngineArgs(
            model="m",
            tensor_parallel_size=case["worldSize"],
            max_num_batched_tokens=case["maxNumBatchedTokens"],
            max_num_seqs=case["maxNumSeqs"],
            # Unset resolves to vLLM's default_chunked_prefill, on for a decoder-only generative model.
            enable_chunked_prefill=True if case["enableChunkedPrefill"] is None else case["enableChunkedPrefill"],
            performance_mode=case["performanceMode"] or "balanced",
        )
        parallel = SimpleNamespace(
            all2all_backend="deepep_low_latency" if case["batchedDp"] else "allgather_reducescatter",
            enable_expert_parallel=case["batchedDp"],
            data_parallel_size=16 if case["batchedDp"] else 1,
        )
        parallel.use_batched_dp_moe = ParallelConfig.use_batched_dp_moe.fget(parallel)
        model = SimpleNamespace(model="m", max_model_len=case["maxModelLen"], is_multimodal_model=False, is_mm_prefix_lm=False)
        args._set_default_max_num_seqs_and_batched_tokens_args(UsageContext.OPENAI_API_SERVER, model, parallel)
    finally:
        platform.get_device_total_memory, platform.get_device_name, platform.is_cpu = saved
    try:
        SchedulerConfig(
            max_num_batched_tokens=args.max_num_batched_tokens,
            max_num_seqs=args.max_num_seqs,
            enable_chunked_prefill=args.enable_chunked_prefill,
            max_model_len=case["maxModelLen"],
            is_encoder_decoder=False,
        )
    except Exception as e:  # pydantic wraps the ValueError of __post_init__
        return None, None, " ".join(str(e).split())
    return args.max_num_batched_tokens, args.max_num_seqs, None


def judge(case):
    """(vLLM refused, the problem or None)."""
    tokens, seqs, message = settle(case)
    if "error" in case:
        return message is not None, "the planner failed: %s" % case["error"]
    if message is not None:
        if "refused" not in case:
            return True, "vLLM refuses (%s), the planner planned %s" % (message[:200], case["planned"])
        return True, None
    if "refused" in case:
        return False, "vLLM accepts (%d tokens, %d seqs), the planner refused: %s" % (tokens, seqs, case["refused"]["message"][:200])
    if (tokens, seqs) != (case["planned"]["maxNumBatchedTokens"], case["planned"]["maxNumSeqs"]):
        return False, "vLLM settles %d tokens, %d seqs; the planner %d, %d" % (
            tokens, seqs, case["planned"]["maxNumBatchedTokens"], case["planned"]["maxNumSeqs"])
    return False, None


def controls(cases):
    """Wrong answers the judge must catch: proves it compares, not accepts everything."""
    planned = next(c for c in cases if "planned" in c)
    refused = next(c for c in cases if "refused" in c)
    off_by_one = dict(planned, planned=dict(planned["planned"], maxNumSeqs=planned["planned"]["maxNumSeqs"] + 1))
    wrongly_refused = {k: v for k, v in planned.items() if k != "planned"}
    wrongly_refused["refused"] = {"prop": "maxNumSeqs", "message": "control"}
    wrongly_planned = {k: v for k, v in refused.items() if k != "refused"}
    wrongly_planned["planned"] = {"maxNumBatchedTokens": 1, "maxNumSeqs": 1}
    return [("off-by-one max_num_seqs", off_by_one), ("a refusal vLLM does not make", wrongly_refused),
            ("a plan vLLM refuses", wrongly_planned)]


def main(path):
    cases = [c for c in json.load(open(path)) if c["version"] == VERSION]
    passed = failed = 0
    refused = 0
    if cases:
        for label, control in controls(cases):
            if judge(control)[1] is None:
                failed += 1
                print("FAIL control '%s': the batch judge accepted it" % label)
            else:
                passed += 1
    for case in cases:
        was_refused, problem = judge(case)
        refused += was_refused
        if problem:
            failed += 1
            print("FAIL %s: %s" % (case["name"], problem))
        else:
            passed += 1
    if not cases:
        failed += 1
        print("FAIL vLLM %s: no batch cases for this release" % VERSION)
    print("conformance: vLLM %s batch limits: %d checks passed (%d cases refused by both, 3 controls), %d failed" % (VERSION, passed, refused, failed))
    print("conformance-result: %d %d" % (passed, failed))
    return failed == 0


if __name__ == "__main__":
    sys.exit(0 if main(sys.argv[1]) else 1)

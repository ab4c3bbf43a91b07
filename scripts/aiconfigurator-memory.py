# Non-KV memory per GPU from NVIDIA AIConfigurator (pip install aiconfigurator==0.12.0 in a throwaway venv), for
# docs/capacity-planning.md: python scripts/aiconfigurator-memory.py 0.24.0
import json, sys, logging
logging.disable(logging.WARNING)
from aiconfigurator_core.sdk import config, common
from aiconfigurator_core.sdk.models import get_model
from aiconfigurator_core.sdk.perf_database import get_database
from aiconfigurator_core.sdk.backends.vllm_backend import VLLMBackend
cases = [
  ("meta-llama/Meta-Llama-3.1-8B", 1, 8192),
  ("meta-llama/Meta-Llama-3.1-8B", 2, 8192),
  ("Qwen/Qwen3-8B", 1, 8192),
  ("Qwen/Qwen3-30B-A3B", 1, 8192),
  ("mistralai/Mixtral-8x7B-v0.1", 2, 8192),
  ("meta-llama/Meta-Llama-3.1-70B", 4, 8192),
  ("openai/gpt-oss-20b", 2, 8192),
]
version = sys.argv[1]
db = get_database("h100_sxm", "vllm", version, allow_missing_data=True)
be = VLLMBackend()
out = []
for name, tp, mnbt in cases:
    try:
        mc = config.ModelConfig(tp_size=tp, moe_tp_size=tp, moe_ep_size=1) if ("A3B" in name or "oss" in name or "Mixtral" in name) else config.ModelConfig(tp_size=tp)
        m = get_model(name, mc, "vllm")
        mem = be._get_memory_usage(m, db, batch_size=1, beam_width=1, isl=8192, osl=1, num_tokens=mnbt, max_seq_len=8192)
        out.append({"model": name, "tp": tp, **{k: round(v, 3) for k, v in mem.items()}})
    except Exception as e:
        out.append({"model": name, "tp": tp, "error": f"{type(e).__name__}: {e}"[:300]})
print(json.dumps(out)); print("mem_capacity_gib", db.system_spec["gpu"]["mem_capacity"] / (1<<30))

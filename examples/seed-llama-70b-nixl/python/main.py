"""The seed example (../main.ts) in Python: Llama-3.1-70B-Instruct, NixlConnector, 1 prefill replica
at TP=4 and 2 decode replicas at TP=2 with --gpu-memory-utilization=0.95, behind one router Service.

It synthesizes the same YAML as the TypeScript example, byte for byte (conformance/bindings/run).
"""
from typing import Optional

from cdk8s import App, Chart, Size
from cdk8s_plus_28 import Secret, SecretValue
from cdk8s_vllm_pd import (
    Accelerator,
    KvConnector,
    KvLoadFailurePolicy,
    Model,
    ModelCache,
    NixlBackend,
    PdService,
    TierOptions,
)
from constructs import Construct


class SeedLlama70bNixl(Chart):
    def __init__(self, scope: Construct, id: str, *, namespace: Optional[str] = "llm") -> None:
        super().__init__(scope, id, namespace=namespace)

        self.service = PdService(
            self,
            "Llama70b",
            model=Model.LLAMA_3_1_70_B_INSTRUCT,
            # An existing Secret; the token never appears in the manifest.
            hf_token=SecretValue(
                secret=Secret.from_secret_name(self, "HfToken", "hf-token"),
                key="HF_TOKEN",
            ),
            # Weights downloaded once into a shared claim instead of on every pod start.
            model_cache=ModelCache.persistent_volume_claim("llama-70b-weights"),
            kv_connector=KvConnector.nixl(
                backends=[NixlBackend.UCX],
                kv_load_failure_policy=KvLoadFailurePolicy.RECOMPUTE,
            ),
            prefill=TierOptions(
                replicas=1,
                accelerator=Accelerator.NVIDIA_H100_80_GB,
                tensor_parallel_size=4,
                max_model_len=16384,
            ),
            decode=TierOptions(
                replicas=2,
                accelerator=Accelerator.NVIDIA_H100_80_GB,
                # Below prefill's TP 4: NIXL reads each decode worker's KV heads from two prefill workers (see ../main.ts).
                tensor_parallel_size=2,
                gpu_memory_utilization=0.95,
                # One 131,072-token request does not fit the KV cache at TP 2 (see ../main.ts).
                max_model_len=16384,
                shared_memory_size=Size.gibibytes(20),
            ),
        )


if __name__ == "__main__":
    app = App()
    SeedLlama70bNixl(app, "seed-llama-70b-nixl")
    app.synth()

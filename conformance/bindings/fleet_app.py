"""The seed chart (examples/seed-llama-70b-nixl/python/main.py) synthesized from Python by FleetApp on two
YAML writer threads: the files must be byte-identical to the TypeScript example's (stock App). It proves that
FleetApp's worker threads run, and write cdk8s's own bytes, inside the jsii kernel's node process.
Run by conformance/bindings/run with CDK8S_OUTDIR set (cdk8s's App reads it for its outdir).
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "examples", "seed-llama-70b-nixl", "python"))

from cdk8s_vllm_pd import FleetApp  # noqa: E402
from main import SeedLlama70bNixl  # noqa: E402

if __name__ == "__main__":
    app = FleetApp(yaml_writer_threads=2)
    SeedLlama70bNixl(app, "seed-llama-70b-nixl")
    app.synth()

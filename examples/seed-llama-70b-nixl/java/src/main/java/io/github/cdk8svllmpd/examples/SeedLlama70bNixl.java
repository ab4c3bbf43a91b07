package io.github.cdk8svllmpd.examples;

import java.util.List;

import io.github.cdk8svllmpd.Accelerator;
import io.github.cdk8svllmpd.KvConnector;
import io.github.cdk8svllmpd.KvLoadFailurePolicy;
import io.github.cdk8svllmpd.Model;
import io.github.cdk8svllmpd.ModelCache;
import io.github.cdk8svllmpd.NixlBackend;
import io.github.cdk8svllmpd.NixlConnectorOptions;
import io.github.cdk8svllmpd.PdService;
import io.github.cdk8svllmpd.TierOptions;
import org.cdk8s.App;
import org.cdk8s.Chart;
import org.cdk8s.ChartProps;
import org.cdk8s.Size;
import org.cdk8s.plus28.Secret;
import org.cdk8s.plus28.SecretValue;
import software.constructs.Construct;

/**
 * The seed example (../main.ts) in Java: Llama-3.1-70B-Instruct, NixlConnector, 1 prefill replica
 * at TP=4 and 2 decode replicas at TP=2 with --gpu-memory-utilization=0.95, behind one router
 * Service. It synthesizes the same YAML as the TypeScript example, byte for byte
 * (conformance/bindings/run).
 */
public class SeedLlama70bNixl extends Chart {
    private final PdService service;

    public SeedLlama70bNixl(final Construct scope, final String id) {
        super(scope, id, ChartProps.builder().namespace("llm").build());

        this.service = PdService.Builder.create(this, "Llama70b")
                .model(Model.LLAMA_3_1_70_B_INSTRUCT)
                // An existing Secret; the token never appears in the manifest.
                .hfToken(SecretValue.builder()
                        .secret(Secret.fromSecretName(this, "HfToken", "hf-token"))
                        .key("HF_TOKEN")
                        .build())
                // Weights downloaded once into a shared claim instead of on every pod start.
                .modelCache(ModelCache.persistentVolumeClaim("llama-70b-weights"))
                .kvConnector(KvConnector.nixl(NixlConnectorOptions.builder()
                        .backends(List.of(NixlBackend.UCX))
                        .kvLoadFailurePolicy(KvLoadFailurePolicy.RECOMPUTE)
                        .build()))
                .prefill(TierOptions.builder()
                        .replicas(1)
                        .accelerator(Accelerator.NVIDIA_H100_80_GB)
                        .tensorParallelSize(4)
                        .maxModelLen(16384)
                        .build())
                .decode(TierOptions.builder()
                        .replicas(2)
                        .accelerator(Accelerator.NVIDIA_H100_80_GB)
                        // Below prefill's TP 4: NIXL reads each decode worker's KV heads from two prefill workers (see ../main.ts).
                        .tensorParallelSize(2)
                        .gpuMemoryUtilization(0.95)
                        // One 131,072-token request does not fit the KV cache at TP 2 (see ../main.ts).
                        .maxModelLen(16384)
                        .sharedMemorySize(Size.gibibytes(20))
                        .build())
                .build();
    }

    public PdService getService() {
        return service;
    }

    public static void main(final String[] args) {
        final App app = new App();
        new SeedLlama70bNixl(app, "seed-llama-70b-nixl");
        app.synth();
    }
}

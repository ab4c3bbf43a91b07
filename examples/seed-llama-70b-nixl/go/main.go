// The seed example (../main.ts) in Go: Llama-3.1-70B-Instruct, NixlConnector, 1 prefill replica at
// TP=4 and 2 decode replicas at TP=2 with --gpu-memory-utilization=0.95, behind one router Service.
// It synthesizes the same YAML as the TypeScript example, byte for byte (conformance/bindings/run).
package main

import (
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdk8s-team/cdk8s-core-go/cdk8s/v2"
	"github.com/cdk8s-team/cdk8s-plus-go/cdk8splus28/v2"
	"github.com/cdk8s-vllm-pd/cdk8s-vllm-pd-go/cdk8svllmpd"
)

type SeedLlama70bNixl struct {
	cdk8s.Chart
	Service cdk8svllmpd.PdService
}

func NewSeedLlama70bNixl(scope constructs.Construct, id string) *SeedLlama70bNixl {
	chart := cdk8s.NewChart(scope, jsii.String(id), &cdk8s.ChartProps{Namespace: jsii.String("llm")})

	service := cdk8svllmpd.NewPdService(chart, jsii.String("Llama70b"), &cdk8svllmpd.PdServiceProps{
		Model: cdk8svllmpd.Model_LLAMA_3_1_70B_INSTRUCT(),
		// An existing Secret; the token never appears in the manifest.
		HfToken: &cdk8splus28.SecretValue{
			Secret: cdk8splus28.Secret_FromSecretName(chart, jsii.String("HfToken"), jsii.String("hf-token")),
			Key:    jsii.String("HF_TOKEN"),
		},
		// Weights downloaded once into a shared claim instead of on every pod start.
		ModelCache: cdk8svllmpd.ModelCache_PersistentVolumeClaim(jsii.String("llama-70b-weights"), nil),
		KvConnector: cdk8svllmpd.KvConnector_Nixl(&cdk8svllmpd.NixlConnectorOptions{
			Backends:            &[]cdk8svllmpd.NixlBackend{cdk8svllmpd.NixlBackend_UCX()},
			KvLoadFailurePolicy: cdk8svllmpd.KvLoadFailurePolicy_RECOMPUTE,
		}),
		Prefill: &cdk8svllmpd.TierOptions{
			Replicas:           jsii.Number(1),
			Accelerator:        cdk8svllmpd.Accelerator_NVIDIA_H100_80GB(),
			TensorParallelSize: jsii.Number(4),
			MaxModelLen:        jsii.Number(16384),
		},
		Decode: &cdk8svllmpd.TierOptions{
			Replicas:    jsii.Number(2),
			Accelerator: cdk8svllmpd.Accelerator_NVIDIA_H100_80GB(),
			// Below prefill's TP 4: NIXL reads each decode worker's KV heads from two prefill workers (see ../main.ts).
			TensorParallelSize:   jsii.Number(2),
			GpuMemoryUtilization: jsii.Number(0.95),
			// One 131,072-token request does not fit the KV cache at TP 2 (see ../main.ts).
			MaxModelLen:          jsii.Number(16384),
			SharedMemorySize:     cdk8s.Size_Gibibytes(jsii.Number(20)),
		},
	})

	return &SeedLlama70bNixl{Chart: chart, Service: service}
}

func main() {
	app := cdk8s.NewApp(nil)
	NewSeedLlama70bNixl(app, "seed-llama-70b-nixl")
	app.Synth()
}

module github.com/cdk8s-vllm-pd/cdk8s-vllm-pd/examples/seed-llama-70b-nixl/go

go 1.25

// The real Go modules at the versions the npm package is built and tested with (package.json).
// cdk8svllmpd is the module jsii-pacmak generates (conformance/bindings/run points a `replace` at
// it until it is published).
require (
	github.com/aws/constructs-go/constructs/v10 v10.3.0
	github.com/aws/jsii-runtime-go v1.140.0
	github.com/cdk8s-team/cdk8s-core-go/cdk8s/v2 v2.70.0
	github.com/cdk8s-team/cdk8s-plus-go/cdk8splus28/v2 v2.5.6
	github.com/cdk8s-vllm-pd/cdk8s-vllm-pd-go/cdk8svllmpd v0.0.0
)

// Judges the pod templates cdk8s-vllm-pd renders with the upstream Pod Security Admission library
// (k8s.io/pod-security-admission, the code the API server's PodSecurity admission plugin runs), at the
// "restricted" level for Kubernetes 1.28 (the API the library is typed on) and for the library's latest.
// A failed check passes only when the pod declares the matching named exception (see render-pods.ts):
// "rdma" (IPC_LOCK, which both baseline and restricted forbid, and root for the containers that add it) and
// "p2pnccl-host-ipc" (hostIPC).
// Usage: pss-check <pods.json>. Ends with `conformance-result: <passed> <failed>`.
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/pod-security-admission/api"
	"k8s.io/pod-security-admission/policy"
)

type pod struct {
	Name           string                 `json:"name"`
	Allow          []string               `json:"allow"`
	RdmaContainers []string               `json:"rdmaContainers"`
	Template       corev1.PodTemplateSpec `json:"template"`
}

type input struct {
	Pods   []pod    `json:"pods"`
	Errors []string `json:"errors"`
}

// The ForbiddenReason of each upstream check an exception may excuse, with the detail it must be limited to.
var exceptions = map[string][]struct {
	reason string
	only   *regexp.Regexp
}{
	// policy/check_capabilities_baseline.go ("non-default capabilities") and
	// policy/check_capabilities_restricted.go ("unrestricted capabilities").
	"rdma": {
		{"non-default capabilities", regexp.MustCompile(`^"IPC_LOCK"$`)},
		{"unrestricted capabilities", regexp.MustCompile(`^"IPC_LOCK"$`)},
	},
	// policy/check_hostNamespaces.go ("host namespaces", detail "hostIPC=true").
	"p2pnccl-host-ipc": {{"host namespaces", regexp.MustCompile(`^hostIPC=true$`)}},
}

var quoted = regexp.MustCompile(`"[A-Z_]+"|host[A-Za-z]+=true`)

// The rdma exception's containers run as root, because a non-root process cannot hold an added capability:
// policy/check_runAsUser.go ("runAsUser=0") and check_runAsNonRoot.go ("runAsNonRoot != true") name explicit
// setters as `container "vllm" must not set ...` (joinQuote in helpers.go); only those containers are excused,
// never the pod's own setting.
var rootSetters = regexp.MustCompile(`^containers? ("[^"]+"(?:, "[^"]+")*) must not set (?:runAsUser=0|securityContext\.runAsNonRoot=false)$`)
var containerName = regexp.MustCompile(`"([^"]+)"`)

func rootExcused(result policy.CheckResult, p pod) bool {
	if result.ForbiddenReason != "runAsUser=0" && result.ForbiddenReason != "runAsNonRoot != true" {
		return false
	}
	m := rootSetters.FindStringSubmatch(result.ForbiddenDetail)
	if m == nil {
		return false
	}
	for _, n := range containerName.FindAllStringSubmatch(m[1], -1) {
		covered := false
		for _, c := range p.RdmaContainers {
			covered = covered || c == n[1]
		}
		if !covered {
			return false
		}
	}
	return true
}

// excused reports whether every capability or namespace the detail names is covered by one allowed exception.
func excused(result policy.CheckResult, allow []string) bool {
	for _, name := range allow {
		for _, e := range exceptions[name] {
			if e.reason != result.ForbiddenReason {
				continue
			}
			tokens := quoted.FindAllString(result.ForbiddenDetail, -1)
			ok := len(tokens) > 0
			for _, t := range tokens {
				ok = ok && e.only.MatchString(t)
			}
			if ok {
				return true
			}
		}
	}
	return false
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func main() {
	if len(os.Args) != 2 {
		fmt.Println("usage: pss-check <pods.json>")
		fmt.Println("conformance-result: 0 1")
		os.Exit(1)
	}
	data, err := os.ReadFile(os.Args[1])
	var in input
	if err == nil {
		err = json.Unmarshal(data, &in)
	}
	if err != nil {
		fmt.Printf("FAIL pss: cannot read %s: %v\nconformance-result: 0 1\n", os.Args[1], err)
		os.Exit(1)
	}
	evaluator, err := policy.NewEvaluator(policy.DefaultChecks(), nil)
	if err != nil {
		fmt.Printf("FAIL pss: %v\nconformance-result: 0 1\n", err)
		os.Exit(1)
	}
	passed, failed := 0, 0
	for _, e := range in.Errors {
		fmt.Printf("FAIL pss: rendering: %s\n", e)
		failed++
	}
	versions := []api.Version{api.MajorMinorVersion(1, 28), api.LatestVersion()}
	for _, p := range in.Pods {
		var problems, excusedBy []string
		for _, v := range versions {
			lv := api.LevelVersion{Level: api.LevelRestricted, Version: v}
			for _, r := range evaluator.EvaluatePod(lv, &p.Template.ObjectMeta, &p.Template.Spec) {
				if r.Allowed {
					continue
				}
				line := fmt.Sprintf("%s (%s): %s", r.ForbiddenReason, v.String(), r.ForbiddenDetail)
				if excused(r, p.Allow) || (contains(p.Allow, "rdma") && rootExcused(r, p)) {
					excusedBy = append(excusedBy, line)
				} else {
					problems = append(problems, line)
				}
			}
		}
		if len(problems) > 0 {
			failed++
			fmt.Printf("FAIL %s: %s\n", p.Name, strings.Join(problems, "; "))
			continue
		}
		passed++
		if len(excusedBy) > 0 {
			// The namespace level such a pod needs: baseline when only restricted-only checks were excused.
			level := "baseline"
			baseline := api.LevelVersion{Level: api.LevelBaseline, Version: api.LatestVersion()}
			if !policy.AggregateCheckResults(evaluator.EvaluatePod(baseline, &p.Template.ObjectMeta, &p.Template.Spec)).Allowed {
				level = "privileged"
			}
			fmt.Printf("ok   %s (restricted except the named exception %s: %s; needs a namespace at Pod Security level %s)\n",
				p.Name, strings.Join(p.Allow, ", "), strings.Join(excusedBy, "; "), level)
		} else {
			fmt.Printf("ok   %s (restricted)\n", p.Name)
		}
	}
	fmt.Printf("conformance: Pod Security restricted (k8s.io/pod-security-admission): %d pod templates passed, %d failed\n", passed, failed)
	fmt.Printf("conformance-result: %d %d\n", passed, failed)
	if failed > 0 || passed == 0 {
		os.Exit(1)
	}
}

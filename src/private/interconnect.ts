/**
 * The resolved interconnect of a tier (`TierSpec.interconnect`) and the one contribution that renders it:
 * the device plugin's extended resource, the Multus network attachment, `IPC_LOCK` when RDMA is declared,
 * and the transport env that UCX (NIXL's default backend), NCCL and libfabric read.
 *
 * Other stages read this spec, never the public `Interconnect`: connectors check their fabric against `kind`,
 * multi-node tiers read `rdma` (DeepEP/NVSHMEM prerequisites), the planner reads `bandwidthBytesPerSecond`.
 */
import { k8s } from 'cdk8s-plus-28';
import { PodContribution } from './pod-contribution';

/**
 * Fabric kinds. `dra` is reserved for DRA resource claims, which no factory produces yet: cdk8s-plus-28's
 * 1.28 L1 has only the alpha pod shape (`resourceClaims[].source`), which Kubernetes 1.31 replaced.
 */
export type InterconnectKind = 'tcp' | 'infiniband' | 'roce' | 'efa' | 'dra';

/** A tier's interconnect, resolved and validated. */
export interface InterconnectSpec {
  readonly kind: InterconnectKind;
  /** RDMA is declared: the pod gets the RDMA devices and `IPC_LOCK`. */
  readonly rdma: boolean;
  /** Per-pod line rate the transfer can use, in bytes per second, if the user declared it. */
  readonly bandwidthBytesPerSecond?: number;
  /** The device plugin's extended resource (e.g. `rdma/ib`, `vpc.amazonaws.com/efa`), if any. */
  readonly resourceName?: string;
  /** How many of `resourceName` each pod requests. */
  readonly resourceCount?: number;
  /** Multus network attachments (`[namespace/]name[@interface]`). */
  readonly networkAttachments: string[];
  /** RDMA devices (`mlx5_0` or `mlx5_0:1`) UCX and NCCL are pinned to; empty means all. */
  readonly netDevices: string[];
  /** EFA only: whether libfabric must use the device's RDMA (GPUDirect) features. */
  readonly efaDeviceRdma?: boolean;
}

/** Who the merge names in collision messages. */
export const INTERCONNECT_CONTRIBUTOR = 'Interconnect';

// Multus / Network Plumbing WG "Kubernetes Network Custom Resource Definition De-facto Standard" v1.2 §4.1.2:
// the pod annotation lists NetworkAttachmentDefinitions, comma-separated, as `[namespace/]name[@interface]`.
export const MULTUS_NETWORKS_ANNOTATION = 'k8s.v1.cni.cncf.io/networks';

// openucx/ucx docs/source/faq.md @ 026cde8ffa630dc9937a67e9781f40e41a876123 ("Which transports does UCX use?"):
// `rc` selects RC with UD for bootstrap; "When specifying UCX_TLS explicitly, must also specify cuda ... for GPU
// memory support"; sm = shared memory, self = loopback. Restricting UCX to RDMA makes a pod without working RDMA
// fail at the first transfer instead of silently falling back to TCP sockets.
const UCX_TLS_RDMA = 'rc,sm,self,cuda';

/**
 * The interconnect's part of a tier pod. `ucx`: the tier's KV transport runs over UCX (`usesUcx`); only then are
 * the UCX variables rendered.
 */
export function interconnectContribution(spec: InterconnectSpec, ucx: boolean): PodContribution {
  const env: k8s.EnvVar[] = [];
  if (spec.kind === 'infiniband' || spec.kind === 'roce') {
    // UCX_TLS: faq.md above. vllm docs/features/nixl_connector_usage.md ("Transport Configuration") configures
    // NIXL's UCX backend through UCX_TLS and UCX_NET_DEVICES, not NCCL variables.
    if (ucx) env.push({ name: 'UCX_TLS', value: UCX_TLS_RDMA });
    if (spec.netDevices.length > 0) {
      // faq.md "Which network devices does UCX use?": UCX_NET_DEVICES restricts UCX to them. Before UCX 1.21 an
      // entry must equal a resource's name, device and port (`mlx5_0:1`): ucp_is_resource_in_device_list strcmp()s
      // resource->dev_name (src/ucp/core/ucp_context.c); openucx/ucx PR #11142 (2026-01) first accepted bare device
      // names. A bare name is its port 1 here, so UCX of any version finds it (ai-dynamo/nixl PR #1528 does the same).
      if (ucx) env.push({ name: 'UCX_NET_DEVICES', value: spec.netDevices.map(d => (d.includes(':') ? d : `${d}:1`)).join(',') });
      // NCCL (P2pNccl's transfers, TP/PP/DP collectives across nodes) picks HCAs from NCCL_IB_HCA; a leading
      // '=' matches the names exactly (NVIDIA NCCL user guide, docs/env.rst, NCCL_IB_HCA and NCCL_SOCKET_IFNAME).
      env.push({ name: 'NCCL_IB_HCA', value: `=${spec.netDevices.join(',')}` });
    }
  }
  if (spec.kind === 'efa') {
    // libfabric man/fi_efa.7.md (ofiwg/libfabric) and libfabric(7) FI_PROVIDER: restrict libfabric (NIXL's
    // LIBFABRIC backend, aws-ofi-nccl) to the efa provider; FI_EFA_USE_DEVICE_RDMA requires (1) or ignores (0)
    // the device's RDMA read, which GPUDirect RDMA needs; set 1 where the instance has it (p4d, p5, p6), 0 where
    // it lacks it (g5 aborts at startup with 1). aws/sagemaker-training-toolkit src/sagemaker_training/
    // torch_distributed.py (commit 9a5ed9f) sets FI_EFA_USE_DEVICE_RDMA=1 on its EFA RDMA instance types.
    env.push({ name: 'FI_PROVIDER', value: 'efa' });
    env.push({ name: 'FI_EFA_USE_DEVICE_RDMA', value: spec.efaDeviceRdma === false ? '0' : '1' });
  }
  return {
    env,
    resources: spec.resourceName !== undefined ? { [spec.resourceName]: spec.resourceCount ?? 1 } : undefined,
    // RDMA registers (pins) memory with the NIC, which the locked-memory limit caps without CAP_IPC_LOCK. vllm
    // docs/serving/parallelism_scaling.md ("Enabling GPUDirect RDMA"): add IPC_LOCK to the container's security
    // context on Kubernetes. Only with RDMA: the restricted security profile drops every capability otherwise.
    capabilities: spec.rdma ? ['IPC_LOCK'] : undefined,
    annotations: spec.networkAttachments.length > 0
      ? { [MULTUS_NETWORKS_ANNOTATION]: spec.networkAttachments.join(',') }
      : undefined,
  };
}

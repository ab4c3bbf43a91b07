import { checkStruct } from './private/boundary';
import { invalid } from './private/errors';
import { InterconnectKind, InterconnectSpec } from './private/interconnect';
import { EFA_INTERCONNECT_OPTIONS, RDMA_INTERCONNECT_OPTIONS, TCP_INTERCONNECT_OPTIONS } from './private/prop-keys';

/**
 * Options for `Interconnect.tcp()`.
 */
export interface TcpInterconnectOptions {
  /**
   * Line rate one pod can use for KV transfer, in gigabits per second (e.g. 100 for a 100GbE NIC). Only read
   * by capacity planning (KV transfer time); nothing is rendered from it.
   *
   * @default - not declared
   * @see https://docs.vllm.ai/en/latest/features/disagg_prefill.html
   */
  readonly bandwidthGbps?: number;
}

/**
 * Options for `Interconnect.infiniband()` and `Interconnect.roce()`.
 */
export interface RdmaInterconnectOptions {
  /**
   * The extended resource the RDMA device plugin advertises (k8s-rdma-shared-dev-plugin, SR-IOV network
   * device plugin or NVIDIA Network Operator), as your cluster names it.
   *
   * @default 'rdma/ib' for InfiniBand, 'rdma/roce_gdr' for RoCE (the names llm-d's benchmark harness uses)
   * @see https://github.com/Mellanox/k8s-rdma-shared-dev-plugin
   */
  readonly resourceName?: string;

  /**
   * How many of `resourceName` each pod requests (requests = limits).
   *
   * @default 1
   * @see https://kubernetes.io/docs/concepts/configuration/manage-resources-containers/#extended-resources
   */
  readonly count?: number;

  /**
   * Multus NetworkAttachmentDefinitions the pods join (`[namespace/]name[@interface]`), rendered into the
   * `k8s.v1.cni.cncf.io/networks` pod annotation. Needed where the RDMA NICs are secondary networks.
   *
   * @default - no secondary networks
   * @see https://github.com/k8snetworkplumbingwg/multus-cni/blob/master/docs/how-to-use.md
   */
  readonly networkAttachments?: string[];

  /**
   * RDMA devices, optionally with a port (`mlx5_0`, `mlx5_0:1`), that UCX (`UCX_NET_DEVICES`, on tiers whose KV
   * moves over UCX: NIXL and LMCache PD), NCCL (`NCCL_IB_HCA`) and Mooncake (`device_name`, unless its `deviceNames`
   * is set) are restricted to. A bare name is the device's port 1 for UCX (`mlx5_0:1`: UCX before 1.21 only
   * matches names with their port) and all its ports for NCCL; name a second port explicitly (`mlx5_0:2`).
   *
   * @default - all devices the pod sees
   * @see https://github.com/openucx/ucx/blob/master/docs/source/faq.md
   */
  readonly netDevices?: string[];

  /**
   * Line rate one pod can use for KV transfer, in gigabits per second (e.g. 400 for one NDR NIC, 3200 for
   * eight). Only read by capacity planning (KV transfer time); nothing is rendered from it.
   *
   * @default - not declared
   * @see https://docs.vllm.ai/en/latest/features/disagg_prefill.html
   */
  readonly bandwidthGbps?: number;
}

/**
 * Options for `Interconnect.efa()`.
 */
export interface EfaInterconnectOptions {
  /**
   * EFA interfaces per pod (`vpc.amazonaws.com/efa`), e.g. 32 for a whole p5.48xlarge.
   *
   * @see https://docs.aws.amazon.com/eks/latest/userguide/node-efa.html
   */
  readonly count: number;

  /**
   * Require the device's RDMA read (`FI_EFA_USE_DEVICE_RDMA=1`, GPUDirect RDMA). True for p4d, p5 and p6
   * instances; false for instance types whose EFA lacks it (g5), where `1` aborts at startup.
   *
   * @default true
   * @see https://github.com/ofiwg/libfabric/blob/main/man/fi_efa.7.md
   */
  readonly gpuDirectRdma?: boolean;

  /**
   * Line rate one pod can use for KV transfer, in gigabits per second (3200 for a p5.48xlarge). Only read by
   * capacity planning (KV transfer time); nothing is rendered from it.
   *
   * @default - not declared
   * @see https://aws.amazon.com/hpc/efa/
   */
  readonly bandwidthGbps?: number;
}

const NET_DEVICE = /^[A-Za-z0-9][A-Za-z0-9_.-]*(:[0-9]+)?$/;
// Network Plumbing WG de-facto standard v1.2 §4.1.2: `[namespace/]name[@interface]`; names are object names.
const NETWORK_ATTACHMENT = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?\/)?[a-z0-9]([-a-z0-9.]*[a-z0-9])?(@[A-Za-z0-9_.-]+)?$/;

/**
 * The network between a tier's pods and its peers, over which KV caches (and cross-node collectives) move.
 *
 * InfiniBand and RoCE come through an RDMA device plugin's extended resource (and optionally a Multus
 * network), AWS EFA through `vpc.amazonaws.com/efa`; each declares RDMA, which adds `IPC_LOCK` and the
 * transport env UCX, NCCL and libfabric read. TCP is allowed but is not for production: NIXL over TCP moves KV
 * one to two orders of magnitude slower. Connectors check their transport against it at synth (NIXL's LIBFABRIC
 * backend needs EFA, Mooncake's RDMA protocol needs InfiniBand or RoCE).
 *
 * DRA resource claims are not offered: cdk8s-plus-28's Kubernetes 1.28 types have only the alpha pod shape
 * (`resourceClaims[].source`), which Kubernetes 1.31 replaced, so a claim rendered from them would not apply on
 * the releases DRA network drivers run on.
 *
 * @see https://llm-d.ai/docs/0.10/infrastructure/rdma
 */
export class Interconnect {
  /**
   * Plain pod networking. Fine for trying things out; not for production PD (every KV byte crosses the TCP stack).
   */
  public static tcp(options: TcpInterconnectOptions = {}): Interconnect {
    const where = 'Interconnect.tcp';
    options = checkStruct(where, 'options', options, TCP_INTERCONNECT_OPTIONS) ?? {};
    return new Interconnect({ kind: 'tcp', rdma: false, ...bandwidth(options.bandwidthGbps), networkAttachments: [], netDevices: [] });
  }

  /**
   * InfiniBand through an RDMA device plugin (`rdma/ib` by default).
   */
  public static infiniband(options: RdmaInterconnectOptions = {}): Interconnect {
    return Interconnect.rdma('Interconnect.infiniband', 'infiniband', 'rdma/ib', options);
  }

  /**
   * RDMA over Converged Ethernet through an RDMA device plugin (`rdma/roce_gdr` by default).
   */
  public static roce(options: RdmaInterconnectOptions = {}): Interconnect {
    return Interconnect.rdma('Interconnect.roce', 'roce', 'rdma/roce_gdr', options);
  }

  /**
   * AWS Elastic Fabric Adapter through the EFA device plugin (`vpc.amazonaws.com/efa`). NIXL must use
   * `NixlBackend.LIBFABRIC` over it (UCX has no EFA transport); NCCL needs aws-ofi-nccl in the image.
   */
  public static efa(options: EfaInterconnectOptions): Interconnect {
    const where = 'Interconnect.efa';
    if (options === undefined || options === null) {
      throw invalid(where, 'count', undefined, 'is required: EFA interfaces per pod, e.g. Interconnect.efa({ count: 32 })');
    }
    options = checkStruct(where, 'options', options, EFA_INTERCONNECT_OPTIONS);
    return new Interconnect({
      kind: 'efa',
      rdma: true,
      ...bandwidth(options.bandwidthGbps),
      // aws/eks-charts stable/aws-efa-k8s-device-plugin advertises the interfaces as vpc.amazonaws.com/efa.
      resourceName: 'vpc.amazonaws.com/efa',
      resourceCount: options.count,
      networkAttachments: [],
      netDevices: [],
      efaDeviceRdma: options.gpuDirectRdma ?? true,
    });
  }

  private static rdma(where: string, kind: InterconnectKind, defaultResource: string, options: RdmaInterconnectOptions): Interconnect {
    options = checkStruct(where, 'options', options, RDMA_INTERCONNECT_OPTIONS) ?? {};
    const networkAttachments = options.networkAttachments ?? [];
    networkAttachments.forEach((n, i) => {
      if (!NETWORK_ATTACHMENT.test(n) || n.length > 253) {
        throw invalid(where, `networkAttachments[${i}]`, n,
          "must be a NetworkAttachmentDefinition as '[namespace/]name[@interface]', e.g. 'rdma-net' or 'net-ns/ib0@net1'");
      }
    });
    const netDevices = options.netDevices ?? [];
    netDevices.forEach((d, i) => {
      if (!NET_DEVICE.test(d)) {
        throw invalid(where, `netDevices[${i}]`, d, "must be an RDMA device name with an optional port, e.g. 'mlx5_0' or 'mlx5_0:1'");
      }
    });
    for (const [prop, list] of [['networkAttachments', networkAttachments], ['netDevices', netDevices]] as const) {
      const dup = list.find((v, i) => list.indexOf(v) !== i);
      if (dup !== undefined) throw invalid(where, prop, list, `lists '${dup}' twice`);
    }
    return new Interconnect({
      kind,
      rdma: true,
      ...bandwidth(options.bandwidthGbps),
      resourceName: options.resourceName ?? defaultResource,
      resourceCount: options.count ?? 1,
      networkAttachments,
      netDevices,
    });
  }

  /** `tcp`, `infiniband`, `roce` or `efa`. */
  public readonly kind: string;
  /** Whether RDMA is declared (the pods get RDMA devices and `IPC_LOCK`). */
  public readonly rdma: boolean;

  /**
   * The resolved form every later stage reads.
   * @internal
   */
  public readonly _spec: InterconnectSpec;

  private constructor(spec: InterconnectSpec) {
    this._spec = spec;
    this.kind = spec.kind;
    this.rdma = spec.rdma;
  }
}

function bandwidth(gbps: number | undefined): { bandwidthBytesPerSecond?: number } {
  return gbps === undefined ? {} : { bandwidthBytesPerSecond: (gbps * 1e9) / 8 };
}

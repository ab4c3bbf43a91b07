/**
 * The security profile of every pod the library renders: Pod Security Standards "restricted"
 * (https://kubernetes.io/docs/concepts/security/pod-security-standards/), a read-only root filesystem with
 * writable emptyDirs where the software writes, and service-account tokens only where the Kubernetes API is used.
 *
 * Named exceptions, each from a declared need: `IPC_LOCK` with an RDMA interconnect (private/interconnect.ts;
 * the capability is outside both the baseline and the restricted lists, so RDMA tiers need a namespace whose
 * Pod Security level is privileged, and the vLLM container then runs as root, see containerSecurityContext), and
 * `hostIPC` with P2pNcclConnector (baseline forbids host namespaces).
 */
import { k8s } from 'cdk8s-plus-28';
import { PodContribution } from './pod-contribution';

/**
 * The `vllm` user of the official image: vllm-project/vllm docker/Dockerfile (vllm-base, PR #40275) runs
 * `useradd --uid 2000 --gid 0 --create-home --home-dir /home/vllm vllm`, and docs/deployment/docker.md ("Run as a
 * non-root user") runs the image as `--user 2000:0`, with writable paths under /home/vllm. Releases built before
 * that PR have no passwd entry for 2000; HOME and USER below make them work too (getpass.getuser() reads USER
 * before pwd.getpwuid(), which would raise KeyError for an unknown uid: kserve/kserve issue #5666).
 */
export const VLLM_UID = 2000;
/** GID 0, as the image's group-writable directories and docs/deployment/docker.md expect. */
export const VLLM_GID = 0;
export const VLLM_USER = 'vllm';
export const VLLM_HOME = '/home/vllm';

/**
 * vllm-router's image (vllm-project/router Dockerfile.router) is python:3.12-slim-bookworm with no USER (root);
 * its binary /usr/local/bin/vllm-router is world-executable (`chmod +x`). Debian's base-passwd gives every such
 * image `nobody` (65534), which the router runs as: it reads nothing from HOME and writes no files.
 */
export const ROUTER_UID = 65534;

const HOME_VOLUME = 'home';
const TMP_VOLUME = 'tmp';

/**
 * The writable paths of a vLLM pod with a read-only root filesystem, and the env that points vLLM there.
 * vllm/envs.py: VLLM_CACHE_ROOT (torch.compile cache) defaults to ~/.cache/vllm and VLLM_CONFIG_ROOT to
 * ~/.config/vllm (through get_default_cache_root / get_default_config_root, XDG_CACHE_HOME or ~/.cache), and
 * VLLM_RPC_BASE_PATH (the engine's ZMQ IPC sockets) to tempfile.gettempdir(), i.e. /tmp. Triton's cache
 * (~/.triton), FlashInfer's and DeepGEMM's JIT caches (~/.cache/flashinfer, ~/.deep_gemm) and TorchInductor's
 * (/tmp/torchinductor_<user>) land under the same two mounts. Model weights stay in the model cache (HF_HOME).
 */
export function vllmWritablePaths(): PodContribution {
  return {
    env: [
      { name: 'HOME', value: VLLM_HOME },
      { name: 'USER', value: VLLM_USER },
    ],
    volumes: [
      { volume: { name: HOME_VOLUME, emptyDir: {} }, mount: { name: HOME_VOLUME, mountPath: VLLM_HOME } },
      { volume: { name: TMP_VOLUME, emptyDir: {} }, mount: { name: TMP_VOLUME, mountPath: '/tmp' } },
    ],
  };
}

/** The router's writable /tmp (the root filesystem is read-only). */
export function routerTmpVolume(): { volume: k8s.Volume; mount: k8s.VolumeMount } {
  return { volume: { name: TMP_VOLUME, emptyDir: {} }, mount: { name: TMP_VOLUME, mountPath: '/tmp' } };
}

/**
 * Pod-level settings of the restricted profile: non-root with a fixed UID, RuntimeDefault seccomp. `fsGroup`
 * makes mounted volumes (a model-cache PVC) writable by the pod's group; OnRootMismatch skips the recursive
 * chown of a large model volume that already has the right group.
 */
export function podSecurityContext(uid: number, gid: number, fsGroup: boolean): k8s.PodSecurityContext {
  return {
    runAsNonRoot: true,
    runAsUser: uid,
    runAsGroup: gid,
    fsGroup: fsGroup ? gid : undefined,
    fsGroupChangePolicy: fsGroup ? 'OnRootMismatch' : undefined,
    seccompProfile: { type: 'RuntimeDefault' },
  };
}

/**
 * Container-level settings of the restricted profile: no privilege escalation, every capability dropped
 * (`add` only what a contributor declared, i.e. IPC_LOCK with RDMA), read-only root filesystem.
 *
 * A container that adds a capability runs as root (UID 0; the pod's other containers keep the pod's non-root
 * user). Kubernetes puts added capabilities in the bounding, permitted and effective sets but not in the ambient
 * set, and the execve of a non-root process without file capabilities clears its permitted and effective sets
 * (capabilities(7), "Transformation of capabilities during execve()"), so as UID 2000 vLLM would run without
 * IPC_LOCK, under the node's locked-memory limit (kubernetes/kubernetes#56374, open; the ambient-capabilities KEP,
 * kubernetes/enhancements#2757, and containerd#5668 / cri-o#5043 were never merged). llm-d's and vLLM's RDMA
 * examples run the image's default user, root, for the same reason.
 */
export function containerSecurityContext(add: string[] = []): k8s.SecurityContext {
  const capable = add.length > 0;
  return {
    allowPrivilegeEscalation: false,
    privileged: false,
    readOnlyRootFilesystem: true,
    runAsNonRoot: !capable,
    runAsUser: capable ? 0 : undefined,
    capabilities: { drop: ['ALL'], add: capable ? [...add] : undefined },
  };
}

/** A contributed sidecar or init container with the restricted container settings unless it brings its own. */
export function restricted(c: k8s.Container): k8s.Container {
  return { ...c, securityContext: c.securityContext ?? containerSecurityContext() };
}

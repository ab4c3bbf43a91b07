import { Chart, Testing } from 'cdk8s';
import {
  Interconnect, KvConnector, Model, NixlBackend, PdService, RouterDiscovery, VllmImage,
} from '../../src';
import { chart, checkRestrictedPodSecurity, container, env, find, Manifest, message, synth } from '../util';

const model = Model.LLAMA_3_1_8B_INSTRUCT;

function podSpec(dep: Manifest): any {
  return dep.spec.template.spec;
}

describe('restricted security profile', () => {
  test('vLLM pods: uid 2000 (the image\'s vllm user), RuntimeDefault seccomp, no escalation, ALL dropped, read-only root', () => {
    const c = chart();
    new PdService(c, 'Svc', { model });
    const objects = synth(c);
    for (const role of ['prefill', 'decode']) {
      const dep = find(objects, 'Deployment', role);
      expect(podSpec(dep).securityContext).toEqual({
        runAsNonRoot: true,
        runAsUser: 2000,
        runAsGroup: 0,
        fsGroup: 0,
        fsGroupChangePolicy: 'OnRootMismatch',
        seccompProfile: { type: 'RuntimeDefault' },
      });
      expect(container(dep).securityContext).toEqual({
        allowPrivilegeEscalation: false,
        privileged: false,
        readOnlyRootFilesystem: true,
        runAsNonRoot: true,
        capabilities: { drop: ['ALL'] },
      });
      expect(podSpec(dep).automountServiceAccountToken).toBe(false);
      // Writable HOME and /tmp; HOME and USER point vLLM, Triton, FlashInfer and getpass there.
      expect(env(dep, 'HOME').value).toBe('/home/vllm');
      expect(env(dep, 'USER').value).toBe('vllm');
      const mounts = container(dep).volumeMounts.map((m: any) => m.mountPath);
      expect(mounts).toEqual(expect.arrayContaining(['/home/vllm', '/tmp', '/model-cache', '/dev/shm']));
    }
  });

  test('router: nobody (65534), read-only root with a writable /tmp, token only with pod discovery', () => {
    const discovering = chart();
    new PdService(discovering, 'Svc', { model });
    const router = find(synth(discovering), 'Deployment', 'router');
    expect(podSpec(router).securityContext).toEqual({
      runAsNonRoot: true, runAsUser: 65534, runAsGroup: 65534, seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(container(router).securityContext.readOnlyRootFilesystem).toBe(true);
    expect(container(router).volumeMounts).toEqual([{ name: 'tmp', mountPath: '/tmp' }]);
    expect(podSpec(router).automountServiceAccountToken).toBe(true);
    expect(podSpec(router).serviceAccountName).toBeDefined();

    const fixed = chart();
    new PdService(fixed, 'Svc', { model, router: { discovery: RouterDiscovery.STATIC } });
    const staticRouter = find(synth(fixed), 'Deployment', 'router');
    expect(podSpec(staticRouter).automountServiceAccountToken).toBe(false);
    expect(podSpec(staticRouter).serviceAccountName).toBeUndefined();
  });

  test('IPC_LOCK is the only capability added, and only with RDMA; that container runs as root so it holds it', () => {
    const c = chart();
    new PdService(c, 'Svc', {
      model,
      kvConnector: KvConnector.nixl({ backends: [NixlBackend.LIBFABRIC] }),
      interconnect: Interconnect.efa({ count: 4 }),
    });
    const dep = find(synth(c), 'Deployment', 'decode');
    expect(container(dep).securityContext).toEqual({
      allowPrivilegeEscalation: false,
      privileged: false,
      readOnlyRootFilesystem: true,
      runAsNonRoot: false,
      runAsUser: 0,
      capabilities: { drop: ['ALL'], add: ['IPC_LOCK'] },
    });
    // The pod's default stays the non-root vllm user (other containers keep it).
    expect(podSpec(dep).securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 2000, runAsGroup: 0 });
  });

  test('P2pNccl keeps hostIPC (the named exception) and every other restricted setting', () => {
    const c = chart();
    new PdService(c, 'Svc', { model, image: VllmImage.official('v0.22.0'), kvConnector: KvConnector.p2pNccl() });
    const dep = find(synth(c), 'Deployment', 'prefill');
    expect(podSpec(dep).hostIPC).toBe(true);
    expect(podSpec(dep).securityContext.runAsNonRoot).toBe(true);
    expect(container(dep).securityContext.capabilities).toEqual({ drop: ['ALL'] });
  });

  describe('the check every synthesizing test runs (test/util.ts)', () => {
    function rendered(): Manifest {
      const c = new Chart(Testing.app(), 'test', { namespace: 'llm' });
      new PdService(c, 'Svc', { model });
      return JSON.parse(JSON.stringify(find(Testing.synth(c) as Manifest[], 'Deployment', 'decode')));
    }
    const cases: Array<[string, (d: any) => void, RegExp]> = [
      ['root', d => { d.spec.template.spec.securityContext.runAsUser = 0; }, /pod runAsUser 0/],
      ['no runAsNonRoot', d => { delete d.spec.template.spec.securityContext.runAsNonRoot; delete d.spec.template.spec.containers[0].securityContext.runAsNonRoot; }, /runAsNonRoot is not true/],
      ['escalation', d => { d.spec.template.spec.containers[0].securityContext.allowPrivilegeEscalation = true; }, /allowPrivilegeEscalation is not false/],
      ['capabilities kept', d => { d.spec.template.spec.containers[0].securityContext.capabilities = {}; }, /does not drop ALL capabilities/],
      ['IPC_LOCK without RDMA', d => { d.spec.template.spec.containers[0].securityContext.capabilities.add = ['IPC_LOCK']; }, /adds capability IPC_LOCK/],
      ['IPC_LOCK with RDMA but as the non-root user', d => {
        const vllm = d.spec.template.spec.containers[0];
        vllm.resources.limits['rdma/ib'] = 1;
        vllm.securityContext.capabilities.add = ['IPC_LOCK'];
      }, /container 'vllm' adds IPC_LOCK but does not run as root/],
      ['a root container without the RDMA exception', d => {
        Object.assign(d.spec.template.spec.containers[0].securityContext, { runAsNonRoot: false, runAsUser: 0 });
      }, /container 'vllm' runAsNonRoot is false/],
      ['SYS_ADMIN', d => { d.spec.template.spec.containers[0].securityContext.capabilities.add = ['SYS_ADMIN']; }, /adds capability SYS_ADMIN/],
      ['no seccomp', d => { delete d.spec.template.spec.securityContext.seccompProfile; }, /seccompProfile is not RuntimeDefault/],
      ['writable root', d => { d.spec.template.spec.containers[0].securityContext.readOnlyRootFilesystem = false; }, /root filesystem is writable/],
      ['hostIPC without P2pNccl', d => { d.spec.template.spec.hostIpc = true; d.spec.template.spec.hostIPC = true; }, /hostIPC without P2pNcclConnector/],
      ['hostPath', d => { d.spec.template.spec.volumes.push({ name: 'h', hostPath: { path: '/' } }); }, /volume 'h' of type hostPath/],
      ['token without ServiceAccount', d => { d.spec.template.spec.automountServiceAccountToken = true; }, /service-account token is mounted/],
    ];
    test.each(cases)('fails a pod with %s', (_, mutate, re) => {
      const dep = rendered();
      expect(() => checkRestrictedPodSecurity(dep)).not.toThrow();
      mutate(dep);
      expect(message(() => checkRestrictedPodSecurity(dep))).toMatch(re);
    });
  });
});

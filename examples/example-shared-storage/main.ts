// ExampleConnector (SharedStorageConnector before vLLM 0.13): KV files on a ReadWriteMany volume.
// Development and testing only; the pods carry a development-only annotation.
import { App, Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { KvConnector, Model, PdService, RouterDiscovery } from 'cdk8s-vllm-pd';

export class ExampleSharedStorage extends Chart {
  constructor(scope: Construct, id: string) {
    super(scope, id, { namespace: 'llm-dev' });
    new PdService(this, 'Llama8b', {
      model: Model.LLAMA_3_1_8B_INSTRUCT,
      // An existing ReadWriteMany claim (NFS, CephFS, EFS, ...).
      kvConnector: KvConnector.example({ claimName: 'kv-shared' }),
      router: { discovery: RouterDiscovery.STATIC },
    });
  }
}

if (require.main === module) {
  const app = new App();
  new ExampleSharedStorage(app, 'example-shared-storage');
  app.synth();
}

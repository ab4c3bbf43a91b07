import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Duration } from 'cdk8s';
import { exampleNames, exampleReport, EXAMPLES_DIR } from '../scripts/example-reports';
import { DecodeTier, Interconnect, Model, PdReport, PdRouter, PdService, PrefillTier } from '../src';
import { chart } from './util';

describe('PdReport', () => {
  test('a service report: topology, capacity per tier, transfer budget, checks', () => {
    const c = chart();
    new PdService(c, 'Qwen', {
      model: Model.QWEN3_8B,
      interconnect: Interconnect.infiniband({ bandwidthGbps: 400 }),
      prefill: { maxModelLen: 16384 },
      decode: { replicas: 2, maxModelLen: 16384, minConcurrency: 8 },
      kvTransfer: { typicalPromptTokens: 4096, maxTransferTime: Duration.millis(50) },
    });
    const md = PdReport.markdown(c);
    expect(md).toMatch(/^# Capacity report\n/);
    expect(md).toContain('## PdService `test/Qwen`');
    expect(md).toContain('```mermaid\nflowchart LR\n  client(["client"])');
    expect(md).toMatch(/decode\["Decode x2<br\/>1x H100-80GB per replica: TP 1 PP 1 DP 1<br\/>Service [a-z0-9-]+<br\/>http :8000, nixl-side-0 :5600"\]/);
    expect(md).toContain('prefill ==>|"KV: NixlConnector over infiniband (RDMA) 400 Gb/s"| decode');
    expect(md).toMatch(/\| max concurrency at maxModelLen \| [0-9.]+x \([0-9.]+x - [0-9.]+x\) \| [0-9.]+x/);
    expect(md).toMatch(/\| 4096 tokens \| 0\.56 GiB \| 0\.56 GiB \| 400 Gb\/s \| 12\.1 ms \|/);
    expect(md).toContain('- passed: `test/Qwen/Decode` minConcurrency 8:');
    expect(md).toContain('- passed: `test/Qwen` KV transfer within maxTransferTime:');
    expect(md).toMatchSnapshot();
  });

  test('standalone tiers get their capacity tables; unsized models say why', () => {
    const c = chart();
    const prefill = new PrefillTier(c, 'Prefill', { model: Model.of('org/unknown') });
    const decode = new DecodeTier(c, 'Decode', { model: Model.of('org/unknown') });
    new PdRouter(c, 'Router', { prefill, decode });
    const md = PdReport.markdown(c);
    expect(md).toContain('## Tiers outside a PdService');
    expect(md).toContain('Note: not planned (Prefill): org/unknown has no architecture');
    expect(md).toContain('- skipped: `test/Decode` capacity plan:');
  });

  test('write() puts REPORT.md in the directory and returns its path', () => {
    const c = chart();
    new PdService(c, 'Svc', { model: Model.QWEN3_0_6B });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'report-'));
    const file = PdReport.write(c, path.join(dir, 'out'));
    expect(file).toBe(path.join(dir, 'out', 'REPORT.md'));
    expect(fs.readFileSync(file, 'utf-8')).toBe(PdReport.markdown(c));
  });

  test('the same tree gives a byte-identical report', () => {
    const make = () => { const c = chart(); new PdService(c, 'Svc', { model: Model.LLAMA_3_1_8B_INSTRUCT }); return PdReport.markdown(c); };
    expect(make()).toBe(make());
  });
});

describe('committed example reports', () => {
  test.each(exampleNames())('examples/%s/REPORT.md is up to date (npm run synth:examples)', name => {
    const file = path.join(EXAMPLES_DIR, name, 'REPORT.md');
    expect(fs.existsSync(file)).toBe(true);
    expect(fs.readFileSync(file, 'utf-8')).toBe(exampleReport(name));
  });
});

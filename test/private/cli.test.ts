import { mkdtempSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { main } from '../../src/private/cli';

function run(argv: string[], stdin = '') {
  let stdout = '';
  let stderr = '';
  const code = main(argv, { stdout: t => { stdout += t; }, stderr: t => { stderr += t; }, readStdin: () => stdin });
  return { code, stdout, stderr };
}

describe('cdk8s-vllm-pd plan', () => {
  test('reads the planner input from stdin and prints a table', () => {
    const r = run(['plan'], JSON.stringify({ model: 'QWEN3_8B', accelerator: 'NVIDIA_H100_80GB', maxModelLen: 32768 }));
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    const lines = r.stdout.split('\n');
    expect(lines[0]).toBe('vLLM 0.32.0, gpuMemoryUtilization 0.92, maxModelLen 32768, maxNumBatchedTokens 8192, maxNumSeqs 1024, blockSize 16');
    expect(lines[1]).toMatch(/^\s+value\s+lower\s+upper$/);
    expect(r.stdout).toMatch(/^weights per GPU\s+15\.27 GiB\s+15\.27 GiB\s+15\.27 GiB$/m);
    expect(r.stdout).toMatch(/^KV bytes per token\s+147,456$/m);
    expect(r.stdout).toMatch(/^max concurrency @ 32768\s+\d+\.\d\dx\s+\d+\.\d\dx\s+\d+\.\d\dx$/m);
  });

  test('--json prints the plan with the API field names', () => {
    const dir = mkdtempSync(join(tmpdir(), 'plan-'));
    const file = join(dir, 'in.json');
    writeFileSync(file, JSON.stringify({ model: 'meta-llama/Llama-3.1-8B-Instruct', acceleratorMemory: '79.19GiB', gpuMemoryUtilization: 0.95, maxModelLen: 8192, vllmVersion: '0.19.0' }));
    const r = run(['plan', file, '--json']);
    expect(r.code).toBe(0);
    const plan = JSON.parse(r.stdout);
    expect(Object.keys(plan).sort()).toEqual([
      'activationBytes', 'all2allBufferBytes', 'availableKvCacheBytes', 'blockSize', 'cudaGraphBytes', 'gpuMemoryUtilization', 'kvBytesPerToken', 'kvCacheTokens',
      'maxConcurrency', 'maxModelLen', 'maxNumBatchedTokens', 'maxNumSeqs', 'nonTorchBytes', 'notes', 'numGpuBlocks', 'replicaMaxConcurrency',
      'requestKvBytes', 'requestedMemoryBytes', 'vllmVersion', 'weightBytesPerRank',
    ]);
    expect(plan.kvBytesPerToken).toBe(131072);
    expect(Object.keys(plan.kvCacheTokens)).toEqual(['value', 'lower', 'upper']);
  });

  test('from an "Available KV cache memory" figure', () => {
    const r = run(['plan', '-', '--json'], JSON.stringify({ model: 'LLAMA_3_1_8B_INSTRUCT', availableKvCacheMemory: '58.11GiB', maxModelLen: 8192, vllmVersion: '0.19.0' }));
    expect(r.code).toBe(0);
    const cap = JSON.parse(r.stdout);
    // vLLM 0.19.0 logged 29,751 blocks / 476,016 tokens for 58.11 GiB (the GiB figure is rounded to 2 decimals).
    expect(Math.abs(cap.numGpuBlocks.value - 29751)).toBeLessThanOrEqual(3);
    expect(cap.requestedMemoryBytes).toBeUndefined();
  });

  test('--help prints the usage', () => {
    const r = run(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^usage: cdk8s-vllm-pd plan \[input\.json \| -\] \[--json\]/);
  });

  test('fails on an unknown command with the usage', () => {
    const r = run(['size']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown command or extra arguments: size\nusage:/);
  });

  test('fails on input that is not JSON', () => {
    const r = run(['plan'], '{ nope');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^cdk8s-vllm-pd plan: the input is not JSON: /);
  });

  test('fails on an unknown catalogue name, listing the names', () => {
    const r = run(['plan'], JSON.stringify({ model: 'QWEN9', accelerator: 'NVIDIA_H100_80GB' }));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/'model' \('QWEN9'\) must be one of LLAMA_3_1_8B_INSTRUCT, .*QWEN3_8B/);
  });

  test('fails on a bad size and on unknown fields, naming them', () => {
    expect(run(['plan'], JSON.stringify({ model: 'QWEN3_8B', acceleratorMemory: 'lots' })).stderr)
      .toMatch(/'acceleratorMemory' \('lots'\) must be a byte count or a size such as "79\.19GiB"/);
    expect(run(['plan'], JSON.stringify({ model: 'QWEN3_8B', accelerator: 'NVIDIA_H100_80GB', tp: 2 })).stderr)
      .toMatch(/tp/);
  });
});

import { argValue, chart, container, find, message, synth } from './util';
import { DecodeTier, DetailedTraces, Model, PdRouter, PdService, PrefillTier, RouterDiscovery, RouterStrategy, VllmImage } from '../src';

const model = Model.LLAMA_3_1_8B_INSTRUCT;

describe('tracing', () => {
  test('vLLM tiers render --otlp-traces-endpoint and --collect-detailed-traces; the router --enable-trace', () => {
    const c = chart();
    new PdService(c, 'Llama', {
      model,
      prefill: { tracing: { otlpTracesEndpoint: 'http://otel-collector.observability:4317', collectDetailedTraces: DetailedTraces.ALL } },
      decode: { tracing: { otlpTracesEndpoint: 'http://otel-collector.observability:4317' } },
      router: { tracing: { otlpTracesEndpoint: 'http://otel-collector.observability:4317', samplingRatio: 0.1 } },
    });
    const objects = synth(c);
    const prefill = find(objects, 'Deployment', 'prefill');
    expect(argValue(prefill, '--otlp-traces-endpoint')).toBe('http://otel-collector.observability:4317');
    expect(argValue(prefill, '--collect-detailed-traces')).toBe('all');
    const decode = find(objects, 'Deployment', 'decode');
    expect(argValue(decode, '--otlp-traces-endpoint')).toBe('http://otel-collector.observability:4317');
    expect(argValue(decode, '--collect-detailed-traces')).toBeUndefined();
    const args: string[] = container(find(objects, 'Deployment', 'router')).args;
    expect(args.slice(args.indexOf('--enable-trace'))).toEqual([
      '--enable-trace', '--otlp-traces-endpoint', 'http://otel-collector.observability:4317', '--otel-sampling-ratio', '0.1',
    ]);
  });

  test('the tracing flags on vLLM 0.22.0 too (conformance/run feeds them to its parser)', () => {
    const c = chart();
    new PrefillTier(c, 'Prefill', {
      model,
      image: VllmImage.official('v0.22.0'),
      tracing: { otlpTracesEndpoint: 'http://otel-collector.observability:4317', collectDetailedTraces: DetailedTraces.MODEL },
    });
    const dep = find(synth(c), 'Deployment', 'prefill');
    expect(argValue(dep, '--collect-detailed-traces')).toBe('model');
    expect(dep.metadata.labels['app.kubernetes.io/version']).toBe('0.22.0');
  });

  test('no tracing flags by default', () => {
    const c = chart();
    new PdService(c, 'Llama', { model });
    const objects = synth(c);
    expect(argValue(find(objects, 'Deployment', 'prefill'), '--otlp-traces-endpoint')).toBeUndefined();
    expect(container(find(objects, 'Deployment', 'router')).args).not.toContain('--enable-trace');
  });

  test('fails on releases without the OpenTelemetry packages, bad endpoints, a router endpoint with a path, and extraArgs repeating a flag', () => {
    expect(message(() => new PrefillTier(chart(), 'Prefill', {
      model, image: VllmImage.official('v0.16.0'), tracing: { otlpTracesEndpoint: 'http://otel:4317' },
    }))).toMatch(/'tracing.otlpTracesEndpoint' \('http:\/\/otel:4317'\) needs OTLP tracing .* which exists in vLLM >= 0.17.0 .*the image is vLLM 0.16.0/);
    for (const bad of ['otel:4317', 'grpc://otel:4317', 'http://otel', 'http://user:pw@otel:4317', 'http://otel :4317']) {
      expect(() => new PrefillTier(chart(), 'Prefill', { model, tracing: { otlpTracesEndpoint: bad } })).toThrow(/'tracing.otlpTracesEndpoint'/);
    }
    expect(() => new PrefillTier(chart(), 'Prefill', { model, tracing: {} as any }))
      .toThrow(/'tracing.otlpTracesEndpoint' \(undefined\) is required \(VllmTracingOptions.otlpTracesEndpoint\)/);
    expect(() => new PrefillTier(chart(), 'Prefill', { model, tracing: { otlpTracesEndpoint: 'http://otel:4317', collectDetailedTraces: 'everything' as any } }))
      .toThrow(/'tracing.collectDetailedTraces' \('everything'\) must be one of model, worker, all \(DetailedTraces\)/);
    expect(() => new PrefillTier(chart(), 'Prefill', { model, extraArgs: ['--otlp-traces-endpoint=http://otel:4317'] }))
      .toThrow(/duplicates '--otlp-traces-endpoint', which the library renders; set 'tracing.otlpTracesEndpoint' instead/);
    expect(() => new PdService(chart(), 'Llama', { model, router: { tracing: { otlpTracesEndpoint: 'http://otel:4318/v1/traces' } } }))
      .toThrow(/'tracing.otlpTracesEndpoint' \('http:\/\/otel:4318\/v1\/traces'\) must have no path: vllm-router exports over OTLP\/gRPC/);
    expect(() => new PdService(chart(), 'Llama', { model, router: { tracing: { otlpTracesEndpoint: 'http://otel:4317', samplingRatio: 2 } } }))
      .toThrow(/'router.tracing.samplingRatio' \(2\) must be a number in \[0, 1\]/);
  });

  test('the router composes with standalone tiers and static discovery', () => {
    const c = chart({});
    const prefill = new PrefillTier(c, 'Prefill', { model });
    const decode = new DecodeTier(c, 'Decode', { model });
    new PdRouter(c, 'Router', {
      prefill,
      decode,
      discovery: RouterDiscovery.STATIC,
      strategy: RouterStrategy.vllmRouter(),
      monitoring: {},
      tracing: { otlpTracesEndpoint: 'https://otel.example:4317' },
    });
    const objects = synth(c);
    expect(find(objects, 'PodMonitor', 'router').spec.podMetricsEndpoints[0].port).toBe('metrics');
    expect(container(find(objects, 'Deployment', 'router')).args).toContain('--enable-trace');
  });
});

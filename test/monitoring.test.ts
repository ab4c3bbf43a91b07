import { Duration } from 'cdk8s';
import { argValue, chart, container, find, message, synth, validateAgainstCrd } from './util';
import {
  DecodeTier, DetailedTraces, Model, MonitorKind, PdRouter, PdService, PrefillTier, RouterDiscovery, RouterStrategy, ScrapeScheme,
  VllmImage,
} from '../src';

const model = Model.LLAMA_3_1_8B_INSTRUCT;
const crd = (file: string) => `${__dirname}/crds/${file}`;

describe('monitoring', () => {
  test('PdService monitoring: a PodMonitor per tier on /metrics of the http port, and one for the router on its metrics port', () => {
    const c = chart();
    new PdService(c, 'Llama', { model, monitoring: { interval: Duration.seconds(15), labels: { release: 'kube-prometheus-stack' } } });
    const objects = synth(c);
    expect(objects.filter(o => o.kind === 'PodMonitor')).toMatchSnapshot();
    for (const component of ['prefill', 'decode']) {
      const monitor = find(objects, 'PodMonitor', component);
      const dep = find(objects, 'Deployment', component);
      expect(monitor.apiVersion).toBe('monitoring.coreos.com/v1');
      expect(monitor.spec.selector.matchLabels).toEqual(dep.spec.selector.matchLabels);
      expect(monitor.metadata.labels.release).toBe('kube-prometheus-stack');
      expect(monitor.spec.podMetricsEndpoints).toEqual([{
        port: 'http',
        path: '/metrics',
        scheme: 'http',
        interval: '15s',
        relabelings: [
          { sourceLabels: ['__meta_kubernetes_pod_label_app_kubernetes_io_instance'], targetLabel: 'app_kubernetes_io_instance' },
          { sourceLabels: ['__meta_kubernetes_pod_label_app_kubernetes_io_component'], targetLabel: 'app_kubernetes_io_component' },
        ],
      }]);
      // The scraped port exists on the pod under that name.
      expect(container(dep).ports.map((p: any) => p.name)).toContain('http');
    }
    const router = find(objects, 'PodMonitor', 'router');
    const routerDep = find(objects, 'Deployment', 'router');
    expect(router.spec.selector.matchLabels).toEqual(routerDep.spec.selector.matchLabels);
    expect(router.spec.podMetricsEndpoints[0].port).toBe('metrics');
    expect(container(routerDep).ports).toContainEqual({ name: 'metrics', containerPort: 29000, protocol: 'TCP' });
    // vllm-router binds its exporter to 0.0.0.0, or Prometheus could not reach it.
    const args: string[] = container(routerDep).args;
    expect(args[args.indexOf('--prometheus-host') + 1]).toBe('0.0.0.0');
  });

  test('the router Service exposes the metrics port (always), and a ServiceMonitor selects the Services', () => {
    const c = chart();
    new PdService(c, 'Llama', {
      model,
      monitoring: { kind: MonitorKind.SERVICE_MONITOR, interval: Duration.seconds(30), scrapeTimeout: Duration.seconds(10) },
      decode: { monitoring: { interval: Duration.minutes(1) } },
    });
    const objects = synth(c);
    expect(objects.filter(o => o.kind === 'ServiceMonitor' || o.kind === 'PodMonitor')).toMatchSnapshot();
    const svc = find(objects, 'Service', 'router');
    expect(svc.spec.ports).toContainEqual({ name: 'metrics', port: 29000, targetPort: 'metrics', protocol: 'TCP' });
    const routerMonitor = find(objects, 'ServiceMonitor', 'router');
    expect(routerMonitor.spec.selector.matchLabels).toEqual(svc.spec.selector);
    expect(Object.entries(routerMonitor.spec.selector.matchLabels).every(([k, v]) => svc.metadata.labels[k] === v)).toBe(true);
    expect(routerMonitor.spec.endpoints[0]).toMatchObject({ port: 'metrics', path: '/metrics', interval: '30s', scrapeTimeout: '10s' });
    const prefill = find(objects, 'ServiceMonitor', 'prefill');
    const prefillSvc = find(objects, 'Service', 'prefill');
    expect(Object.entries(prefill.spec.selector.matchLabels).every(([k, v]) => prefillSvc.metadata.labels[k] === v)).toBe(true);
    // A tier's own monitoring wins over the service-wide one.
    expect(find(objects, 'PodMonitor', 'decode').spec.podMetricsEndpoints[0].interval).toBe('60s');
  });

  test('no monitor objects by default', () => {
    const c = chart();
    new PdService(c, 'Llama', { model });
    expect(synth(c).filter(o => /Monitor$/.test(o.kind))).toEqual([]);
  });

  test('HTTPS scrape of a tier that serves TLS', () => {
    const c = chart();
    new PrefillTier(c, 'Prefill', {
      model,
      extraArgs: ['--ssl-certfile=/tls/tls.crt', '--ssl-keyfile=/tls/tls.key'],
      monitoring: { scheme: ScrapeScheme.HTTPS },
    });
    expect(find(synth(c), 'PodMonitor').spec.podMetricsEndpoints[0].scheme).toBe('https');
  });

  test('fails on an HTTPS scrape of a tier without TLS, on an HTTPS router scrape, and on a timeout above the interval', () => {
    expect(() => new PrefillTier(chart(), 'Prefill', { model, monitoring: { scheme: ScrapeScheme.HTTPS } }))
      .toThrow(/'monitoring.scheme' \('https'\) needs vLLM to serve TLS: add '--ssl-certfile'/);
    expect(() => new PdService(chart(), 'Llama', { model, router: { monitoring: { scheme: ScrapeScheme.HTTPS } } }))
      .toThrow(/PdRouter 'test\/Llama\/Router': 'monitoring.scheme' \('https'\) must be ScrapeScheme.HTTP: vllm-router's Prometheus exporter serves plain HTTP/);
    expect(() => new PrefillTier(chart(), 'Prefill', { model, monitoring: { interval: Duration.seconds(10), scrapeTimeout: Duration.seconds(20) } }))
      .toThrow(/'monitoring.scrapeTimeout' \('20s'\) must not exceed monitoring.interval \(10s\)/);
    expect(() => new PrefillTier(chart(), 'Prefill', { model, monitoring: { interval: Duration.millis(1500) } }))
      .toThrow(/'monitoring.interval' \('1500ms'\) must be a whole number of seconds >= 1/);
  });

  test('fails on bad monitoring props from plain JavaScript', () => {
    expect(() => new PrefillTier(chart(), 'Prefill', { model, monitoring: { kind: 'Probe' } as any }))
      .toThrow(/'monitoring.kind' \('Probe'\) must be one of PodMonitor, ServiceMonitor \(MonitorKind\)/);
    expect(() => new PrefillTier(chart(), 'Prefill', { model, monitoring: { labels: { 'bad key!': 'x' } } }))
      .toThrow(/'monitoring.labels key' \('bad key!'\)/);
    expect(() => new PrefillTier(chart(), 'Prefill', { model, monitoring: { labels: { release: 'a b' } } }))
      .toThrow(/'monitoring.labels.release' \('a b'\)/);
    expect(() => new PrefillTier(chart(), 'Prefill', { model, monitoring: { intervall: Duration.seconds(5) } as any }))
      .toThrow(/'monitoring.intervall' .* is not a prop of MonitoringOptions \(did you mean 'interval'\?\)/);
    expect(() => new PrefillTier(chart(), 'Prefill', { model, monitoring: { labels: { 'app.kubernetes.io/component': 'x' } } }))
      .toThrow(/'monitoring.labels.app.kubernetes.io\/component' \('x'\) collides with the library's label app.kubernetes.io\/component=prefill/);
  });

  test('the CRD check refuses a field the schema does not declare', () => {
    const c = chart();
    new PrefillTier(c, 'Prefill', { model, monitoring: {} });
    const monitor = find(synth(c), 'PodMonitor');
    expect(() => validateAgainstCrd({ ...monitor, spec: { ...monitor.spec, podMetricEndpoints: [] } }, crd('monitoring.coreos.com_podmonitors.yaml')))
      .toThrow(/PodMonitor .* fails its CRD schema \(monitoring.coreos.com_podmonitors.yaml\): .*must NOT have additional properties/);
    expect(() => validateAgainstCrd({ ...monitor, spec: { ...monitor.spec, podMetricsEndpoints: [{ port: 'http', scheme: 'ftp' }] } },
      crd('monitoring.coreos.com_podmonitors.yaml'))).toThrow(/must be equal to one of the allowed values/);
    expect(() => validateAgainstCrd(monitor, crd('keda.sh_scaledobjects.yaml'))).toThrow(/is not the CRD of monitoring.coreos.com\/v1 PodMonitor/);
  });
});

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
